"""The one scenario of a session, shared by every page and kept in the URL.

The scenario (name -> "value unit" text, as in ``calc.scenario``) lives under one session-state
key that no widget owns, so it survives page changes (Streamlit forgets the state of widgets that
a run does not draw). The Estimate page's fields are filled from it when they are first drawn,
and after a preset or a file is loaded; every page writes it back to the URL.

A page may also keep its own fields in the URL beside the scenario, named ``page.field`` (the
Parallel layouts page: ``layouts.chips=1024``), so that a shared link reproduces it: ``view``
gives them back (from the link, or from the page's last visit), ``keep`` writes them.
"""

from __future__ import annotations

import math

import pint
import streamlit as st

import calc
from calc.architecture import published
from calc.display import escape, show
from calc.errors import did_you_mean
from calc.scenario import count, has_range, inputs, read_query, same_run
from calc.uncertainty import simulate

KEY, PROBLEMS, PENDING = "scenario", "url_problems", "scenario_pending"
VIEWS, PAGE = "page_views", "page_now"  # each page's own URL fields; the page this run draws
OWN_FIELDS = ("layouts", "thresholds", "lifetime", "serving")  # the pages (by URL path) that keep fields of their own in the URL
NEAR = 0.10  # a published shape stands for the scenario's model within 10% of its parameters


def start(page: str = "", titles: dict[str, str] | None = None) -> None:
    """Each run, before the page (``page``: its URL path): read the URL on a session's first run,
    else write the scenario, and the page's own fields, to it. ``titles``: each page's URL path and title (app.py's
    navigation; "estimate" the default page's), so that a link's ``shape.model`` is told the Model shape page
    keeps no fields in its link, not that it is no name of the calculator."""
    st.session_state[PAGE] = page
    if KEY not in st.session_state:
        query, views, twice = {}, {}, []
        for k in st.query_params:  # a name given twice with two values ('params=70e9&params=80e9') is dropped and
            values = list(dict.fromkeys(st.query_params.get_all(k)))  # said, never read as its last (fresh17)
            if len(values) > 1:
                twice.append(f"{k}: given twice in the link, as {values[0]!r:.60} and {values[-1]!r:.60}; "
                             "give it once")
            else:
                query[k] = values[0] if values else ""
        for k in list(query):
            owner, dot, field = k.partition(".")
            if dot and field and owner in OWN_FIELDS:
                views.setdefault(owner, {})[field] = query.pop(k)
            elif dot and field and owner in (titles or {}):
                query.pop(k)
                twice.append(_no_own_fields(k, owner, titles))
        scenario, problems = read_query(query, lambda k: _own_hint(page, k))
        st.session_state[KEY] = scenario
        st.session_state[PROBLEMS] = twice + problems
        st.session_state[PENDING] = True
        st.session_state[VIEWS] = views
    _to_url(st.session_state[KEY])
    for problem in st.session_state.get(PROBLEMS, []):
        st.warning(f"Ignored from the link: {escape(problem)}")


def _own_hint(page: str, name: str) -> str:
    """What a link's unknown undotted ``name`` may have meant on ``page`` (its URL path): the page's own
    field, written ``page.name`` ('/serving?model=...' meant serving.model); "" on a page without fields of
    its own, or for a name that already holds a dot."""
    if page not in OWN_FIELDS or "." in name or not name.isprintable():
        return ""
    return f"this page's own fields are written with its name first, as {page}.{name[:40]}"


def _no_own_fields(name: str, owner: str, titles: dict[str, str]) -> str:
    """What a link's ``name`` (``owner.field``, ``owner`` a page's URL path not in OWN_FIELDS) is told: that page
    keeps no fields in its link, and which pages do."""
    title = titles[owner]
    if owner == "estimate":
        return (f"{name[:60]}: the {title} page's fields are written in a link without the page's name "
                "(params=70e9, hardware=H100 SXM5)")
    own = [titles.get(p, p) for p in OWN_FIELDS]
    return (f"{name[:60]}: the {title} page keeps no fields in its link; only the {', '.join(own[:-1])} and "
            f"{own[-1]} pages do (as serving.model)")


def get() -> dict[str, str]:
    """The session's scenario (a copy)."""
    return dict(st.session_state.get(KEY, {}))


def put(scenario: dict[str, str]) -> None:
    """Make ``scenario`` the session's scenario; the URL follows."""
    if scenario != st.session_state.get(KEY):
        st.session_state[KEY] = dict(scenario)
        st.session_state[PROBLEMS] = []
    _to_url(scenario)


def load(scenario: dict[str, str]) -> None:
    """Replace the scenario (a preset, a file); the Estimate page's fields take it on its next run."""
    put(scenario)
    st.session_state[PENDING] = True


def view(page: str) -> dict[str, str]:
    """``page``'s own fields (name -> text, unchecked: the page checks them), from the link that
    opened the session or from the page's last visit; {} if none."""
    return dict(st.session_state.get(VIEWS, {}).get(page, {}))


def seed(page: str, fields: dict, read, default) -> list[str]:
    """Fill ``page``'s fields (name -> (widget key, kind)) that this visit has not drawn yet from its
    link or last visit (``read(name, kind, text)``), else from ``default(name)``, in order; returns
    what the link held that cannot be read, one line each."""
    saved, problems = view(page), []
    for name, (key, kind) in fields.items():
        if key in st.session_state:
            continue
        if name in saved:
            try:
                st.session_state[key] = read(name, kind, saved[name])
                continue
            except ValueError as exc:
                problems.append(f"{page}.{name}: {getattr(exc, 'message', exc)}")
        st.session_state[key] = default(name)
    problems += [f"{page}.{k[:40]}: not a field of this page{did_you_mean(k, fields)}; expected one of "
                 f"{', '.join(fields)}" for k in saved if k not in fields]  # the one look-alike of calc.errors
    return problems


def keep(page: str, fields: dict[str, str]) -> None:
    """Keep ``page``'s own fields in the URL beside the scenario, as ``page.name=text``."""
    st.session_state.setdefault(VIEWS, {})[page] = dict(fields)
    _to_url(get())


def take_pending() -> bool:
    """Whether the fields must be refilled from the scenario (once per load)."""
    return bool(st.session_state.pop(PENDING, False))


def known() -> dict:
    """The session's scenario as inputs of ``calc.estimate``; {} if a field cannot be read."""
    try:
        return inputs(get())
    except calc.InputError:
        return {}


def compute() -> pint.Quantity | None:
    """The training compute of the session's scenario (the median, for a range); None if unknown."""
    return _compute(tuple(sorted(get().items())))


@st.cache_data(max_entries=64)
def _compute(items: tuple) -> pint.Quantity | None:
    try:
        known = inputs(dict(items))
        if has_range(known):
            return simulate(samples=2_000, seed=0, **known).interval("compute")[1]
        est = calc.estimate(**known)
    except calc.InputError:
        return None
    return est.compute if "compute" in est else None


def known_shape() -> tuple[str, str] | None:
    """The model's shape, when the scenario names one (a name of ``calc.architecture.published()``), and why,
    in words: the published run it was loaded from (its parameters and tokens as that preset gives them), or the shape
    the Model shape page sent (its parameter count to 4 figures; that page writes 6); None otherwise.

    A bare parameter count is not a shape: 70B could be Llama 2 70B, Chinchilla or a model of its own. Only a
    known shape gets a modelled utilization (its fastest layout on the chip, ``calc.perf.modelled_utilization``),
    on every page (``estimate``), as on the command line (``--model``, ``--config``, a layout)."""
    shapes = _shapes()
    params, active = _count("params"), _count("active_params")
    if params is None:
        return None
    tokens = _count("tokens")
    # its counts, however written; the tokens too: 70B alone is Llama 2 70B's count, and Chinchilla's
    same = same_run(get())
    if same:
        return same, (f"the published run with its {show('params', calc.Q_(params, 'param'))} and "
                      f"{show('tokens', calc.Q_(tokens, 'token'))}")

    def figures(q: float) -> float:
        return float(f"{q:.4g}")

    sent = [name for name, (t, *_) in shapes.items() if figures(t.params().m_as("param")) == figures(params)
            and (active is None or figures(t.active_params().m_as("param")) == figures(active))]
    if sent:
        return sent[0], f"the shape of the Model shape page, {show('params', shapes[sent[0]][0].params())}"
    return None


def scenario_shape() -> tuple[str, str] | None:
    """A published shape to START a page from (Model shape, Parallel layouts, Lifetime, Serving), and why, in
    words: the scenario's own (``known_shape``), else the shape nearest its parameters (and active parameters)
    within 10%; None if none. Only a starting point: estimates take ``known_shape`` (see ``estimate``)."""
    known = known_shape()
    params, active = _count("params"), _count("active_params")
    if known is not None or params is None:
        return known
    shapes = _shapes()

    def distance(name: str) -> float:
        t = shapes[name][0]
        gap = abs(math.log(t.params().m_as("param") / params))
        return gap + (abs(math.log(t.active_params().m_as("param") / active)) if active else 0)

    name = min(shapes, key=distance)
    if distance(name) > math.log1p(NEAR) * (2 if active else 1):
        return None
    return name, (f"the published shape nearest its {show('params', calc.Q_(params, 'param'))} "
                  f"(this one has {show('params', shapes[name][0].params())})")


def estimate(known: dict) -> calc.Estimate:
    """The estimate of the session's scenario (``known``: its inputs, ``calc.scenario.inputs``), the one every
    page shows (Estimate, Cost, Compare...): the utilization modelled when the scenario's shape is known
    (``known_shape``, or the shape the Model shape page sent, ``sent_shape``), else the default, as
    ``calc.estimate`` does on the command line (``--model``, ``--config``)."""
    shape = known_shape()
    sent = None if shape else sent_shape()
    return calc.estimate(**known, utilization_model=shape[0] if shape else sent and sent[1])


CHIP = "H100 SXM5"  # the chip a page starts from when the scenario names none it can use


def scenario_hardware(choices) -> str:
    """The accelerator a page starts from: the scenario's where ``choices`` (the page's chips) holds it, else the
    H100 SXM5. The one default of the pages' chip fields (the Model shape page's memory section opened on the H100
    with the scenario on V100 SXM2, where Parallel layouts followed it)."""
    own = get().get("hardware")
    return own if own in choices else CHIP


SENT = "shape_sent"  # the shape the Model shape page sent that no published name stands for (not in the URL)


def send_shape(shape, name: str) -> None:
    """Keep the shape the Model shape page sends to Estimate where no published name stands for it (an uploaded
    config.json, or a published shape with fields changed), and its name; None forgets it."""
    st.session_state[SENT] = None if shape is None else (name, shape)


def sent_shape() -> tuple | None:
    """The (name, shape) the Model shape page sent, while the scenario still holds its parameter counts (to 4
    figures; that page writes 6); None otherwise. With it the Estimate page models the utilization of that shape, as
    ``python -m calc estimate --config FILE`` does for the same file (doors12: it took the default)."""
    sent = st.session_state.get(SENT)
    params, active = _count("params"), _count("active_params")
    if not sent or params is None:
        return None

    def figures(q: float) -> float:
        return float(f"{q:.4g}")

    shape = sent[1]
    if figures(shape.params().m_as("param")) != figures(params) or (
            active is not None and figures(shape.active_params().m_as("param")) != figures(active)):
        return None
    return sent


SHAPE_HINT = "pick the model's shape (Start from / Model shape) for a modelled utilization"


@st.cache_resource
def _shapes() -> dict:
    return published()


def tokens() -> float | None:
    """The scenario's training tokens as a number (a range's median), or None."""
    return _count("tokens")


def median(name: str) -> pint.Quantity | None:
    """The scenario's ``params``, ``active_params`` or ``tokens`` (a range's median), or None."""
    value = _count(name)
    return None if value is None else calc.Q_(value, "token" if name == "tokens" else "param")


def _count(name: str, scenario: dict[str, str] | None = None) -> float | None:
    """``params``, ``active_params`` or ``tokens`` of ``scenario`` (the session's if None) as a
    number (a range's median), rounded to 6 figures so that 70B and 70 Gparam are equal; or None."""
    return count(name, get() if scenario is None else scenario)


def _to_url(scenario: dict[str, str]) -> None:
    page = st.session_state.get(PAGE, "")
    own = st.session_state.get(VIEWS, {}).get(page, {}) if page in OWN_FIELDS else {}
    wanted = {**scenario, **{f"{page}.{k}": v for k, v in own.items()}}
    current = {k: st.query_params.get(k) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)
