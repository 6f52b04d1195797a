"""The reader of data/'s CSV tables: a column table (a header row of names, a row of units, then values)
or a row table (a ``unit`` column), each cell checked and cast, returned as read-only ``Row``s and cached."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pint

from calc.data.checks import (
    _cell,
    _check_columns,
    _check_header,
    _check_plausible,
    _check_provenance,
    _display,
    _read_csv,
)
from calc.data.columns import COLUMN_WORDS, ROW_UNITS, WHOLE_COLUMNS
from calc.data.store import data_dir
from calc.errors import DataError
from calc.units import Q_, ureg


@dataclass(frozen=True)
class Row:
    """One validated row: ``values`` maps column to float, str, date or None; ``line`` is 1-based."""

    path: str
    line: int
    values: dict
    units: dict

    def quantity(self, column: str) -> pint.Quantity | None:
        """The cell as a Quantity in the column's unit, or None when empty."""
        v = self[column]
        return None if v is None else Q_(v, self.units[column])

    def flag(self, column: str) -> bool:
        """The cell read as true or false (any case); anything else is the file's error, by row and column."""
        v = (self[column] or "").lower()
        if v not in ("true", "false"):
            raise DataError(self.path, self.line, column, f"expected true or false, read {self[column]!r}")
        return v == "true"

    def __getitem__(self, column):
        if column not in self.values:  # a renamed or deleted column: the file's fault, said as such
            raise DataError(self.path, 1, column, "required column is missing from the header (renamed or deleted?)")
        return self.values[column]


def read_table(path: Path | str, *, key: str | None = "name", positive: bool = True) -> list[Row]:
    """Read and validate a column table (header row, units row, values).

    Parameters
    ----------
    path : path of the CSV file.
    key : column whose values must be present and unique, or None.
    positive : numeric cells must be > 0 (every quantity in our tables is).

    Raises
    ------
    DataError
        On the first malformed cell, naming file, row and column.
    """
    path = Path(path)
    name = _display(path)
    rows = _read_csv(path)
    if len(rows) < 2:
        raise DataError(name, None, None, "expected a header row and a units row")
    header, unit_row = rows[0], rows[1]
    _check_header(name, header, ("source", "retrieved"))
    if len(unit_row) != len(header):
        raise DataError(name, 2, None, f"units row has {len(unit_row)} cells, header has {len(header)}")
    units = {}
    for col, unit in zip(header, unit_row):
        unit = unit.strip()
        if unit not in ("", "date", "1"):
            try:
                ureg.parse_units(unit)
            except Exception:
                raise DataError(name, 2, col, f"unknown unit {unit!r}") from None
        units[col] = "" if unit == "1" else unit
        if unit == "":
            units[col] = None  # text column
    _check_columns(name, path.name, header, unit_row)
    words = COLUMN_WORDS.get(path.name, {})  # the documented words a count column of this table may hold
    out, seen = [], {}
    for line, cells in enumerate(rows[2:], start=3):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise DataError(name, line, None, f"expected {len(header)} cells, got {len(cells)}")
        values = {}
        for col, cell in zip(header, cells):
            if cell.strip() in words.get(col, ()):
                values[col] = cell.strip()
                continue
            try:
                values[col] = _cell(name, line, col, cell.strip(), units[col], positive)
            except DataError:
                if col not in words:
                    raise
                raise DataError(name, line, col, f"expected a number or {' or '.join(map(repr, words[col]))}, "
                                                 f"got {cell.strip()!r}") from None
            _check_plausible(name, line, col, col, values[col], units[col])
            if col in WHOLE_COLUMNS and isinstance(values[col], float) and not values[col].is_integer():
                raise DataError(name, line, col, f"expected a whole number (a count), got {cell.strip()!r}")
        _check_provenance(name, line, values)
        if key is not None:
            k = values.get(key)
            if not k:
                raise DataError(name, line, key, "expected a name, got an empty cell")
            if k in seen:
                raise DataError(name, line, key, f"duplicate of row {seen[k]} ({k!r})")
            seen[k] = line
        out.append(Row(name, line, values, units))
    return out


def read_row_table(path: Path | str) -> dict[str, Row]:
    """Read a row table (columns name, value, unit, source, retrieved...): one quantity per row."""
    path = Path(path)
    name = _display(path)
    rows = _read_csv(path)
    if not rows:
        raise DataError(name, None, None, "empty file")
    header = rows[0]
    _check_header(name, header, ("name", "value", "unit", "source", "retrieved"))
    out = {}
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise DataError(name, line, None, f"expected {len(header)} cells, got {len(cells)}")
        raw = dict(zip(header, (c.strip() for c in cells)))
        unit = raw["unit"]
        try:
            ureg.parse_units(unit) if unit else None
        except Exception:
            raise DataError(name, line, "unit", f"unknown unit {unit!r}") from None
        values = {c: raw[c] for c in header}
        expected = ROW_UNITS.get(path.name, {}).get(raw["name"])
        if expected is not None and unit != expected:  # before the value: a wrong unit explains a wrong-looking value
            raise DataError(name, line, "unit", f"expected {expected or 'no unit (a plain number)'!r} for "
                                                f"{raw['name']}, got {unit!r}; the code reads it in {expected!r}")
        values["value"] = _cell(name, line, "value", raw["value"], unit, True)
        _check_plausible(name, line, "value", raw["name"], values["value"], unit, by_unit=False)
        if values["value"] is None:
            raise DataError(name, line, "value", "expected a number, got an empty cell")
        values["retrieved"] = _cell(name, line, "retrieved", raw["retrieved"], "date", True)
        _check_provenance(name, line, values)
        if not values["name"]:
            raise DataError(name, line, "name", "expected a name, got an empty cell")
        if values["name"] in out:
            raise DataError(name, line, "name", f"duplicate of row {out[values['name']].line}")
        out[values["name"]] = Row(name, line, values, {"value": unit})
    missing = [n for n in ROW_UNITS.get(path.name, {}) if n not in out]
    if missing:
        raise DataError(name, None, "name", f"required row {missing[0]!r} is missing (the code reads it)")
    return out


def frame(table: str):
    """A bundled table as a pandas DataFrame (pandas is imported only here, on demand).

    Numeric columns carry their unit in the column name, e.g. ``peak_bf16 [FLOP/s/chip]``.
    """
    import pandas as pd

    path = data_dir() / f"{table}.csv"
    if table in ("defaults", "facts"):
        rows = read_row_table(path)
        return pd.DataFrame([r.values for r in rows.values()])
    rows = read_table(path, key=None)
    if not rows:
        return pd.DataFrame()
    units = rows[0].units
    names = {c: (f"{c} [{u}]" if u else c) for c, u in units.items()}
    return pd.DataFrame([{names[c]: v for c, v in r.values.items()} for r in rows])
