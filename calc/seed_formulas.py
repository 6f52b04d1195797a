"""The seeds' small language: an input of a claim resolved (a literal such as ``"32 chip"``, or a reference
into data/: ``model:``, ``fact:``, ``hardware:``, ``default:``, ``price:``, ``threshold:``; the list is in the
docstring of ``calc.claims``), and a formula over the inputs evaluated: a sum of products, read left to right,
no parentheses, no eval."""

from __future__ import annotations

import datetime as dt

import pint

from calc import data
from calc.errors import InputError, folded
from calc.units import Q_, is_plain_number, parse_quantity, ureg


def resolve(spec: str, field: str = "input") -> pint.Quantity | str:
    """Turn a claim input into a Quantity: a literal or a ``kind:...`` reference into ``data/``."""
    if not isinstance(spec, str):
        raise InputError(field, f"expected a string, got {spec!r}")
    kind, _, rest = spec.partition(":")
    parts = rest.split(":")
    if kind == "model" and len(parts) == 2:
        q = data.model(parts[0]).quantities.get(parts[1])
        if q is None:
            raise InputError(field, f"data/models.csv has no {parts[1]} for {parts[0]}")
        return q
    if kind == "fact" and len(parts) == 1:
        return data.fact(parts[0]).value
    if kind == "hardware" and len(parts) in (2, 3):
        hw = data.hardware(parts[0])
        if parts[1] == "peak":
            return hw.peak(parts[2] if len(parts) == 3 else hw.default_precision)
        if parts[1] == "chips_per_board":
            return Q_(hw.chips_per_board, "chip")
        if parts[1] == "chips_per_node" and hw.chips_per_node is not None:
            return Q_(hw.chips_per_node, "chip")
        if parts[1] in ("memory", "memory_bandwidth", "tdp"):
            return getattr(hw, parts[1])
        raise InputError(field, f"unknown hardware column {parts[1]!r}")
    if kind == "price" and len(parts) == 3:
        return _price_in_force(parts[0], parts[1], parts[2], field)
    if kind == "default" and len(parts) == 1:  # a documented default (data/defaults.csv): the median utilization
        d = data.defaults().get(parts[0])
        if d is None:
            raise InputError(field, f"data/defaults.csv has no {parts[0]!r}")
        return d.value
    if kind == "threshold" and len(parts) == 2:
        t = data.thresholds().get(parts[0])
        if t is None or getattr(t, parts[1], None) is None:
            raise InputError(field, f"data/thresholds.csv has no {parts[1]} for {parts[0]!r}")
        return getattr(t, parts[1])
    return spec  # a literal: parsed where its expected dimension is known


def _price_in_force(family: str, commitment: str, date: str, field: str) -> pint.Quantity:
    try:
        when = dt.date.fromisoformat(date)
    except ValueError:
        raise InputError(field, f"expected a date YYYY-MM-DD, got {date!r}") from None
    fold = folded(family)
    latest = {}
    for p in data.prices():
        name = folded(p.hardware)
        if name.startswith(fold) and p.commitment == commitment and p.date <= when:
            latest[(p.hardware, p.vendor)] = p  # prices() is sorted by date: keep the newest
    if not latest:
        raise InputError(field, f"data/prices.csv has no {commitment} price for {family} on or before {date}")
    return min(latest.values(), key=lambda p: p.price.magnitude).price


def literal(spec, field):
    """A literal input (``"32 chip"``, ``"1e25"``, a Quantity) as a Quantity; ``InputError`` naming ``field``."""
    if isinstance(spec, pint.Quantity):
        return spec
    return parse_quantity(spec, field, "", bare_ok=True) if is_plain_number(spec) else _parse_any(spec, field)



def _parse_any(text: str, field: str) -> pint.Quantity:
    try:
        q = ureg.Quantity(text)
    except Exception:
        raise InputError(field, f"expected a quantity such as '32 chip', got {text!r}") from None
    return q if isinstance(q, pint.Quantity) else Q_(float(q), "")


def evaluate_formula(formula: str, inputs: dict, field: str) -> pint.Quantity:
    """``a * b / c + d - e``: names of ``inputs`` joined by ``*`` and ``/`` (left to right) into
    terms, and the terms by ``+`` and ``-``. No parentheses, no eval.

    >>> evaluate_formula("a * b + c", {"a": "2 hour", "b": "3 USD/hour", "c": "1 USD"}, "x")
    <Quantity(7.0, 'USD')>
    """
    tokens = formula.split()
    if not tokens or len(tokens) % 2 == 0:
        raise InputError(field, f"expected 'name * name / name + name ...', got {formula!r}")
    total = term = None
    sign = 1
    for i, tok in enumerate(tokens):
        if i % 2:
            if tok not in ("*", "/", "+", "-"):
                raise InputError(field, f"expected *, /, + or -, got {tok!r} in {formula!r}")
            if tok in "+-":
                total = _add(total, sign * term, field, formula)
                term, sign = None, 1 if tok == "+" else -1
            continue
        if tok not in inputs:
            raise InputError(field, f"{tok!r} is not one of the inputs ({', '.join(inputs)})")
        value = literal(resolve(inputs[tok], f"{field}.{tok}"), f"{field}.{tok}")
        term = value if term is None else (term * value if tokens[i - 1] == "*" else term / value)
    return _add(total, sign * term, field, formula)


def _add(total, term, field, formula):
    if total is None:
        return term
    try:
        return total + term
    except pint.DimensionalityError:
        raise InputError(field, f"terms of different dimensions added in {formula!r}: {total.units:~P} and "
                                f"{term.units:~P}") from None
