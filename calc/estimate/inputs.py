"""The inputs of an estimate read and checked: names of the vocabulary, Quantities in their canonical units,
arrays that pair up, the consistency tolerance."""

from __future__ import annotations

from functools import cache

import numpy as np
import pint

from calc import data
from calc.errors import ConflictError, InputError, nearest
from calc.reader import read_chips
from calc.reader import shown as _show
from calc.reader import unit_factor as _factor
from calc.reader import value_range as _check_range
from calc.units import Q_, parse_quantity
from calc.vocabulary import BY_NAME, QUANTITIES, TEXT_FIELDS, precision_hint, precision_name

_UNIT = {n: BY_NAME[n].unit for n in QUANTITIES}


def _read_inputs(known: dict) -> tuple[dict[str, pint.Quantity], dict[str, str], dict[str, tuple]]:
    """The inputs as Quantities and names, and each quantity's (min, max) in its canonical unit."""
    given, text, extremes = {}, {}, {}
    for name, value in known.items():
        if name not in BY_NAME:
            close = nearest(name, BY_NAME, n=3)
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
        if name == "chips" and np.ndim(q.magnitude) == 0:
            q = read_chips(q)  # one count of chips, read as everywhere: 2.5 refused, never run as 2.5
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
    if "precision" in text:  # "FP8", "bfloat16", "nvfp4": the format's name here (calc.vocabulary.precision_name)
        read = precision_name(text["precision"])
        if read not in data.PRECISIONS:
            raise InputError("precision", f"expected one of {', '.join(data.PRECISIONS)}, got {text['precision']!r}"
                                          f"{precision_hint(text['precision'], data.PRECISIONS, n=1)}")
        text["precision"] = read
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
