"""The inputs a model's shape and a parallel layout stand for: parameters and FLOP per token from the shape,
the utilization from the predicted step (rescaled to the FLOP count given)."""

from __future__ import annotations

import numpy as np

from calc import data
from calc.errors import ConflictError, InputError, did_you_mean
from calc.reader import read_value
from calc.reader import shown as _show


def _from_model(model, layout, known: dict, rtol: float, searched: bool = True):
    """The inputs a shape (and a layout) stand for, added to ``known``; the predicted step, the names the shape
    gave, the note of a rescaled MFU and the sequence the FLOP count is at (None: the shape's context). Without a layout,
    where the utilization will be the searched layout's MFU (``searched``), the FLOP count is at that layout's
    sequence, as a given layout's is."""
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
            fields = list(Layout.__dataclass_fields__)
            unknown = [k for k in layout if k not in fields]
            if unknown:  # layout=dict(pipline=8) listed 30 fields and not the one meant
                raise InputError("layout", f"expected fields of calc.perf.Layout, got {unknown[0]!r}"
                                           f"{did_you_mean(unknown[0], fields)}; its fields are {', '.join(fields)}")
            try:
                layout = Layout(**layout)
            except TypeError as exc:
                raise InputError("layout", f"{exc}; its fields are {', '.join(fields)}") from None
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
    elif searched:
        sequence = _searched_sequence(model, known)
    shaped = shape.as_inputs(context=sequence)
    _counts_agree(model, shape, shaped, known, rtol)
    rescaled = ""
    if step is not None and any(known.get(n) is not None for n in ("flop_per_param_token", "active_params")):
        known, rescaled = _rescale_mfu(known, shaped, step)
    derived = {k: v for k, v in shaped.items() if known.get(k) is None}
    if shape.params() == shape.active_params():  # dense: a count given (within rtol of the shape's) stands for both
        if known.get("params") is not None or known.get("active_params") is not None:
            derived = {k: v for k, v in derived.items() if k not in ("params", "active_params")}
    return {**known, **derived}, step, tuple(derived), rescaled, sequence


def _searched_sequence(model, known: dict) -> int | None:
    """The sequence of the layout a modelled utilization will take (calc.perf.modelled_utilization, cached, so
    the solver's own call finds it again), where it will run: hardware and one chip count (or none: a reference
    cluster) given, no utilization nor fine-tuning. Else None: the shape's context. Counted at the context instead, Mistral NeMo's 131,072
    beside a layout of 8,192-token sequences, the run would last 3.8 times its predicted steps."""
    from calc.perf.utilization import modelled_utilization

    if known.get("hardware") is None or any(known.get(n) is not None for n in ("utilization", "finetune")):
        return None
    try:
        chips = None  # none given: the search's reference cluster, as the solver's
        if known.get("chips") is not None:
            many = np.asarray(read_value("chips", known["chips"], one=False).m_as("chip"), dtype=float)
            if many.size != 1 or not float(many.reshape(-1)[0]).is_integer():
                return None
            chips = int(many.reshape(-1)[0])
        found = modelled_utilization(model, known["hardware"], chips, precision=known.get("precision"))
    except InputError:  # said where the solver reads the same inputs
        return None
    return None if found is None else found.step.layout.sequence


def _counts_agree(model, shape, shaped: dict, known: dict, rtol: float) -> None:
    """Parameters given beside a shape are the shape's, within ``rtol``; else the shape and the count disagree, and
    the error says so (not that active parameters exceed the total, which is what the two would then read as)."""
    for name in ("params", "active_params"):
        if known.get(name) is None:
            continue
        given = read_value(name, known[name], one=False)
        ratio = np.asarray((given / shaped[name]).m_as(""))
        if np.any(np.abs(ratio - 1) > rtol):
            r = float(ratio.flat[int(np.argmax(np.abs(ratio - 1)))])
            what = f"the shape of {model!r}" if isinstance(model, str) else "the model's shape"
            raise ConflictError((name, "model"), f"{_show(given)} given, and {what} has "
                                f"{_show(shaped[name])} ({r - 1:+.1%}, beyond the tolerance of {rtol:.0%}); leave "
                                f"{name} out (the shape gives it), or give the shape's count")


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
