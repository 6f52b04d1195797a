"""The one unit registry of the application, built from ``data/units.txt``.

FLOP, param, token, word, chip, bit/byte and USD are dimensions of their own, so a quoted figure
that adds or divides incompatible things fails loudly. ``ureg`` is set as pint's application
registry, so pickling, ``st.cache_data`` and pint-pandas all see the same units.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pint

from calc.errors import InputError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

ureg = pint.UnitRegistry(str(DATA_DIR / "units.txt"), autoconvert_offset_to_baseunit=True)
ureg.formatter.default_format = "~P"
pint.set_application_registry(ureg)
Q_ = ureg.Quantity
Quantity = ureg.Quantity

# Longest unit expression we pass to pint's parser: guards against pathological input.
_MAX_TEXT = 200


def parse_quantity(value, field: str, unit: str, *, bare_ok: bool) -> pint.Quantity:
    """Turn an input into a Quantity of ``unit``'s dimension, or raise ``InputError``.

    Parameters
    ----------
    value : pint.Quantity, str, float, int or numpy array
        A Quantity; a string such as ``"300e9 token"`` or ``"14.8 day"``; or, only where
        ``bare_ok``, a plain number or array read in ``unit``.
    field : str
        The input's name, for the error message.
    unit : str
        The canonical unit; the value must have its dimension.
    bare_ok : bool
        Whether a plain number is unambiguous for this field.

    Returns
    -------
    pint.Quantity
        In the caller's unit (not converted); magnitudes are float or float arrays.
    """
    expected = _units(unit)
    if isinstance(value, str) and is_plain_number(value):
        if not bare_ok and not _is_dimensionless(expected):
            raise InputError(field, f"a plain number is ambiguous here; give a unit, e.g. \"{value.strip()} {unit}\"")
        value = _parse_text(value, field, unit)
        value = Q_(value.magnitude, expected)  # a plain number is read in the canonical unit
    elif isinstance(value, str):
        value = _parse_text(value, field, unit)
    elif isinstance(value, pint.Quantity):
        if not isinstance(value, ureg.Quantity):
            value = _parse_text(f"{value.magnitude} {value.units:~C}", field, unit)
    elif isinstance(value, bool) or value is None:
        raise InputError(field, f"expected a quantity in {unit or 'dimensionless'}, got {value!r}")
    else:
        if not bare_ok and not _is_dimensionless(expected):
            raise InputError(
                field,
                f"a plain number is ambiguous here; give a quantity with units, "
                f"e.g. \"{_example(unit)}\" (got {value!r})",
            )
        try:
            value = Q_(np.asarray(value, dtype=float) if not np.isscalar(value) else float(value), expected)
        except (TypeError, ValueError) as exc:
            raise InputError(field, f"expected a number, got {value!r}") from exc
    if value.dimensionality != expected.dimensionality:
        raise InputError(
            field,
            f"expected a quantity in {unit or 'dimensionless'} "
            f"({_dims(expected.dimensionality)}), got {value:~P} ({_dims(value.dimensionality)})",
        )
    magnitude = value.magnitude
    if isinstance(magnitude, (int, np.integer)):
        value = Q_(float(magnitude), value.units)
    return value


def _parse_text(text: str, field: str, unit: str) -> pint.Quantity:
    text = text.strip()
    if not text:
        raise InputError(field, f"expected a quantity such as \"{_example(unit)}\", got an empty value")
    if len(text) > _MAX_TEXT:
        raise InputError(field, f"expected a quantity such as \"{_example(unit)}\", got {len(text)} characters")
    # Only numbers, unit names and * / ^ ( ) reach pint's parser; pint never evaluates Python.
    if any(c in text for c in "[]{};:=\\'\"`@!?<>|&$#~,"):
        raise InputError(field, f"expected a quantity such as \"{_example(unit)}\", got {text!r}")
    if text.count("(") > 4:
        raise InputError(field, f"too deeply nested: {text[:40]!r}")
    try:
        q = ureg.Quantity(text)
    except pint.UndefinedUnitError as exc:
        raise InputError(field, f"unknown unit {exc.unit_names!r} in {text!r}; expected {unit or 'a number'}") from None
    except Exception:  # pint's parser raises many types on garbage; all mean "not a quantity"
        raise InputError(field, f"expected a quantity such as \"{_example(unit)}\", got {text!r}") from None
    if not isinstance(q, pint.Quantity):
        q = Q_(float(q), ureg.dimensionless)
    if isinstance(q.magnitude, (int, float)) and not math.isfinite(float(q.magnitude)):
        raise InputError(field, f"expected a finite number, got {text!r}")
    return q


@cache
def _units(unit: str) -> pint.Unit:
    return ureg.parse_units(unit) if unit else ureg.dimensionless


def is_plain_number(text: str) -> bool:
    """Whether ``text`` is a bare number such as ``"1e9"`` (no unit)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_dimensionless(u) -> bool:
    return u.dimensionality == ureg.dimensionless.dimensionality


def _dims(dimensionality) -> str:
    text = str(dimensionality)
    return "dimensionless" if text == "dimensionless" else text


def _example(unit: str) -> str:
    return f"1 {unit}" if unit else "0.4"
