"""``estimate``: read the inputs, apply defaults where nothing determines a quantity, derive the rest by the
relations of ``calc.relations``, and mark each result given, derived, default or modelled."""

from __future__ import annotations

import math

import numpy as np

from calc import data
from calc.errors import InputError, checks_keywords
from calc.estimate.consistency import _check, _check_finite
from calc.estimate.defaults import _apply_default, _missing, _modelled_utilization, _published_tokens
from calc.estimate.inputs import _UNIT, _base, _canonical, _read_inputs, _read_rtol, _units
from calc.estimate.result import Estimate, Item
from calc.estimate.shape import _from_model
from calc.estimate.suspicious import _warn_inputs, _warn_results
from calc.prices import read_price
from calc.relations import coefficient as _coefficient
from calc.relations import evaluate as _evaluate
from calc.relations import plan as _plan
from calc.units import Q_
from calc.vocabulary import BY_NAME, QUANTITIES


@checks_keywords("calc.estimate", lambda: BY_NAME)  # the vocabulary's names, as **known takes them
def estimate(*, rtol: float | None = None, model=None, layout=None, utilization_model=None, lora_rank: int = 16,
             chips_per_node=None, **known) -> Estimate:
    """Fill in a training run from any consistent subset of the vocabulary, by the six relations of
    ``calc.estimate`` (its docstring gives each with its source: [Kaplan2020] sec. 2.1, [Chowdhery2022] app. B,
    [Patterson2021] sec. 2).

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
    rtol = _read_rtol(rtol)
    run_tokens = _published_tokens(model, known)
    known, step, from_shape, rescaled, tuned, counted = _model_inputs(model, layout, lora_rank, known, rtol,
                                                                      searched=utilization_model is None)
    known, price_how = _price_input(known, chips_per_node)
    shape_for_utilization = utilization_model if utilization_model is not None else (model if layout is None else None)
    given, text, extremes = _read_inputs(known)
    warnings: list[str] = [] if step is None else [n for n in [step.model.sequence_note(step.layout.sequence)] if n]
    items = _given_items(given, from_shape, step, tuned, price_how, model, counted)
    hw, precision = _peak_item(items, text, step)
    _flop_count_item(items, text)
    values = {n: _base(n, it.value) for n, it in items.items()}
    _warn_inputs(items, warnings, extremes)
    dense = not ("params" in given and "active_params" in given)
    with np.errstate(all="ignore"):  # overflow is caught below and reported by name, not as a RuntimeWarning
        plan = _apply_defaults(values, items, dense, rtol, hw, shape_for_utilization, precision, run_tokens)
        steps = _derive(plan, values, items, given)
        _warn_results(items, warnings, extremes, "finetune" in text)
        _note_published_tokens(run_tokens, items, warnings)
        undetermined = {n: _missing(n, items, hw) for n in QUANTITIES if n not in items}
        step = _the_step(step, items, shape_for_utilization, hw, values, precision, rescaled)
        ordered = {n: items[n] for n in QUANTITIES if n in items}
        order = [name for name, _, _ in plan.order]
        return Estimate(ordered, hw, precision if hw is not None else None, warnings,
                        [steps[n] for n in order], undetermined, order, step)


def _note_published_tokens(run, items, warnings) -> None:
    """Where the other inputs settle the tokens (chips and a duration, a compute) away from the published run's that
    the model's name also names, both said: fresh24b, `estimate --model "GPT-3 175B" --chips 1024 --duration 30d`
    derived 171B tokens without a word of GPT-3's 300B."""
    if run is None or "tokens" not in items or items["tokens"] is run or items["tokens"].source != "derived":
        return
    got, published = items["tokens"].value, run.value.to(items["tokens"].value.units)
    if np.ndim(got.magnitude) or not abs(np.log(float(got.magnitude) / float(published.magnitude))) > 0.05:
        return
    from calc.display import show

    warnings.append(f"tokens: the other inputs give {show('tokens', got)}; the published run the model names trained "
                    f"on {show('tokens', published)} ({run.how}); give its tokens for that run")


def _model_inputs(model, layout, lora_rank, known, rtol, searched=True):
    """``known`` with what the shape (and layout) stand for; the step, the names taken from the shape, the note of
    a rescaled MFU, how a fine-tuning count was read and the sequence of the FLOP count (None: the context)."""
    step, from_shape, rescaled, tuned, counted = None, (), "", "", None
    if model is not None or layout is not None:
        known, step, from_shape, rescaled, counted = _from_model(model, layout, known, rtol, searched)
        if known.get("finetune") is not None and "flop_per_param_token" in from_shape:  # the shape's fine-tuning count
            from calc.finetuning import flop_per_param_token

            k, tuned = flop_per_param_token(known["finetune"], model, rank=lora_rank)
            known = {**known, "flop_per_param_token": k}
    return known, step, from_shape, rescaled, tuned, counted


def _price_input(known, chips_per_node):
    """The price per chip-hour (per chip, or per node divided by its chips: read_price) and how it was read."""
    if known.get("price") is not None:
        known = dict(known)
        known["price"], how = read_price(known["price"], known.get("hardware"), chips_per_node)
        return known, how
    if chips_per_node is not None:
        raise InputError("chips_per_node", "only read with a price per node; give the price, or leave it out")
    return known, "given"


def _given_items(given, from_shape, step, tuned, price_how, model=None, counted=None) -> dict[str, Item]:
    """The given quantities as Items; those a model's shape gave marked derived, with how."""
    items: dict[str, Item] = {n: Item(_canonical(n, q), "given", price_how if n == "price" else "given")
                              for n, q in given.items()}
    what = "the model"
    if isinstance(model, str):  # the row's name, as the user may have typed an alias or a spelling of it
        from calc.architecture import shape_name

        what = shape_name(model)
    for n in from_shape:  # what the model's shape says, not what the user typed
        count = "" if n != "flop_per_param_token" else f", PaLM count at sequence {_sequence_read(step, model, counted)}"
        how = tuned if n == "flop_per_param_token" and tuned else f"from the shape of {what} (calc.architecture{count})"
        items[n] = Item(items[n].value, "derived", how)
    return items


def _sequence_read(step, model, counted=None) -> str:
    """The sequence the shape's FLOP per token counts, and where it comes from: the layout's, else the shape's
    training sequence (its context, a config's trained length or its longest position where it states none, at
    most 8,192: ``Transformer.training_sequence``), or ``counted``, the searched layout's."""
    if step is not None:
        return f"{step.layout.sequence:,}, the layout's"
    from calc.architecture import lookup

    shape = lookup(model)
    if counted is not None and counted != shape.context:
        return f"{counted:,}, the searched layout's"
    where = f", from {shape.context_source}" if shape.context_source else ""
    if shape.training_sequence < shape.context:
        return f"{shape.training_sequence:,}, the training sequence (the context, {shape.context:,}{where}, at most 8,192)"
    return f"{shape.context:,}, the training sequence (the shape's context{where})"


def _peak_item(items, text, step):
    """The chip (resolved once) and its precision; the chip's dense peak as an item unless a peak is given."""
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
    return hw, precision


def _flop_count_item(items, text) -> None:
    """FLOP per parameter per token when not given: a fine-tuning method's own count, else the default (6)."""
    if "flop_per_param_token" not in items and "finetune" in text:
        from calc.finetuning import flop_per_param_token

        k, how = flop_per_param_token(text["finetune"])
        items["flop_per_param_token"] = Item(k.to(_UNIT["flop_per_param_token"]), "default", how)
    if "flop_per_param_token" not in items:
        d = data.defaults()["flop_per_param_token"]
        items["flop_per_param_token"] = Item(d.value.to(_UNIT["flop_per_param_token"]), "default", d.source)


def _apply_defaults(values, items, dense, rtol, hw, shape, precision, tokens=None):
    """The plan of the relations, once every default that nothing determines is applied (one at a time, so
    derived values can wait); over-determined inputs checked on the way. ``tokens``: a named model's published
    tokens, taken where nothing else determines them."""
    while True:
        plan = _plan(frozenset(values), dense)
        _check(plan, values, items, rtol)
        applied = _apply_default(plan.undetermined, values, items, hw, shape, precision, tokens)
        if applied is None:
            return plan
        name, item = applied
        items[name] = item
        values[name] = _base(name, item.value)


def _derive(plan, values, items, given) -> dict[str, str]:
    """Every quantity the plan determines, added to ``items`` (each step reuses the ones before it); returns how
    each was derived, by name."""
    derived, roots = {}, {}
    for name, exps, _ in plan.order:
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
    return steps


def _the_step(step, items, shape, hw, values, precision, rescaled):
    """The step behind a modelled utilization: the search's (cached) or the layout's, whose MFU is marked
    modelled; a run shorter than one optimizer step refused."""
    modelled = items.get("utilization")
    if step is None and modelled is not None and modelled.source == "modelled":
        return _modelled_utilization(shape, hw, values, precision)[1]
    if step is not None:
        items["utilization"] = Item(items["utilization"].value, "modelled",
                                    f"MFU of the predicted step ({step.layout.describe()}, "
                                    f"{step.step_time.m_as('s'):.3g} s per step), calc.perf.predict{rescaled}")
        if "tokens" in items:
            step.duration(items["tokens"].value)  # refuses a run shorter than one optimizer step
    return step
