"""Scenarios: a training run as vocabulary names mapped to "value unit" strings, as people share them.

One scenario is what a URL, a JSON file, a preset and the app's input fields all hold. It is read
as untrusted data, one field at a time (a bad field is reported and dropped, the rest kept), and
turned into the inputs of ``calc.estimate`` (or ``calc.uncertainty.simulate`` when a field is a
range) by ``inputs``.
"""

from __future__ import annotations

import json
from functools import cache

from calc import data
from calc.claims import claim_scenario, claims
from calc.dataset import tokens_in
from calc.display import as_text
from calc.errors import InputError, InputErrors, did_you_mean
from calc.estimate import Estimate, estimate
from calc.uncertainty import parse_range
from calc.vocabulary import BY_NAME, QUANTITIES, precision_hint, precision_name

MAX_BYTES = 64 * 1024  # a scenario is a few hundred bytes
MAX_TEXT = 200  # the longest value read
NAMES = (*BY_NAME, "dataset_size")


def check_field(name: str, value, hint: str = "") -> str:
    """One field of a scenario, checked as any input is; returns its text (stripped).

    Raises ``InputError`` naming the field: an unknown name, a value that is not text or a
    number, an unknown accelerator or number format, or a quantity (or range) the model rejects.
    ``hint`` is said after an unknown name with no look-alike among them, before the list of names
    (where else such a name is written: a page's own fields in a link, ``serving.model``).

    Examples
    --------
    >>> check_field("chips", 1024), check_field("utilization", "0.2..0.5")
    ('1024', '0.2..0.5')
    """
    if name not in NAMES:
        # the look-alike first: the pages cut a long message, and the list of every name came before it
        close = did_you_mean(name, NAMES)  # a look-alike of the calculator's names said, else the hint
        raise InputError(_key(name), f"not a name of the calculator{close or ('; ' + hint if hint else '')}; expected one of "
                                     f"{', '.join(NAMES)}")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError(name, f"expected a string such as \"300 Gtoken\" or a number, got {type(value).__name__}")
    if not isinstance(value, str):
        try:
            float(value)
        except OverflowError:
            raise InputError(name, f"expected a finite number; the {len(str(value))}-digit number given is beyond "
                                   "what a float holds (about 1.8 × 10^308)") from None
    text = value.strip() if isinstance(value, str) else repr(value)
    if not text or len(text) > MAX_TEXT:
        raise InputError(name, f"expected a value of 1 to {MAX_TEXT} characters, got "  # "got 0" read as a zero (fresh22)
                               + ("an empty value" if not text else f"{len(text):,} characters"))
    if name == "dataset_size":
        tokens_in(text)
    elif name == "hardware":
        text = data.hardware(text).name
    elif name == "finetune":
        from calc.finetuning import row

        text = row(text)["name"]
    elif name == "precision":  # "FP8", "nvfp4": the format's name (calc.vocabulary.precision_name)
        if precision_name(text) not in data.PRECISIONS:
            raise InputError(name, f"expected one of {', '.join(data.PRECISIONS)}, got {text[:40]!r}"
                                   f"{precision_hint(text, data.PRECISIONS, n=1)}")
        text = precision_name(text)
    elif name == "price" and _per_node(text):
        pass  # "14 USD/h/node": divided by the node's chips when the scenario is estimated (its hardware)
    elif parse_range(text, name) is None:
        estimate(**{name: text})  # the same checks as any input: units, bounds
    return text


def _per_node(text: str) -> bool:
    """Whether ``text`` is a price per node (a machine), read by ``calc.prices.read_price`` with the hardware."""
    from calc.units import parse_quantity

    try:
        parse_quantity(text, "price", "USD/hour/node", bare_ok=False)
    except InputError:
        return False
    return True


def read_query(params, hint=None) -> tuple[dict[str, str], list[str]]:
    """A scenario from a URL's query parameters (a mapping of name to text), and one problem per
    field that was dropped (as ``InputError`` text: the field, then what was wrong); ``hint(name)``,
    if given, is said after a name that is not the calculator's (``check_field``)."""
    if not hasattr(params, "items"):
        raise InputError("scenario", f"expected a mapping of name to text, got {type(params).__name__}")
    scenario, problems = {}, []
    for key, value in params.items():
        try:
            scenario[key] = check_field(key, value, hint(key) if hint and key not in NAMES else "")
        except InputError as exc:
            problems.append(str(exc))
    return scenario, problems


def read_scenario(raw: bytes | str) -> dict[str, str]:
    """Parse and check a scenario file; returns name -> "value unit" strings.

    Raises
    ------
    InputError
        With field ``scenario`` (the file as a whole) or the offending name: too large, not UTF-8,
        not JSON, not an object, an unknown name, a name written twice, a value that is not a string
        or number, or a value that the model rejects. Several refused names are said together
        (``InputErrors``, field ``scenario``), one problem each.

    Examples
    --------
    >>> read_scenario('{"params": "175e9 param", "chips": 1024, "utilization": "lognormal:0.2..0.5"}')
    {'params': '175e9 param', 'chips': '1024', 'utilization': 'lognormal:0.2..0.5'}
    """
    if not isinstance(raw, (str, bytes, bytearray)):
        raise InputError("scenario", f"expected the file's text or bytes, got {type(raw).__name__}")
    if len(raw) > MAX_BYTES:
        raise InputError("scenario", f"the file is {len(raw):,} bytes; a scenario is at most {MAX_BYTES:,}")
    twice: list[tuple[str, object, object]] = []  # a name written twice, with both values: JSON keeps the last

    def pairs(items):
        seen = {}
        for key, value in items:
            if key in seen and seen[key] != value:
                twice.append((key, seen[key], value))
            seen[key] = value
        return seen

    try:
        text = bytes(raw).decode("utf-8-sig") if not isinstance(raw, str) else raw.removeprefix("\ufeff")
        doc = json.loads(text, object_pairs_hook=pairs)
    except UnicodeDecodeError:
        raise InputError("scenario", "expected a JSON object in a UTF-8 text file; this one is not UTF-8 "
                                     "(saved in another encoding?)") from None
    except json.JSONDecodeError as exc:
        raise InputError("scenario", f"expected a JSON object of name: \"value unit\" pairs; not JSON at line "
                                     f"{exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except (RecursionError, ValueError) as exc:  # nesting too deep; an integer of thousands of digits
        raise InputError("scenario", f"expected a JSON object of name: \"value unit\" pairs ({str(exc)[:80]})") from None
    if not isinstance(doc, dict):
        raise InputError("scenario", f"expected a JSON object of name: \"value unit\" pairs, got {type(doc).__name__}")
    written = {}  # '{"params": "70e9 param", "params": "80e9 param"}' was read as 80e9 without a word
    for key, first, last in twice:
        written.setdefault(key, [first, last])[1] = last
    # every problem of the file at once, as a link's are (a file with three bad fields named the first alone: doors22)
    errors = [InputError(_key(key), f"written twice in the file, as {_short(json.dumps(first))} and "
                                    f"{_short(json.dumps(last))}; keep one") for key, (first, last) in written.items()]
    return check_fields({k: v for k, v in doc.items() if k not in written}, errors)


def check_fields(fields, errors=()) -> dict[str, str]:
    """Every field of a scenario checked (``check_field``), all problems at once: the one problem alone as its
    ``InputError``, several together as ``InputErrors`` (field ``scenario``), after the ``errors`` given (a file's
    names written twice). The one check of a scenario's fields, a file's and the Estimate page's (a page that named
    the first bad field alone, or checked chips by another reader, showed '2.5 chips' only once '5 m' tokens were
    fixed: doors23).

    >>> check_fields({"tokens": "5 m", "chips": "2.5"})
    Traceback (most recent call last):
    ...
    calc.errors.InputErrors: scenario: 2 problems: tokens: ...; chips: expected a whole number of chips ...
    """
    errors, scenario = list(errors), {}
    for key, value in fields.items():
        try:
            scenario[key] = check_field(key, value)
        except InputError as exc:
            errors.append(exc)
    if len(errors) > 1:
        raise InputErrors("scenario", errors)
    if errors:
        raise errors[0]
    return scenario


def to_json(scenario: dict[str, str]) -> str:
    """The scenario file: ``read_scenario(to_json(s)) == s`` for any scenario read by this module."""
    return json.dumps({k: scenario[k] for k in NAMES if k in scenario}, indent=2, ensure_ascii=False)


def inputs(scenario: dict[str, str]) -> dict:
    """The keyword arguments of ``calc.estimate`` (or ``simulate``) for a scenario: a dataset size
    stands for the tokens when no tokens are given."""
    known = {k: v for k, v in scenario.items() if k != "dataset_size" and v}
    if scenario.get("dataset_size") and "tokens" not in known:
        known["tokens"] = tokens_in(scenario["dataset_size"])
    return known


def has_range(known: dict) -> bool:
    """Whether any input is a range (then the app samples it with ``calc.uncertainty.simulate``)."""
    return any(isinstance(v, str) and ".." in v for k, v in known.items() if k in QUANTITIES)


def what_to_add(est: Estimate) -> str | None:
    """What a person should give next for the estimate to reach time and cost, or None when it has."""
    if "compute" not in est:  # only what is missing is asked for: the parameters known, the tokens alone (pages24)
        if "params" in est or "active_params" in est:
            return ("The parameters are known. Give the training tokens (or a dataset size), or the training "
                    "compute itself, to get the time and cost.")
        if "tokens" in est:
            return "The training tokens are known. Give the parameters, or the training compute itself, to get the time and cost."
        return ("Give the model's size: its parameters and training tokens (or a dataset size), or its "
                "training compute; or start from a preset.")
    if "duration" not in est and "chip_hours" not in est:  # the chip's peak is missing (with it come the chip-hours)
        if "chips" in est:  # only what is missing is asked for (doors23b)
            return ("Compute and the chip count are known. Choose the hardware to get the training time, the "
                    "chip-hours and the cost.")
        return ("Compute is known. Choose the hardware and give a chip count (or a duration) to get the "
                "training time, the chip-hours and the cost.")
    if "duration" not in est:
        return "Chip-hours are known. Give a chip count or a duration to get the wall-clock time."
    return None


def count(name: str, scenario: dict[str, str]) -> float | None:
    """``params``, ``active_params`` or ``tokens`` of ``scenario`` as a number (a range's median), rounded to 6
    figures so that 70B and 70 Gparam are equal; None if not given or not read.

    >>> count("params", {"params": "70B"}) == count("params", {"params": "70 Gparam"}) == 7e10
    True
    """
    try:
        value = inputs(scenario).get(name)
        if value is None:
            return None
        d = parse_range(value, name) if isinstance(value, str) else None
        q = d.quantile(0.5) if d is not None else estimate(**{name: value})[name].value
        return float(f"{q.m_as('token' if name == 'tokens' else 'param'):.6g}")
    except InputError:
        return None


RUN = " (published run)"  # how ``presets`` names a published run of data/models.csv


def same_run(scenario: dict[str, str]) -> str | None:
    """The published run of data/models.csv whose parameters, active parameters and training tokens are the
    scenario's (``count``: however written) and whose shape data/architectures.csv holds, by name; None otherwise.
    Such a scenario is that run (the Compare page models each chip's utilization for its shape; ``compare --model``
    does it on the command line). A parameter count alone is no shape: 70B is Llama 2 70B's and Chinchilla's.

    >>> same_run({"params": "70e9", "tokens": "2T"}), same_run({"params": "70e9"})
    ('Llama 2 70B', None)
    """
    from calc.architecture import published

    params, active, tokens = (count(k, scenario) for k in ("params", "active_params", "tokens"))
    if params is None:
        return None
    shapes = published()
    return next((preset.removesuffix(RUN) for preset, given in presets().items()
                 if preset.endswith(RUN) and preset.removesuffix(RUN) in shapes and "params" in given
                 and count("params", given) == params and count("active_params", given) == active
                 and count("tokens", given) == tokens), None)


@cache
def presets() -> dict[str, dict[str, str]]:
    """Scenarios to start from: each published run of ``data/models.csv`` with what it reported
    (a run that reported too little for a training compute is left out), and each seed claim's
    own assumptions."""
    out = {}
    for m in data.models().values():
        q = m.quantities
        given = {k: q[k] for k in ("params", "active_params", "tokens", "chips", "duration", "utilization", "power")
                 if k in q}
        if "compute" in q and not ("params" in q and "tokens" in q):
            given["compute"] = q["compute"]
        if "chip_hours" in q and "duration" not in q:
            given["chip_hours"] = q["chip_hours"]
        if "dataset_size" in q and "tokens" not in q:  # GPT-2: tokens from WebText's 40 GB
            given["dataset_size"] = q["dataset_size"]
        scenario = {k: as_text(k, v) for k, v in given.items()}
        if m.hardware:
            scenario["hardware"] = m.hardware
        if "compute" not in estimate(**inputs(scenario)):  # too little published to give any result (Grok-1)
            continue
        # A figure the developer did not publish (GPT-4's compute is Epoch AI's estimate) is not a published run.
        kind = "third-party estimate" if "third-party" in m.source.lower() else "published run"
        out[f"{m.name} ({kind})"] = scenario
    for c in claims():
        scenario = claim_scenario(c)
        if scenario is not None:
            out[f"{_short(c.statement)} (claim {c.id})"] = scenario
    return out


def _key(name) -> str:
    """A name as typed, for an error's field: quoted when it holds a line break or another unprintable character
    (a key "\\n" made the one-line error two lines), and cut at 40 characters."""
    name = str(name)
    return (name if name.isprintable() else repr(name))[:40]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"
