"""One model of a training run: six product relations, solved for whatever is not given.

The relations (each quantity in the canonical unit of ``calc.vocabulary``):

    compute    = flop_per_param_token * active_params * tokens     [Kaplan2020] sec. 2.1
    compute    = chips * peak * utilization * duration             [Chowdhery2022] app. B (MFU)
    chip_hours = chips * duration
    cost       = chip_hours * price
    energy     = chip_hours * power * pue                          [Patterson2021] sec. 2
    emissions  = energy * carbon_intensity                         [Patterson2021] sec. 2

The relations and their elimination over rationals are in ``calc.relations``; here, the inputs are read
and checked (``calc.reader``), defaults applied where nothing determines a quantity, the result marked
given, derived or default, and suspicious inputs and results warned about.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import pint

from calc import data
from calc.errors import ConflictError, InputError, ScaleError, Undetermined, UndeterminedAttribute
from calc.prices import read_price
from calc.reader import bounds, check_value, read_value
from calc.reader import shown as _show
from calc.reader import unit_factor as _factor
from calc.reader import value_range as _check_range
from calc.relations import DENSE, RELATIONS, Relation
from calc.relations import Plan as _Plan
from calc.relations import coefficient as _coefficient
from calc.relations import evaluate as _evaluate
from calc.relations import log_evaluate as _log_evaluate
from calc.relations import plan as _plan
from calc.units import _TINY, Q_, parse_quantity
from calc.vocabulary import BY_NAME, QUANTITIES, TEXT_FIELDS

__all__ = ["estimate", "Estimate", "Item", "RELATIONS", "DENSE", "Relation", "bounds", "check_value", "read_value"]


# Defaults are applied one at a time, in this order, only to quantities that nothing given
# (nor any default applied before) determines.
LAZY_DEFAULTS = ("utilization", "price", "power", "pue", "carbon_intensity")

_UNIT = {n: BY_NAME[n].unit for n in QUANTITIES}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Item:
    """One quantity of an estimate: its value, and whether it was given, derived or a default."""

    value: pint.Quantity
    source: str  # "given" | "derived" | "default" | "modelled" (utilization from a layout's step time)
    how: str  # the formula, lookup or citation behind it
    terms: tuple = ()  # for a derived item: (name, exponent) of the quantities it was computed from


class Estimate:
    """The filled-in training run: every quantity that the inputs determine.

    Attribute access returns the Quantity (``est.duration``); indexing returns the ``Item``
    with its source (``est["duration"].source``). ``undetermined`` maps each quantity that
    could not be found to what would determine it.
    """

    def __init__(self, items, hardware, precision, warnings, steps, undetermined, order=(), step=None):
        self.items: dict[str, Item] = items
        self.hardware: data.Hardware | None = hardware
        self.precision: str | None = precision
        self.warnings: tuple[str, ...] = tuple(warnings)
        self.steps: tuple[str, ...] = tuple(steps)
        self.undetermined: dict[str, str] = undetermined
        self.order: tuple[str, ...] = tuple(order)  # derived names, in the order they were computed
        self.step = step  # calc.perf.Step when utilization was predicted from a layout, else None

    def __getattr__(self, name: str) -> pint.Quantity:
        items = self.__dict__.get("items", {})
        if name in items:
            return items[name].value
        if name in QUANTITIES:
            why = self.__dict__.get("undetermined", {}).get(name, "")
            raise UndeterminedAttribute(name, "not determined by these inputs" + (f": {why}" if why else ""))
        raise AttributeError(name)

    def __getitem__(self, name: str) -> Item:
        if name not in self.items:
            raise self._undetermined(name)
        return self.items[name]

    def _undetermined(self, name: str) -> Undetermined:
        if name not in QUANTITIES:
            return Undetermined(name, f"not a quantity of the vocabulary; known: {', '.join(QUANTITIES)}")
        why = self.__dict__.get("undetermined", {}).get(name, "")
        return Undetermined(name, "not determined by these inputs" + (f": {why}" if why else ""))

    def __contains__(self, name: str) -> bool:
        return name in self.items

    def __iter__(self):
        return iter(self.items)

    def source(self, name: str) -> str:
        """``"given"``, ``"derived"`` or ``"default"``."""
        return self[name].source

    def to_dict(self) -> dict:
        """The JSON form shared by the CLI and the app (values as numbers or lists)."""
        q = {}
        for name, item in self.items.items():
            m = item.value.magnitude
            q[name] = {
                "value": m.tolist() if isinstance(m, np.ndarray) else float(m),
                "unit": _UNIT[name] or "dimensionless",
                "source": item.source,
            }
        return {
            "quantities": q,
            "hardware": None if self.hardware is None else {"name": self.hardware.name, "precision": self.precision},
            "warnings": list(self.warnings),
            "undetermined": dict(self.undetermined),
        }

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v.value:.4g~P} ({v.source})" for k, v in self.items.items())
        return f"Estimate({body})"


# --------------------------------------------------------------------------- the solver


def estimate(*, rtol: float | None = None, model=None, layout=None, utilization_model=None, lora_rank: int = 16,
             chips_per_node=None, **known) -> Estimate:
    """Fill in a training run from any consistent subset of the vocabulary.

    .. math::
        C = k N_{active} D = n_{chips} P_{peak} u t, \\quad
        \\text{chip-hours} = n_{chips} t, \\quad \\text{cost} = \\text{chip-hours} \\cdot p, \\quad
        E = \\text{chip-hours} \\cdot W \\cdot \\text{PUE}, \\quad m_{CO_2} = E \\cdot c

    Parameters
    ----------
    rtol : float, optional
        Relative disagreement tolerated between over-determined inputs before they count as
        contradictory; default ``consistency_rtol`` of ``data/defaults.csv`` (5%).
    model : calc.architecture.Transformer or str, optional
        A transformer shape (or a name of ``data/architectures.csv``): gives params, active_params
        and flop_per_param_token (the PaLM count at the layout's sequence length), unless given.
    layout : calc.perf.Layout or dict or calc.perf.Step, optional
        A parallel layout (``tensor``, ``pipeline``, ``micro_batch``, ``global_batch``...); with
        ``model``, ``hardware`` and ``chips``, the step time is predicted (``calc.perf.predict``)
        and utilization is its MFU, marked ``"modelled"``; ``est.step`` holds the prediction.
        A Step already predicted (e.g. with ``check_memory=False``) is used as it is.
        With ``model`` and ``hardware`` but no layout, a utilization that nothing else determines is the
        modelled MFU of the fastest layout that fits (``calc.perf.modelled_utilization``, on the run's chips
        or a reference cluster), marked ``"modelled"`` with its band, not the one default for every chip.
    utilization_model : calc.architecture.Transformer or str, optional
        A shape used only for that modelled utilization (its parameters are not taken as inputs).
    lora_rank : int
        With ``finetune="lora"`` or ``"qlora"`` and ``model``: the adapters' rank (their FLOP are counted).
    chips_per_node : int, optional
        The chips of the machine a price per node is for (``price="14 USD/h/node"``); default the
        hardware's server size (data/hardware.csv). See ``read_price``.
    **known
        Any names of ``calc.vocabulary``: Quantities, strings such as ``"300e9 token"``, or plain
        numbers (only for params, active_params, tokens, compute, chips, cost, utilization, pue,
        flop_per_param_token, read in their canonical unit); numpy arrays for many scenarios.
        ``hardware`` and ``precision`` are names (``"H100 SXM5"``, ``"bf16"``); ``hardware`` may also be a
        ``calc.data.Hardware`` resolved already.

    Returns
    -------
    Estimate
        Every determined quantity, in its canonical unit, marked given, derived or default.

    Raises
    ------
    InputError
        A value is malformed, not finite, not positive, of the wrong dimension, or unknown.
    ConflictError
        Over-determined inputs disagree by more than ``rtol``; names every input involved.

    References
    ----------
    [Kaplan2020] sec. 2.1 (6 FLOP per parameter per token); [Chowdhery2022] app. B (model FLOP
    utilization); [Patterson2021] sec. 2 (energy and emissions).

    Examples
    --------
    >>> est = estimate(compute="3.14e23 FLOP", hardware="V100 PCIe", precision="fp16-nontensor",
    ...                utilization=1, chips=1)
    >>> round(est.chip_hours.to("chip*year").magnitude)
    352

    The utilization predicted from a layout: the run then lasts as many steps as its tokens fill,
    at the predicted step time (the layout of Korthikanti et al. 2022, Table 5):

    >>> est = estimate(model="GPT-3 175B", hardware="A100 SXM4 80GB", chips=64, tokens="300e9 token",
    ...                layout=dict(tensor=8, pipeline=8, virtual_stages=3, micro_batch=1, global_batch=64,
    ...                            sequence=2048, recompute="selective", flash_attention=False))
    >>> est["utilization"].source, round(est.duration.m_as("day") / est.step.duration("300e9 token").m_as("day"), 9)
    ('modelled', 1.0)
    """
    step, from_shape, rescaled, tuned = None, (), "", ""
    if model is not None or layout is not None:
        known, step, from_shape, rescaled = _from_model(model, layout, known)
        if known.get("finetune") is not None and "flop_per_param_token" in from_shape:  # the shape's fine-tuning count
            from calc.finetuning import flop_per_param_token

            k, tuned = flop_per_param_token(known["finetune"], model, rank=lora_rank)
            known = {**known, "flop_per_param_token": k}
    price_how = "given"
    if known.get("price") is not None:  # per chip, or per node divided by its chips (read_price)
        known = dict(known)
        known["price"], price_how = read_price(known["price"], known.get("hardware"), chips_per_node)
    elif chips_per_node is not None:
        raise InputError("chips_per_node", "only read with a price per node; give the price, or leave it out")
    shape_for_utilization = utilization_model if utilization_model is not None else (model if layout is None else None)
    given, text, extremes = _read_inputs(known)
    rtol = _read_rtol(rtol)
    warnings: list[str] = []
    if step is not None and step.model.sequence_note(step.layout.sequence):
        warnings.append(step.model.sequence_note(step.layout.sequence))
    items: dict[str, Item] = {n: Item(_canonical(n, q), "given", price_how if n == "price" else "given")
                              for n, q in given.items()}
    for n in from_shape:  # what the model's shape says, not what the user typed
        count = "" if n != "flop_per_param_token" else f", PaLM count at sequence {step.layout.sequence if step else 'its context'}"
        how = tuned if n == "flop_per_param_token" and tuned else f"from the shape of the model (calc.architecture{count})"
        items[n] = Item(items[n].value, "derived", how)

    hw = data.hardware(text["hardware"]) if "hardware" in text else None
    precision = text.get("precision")
    if hw is not None and "peak" not in items:
        default_precision = precision is None
        precision = precision or hw.default_precision
        how = f"dense {precision} peak of {hw.name}, data/hardware.csv"
        if default_precision:
            how += f" (precision {precision} by default)"
        items["peak"] = Item(hw.peak(precision).to(_UNIT["peak"]), "derived", how)
    elif hw is not None and precision is not None:
        hw.peak(precision)  # still reject a precision the chip lacks
    elif precision is not None and step is None:  # nothing reads it: said, never dropped
        raise InputError("precision", f"{precision!r} names the number format of a chip's peak, and no hardware is "
                                      "given; give the hardware (whose peak to take), or leave the precision out")
    if "flop_per_param_token" not in items and "finetune" in text:  # a fine-tuning run: its own count per token
        from calc.finetuning import flop_per_param_token

        k, how = flop_per_param_token(text["finetune"])
        items["flop_per_param_token"] = Item(k.to(_UNIT["flop_per_param_token"]), "default", how)
    if "flop_per_param_token" not in items:
        d = data.defaults()["flop_per_param_token"]
        items["flop_per_param_token"] = Item(d.value.to(_UNIT["flop_per_param_token"]), "default", d.source)

    values = {n: _base(n, it.value) for n, it in items.items()}
    _warn_inputs(items, warnings, extremes)
    dense = not ("params" in given and "active_params" in given)

    with np.errstate(all="ignore"):  # overflow is caught below and reported by name, not as a RuntimeWarning
        while True:  # a default only fills what nothing determines, so derived values can wait
            plan = _plan(frozenset(values), dense)
            _check(plan, values, items, rtol)
            applied = _apply_default(plan.undetermined, values, items, hw, shape_for_utilization, precision)
            if applied is None:
                break
            name, item = applied
            items[name] = item
            values[name] = _base(name, item.value)
        derived, roots = {}, {}
        for name, exps, _ in plan.order:  # each step reuses the ones before it
            try:
                derived[name] = _evaluate(exps, {**values, **derived}, _coefficient(name, exps))
            except (OverflowError, ZeroDivisionError):  # float ** float on scalars raises instead of giving inf
                derived[name] = math.inf
            roots[name] = set().union(*(roots.get(n, {n}) for n, _ in exps))
            if not (len(exps) == 1 and exps[0][1] == 1 and exps[0][0] in given):  # a given value, checked already
                _check_finite(name, derived[name], roots[name], items)

        steps = {name: how for name, _, how in plan.order}
        terms = {name: tuple((n, int(e) if e.denominator == 1 else float(e)) for n, e in exps) for name, exps, _ in plan.order}
        for name, value in derived.items():
            how = steps[name]
            source = "default" if how.endswith("(dense model)") else "derived"
            items[name] = Item(Q_(value, _units(name)), source, how, terms[name])
        _warn_results(items, warnings, extremes, "finetune" in text)
        undetermined = {n: _missing(n, items, hw) for n in QUANTITIES if n not in items}
        modelled = items.get("utilization")
        if step is None and modelled is not None and modelled.source == "modelled":  # the search's (cached) step
            step = _modelled_utilization(shape_for_utilization, hw, values, precision)[1]
        elif step is not None:
            items["utilization"] = Item(items["utilization"].value, "modelled",
                                        f"MFU of the predicted step ({step.layout.describe()}, "
                                        f"{step.step_time.m_as('s'):.3g} s per step), calc.perf.predict{rescaled}")
            if "tokens" in items:
                step.duration(items["tokens"].value)  # refuses a run shorter than one optimizer step
        ordered = {n: items[n] for n in QUANTITIES if n in items}
        order = [name for name, _, _ in plan.order]
        return Estimate(ordered, hw, precision if hw is not None else None, warnings,
                        [steps[n] for n in order], undetermined, order, step)


def _from_model(model, layout, known: dict):
    """The inputs a shape (and a layout) stand for, added to ``known``; and the predicted step."""
    from calc.architecture import lookup
    from calc.perf import Layout, Step, predict

    if model is None:
        raise InputError("model", "a layout needs the model's shape: give model (a Transformer or a name)")
    shape = lookup(model)
    step = None
    sequence = None
    given_step = layout if isinstance(layout, Step) else None
    if given_step is not None:  # a prediction already made (perhaps with check_memory=False): used as it is
        layout = given_step.layout
    if layout is not None:
        if isinstance(layout, dict):
            try:
                layout = Layout(**layout)
            except TypeError as exc:
                raise InputError("layout", f"{exc}; its fields are {', '.join(Layout.__dataclass_fields__)}") from None
        elif not isinstance(layout, Layout):
            raise InputError("layout", f"expected a calc.perf.Layout or a dict of its fields, got {type(layout).__name__}")
        for name in ("hardware", "chips"):
            if known.get(name) is None:
                raise InputError(name, "required with a layout: the step time depends on the chip and how many")
        if known.get("utilization") is not None:
            raise InputError("utilization", "given, and also predicted from the layout; give one of them")
        if known.get("finetune") is not None:
            raise InputError("finetune", "the step model predicts pre-training steps (every weight's gradient); a "
                                         "fine-tuning step is not modelled: give a utilization instead of a layout")
        if known.get("precision") is not None and layout.precision is None:
            from dataclasses import replace

            layout = replace(layout, precision=known["precision"])
        chips = read_value("chips", known["chips"])
        hw = data.hardware(known["hardware"])  # resolved once: predict and the solver take the chip itself
        known = {**known, "hardware": hw}
        if given_step is None:
            step = predict(shape, hw, chips, layout)
        else:
            step = given_step
            same = (hw.name == step.hardware
                    and chips.m_as("chip") == step.chips and shape == step.model)
            if not same:
                raise InputError("layout", f"the given step was predicted for {step.chips} {step.hardware} and another "
                                           "model; give the same model, hardware and chips, or a Layout")
        sequence = step.layout.sequence
        known = {**known, "utilization": step.mfu, "precision": step.layout.precision}
    shaped = shape.as_inputs(context=sequence)
    rescaled = ""
    if step is not None and any(known.get(n) is not None for n in ("flop_per_param_token", "active_params")):
        known, rescaled = _rescale_mfu(known, shaped, step)
    derived = {k: v for k, v in shaped.items() if known.get(k) is None}
    return {**known, **derived}, step, tuple(derived), rescaled


def _rescale_mfu(known: dict, shaped: dict, step):
    """The step's MFU counts the shape's model FLOP (the PaLM count); a run counted with another FLOP per token
    (``flop_per_param_token=6``, other active parameters) has the same step time, so its utilization is the MFU
    times the ratio of the two counts. Else compute / utilization would give another duration than the step."""
    k = shaped["flop_per_param_token"] if known.get("flop_per_param_token") is None else read_value(
        "flop_per_param_token", known["flop_per_param_token"], one=False)
    n = shaped["active_params"] if known.get("active_params") is None else read_value(
        "active_params", known["active_params"], one=False)
    ratio = np.asarray((k * n / (shaped["flop_per_param_token"] * shaped["active_params"])).m_as("FLOP/token/(FLOP/token)"))
    u = step.mfu * ratio
    if np.any(u > 1):
        raise ConflictError(("flop_per_param_token", "active_params", "layout"),
                            f"counted with {_show(k)} and {_show(n)}, the predicted step puts "
                            f"{float(np.max(u)):.3g} of the peak through: above 1; the step counts "
                            f"{_show(shaped['flop_per_param_token'])} (PaLM) of {_show(shaped['active_params'])}")
    r = float(np.min(ratio)) if ratio.ndim else float(ratio)
    note = "" if r == 1 else (f", rescaled ×{r:.3g} to the FLOP count given (the step's MFU counts "
                              f"{shaped['flop_per_param_token'].m_as('FLOP/param/token'):.3g} FLOP/param/token, PaLM)")
    return {**known, "utilization": u if ratio.ndim else float(u)}, note


def _read_inputs(known: dict) -> tuple[dict[str, pint.Quantity], dict[str, str], dict[str, tuple]]:
    """The inputs as Quantities and names, and each quantity's (min, max) in its canonical unit."""
    given, text, extremes = {}, {}, {}
    for name, value in known.items():
        if name not in BY_NAME:
            close = difflib.get_close_matches(name, list(BY_NAME), n=3)
            hint = f"did you mean {' or '.join(close)}?" if close else "known: " + ", ".join(BY_NAME)
            raise InputError(name, f"not a name of the vocabulary; {hint}")
        if value is None:
            continue
        if name == "hardware" and isinstance(value, data.Hardware):  # resolved already, by the caller
            text[name] = value
            continue
        if name in TEXT_FIELDS:
            if not isinstance(value, str) or not value.strip():
                raise InputError(name, f"expected a name, got {value!r}")
            text[name] = value.strip()
            continue
        term = BY_NAME[name]
        q = parse_quantity(value, name, term.unit, bare_ok=term.bare_ok, shown_in=term.display)
        lo, hi = _check_range(name, q)
        f = _factor(q.units, name)
        extremes[name] = (lo * f, hi * f)
        given[name] = q
    _check_shapes(given)
    if "params" in given and "active_params" in given:
        over = np.asarray(given["active_params"].m_as("param") > given["params"].m_as("param") * (1 + 1e-12))
        if np.any(over):
            raise ConflictError(("active_params", "params"), "active parameters exceed total parameters "
                                f"({_show(given['active_params'])} > {_show(given['params'])}); a mixture of "
                                "experts uses fewer parameters per token than it has, never more")
    if "finetune" in text:
        from calc.finetuning import row

        text["finetune"] = row(text["finetune"])["name"]
    if "precision" in text and text["precision"] not in data.PRECISIONS:
        raise InputError("precision", f"expected one of {', '.join(data.PRECISIONS)}, got {text['precision']!r}")
    return given, text, extremes


def _check_shapes(given: dict) -> None:
    """Arrays must broadcast together: one scenario per element, or a grid built by the caller."""
    shaped = {n: np.shape(q.magnitude) for n, q in given.items() if np.ndim(q.magnitude)}
    if len(set(shaped.values())) > 1:
        try:
            np.broadcast_shapes(*shaped.values())
        except ValueError:
            listing = ", ".join(f"{n} {s}" for n, s in shaped.items())
            raise InputError(next(iter(shaped)), f"arrays of different shapes do not pair up: {listing}; "
                                                  "give arrays of one length (one scenario per element)") from None


def _read_rtol(rtol) -> float:
    if rtol is None:
        return float(data.defaults()["consistency_rtol"].value.magnitude)
    value = rtol
    if isinstance(rtol, str):
        value = parse_quantity(rtol, "rtol", "", bare_ok=True).m_as("")
    try:
        ok = not isinstance(value, bool) and 0 < float(value) < 1
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        hint = f"; did you mean {float(value) / 100:.2f}?" if ok is False and _is_percentish(value) else ""
        raise InputError("rtol", f"expected a relative tolerance between 0 and 1 (0.05 for 5%), got {rtol!r:.40}{hint}")
    return float(value)


def _is_percentish(value) -> bool:
    try:
        return 1 <= float(value) <= 100
    except (TypeError, ValueError, OverflowError):
        return False


def _check_finite(name: str, value, inputs: set, items) -> None:
    """A result a float cannot hold (inf, nan, 0 from underflow) is an error naming the inputs behind it."""
    if isinstance(value, np.ndarray):
        lo, hi = float(value.min()), float(value.max())
    else:
        lo = hi = float(value)
    if math.isfinite(lo) and math.isfinite(hi) and lo >= _TINY:  # below it, a float has lost its digits
        return
    names = tuple(sorted(inputs, key=QUANTITIES.index))
    shown = "; ".join(f"{n} {items[n].source} {_fmt(items[n].value)}" for n in names)
    what = "below" if math.isfinite(lo) and math.isfinite(hi) else "beyond"
    raise ScaleError(names, f"{name} comes out {what} what a float holds from these inputs [{shown}]; "
                            "check their magnitudes and units")


@cache
def _top_peak() -> float:
    """The highest dense peak of any chip in data/hardware.csv, in FLOP/s/chip."""
    return max(q.m_as("FLOP/s/chip") for h in data.hardware_table().values() for q in h.peaks.values())


@cache
def _top_tdp() -> float:
    """The highest TDP of any chip in data/hardware.csv, in W/chip."""
    return max(h.tdp.m_as("W/chip") for h in data.hardware_table().values() if h.tdp is not None)


@cache
def _units(name: str):
    return Q_(1.0, _UNIT[name]).units


def _canonical(name: str, q: pint.Quantity) -> pint.Quantity:
    """``q`` in the canonical unit of ``name``; no copy when it already is, but then an array is
    kept as a read-only view, so that nothing done to the result reaches the caller's array."""
    if q.units != _units(name):
        return q.to(_units(name))
    if isinstance(q.magnitude, np.ndarray):
        view = q.magnitude.view()
        view.flags.writeable = False
        return Q_(view, q.units)
    return q


def _base(name: str, q: pint.Quantity):
    """The magnitude of canonical ``q``: values are kept in canonical units, and the unit factors
    that the relations need are folded into one scalar per step (see ``_coefficient``)."""
    return q.magnitude


def _check(plan: _Plan, values, items, rtol: float) -> None:
    for exps in plan.checks:
        try:
            ratio = np.asarray(_evaluate(exps, values, _coefficient(None, exps)), dtype=float)
        except (OverflowError, ZeroDivisionError):
            ratio = np.asarray(math.inf)
        if not (np.all(np.isfinite(ratio)) and np.all(ratio > 0)):
            ratio = None  # beyond a float on the way: the same ratio in log space, which cannot overflow
        log_ratio = np.log(ratio) if ratio is not None else _log_evaluate(exps, values)
        off = np.abs(log_ratio) > math.log1p(rtol)
        if not np.any(off):
            continue
        names = tuple(n for n, _ in exps)
        num = [n for n, e in exps if e > 0]
        den = [n for n, e in exps if e < 0]
        expr = " × ".join(num) + " / (" + " × ".join(den) + ")" if den else " × ".join(num)
        worst = float(np.asarray(log_ratio).flat[np.argmax(np.abs(log_ratio))])
        where = f" in {int(off.sum())} of {np.size(off)} scenarios" if np.size(off) > 1 else ""
        roles = "; ".join(f"{n} {items[n].source} {_fmt(items[n].value)}" for n in names if n in items)
        raise ConflictError(
            names,
            f"these inputs contradict each other{where}: {expr} = {_power_of_e(worst)}, not 1 "
            f"(tolerance {rtol:.0%}). [{roles}] Give fewer of them, or correct one.",
        )


def _power_of_e(log_value: float) -> str:
    """``exp(log_value)`` for a message: a number when a float holds it, else a power of ten."""
    from calc.display import number

    if abs(log_value) < 700:
        return number(math.exp(log_value), 3)
    exponent = f"{log_value / math.log(10):.0f}".translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"10{exponent}"


def _fmt(q: pint.Quantity) -> str:
    from calc.display import number

    m = q.magnitude
    if isinstance(m, np.ndarray):
        return f"[array of {m.size}] {q.units:~P}"
    return f"{number(float(m), 4)} {q.units:~P}".strip()


# --------------------------------------------------------------------------- defaults


def _modelled_utilization(shape, hw, values, precision):
    """(the modelled MFU of ``shape`` on ``hw`` as an Item, the search's step), or (None, None): no chip, a range
    of chips, or nothing fits. The search is cached (calc.perf.utilization)."""
    from calc.perf.utilization import modelled_utilization

    if shape is None or hw is None:
        return None, None
    chips = values.get("chips")
    if chips is not None:
        chips = np.asarray(chips, dtype=float)
        if chips.size != 1 or not float(chips.reshape(-1)[0]).is_integer():
            return None, None  # many scenarios or a fractional count: one search does not stand for them
        chips = int(chips.reshape(-1)[0])
    found = modelled_utilization(shape, hw, chips, precision=precision)
    if found is None:
        return None, None
    return Item(Q_(found.mfu, _UNIT["utilization"] or ""), "modelled", found.how), found.step


def _apply_default(undetermined, values, items, hw, shape=None, precision=None):
    d = data.defaults()
    for name in LAZY_DEFAULTS:
        if name not in undetermined:
            continue
        if name == "utilization" and "peak" not in values:
            continue  # a default utilization without a peak would only invent a peak
        if name == "utilization":
            item = _modelled_utilization(shape, hw, values, precision)[0]
            if item is not None:
                return name, item
        if name in ("utilization", "pue", "carbon_intensity"):
            ref = d[name]
            return name, Item(ref.value.to(_UNIT[name]), "default", ref.source)
        if name == "price" and hw is not None:
            from calc.prices import default_price, price_basis

            p = default_price(hw)
            if p is not None:
                return name, Item(p.price.to(_UNIT["price"]), "default", price_basis(p))
        if name == "power" and hw is not None and hw.tdp is not None:
            return name, Item(hw.tdp.to(_UNIT["power"]), "default", f"TDP of {hw.name}, data/hardware.csv")
    return None


def _missing(name, items, hw) -> str:
    if name == "peak":
        return "give hardware or peak"
    if name == "price":
        if hw is None:
            return "give price"
        from calc.prices import no_price_message

        return "give price: " + no_price_message(hw)
    if name == "power":
        return "give power" + ("" if hw is None else f" (data/hardware.csv has no TDP for {hw.name})")
    for r in RELATIONS + (DENSE,):
        if name in r.names:
            need = [n for n in r.names if n != name and n not in items]
            if need:
                return "needs " + " and ".join(need)
    return "not determined by the inputs"


# --------------------------------------------------------------------------- warnings


@cache
def _price_span() -> tuple[float, float]:
    """The lowest and highest rental price per chip-hour in data/prices.csv, in USD/chip/hour."""
    prices = [p.price.m_as("USD/chip/hour") for p in data.prices()]
    return min(prices), max(prices)


def _warn_inputs(items, warnings, extremes):
    if "params" in extremes and extremes["params"][0] < 1e5:
        n = extremes["params"][0]
        warnings.append(f"params: {n:g} parameters is tiny for a trained model; billions are written "
                        f"{n:g}B or {n:g}e9")
    if "chips" in items and items["chips"].source == "given" and np.ndim(items["chips"].value.magnitude) == 0:
        n = float(items["chips"].value.magnitude)
        if n != round(n):
            hint = f" (a digit group? {n * 1000:.0f})" if round(n * 1000) == n * 1000 and n < 1000 else ""
            warnings.append(f"chips: {n:g} is not a whole number of chips{hint}")
    if "utilization" in extremes:
        low = extremes["utilization"][0]
        floor = float(data.defaults()["utilization_plausible_min"].value.magnitude)
        if low < floor:
            warnings.append(f"utilization: {low:.3g} is below {floor:g}, far below any published run "
                            "(data/defaults.csv); is a percent divided twice?")
    if "carbon_intensity" in extremes:
        lo, hi = extremes["carbon_intensity"]
        d = data.defaults()
        floor, top = (float(d[f"carbon_intensity_plausible_{e}"].value.m_as("kg/kWh")) for e in ("min", "max"))
        if hi > top:
            warnings.append(f"carbon_intensity: {hi:.4g} kg CO2e/kWh is above coal power's (0.74-0.91, IPCC AR5; "
                            f"data/defaults.csv); did you mean {hi / 1000:.4g} kg/kWh ({hi:.4g} g/kWh)?")
        elif lo < floor:
            warnings.append(f"carbon_intensity: {lo:.3g} kg CO2e/kWh is below any source's life-cycle emissions "
                            f"(nuclear 0.0037, IPCC AR5; data/defaults.csv); did you mean {lo * 1000:.3g} kg/kWh?")
    if "power" in extremes:
        multiple = float(data.defaults()["power_plausible_max_tdp_multiple"].value.m_as(""))
        tdp = _top_tdp()
        if extremes["power"][1] > multiple * tdp:
            from calc.display import number

            warnings.append(f"power: {number(extremes['power'][1])} W per chip is above {multiple:g}x the highest TDP of "
                            f"data/hardware.csv ({tdp:,.0f} W); is it a whole server's or a rack's power?")
    if "peak" in extremes:
        top = _top_peak()
        if extremes["peak"][1] > top:
            warnings.append(
                f"peak: above any chip in data/hardware.csv ({top:.3g} FLOP/s/chip); "
                "is it a sparse, a whole-board or a whole-server figure?"
            )


def _warn_results(items, warnings, extremes, finetuned=False):
    if "price" in items and items["price"].source == "derived":
        from calc.display import number

        lo, hi = _price_span()
        m = items["price"].value.m_as("USD/chip/hour")
        p_lo, p_hi = float(np.min(m)), float(np.max(m))
        if p_lo < lo / 10 or p_hi > hi * 10:
            p = p_lo if p_lo < lo / 10 else p_hi
            warnings.append(f"price: the inputs imply ${number(p)} per chip-hour, far from any rental price in "
                            f"data/prices.csv (${number(lo)} to ${number(hi)}); check the cost, chips and duration")
    if "pue" in items and items["pue"].source == "derived":
        lo_b, hi_b = bounds("pue")
        m = items["pue"].value.magnitude
        lo, hi = float(np.min(m)), float(np.max(m))
        if lo < lo_b or hi > hi_b:
            from calc.display import number

            warnings.append(f"pue: the inputs imply {number(lo if lo < lo_b else hi)}, outside [{lo_b:g}, {hi_b:g}] "
                            "(facility power / IT power); check energy, power and chip-hours")
    if "utilization" in items and items["utilization"].source == "derived":
        from calc.display import number

        m = np.asarray(items["utilization"].value.magnitude)
        u = float(np.max(m))
        if u > 1 and m.ndim == 0:  # one run above its chips' peak: the inputs contradict each other (as cost's rule)
            names = tuple(n for n, _ in items["utilization"].terms)
            raise ConflictError(names, f"imply a utilization of {number(u * 100)}% of the peak: no run beats its "
                                       "chips' peak; check the units (chip-hours, not chip-days; FLOP, not FLOP/s) "
                                       "and the hardware")
        if u > 1:  # draws of ranges: the share of them above the peak, said
            warnings.append(f"utilization: {float(np.mean(m > 1)):.1%} of the draws imply more than the peak "
                            f"(up to {number(u * 100)}%); narrow the ranges that drive it")
        elif u < float(data.defaults()["utilization_plausible_min"].value.m_as("")) and m.ndim == 0:
            warnings.append(f"utilization: the inputs imply {number(u * 100)}% of the peak, far below any published "
                            "run (data/defaults.csv); check the compute and the chip time")
    if "tokens" in items and "params" in items and not finetuned:  # pre-training's check: fine-tuning is short
        t, p = items["tokens"].value.magnitude, items["params"].value.magnitude
        t_lo = extremes["tokens"][0] if "tokens" in extremes else np.min(t)
        p_hi = extremes["params"][1] if "params" in extremes else np.max(p)
        if t_lo < p_hi and np.any(t < p):  # the bounds settle most sweeps without a pass
            warnings.append("tokens: fewer tokens than parameters; check the unit (tokens, not words or bytes)")
