"""Estimate page: fields -> the session's scenario -> calc.estimate (or simulate) -> numbers and charts.

The scenario is the session's one (app_pages/session.py): the fields are filled from it and write
it back, so other pages, the URL and the downloaded file all hold what is on screen. The inputs
and results are one fragment: a change reruns only them, not the page around.
"""

from __future__ import annotations

import json
import time

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import calc
from app_pages import charts, session
from calc import data
from calc.display import LABELS, escape, explain, label, number, same_decimals, show
from calc.errors import InputErrors
from calc.finetuning import methods
from calc.perf.utilization import mfu_band
from calc.prices import read_price
from calc.scenario import check_fields, has_range, inputs, presets, read_scenario, to_json, what_to_add
from calc.uncertainty import parse_range, simulate
from calc.units import is_plain_number
from calc.vocabulary import BY_NAME

LAYOUT = [  # (section, names) in the order a reader sets them
    ("Model and data", ["params", "active_params", "tokens", "dataset_size", "flop_per_param_token", "compute"]),
    ("Hardware and time", ["peak", "chips", "utilization", "duration", "chip_hours"]),
    ("Money and energy", ["price", "cost", "power", "pue", "energy", "carbon_intensity", "emissions"]),
]
FIELDS = [n for _, names in LAYOUT for n in names]
PAINT = 0.03  # seconds the server waits after the numbers: two frames at 60 Hz, so the browser paints them first
HEADLINE = ["compute", "duration", "chip_hours", "cost", "utilization", "energy", "emissions", "price"]
# Placeholders in the unit the label names (a plain number is read in it): short enough for the box.
EXAMPLES = {
    "params": "175 Gparam", "active_params": "37 Gparam", "tokens": "300 Gtoken", "flop_per_param_token": "6",
    "compute": "3.14 × 10²³", "dataset_size": "40", "peak": "989", "chips": "1024", "utilization": "0.4 or 40%",
    "duration": "14.8", "chip_hours": "3.5 × 10⁶", "price": "2", "cost": "4.6 × 10⁶", "power": "700", "pue": "1.1",
    "energy": "1,300", "carbon_intensity": "0.429", "emissions": "552",
}
NO_HARDWARE, DEFAULT_PRECISION, PRETRAINING = "(none)", "(default)", "(none)"  # short: a 150 px box shows it whole
DATASET_SIZE = ("size of the training text; read as tokens at about 4 bytes of English per token (data/facts.csv) "
                "when tokens is empty")
_MEANINGS = "\n".join(f"- **{label(n)}** (`{n}` in links and files): "
                       f"{DATASET_SIZE if n == 'dataset_size' else BY_NAME[n].meaning}." for n in FIELDS)
SAMPLES = [1_000, 10_000, 100_000]
METRIC_WIDTH = 230  # pixels: four to a row on a laptop, one on a phone
FIELD_WIDTH = 150  # pixels: six to a row on a laptop, two on a phone
UNIT_IN_WORDS = ("chip_hours",)  # fields whose label's words are their unit ("Chip-hours"): the box holds the number


def _in_label_unit(name: str, text: str) -> str:
    """A field's text without the unit its label names ("1.16" under "Price per chip-hour (USD)", not
    "1.16 USD/chip/hour", cut at the box's edge); ``_field_text`` reads it back in that unit. "Chip-hours" names
    its unit in its words: DeepSeek-V3's preset read "2.788 × 10⁶ chip hour", its last letter at the box's edge."""
    unit = LABELS[name][1]
    number_part = text[:-len(unit) - 1]
    named = label(name) != label(name, unit=False) or name in UNIT_IN_WORDS
    if named and text.endswith(f" {unit}") and is_plain_number(number_part):
        return number_part
    return text


def _fill_fields(scenario: dict[str, str], every: bool) -> None:
    """Set the fields from the scenario: all of them after a load, else only those not drawn yet."""
    values = {f"in_{n}": _in_label_unit(n, scenario.get(n, "")) for n in FIELDS}
    values["in_hardware"] = scenario.get("hardware", NO_HARDWARE)
    values["in_precision"] = scenario.get("precision", DEFAULT_PRECISION)
    values["in_finetune"] = scenario.get("finetune", PRETRAINING)
    for key, value in values.items():
        if every or key not in st.session_state:
            st.session_state[key] = value


def _on_preset() -> None:
    name = st.session_state.get("preset")
    session.load(presets().get(name, {}))


def _field_text(name: str) -> str:
    """A field's text; a plain number in a field whose label names a unit is read in that unit."""
    text = " ".join(str(st.session_state.get(f"in_{name}", "")).split())
    unit = LABELS[name][1]
    term = BY_NAME.get(name)
    if text and unit and not (term and term.bare_ok) and is_plain_number(text.split("..")[-1].split(":")[-1]):
        text = f"{text} {unit}"
    return text


def _scenario_from_fields() -> dict[str, str]:
    scenario = {n: t for n in FIELDS if (t := _field_text(n))}
    if st.session_state.get("in_hardware", NO_HARDWARE) != NO_HARDWARE:
        scenario["hardware"] = st.session_state["in_hardware"]
    if st.session_state.get("in_precision", DEFAULT_PRECISION) != DEFAULT_PRECISION:
        scenario["precision"] = st.session_state["in_precision"]
    if st.session_state.get("in_finetune", PRETRAINING) != PRETRAINING:
        scenario["finetune"] = st.session_state["in_finetune"]
    return scenario


def _field_errors(scenario: dict[str, str]) -> dict[tuple[str, ...], str]:
    """Every field that does not read, each with what was expected and what was read, all at once: checked as a
    scenario file's fields are (``calc.scenario.check_fields``: chips as a whole number, '2.5' under "Not read" with
    the tokens' '5 m', not alone once they read, doors23); a price per node with the hardware chosen."""
    try:
        check_fields({n: t for n in FIELDS if (t := scenario.get(n))})
        problems = []
    except InputErrors as exc:
        problems = list(exc.errors)
    except calc.InputError as exc:
        problems = [exc]
    errors = {(e.field,): e.message for e in problems}
    price = scenario.get("price")
    if price and ("price",) not in errors and parse_range(price, "price") is None:
        try:  # per chip, or per node of the hardware
            read_price(price, scenario.get("hardware"))
        except calc.InputError as exc:
            errors[("price",)] = exc.message
    return {(n,): errors[(n,)] for n in FIELDS if (n,) in errors}  # in the order of the fields on screen


def _run_errors(exc: calc.InputError) -> dict[tuple[str, ...], str]:
    """An error of the estimate as one of the fields': the fields it names (a contradiction names
    several), or none when it is about something else (the hardware, the number format)."""
    names = tuple(n for n in getattr(exc, "fields", (exc.field,)) if n in FIELDS)
    return {names: exc.message} if names else {}


def _error_text(errors: dict[tuple[str, ...], str]) -> str:
    """The errors as Markdown, each field named by the label on screen."""
    return "\n".join(f"- **{' and '.join(label(n) for n in names)}**: {escape(m, limit=300)}"
                      for names, m in errors.items())


def _render_inputs(errors: dict[tuple[str, ...], str], heading: str = "Not read") -> None:
    # Rows are horizontal containers, not columns: one element each instead of one per column (a
    # field change redraws every element), and on a phone they wrap instead of stacking one per row.
    row = st.container(horizontal=True)
    row.selectbox(label("hardware"), [NO_HARDWARE, *data.hardware_table()], key="in_hardware", width=FIELD_WIDTH * 2,
                  help="An accelerator of data/hardware.csv: its peak, power and price become defaults.")
    row.selectbox(label("precision"), [DEFAULT_PRECISION, *data.PRECISIONS], key="in_precision", width=FIELD_WIDTH,
                  help="Number format the peak is counted in; default bf16, or fp16 where the chip has no bf16.")
    row.selectbox(label("finetune"), [PRETRAINING, *methods()], key="in_finetune", width=FIELD_WIDTH,
                  help="A fine-tuning run: its FLOP per token (LoRA and QLoRA: 4 per weight, no weight gradients; "
                       "data/finetuning.csv), and no pre-training warnings.")
    marked = [n for n in FIELDS if any(n in bad for bad in errors)]
    st.html(f"<style>{_red_labels(marked) if marked else ''}</style>")  # a bad field's label in red
    for section, names in LAYOUT:
        st.markdown(f"**{section}**")
        row = st.container(horizontal=True, vertical_alignment="bottom")  # boxes in line when a label takes two lines
        for n in names:  # no help icon per field: each is a tooltip to draw on every change
            row.text_input(label(n), key=f"in_{n}", placeholder=f"e.g. {EXAMPLES[n]}", width=FIELD_WIDTH)
        if bad := {k: m for k, m in errors.items() if k[0] in names}:  # right under the row it is in
            st.error(f"{heading} in {section.lower()}:\n{_error_text(bad)}")


def _red_labels(names: list[str]) -> str:
    """CSS that draws the labels of the fields ``names`` in red (Streamlit's red text, light and dark), leaving the
    label itself plain: a label written ":red[Chips]" was the field's aria-label, what a screen reader reads (fresh20).

    The red follows the app's theme, not the system's: Streamlit sets each element's ``color-scheme`` to its theme,
    which CSS ``light-dark()`` reads; the system's setting (``prefers-color-scheme``) is the fallback of a browser
    without it. By the system's alone, a theme chosen in Settings against it drew the dark theme's label in the light
    red on near-black and the light theme's in the pale red on white (fresh21, chromium: contrast about 2.5:1).

    >>> print(_red_labels(["chips"]).replace("} ", "}\\n"))
    .st-key-in_chips label p {color: #9e303b}
    @media (prefers-color-scheme: dark) {.st-key-in_chips label p {color: #ff6c6c}}
    @supports (color: light-dark(#000, #fff)) {.st-key-in_chips label p {color: light-dark(#9e303b, #ff6c6c)}}
    """
    where = ", ".join(f".st-key-in_{n} label p" for n in names)
    light, dark = "#9e303b", "#ff6c6c"
    return (f"{where} {{color: {light}}} @media (prefers-color-scheme: dark) {{{where} {{color: {dark}}}}} "
            f"@supports (color: light-dark(#000, #fff)) {{{where} {{color: light-dark({light}, {dark})}}}}")


def _run(known: dict):
    """The estimate of ``known``; with a range anywhere, the simulation (its estimate holds samples)."""
    if has_range(known):
        sim = simulate(samples=int(st.session_state.get("samples", 10_000)), seed=0, **known)
        return sim.estimate, sim
    return session.estimate(known), None  # the one estimate of the scenario, as Cost and Compare take it


def _chip_time_unit(q) -> str:
    """Chip-hours, as people count them (GPU-hours), however large: "30.8M"."""
    return "chip*hour"


def _headline(name: str, q, unit: str = "") -> str:
    """A metric's value: compute as a power of ten and chip time as a number (their labels name the
    unit: the value then fits its box), the rest in their units."""
    if name == "compute":
        return number(q.m_as("FLOP"))
    if name == "chip_hours":  # 30.8M, not 3.08 × 10⁷: the label names the unit
        return show(name, q, short=True).removesuffix(" chip-hours")
    return show(name, q, short=True)


def _metric_label(name: str, unit: str) -> str:
    if name == "chip_hours":  # the label says which: "Chip time (chip-years)" over "5,613"
        return "Chip time (chip-hours)"
    return label(name, unit=name == "compute")  # "Training compute (FLOP)"


def _render_metrics(est: calc.Estimate, sim) -> None:
    row = st.container(horizontal=True)  # one block that wraps, not a row of columns per four metrics
    for n in [n for n in HEADLINE if n in est]:
        item = est[n]
        unit = _chip_time_unit(item.value) if n == "chip_hours" else ""
        name = _metric_label(n, unit)
        if sim is None and item.source == "modelled":  # the value, and under it the step model's error band
            box = row.container(width=METRIC_WIDTH, gap=None)
            box.metric(f"{name} · {item.source}", _headline(n, item.value, unit), help=escape(item.how))
            low, high = mfu_band(float(item.value.m_as("")))
            shape = session.known_shape()  # whose layouts were searched, and why that shape
            sent = None if shape else session.sent_shape()
            shape = shape or (sent and (sent[0], "the shape the Model shape page sent"))
            whose = f"{escape(shape[0])}'s fastest layout ({escape(shape[1])})" if shape else "the fastest layout"
            box.caption(f"{whose} on this chip; band {low:.0%} to {high:.0%}, where two published runs in three land")
            continue
        if sim is None:
            years = (f"{number(float(np.median(item.value.m_as('chip*year'))))} chip-years"  # as articles quote GPU-years
                     if n == "chip_hours" else None)
            why = escape(item.how) if n == "utilization" and item.why_default else None
            row.metric(f"{name} · {item.source}", _headline(n, item.value, unit), width=METRIC_WIDTH, help=years or why)
            continue
        box = row.container(width=METRIC_WIDTH, gap=None)  # the median and, under it, its interval
        how = "" if item.source == "given" else f" — {item.how}"
        lo, mid, hi = sim.interval(n)
        ends = same_decimals(*(_headline(n, q, unit) if unit else show(n, q, True) for q in (lo, hi)))  # one format
        box.metric(f"{name} · {item.source}", _headline(n, mid, unit),  # "· median" would cut the label
                   help=escape(f"Median; 90% interval {ends[0]} – {ends[1]}{how}"))
        if lo.magnitude != hi.magnitude:
            box.caption(f"median; 90%: {escape(ends[0])} – {escape(ends[1])}")


def _utilization_note(est: calc.Estimate, sim) -> None:
    """Under the metrics, why the utilization is the default: no layout modelled for the known shape (the reason),
    or no shape known at all (a bare parameter count), with how to get a modelled one."""
    item = est["utilization"] if "utilization" in est else None
    if sim is not None or item is None or item.source != "default":
        return
    if item.why_default:  # a shape, but no layout of it was modelled: the reason
        st.caption(f"Utilization: {escape(item.why_default)}.")
    elif "params" in session.get() and session.known_shape() is None and session.sent_shape() is None:
        st.caption(f"Utilization: the default, for a parameter count alone; {session.SHAPE_HINT}.")


def _derivation(est: calc.Estimate) -> str:
    """The steps of the estimate as Markdown, each formula as code with its citation under it."""
    lines = []
    for line, step in zip(explain(est), est.steps):
        cite = step.split("  ", 1)[1].strip() if "  " in step else ""
        lines.append(f"- `{line.replace('`', '')}`" + (f"  \n  _{escape(cite)}_" if cite else ""))
    return "\n".join(lines)


def _table(est: calc.Estimate) -> pd.DataFrame:
    """Every quantity: its value, whether it was given, derived or a default, and how."""
    return pd.DataFrame([
        {"Quantity": label(n, unit=False), "Value": show(n, it.value), "Source": it.source,
         "How": "" if it.source == "given" else it.how}
        for n, it in est.items.items()
    ] + [{"Quantity": label(n, unit=False), "Value": "—", "Source": "unknown", "How": why}
         for n, why in est.undetermined.items()])


_CSV_UNIT = {"utilization": "fraction of peak", "pue": "ratio", "chip_hours": "chip hour"}


def _results_csv(est: calc.Estimate) -> str:
    """Every quantity as plain numbers for a spreadsheet: the value (the median of a range, with its
    90% interval) in the unit named beside it, and the text the page shows."""
    rows = []
    for n, it in est.items.items():
        unit = _CSV_UNIT.get(n) or LABELS.get(n, ("", ""))[1] or f"{it.value.units:~C}"
        x = np.asarray(it.value.m_as(LABELS[n][1] if n in LABELS else it.value.units), dtype=float).reshape(-1)
        lo, mid, hi = np.percentile(x, [5, 50, 95]) if x.size > 1 else (x[0], x[0], x[0])
        rows.append({"quantity": label(n, unit=False), "name": n, "value": mid, "unit": unit,
                     "low_90pct": lo if x.size > 1 else None, "high_90pct": hi if x.size > 1 else None,
                     "shown": show(n, it.value), "source": it.source, "how": "" if it.source == "given" else it.how})
    rows += [{"quantity": label(n, unit=False), "name": n, "source": "unknown", "how": why}
             for n, why in est.undetermined.items()]
    return pd.DataFrame(rows, columns=["quantity", "name", "value", "unit", "low_90pct", "high_90pct", "shown",
                                       "source", "how"]).to_csv(index=False)


def _render_details(derivation: str, table: pd.DataFrame) -> None:
    if derivation:
        with st.expander("How it was derived", expanded=True):
            st.markdown(derivation)  # one element, not one per step
    every = st.expander("Every quantity", key="every_quantity", on_change="rerun")
    if every.open:  # drawn only while open: a field change need not redraw a closed table
        every.table(table, hide_index=True)  # a static table wraps its cells: nothing cut


@st.cache_data
def _sweep_spec(field: str, title: str, money: bool, color: str) -> dict:
    """The Vega-Lite spec of a chip-count chart, built and validated by Altair once: the same spec every
    run, so the browser updates the chart's data in place instead of embedding it anew. Its data comes
    with each run as the named dataset ``sweep``, which every layer reads (no layer may name one of its
    own). Named, not st.vega_lite_chart's ``data``: that one reaches the browser after the chart's first
    draw, whose empty log scales logged "Infinite extent" warnings in the console."""
    x = alt.X("chips:Q", scale=alt.Scale(type="log"), axis=charts.plain_axis("Chips", log=True))
    axis = charts.money_axis(title, log=True) if money else charts.plain_axis(title, log=True)
    y = alt.Y(f"{field}:Q", scale=alt.Scale(type="log"), axis=axis)  # no zero=False: a log scale has none (Vega warns)
    tip = [alt.Tooltip("chips:Q", title="chips", format=",.0f"), alt.Tooltip(f"{field}_text:N", title=title)]
    line = alt.Chart().mark_line(color=color).encode(x=x, y=y, tooltip=tip)
    dot = alt.Chart().mark_point(size=120, filled=True, color="black").encode(x=x, y=y, tooltip=tip) \
        .transform_filter("datum.here")
    spec = alt.layer(line, dot).properties(title=f"{title.split(' (')[0]} against chip count",
                                           height=charts.HEIGHT).to_dict()
    for part in [spec, *spec.get("layer", [])]:
        part.pop("data", None)
        part.pop("datasets", None)
    spec["data"] = {"name": "sweep"}
    return spec


def _sweep(known: dict) -> pd.DataFrame | None:
    """Duration and cost at 41 chip counts from 1/32 to 32 times the scenario's, all else equal;
    None where they cannot be drawn."""
    try:
        centre = float(calc.estimate(chips=known["chips"]).chips.m_as("chip"))
        chips = np.unique(np.round(np.geomspace(max(1.0, centre / 32), centre * 32, 41)))
        est = calc.estimate(**{**known, "chips": chips})
    except calc.InputError:
        return None
    if "duration" not in est or "cost" not in est:
        return None
    days, usd = np.broadcast_to(est.duration.m_as("day"), chips.shape), np.broadcast_to(est.cost.m_as("USD"), chips.shape)
    return pd.DataFrame({"chips": chips, "days": days, "usd": usd,
                         "days_text": [show("duration", calc.Q_(d, "day")) for d in days],
                         "usd_text": [show("cost", calc.Q_(u, "USD")) for u in usd],
                         "here": np.abs(np.log(chips / centre)) == np.abs(np.log(chips / centre)).min()})


def _render_sweep(df: pd.DataFrame, fixed: list[str], utilization) -> None:
    left, right = st.columns(2)
    for col, spec in ((left, _sweep_spec("days", "Duration (days)", False, "#1f77b4")),
                      (right, _sweep_spec("usd", "Cost (USD)", True, "#d62728"))):
        col.vega_lite_chart({**spec, "datasets": {"sweep": df}}, width="stretch")
    held = (f" (the {show('utilization', utilization)} your {' and '.join(fixed)} give at your chip count)"
            if fixed else "")
    st.caption(f"At fixed utilization{held}, duration falls as 1/chips and cost stays flat; the black dot is your "
               "chip count.")


def _render_uncertainty(sim) -> None:
    output = "cost" if "cost" in sim.estimate else "duration" if "duration" in sim.estimate else None
    st.selectbox("Samples", SAMPLES, index=1, key="samples", format_func=lambda n: f"{n:,}",
                 help="Draws from the ranges (seeded: the same inputs give the same answer).")
    for note in sim.notes:
        st.caption(escape(note))
    if output is None:
        return
    unit, title = ("USD", "Cost (USD)") if output == "cost" else ("day", "Duration (days)")
    axis = charts.money_axis if output == "cost" else charts.plain_axis
    values = np.asarray(sim.estimate[output].value.m_as(unit), dtype=float).reshape(-1)
    if values.size < 2 or values.min() == values.max():
        st.caption(f"The ranges given do not move the {output}.")
        return
    edges = np.geomspace(values.min(), values.max(), 41)
    counts, _ = np.histogram(values, edges)
    hist = pd.DataFrame({"low": edges[:-1], "high": edges[1:], "samples": counts})
    scale = alt.Scale(type="log", domain=[float(edges[0]), float(edges[-1])], nice=False)  # no zero: a log scale has none
    left, right = st.columns(2)
    left.altair_chart(alt.Chart(hist).mark_bar().encode(
        x=alt.X("low:Q", scale=scale, axis=axis(title, log=True, span=(edges[0], edges[-1]))), x2="high:Q",
        y=alt.Y("samples:Q", title="Samples"), y2=alt.datum(0),
    ).properties(title=f"Distribution of the {output}", height=charts.HEIGHT), width="stretch")
    rows = sim.sensitivity(output)
    if rows:
        tornado = pd.DataFrame([{"input": label(n, unit=False), "low": lo.m_as(unit), "high": hi.m_as(unit),
                                 "from": show(output, lo, True), "to": show(output, hi, True)} for n, lo, hi in rows])
        tornado = tornado.assign(width=np.abs(np.log(tornado["high"] / tornado["low"]))) \
            .sort_values("width", ascending=False, kind="stable")  # widest first
        ends = tornado[["low", "high"]].to_numpy()
        span = (float(ends.min()), float(ends.max()))
        bars = alt.Chart(tornado).mark_bar(color="#f58518").encode(
            x=alt.X("low:Q", scale=alt.Scale(type="log", nice=False, padding=12, domain=list(span)),
                    axis=axis(title, log=True, span=span)), x2="high:Q",
            y=alt.Y("input:N", sort=list(tornado["input"]), title=None), tooltip=["input", "from", "to"])
        median = alt.Chart(pd.DataFrame({"x": [float(sim.interval(output)[1].m_as(unit))]})).mark_rule(
            color="black", strokeDash=[4, 3]).encode(x="x:Q")  # every bar moves away from the median
        right.altair_chart(alt.layer(bars, median).properties(
            title=f"What drives the {output} (widest first)", height=charts.HEIGHT), width="stretch")
    st.caption(f"{sim.samples:,} samples (seed {sim.seed}); metrics show the median and the 90% interval. Right: "
               f"the {output} when each range alone moves across its 90% interval, the others at their medians.")


def _render_downloads(scenario: dict[str, str], results: str | None) -> None:
    row = st.container(horizontal=True)
    row.download_button("Download the scenario (JSON)", to_json(scenario), "scenario.json", "application/json",
                        key="download_scenario")
    if results is not None:
        row.download_button("Download the results (CSV)", results, "results.csv", "text/csv",
                            key="download_results")


def _is_model_config(raw: bytes) -> bool:
    """Whether an uploaded file is a Hugging Face config.json (a JSON object with a ``model_type``), not a scenario."""
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        return False
    return isinstance(doc, dict) and "model_type" in doc


def _render_upload() -> None:
    """Outside the fragment: a loaded file reruns the whole page anyway, and a field change need not redraw it."""
    up = st.file_uploader("Load a scenario (JSON)", type=["json"], key="upload")
    if up is not None and st.session_state.get("_uploaded") != up.file_id:
        try:
            loaded = read_scenario(up.getvalue())
        except calc.InputError as exc:
            problems = exc.errors if isinstance(exc, InputErrors) else (exc,)
            if _is_model_config(up.getvalue()):  # the hint alone: its 12 "not a name of the calculator" came first
                names = ", ".join(e.field for e in problems[:3]) + (f" and {len(problems) - 3} more" if problems[3:] else "")
                st.error("Scenario file not loaded: this looks like a model's config.json. The **Model shape** page "
                         "reads it (its \"or a Hugging Face config.json\" field) and gives its parameters and FLOP per "
                         "token; this field loads a scenario saved by \"Download the scenario\". Not read: "
                         f"{len(problems)} of its fields ({escape(names)}).")
            else:
                said = escape(exc) if len(problems) == 1 else (  # each problem a line, cut as a link's are
                    f"{len(problems)} problems:\n" + "\n".join(f"- {escape(e)}" for e in problems))
                st.error(f"Scenario file not loaded: {said}")
        else:
            st.session_state["_uploaded"] = up.file_id
            session.load(loaded)
            st.rerun()


@st.fragment
def calculator() -> None:
    """Fields, results and files: rerun alone when a field changes.

    The numbers stand above the fields, so a phone shows them first (Streamlit cannot tell the
    width on the server), and they are sent first: the browser redraws the page once per element it
    receives. The fields are sent last (the browser already shows what was typed); the derivation
    and charts go below them."""
    scenario = _scenario_from_fields()
    top, fields = st.container(), st.container()
    results = None
    errors, heading = _field_errors(scenario), "Not read"
    try:
        if errors:
            raise calc.InputError(next(iter(errors))[0], "shown under its field")
        known = inputs(scenario)
        if "tokens" in known and "tokens" not in scenario:
            top.caption(f"Tokens from the dataset size: {escape(scenario['dataset_size'])} at "
                        f"{number(data.fact('english_bytes_per_token').value.m_as('byte/token'))} bytes per token "
                        f"(rule of thumb) = {show('tokens', known['tokens'])}")
        est, sim = _run(known)
    except calc.InputError as exc:
        if not errors:  # read, but they do not fit together
            errors, heading = _run_errors(exc), "Do not fit together"
        if errors:  # under the fields' row, and named above them
            top.error(f"{heading}: {', '.join(label(n) for names in errors for n in names)}. Each is explained "
                      "under its row of fields below.")
        else:
            top.error(escape(exc))
    except Exception as exc:  # never a traceback on screen; the tests fail on this box all the same
        top.error(f"Unexpected problem ({type(exc).__name__}): {escape(exc)}")
    else:
        for w in est.warnings:  # named by the field's label on screen, not its name in the API ("carbon_intensity:")
            name, colon, rest = w.partition(": ")
            top.warning(f"**{label(name)}**: {escape(rest)}" if colon and name in LABELS else escape(w))
        hint = what_to_add(est)
        if not scenario:
            top.info(escape(hint or "Start from a preset above, or type what you know below."))  # the hint names the preset
        else:
            if hint:
                top.info(escape(hint))
            elif "price" in est.undetermined and "hardware" in known:  # GB200's cost and price vanished, unsaid
                top.info(f"**{label('price')}**: {escape(est.undetermined['price'].removeprefix('give price: '), limit=600)}")
            with top:
                _render_metrics(est, sim)
                _utilization_note(est, sim)
            # The browser draws the numbers while the rest is computed (it redraws once per element
            # it receives: elements sent with the numbers would keep them off the screen longer).
            # Yield about two frames first, so they are painted before the charts arrive: measured
            # (benchmarks/bench_browser.py) the numbers come 1.0-1.1x as fast as a one-line script's
            # instead of about 1.9x, and the whole page is drawn no later (the browser is busy anyway).
            time.sleep(PAINT)
            derivation, table, results = _derivation(est) if est.order else "", _table(est), _results_csv(est)
            # A given duration or chip-hours fix the run at its chip count: the charts hold the utilization they
            # give (as a modelled one) and let the duration and cost follow the chips.
            fixed = [k for k in ("duration", "chip_hours") if k in known]
            charts_apply = sim is None and "chips" in known and (not fixed or "utilization" in est)
            held = "utilization" in est and (fixed or est["utilization"].source == "modelled")
            swept = {k: v for k, v in known.items() if k not in fixed} | ({"utilization": est.utilization} if held else {})
            sweep = _sweep(swept) if charts_apply else None
            _render_details(derivation, table)
            if sim is not None:
                _render_uncertainty(sim)
            elif sweep is not None:
                _render_sweep(sweep, [label(k, unit=False).lower() for k in fixed], est.utilization if fixed else None)
            else:
                st.caption("The chip-count charts appear when the chip count is given and the duration and cost "
                           "follow from it" + (": give a chip count" if "chips" not in known else
                                               ": give a price per chip-hour for the cost" if "cost" not in est
                                               else "") + ".")
    _render_downloads(scenario, results)
    session.put(scenario)  # after the numbers: a new URL is one more message for the browser before them
    with fields:
        st.divider()
        _render_inputs(errors, heading)
        st.divider()


st.title("What does it take to train this model?")
_fill_fields(session.get(), every=session.take_pending())
st.selectbox("Start from", ["(blank)", *presets()], key="preset", on_change=_on_preset,
             help="A published run from data/models.csv, or a seed claim's own assumptions.")
st.caption("Type a value with its unit (`300 Gtoken`, `14.8 day`, `2 USD/chip/hour`; a plain number is read in "
           "the unit of the label), or a range: `1..3` (log-uniform), `uniform:0.3..0.5`, "
           "`lognormal:1..3 USD/chip/hour` (a 90% interval), `triangular:200..300..400 Gtoken`. "
           "Leave a field empty to have it derived.")
with st.expander("What each field means"):  # outside the fragment: a field change need not redraw these
    st.markdown(_MEANINGS)
calculator()
_render_upload()
