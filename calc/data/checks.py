"""The checks of a table as it is read: its header against the declared units, each cell (number, unit,
plausible range) and each row's provenance; a bad cell is a ``DataError`` naming file, row and column."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import pint

from calc.data.columns import _PLAUSIBLE_BY_NAME, _PLAUSIBLE_BY_UNIT, COLUMN_UNITS
from calc.data.store import cache, data_dir
from calc.errors import DataError
from calc.units import Q_, ureg


def _check_columns(name: str, filename: str, header: list, unit_row: list) -> None:
    """The header has every column the code reads, each in the unit it reads it in (``COLUMN_UNITS``)."""
    written = {c: u.strip() for c, u in zip(header, unit_row)}
    for col, unit in COLUMN_UNITS.get(filename, {}).items():
        if col not in written:
            raise DataError(name, 1, col, "required column is missing from the header (renamed or deleted?)")
        if written[col] != unit:
            got = None if written[col] in ("", "date") else ureg.dimensionless if written[col] == "1" else \
                ureg.parse_units(written[col])
            want = ureg.dimensionless if unit == "1" else ureg.parse_units(unit)
            same = got is not None and got.dimensionality == want.dimensionality
            why = (f"{written[col]!r} converts, but the code reads the numbers as {unit!r}: convert the column"
                   if same else f"got {written[col] or 'no unit (a text column)'!r}, another dimension")
            raise DataError(name, 2, col, f"expected the unit {unit!r}; {why}")


def _read_csv(path: Path) -> list[list[str]]:
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.reader(f))
    except FileNotFoundError:
        raise DataError(_display(path), None, None, "file not found") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError(_display(path), None, None, f"not a readable UTF-8 CSV file ({exc})") from None


def _check_header(name, header, required):
    missing = [c for c in required if c not in header]
    if missing:
        raise DataError(name, 1, missing[0], "required column is missing")
    dup = {c for c in header if header.count(c) > 1}
    if dup:
        raise DataError(name, 1, sorted(dup)[0], "column appears twice")


def _cell(name, line, col, cell, unit, positive):
    if cell == "":
        return None
    if unit is None:
        return cell
    if unit == "date":
        try:
            return dt.date.fromisoformat(cell)
        except ValueError:
            raise DataError(name, line, col, f"expected a date YYYY-MM-DD, got {cell!r}") from None
    try:
        x = float(cell)
    except ValueError:
        raise DataError(name, line, col, f"expected a number in {unit or 'dimensionless'}, got {cell!r}") from None
    if not math.isfinite(x):
        raise DataError(name, line, col, f"expected a finite number, got {cell!r}")
    if positive and x <= 0:
        raise DataError(name, line, col, f"expected a positive number, got {cell!r}")
    return x


@cache
def _plausible_for(unit: str):
    """(factor to the reference unit, low, high, reference unit) for a column of ``unit``, or None."""
    u = ureg.parse_units(unit)
    for ref, (lo, hi) in _PLAUSIBLE_BY_UNIT.items():
        r = ureg.parse_units(ref)
        if u.dimensionality == r.dimensionality:
            return float(Q_(1.0, u).m_as(r)), lo, hi, ref
    return None


def _check_plausible(name, line, col, what, x, unit, by_unit=True):
    """Refuse a cell outside the plausible range of its name or, in column tables, of its unit."""
    if not isinstance(x, float) or unit in (None, "date"):
        return
    named = _PLAUSIBLE_BY_NAME.get(what)
    if named is not None:
        ref, lo, hi = named
        try:
            v = float(Q_(x, unit).m_as(ref))
        except pint.DimensionalityError:
            raise DataError(name, line, col, f"{what} must be in {ref or 'a plain fraction'}, "
                                             f"the units say {unit or 'dimensionless'}") from None
        if not lo <= v <= hi:
            raise DataError(name, line, col, f"{what} {x:g} {unit} is outside the plausible range "
                                             f"[{lo:g}, {hi:g}] {ref}".rstrip() + (" (a percent for a fraction?)" if not ref else ""))
        return
    rule = _plausible_for(unit) if by_unit and unit else None
    if rule is None:
        return
    factor, lo, hi, ref = rule
    v = x * factor
    if not lo <= v <= hi:
        raise DataError(name, line, col, f"{x:g} {unit} (= {v:.3g} {ref}) is outside the plausible range "
                                         f"[{lo:g}, {hi:g}] {ref} for this column; is the units row or the cell wrong?")


def _check_provenance(name, line, values):
    if not values.get("source"):
        raise DataError(name, line, "source", "every row needs a source")
    if not isinstance(values.get("retrieved"), dt.date):
        raise DataError(name, line, "retrieved", "every row needs the date it was read (YYYY-MM-DD)")


def _display(path: Path) -> str:
    """``data/...`` for a file of data/ (wherever it is installed), else the path as given."""
    try:
        return "data/" + path.resolve().relative_to(data_dir().resolve()).as_posix()
    except ValueError:
        return str(path)
