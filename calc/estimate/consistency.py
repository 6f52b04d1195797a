"""Over-determined inputs checked against each other (within ``rtol``), and results a float cannot hold
reported by the inputs behind them."""

from __future__ import annotations

import math

import numpy as np
import pint

from calc.errors import ConflictError, ScaleError
from calc.relations import Plan as _Plan
from calc.relations import coefficient as _coefficient
from calc.relations import evaluate as _evaluate
from calc.relations import log_evaluate as _log_evaluate
from calc.units import _TINY
from calc.vocabulary import QUANTITIES


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
