"""Readable text for quantities: "314 ZFLOP", "$4.6M", "14.8 days", "1.29 GWh", "38%".

Shared by the command line and the app, so both show a figure the same way. Formatting only:
the numbers themselves are never changed here.
"""

from __future__ import annotations

import math

import numpy as np
import pint

_SI = ((1e24, "Y"), (1e21, "Z"), (1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
_COUNT = ((1e15, "Q"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def number(x: float, digits: int = 3) -> str:
    """``x`` with ``digits`` significant figures, no exponent for ordinary sizes."""
    if x == 0 or not math.isfinite(x):
        return str(x)
    if abs(x) >= 1e6 or abs(x) < 1e-3:
        return f"{x:.{digits - 1}e}".replace("e+", "e")
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(x)))))
    text = f"{x:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _scaled(x: float, table, digits=3) -> str:
    for factor, suffix in table:
        if abs(x) >= factor:
            return number(x / factor, digits) + suffix
    return number(x, digits)


def si(q: pint.Quantity, unit: str, digits: int = 3, space: str = " ") -> str:
    """``q`` in ``unit`` with an SI prefix chosen for readability: ``314 ZFLOP``."""
    x = float(q.m_as(unit))
    for factor, prefix in _SI:
        if abs(x) >= factor:
            return f"{number(x / factor, digits)}{space}{prefix}{unit}"
    return f"{number(x, digits)}{space}{unit}"


def _one(name: str, q: pint.Quantity, short: bool = False) -> str:
    if name in ("params", "active_params"):
        return _scaled(q.m_as("param"), _COUNT) + " params"
    if name == "tokens":
        return _scaled(q.m_as("token"), _COUNT) + " tokens"
    if name == "chips":
        n = q.m_as("chip")
        return (f"{n:,.0f}" if n >= 1 and float(n).is_integer() else number(n)) + " chips"
    if name == "compute":
        return si(q, "FLOP") + ("" if short else f" ({number(q.m_as('PFLOP/s*day'))} PFLOP/s-days)")
    if name == "flop_per_param_token":
        return number(q.m_as("FLOP/param/token")) + " FLOP/param/token"
    if name == "peak":
        return si(q, "FLOP/s/chip")
    if name == "utilization":
        return f"{number(100 * q.m_as(''))}%"
    if name == "duration":
        days = q.m_as("day")
        if days < 1:
            return f"{number(q.m_as('hour'))} hours"
        if days > 730:
            return f"{number(q.m_as('year'))} years"
        return f"{number(days)} days"
    if name == "chip_hours":
        h = q.m_as("chip*hour")
        if short:
            return f"{number(q.m_as('chip*year'))} chip-years" if h > 1e5 else _scaled(h, _COUNT) + " chip-hours"
        years = f" ({number(q.m_as('chip*year'))} chip-years)" if h > 1e5 else ""
        return _scaled(h, _COUNT) + " chip-hours" + years
    if name in ("price",):
        return f"${number(q.m_as('USD/chip/hour'))}/chip-" + ("h" if short else "hour")
    if name == "cost":
        return "$" + _scaled(q.m_as("USD"), _COUNT)
    if name == "power":
        return number(q.m_as("W/chip")) + " W/chip"
    if name == "pue":
        return number(q.m_as(""))
    if name == "energy":
        return si(q, "Wh")
    if name == "carbon_intensity":
        return number(q.m_as("kg/kWh")) + " kg CO2e/kWh"
    if name == "emissions":
        return number(q.m_as("t")) + " t CO2e"
    return f"{q:.3g~P}"


def show(name: str, q: pint.Quantity, short: bool = False) -> str:
    """The readable form of vocabulary quantity ``name``; arrays show their median and range.

    ``short`` drops secondary units, for narrow places such as the app's metrics.
    """
    m = q.magnitude
    cls = q.__class__
    if isinstance(m, np.ndarray) and m.size > 1:
        lo, mid, hi = np.percentile(m, [0, 50, 100])
        return (f"{_one(name, cls(mid, q.units), short)} "
                f"(range {_one(name, cls(lo, q.units), True)} – {_one(name, cls(hi, q.units), True)})")
    if isinstance(m, np.ndarray):
        q = cls(float(m.reshape(-1)[0]), q.units)
    return _one(name, q, short)


def explain(est) -> list[str]:
    """The derivation of an ``Estimate`` with the numbers in: one line per derived quantity.

    ``duration = compute / (chips × peak × utilization) = 314 ZFLOP / (10,000 chips × 125 TFLOP/s/chip
    × 30%) = 9.69 days``
    """
    lines = []
    for name in est.order:
        item = est[name]
        num = [n for n, e in item.terms if e > 0]
        den = [n for n, e in item.terms if e < 0]
        symbolic = _product(num) + (f" / {_product(den, group=True)}" if den else "")
        values = _product([show(n, est[n].value, short=True) for n in num])
        if den:
            values += " / " + _product([show(n, est[n].value, short=True) for n in den], group=True)
        lines.append(f"{name} = {symbolic} = {values} = {show(name, item.value, short=True)}")
    return lines


def _product(parts: list[str], group: bool = False) -> str:
    text = " × ".join(parts) if parts else "1"
    return f"({text})" if group and len(parts) > 1 else text
