"""The inputs of the lifetime questions read and checked: counts, prices, losses, fractions, and the target
quality given as a loss, a run or a published model."""

from __future__ import annotations

import re

import numpy as np
import pint

from calc.errors import InputError
from calc.lifetime.solver import DEFAULT_LAW, _few
from calc.scaling import law as _law
from calc.units import parse_quantity


def _count(value, field: str, unit: str, zero_ok: bool = False):
    q = parse_quantity(value, field, unit, bare_ok=True)
    m = np.asarray(q.m_as(unit), dtype=float)
    if m.size == 0:
        raise InputError(field, "expected a value, got an empty array")
    if not np.all(np.isfinite(m)):
        raise InputError(field, f"expected a finite number of {unit}s, got {_few(m)}")
    if np.any(m < 0) or (not zero_ok and np.any(m == 0)):
        raise InputError(field, f"expected a {'non-negative' if zero_ok else 'positive'} number of {unit}s, got {_few(m)}")
    return m if m.ndim else float(m)


def _price(value, field: str, unit: str, example: str):
    q = parse_quantity(value, field, unit, bare_ok=False)
    m = np.asarray(q.m_as(unit), dtype=float)
    if m.size == 0 or not np.all(np.isfinite(m)) or np.any(m <= 0):
        raise InputError(field, f"expected a positive price such as {example!r}, got {_few(m) if m.size else 'nothing'}")
    return m if m.ndim else float(m)


def _plain(field: str, what: str, example: str, value):
    """A plain number or array (a dimensionless Quantity or text too), finite: ``what`` names it in the error."""
    if isinstance(value, pint.Quantity):
        if not value.dimensionless:
            raise InputError(field, f"expected {what} (a plain number such as {example}), got {value:~P}")
        value = value.m_as("")
    elif isinstance(value, str):
        try:
            value = parse_quantity(value, field, "", bare_ok=True).m_as("")
        except InputError as exc:  # "1.9 bit": said as what the field is
            raise InputError(field, exc.message.replace("a plain number (no unit)",
                                                        f"{what} (a plain number such as {example})")) from None
    try:
        m = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(field, f"expected {what} such as {example}, got {value!r:.40}") from None
    if m.size == 0 or not np.all(np.isfinite(m)):
        raise InputError(field, f"expected a finite {what.removeprefix('a ')} such as {example}, got {value!r:.40}")
    return m if m.ndim else float(m)


_NATS = re.compile(r"\s*nats?\s*(?:/\s*token|per\s+token)?\s*$")  # "1.9753 nats/token", as the answer prints it


def _loss(value):
    if isinstance(value, str) and _NATS.search(value) and _NATS.sub("", value).strip():
        value = _NATS.sub("", value)
    try:
        return _plain("loss", "a loss in nats per token", "2.0", value)
    except InputError as exc:  # a unit it is not: said with a loss's example, not a fraction's ("0.4")
        raise InputError("loss", exc.message.replace('e.g. "0.4"', 'e.g. "2.0" or "2.0 nats/token"')
                         .replace('such as "0.4"', 'such as "2.0"')) from None


def check_values(*, loss=None, params=None, tokens=None, inference_tokens=None, serving_price_params=None) -> None:
    """Each of these given (not None) read as ``lifetime`` reads it, so that a door names a bad value before a
    missing one ('lifetime --params abc' was told --inference-tokens is required: doors23b)."""
    if loss is not None:
        _loss(loss)
    for value, field, unit in ((params, "params", "param"), (tokens, "tokens", "token"),
                               (serving_price_params, "serving_price_params", "param")):
        if value is not None:
            _count(value, field, unit)
    if inference_tokens is not None:
        _count(inference_tokens, "inference_tokens", "token", zero_ok=True)


def quality(*, loss=None, params=None, tokens=None, model=None, law: str = DEFAULT_LAW):
    """The target loss (nats per token) given as a loss, as a run (params, tokens), or as a published run.

    Exactly one of ``loss``, ``params`` with ``tokens``, or ``model`` (a dense run of data/models.csv).
    Returns ``(loss, params, tokens)``, the last two None when the loss was given.

    >>> round(quality(params=70e9, tokens=1.4e12, law="hoffmann2022")[0], 4)
    1.9366
    """
    given = [name for name, v in (("loss", loss), ("params", params), ("tokens", tokens), ("model", model))
             if v is not None]
    if model is not None and _is_shape_only(model):  # a shape of data/architectures.csv: its parameters, the tokens given
        return _shape_quality(model, params, tokens, law, loss)
    if model is not None:
        from calc.data import model as published

        try:
            run = published(model)
        except InputError as exc:  # neither list knows it: each list's near names
            from calc.architecture import lookup

            try:
                lookup(model)
            except InputError as shape_exc:
                runs, shapes = (e.message.split("; ", 1)[-1] for e in (exc, shape_exc))
                raise InputError("model", f"unknown model {str(model)[:60]!r}: not a run of data/models.csv ({runs}) nor a "
                                          f"shape of data/architectures.csv, which the tokens complete ({shapes})") from None
            raise
        q = run.quantities
        incomplete = "params" not in q or "tokens" not in q
        # a run with no token count (GPT-2 XL) that is also a shape: its shape with the tokens given, as a shape alone
        # is read; it was refused with tokens ("give model alone") and without ("give params and tokens")
        shape = _shape_of(model) if incomplete else None
        if shape is not None and tokens is not None:
            return _shape_quality(model, params, tokens, law, loss)
        others = [name for name in given if name != "model"]  # a misspelt name is said first, as unknown
        if others:
            raise InputError("model", f"give model alone (it supplies the parameters and tokens), not with {others[0]}")
        if incomplete:
            raise InputError("model", f"data/models.csv gives no {'params' if 'params' not in q else 'tokens'} for "
                                      f"{run.name}: give " + ("tokens (its shape of data/architectures.csv gives the "
                                                              "parameters), or " if shape is not None else "")
                             + "params and tokens, or the loss")
        if "active_params" in q and q["active_params"].m_as("param") < q["params"].m_as("param"):
            raise InputError("model", f"{run.name} is a mixture of experts; the dense scaling laws do not give its "
                                      "quality: give the loss instead")
        params, tokens = q["params"], q["tokens"]
    elif loss is not None:
        if len(given) > 1:
            raise InputError("loss", f"give the loss alone, or params and tokens, not both (also got {given[1]})")
        return _loss(loss), None, None
    elif params is None or tokens is None:
        if params is None and tokens is None:
            raise InputError("loss", "required: the target quality as a loss (e.g. 2.0), as params and tokens of a "
                                     "run, or as a published model")
        missing = "tokens" if tokens is None else "params"
        _count(params if tokens is None else tokens, "params" if tokens is None else "tokens",
               "param" if tokens is None else "token")  # a bad value named before the missing one ('params abc')
        raise InputError(missing, f"required with {'params' if missing == 'tokens' else 'tokens'}: the run whose "
                                  "quality is the target")
    n = _count(params, "params", "param")
    d = _count(tokens, "tokens", "token")
    with np.errstate(all="ignore"):
        value = _law(law).loss(n, d)
    return value, n, d


def _shape_of(model):
    """The shape of data/architectures.csv that ``model`` names, else None."""
    from calc.architecture import lookup

    try:
        return lookup(model)
    except InputError:
        return None


def _is_shape_only(model) -> bool:
    """``model`` names no run of data/models.csv but a shape of data/architectures.csv (or is a Transformer)."""
    from calc import data
    from calc.architecture import Transformer, lookup

    if isinstance(model, Transformer):
        return True
    if not isinstance(model, str):
        return False
    try:
        data.model(model)  # a run, as people type its name ("llama 2 70b"): not the shape of the same name
        return False
    except InputError:
        pass
    try:
        lookup(model)
    except InputError:
        return False
    return True


def _shape_quality(model, params, tokens, law, loss=None):
    """The quality of a shape trained on ``tokens``: its parameters (dense only) under ``law``."""
    from calc.architecture import lookup
    from calc.display import show

    shape = lookup(model)
    name = model if isinstance(model, str) else "the shape given"
    if params is not None or loss is not None:
        other = "params" if params is not None else "loss"  # "(a shape: it supplies the parameters, with the tokens)"
        raise InputError(other, f"give model or {other}, not both: the shape supplies the parameters, which with "
                                "tokens make the run whose loss is the target")  # read as if the shape gave the tokens
    if tokens is None:
        where = ("a shape of data/architectures.csv gives the parameters" if isinstance(model, str) else
                 "a shape of its own (a config.json) gives its parameters")
        raise InputError("tokens", f"required with {name}: {where} ({show('params', shape.params())}) but not the "
                                   "tokens it was trained on (a run of data/models.csv gives both); give the tokens, "
                                   "e.g. 15T")
    if shape.moe_layers:
        raise InputError("model", f"{name} is a mixture of experts; the dense scaling laws do not give its quality: "
                                  "give the loss instead")
    n = shape.params().m_as("param")
    d = _count(tokens, "tokens", "token")
    with np.errstate(all="ignore"):
        value = _law(law).loss(n, d)
    return value, n, d


def _fraction(value):
    return _plain("size_fraction", "a fraction", "0.5", value)
