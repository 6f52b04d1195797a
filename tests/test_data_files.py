"""Data files a maintainer edits (issue #21): whatever slip is made in a table or in data/units.txt,
the calculator answers with one DataError naming the file, the row and the column, never a
KeyError, a DimensionalityError or a number read in the wrong unit. Over the whole class: every
column the code reads (calc.data.COLUMN_UNITS) renamed or given another unit, every count made
fractional, every required default removed or given another unit, and units.txt broken.
"""

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calc import data
from calc.errors import DataError

DATA = Path(data.DATA_DIR)
ROOT = DATA.parent
COLUMNS = sorted((f, c) for f, cols in data.COLUMN_UNITS.items() for c in cols)
OTHER_UNIT = {"FLOP/param/token": ["kFLOP/param/token", "FLOP/token"], "FLOP/s/chip": ["TFLOP/s/chip", "GB/chip"], "USD/hour": ["USD/day", "USD/chip/hour"],
              "chip": ["1", "GB"], "1": ["chip", "%"], "param": ["Gparam", "token"], "token": ["Gtoken", "param"],
              "FLOP": ["PFLOP", "FLOP/s"], "day": ["hour", "chip"], "chip*hour": ["chip*day", "USD"],
              "W/chip": ["kW/chip", "GB/chip"], "MWh": ["kWh", "W"], "t": ["kg", "USD"], "GB": ["TB", "W"],
              "USD/kWh": ["USD/MWh", "kWh"], "byte/param": ["bit/param", "byte"], "USD/chip": ["kUSD/chip", "USD"],
              "GB/chip": ["TB/chip", "W/chip"], "GB/s/chip": ["TB/s/chip", "GB/chip"], "kg/kWh": ["g/kWh", "kg"],
              "USD/chip/hour": ["USD/chip/day", "USD"], "FLOP/s": ["EFLOP/s", "FLOP"], "Gbit/s": ["Tbit/s", "Gbit"],
              "USD": ["kUSD", "chip"], "TFLOP/s/chip": ["FLOP/s/chip", "GB/chip"], "s": ["ms", "chip"],
              "token/s/chip": ["ktoken/s/chip", "token/chip"], "hour": ["day", "chip"], "1/s": ["1/min", "s"],
              "byte": ["kB", "s"]}
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.function_scoped_fixture])


def _rows(name):
    return list(csv.reader(io.StringIO((DATA / name).read_text(encoding="utf-8"))))


def _write(tmp_path, name, rows):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    p = tmp_path / name
    p.write_text(out.getvalue(), encoding="utf-8")
    return p


def _read(path):
    if path.name in data.ROW_UNITS:
        return data.read_row_table(path)
    return data.read_table(path, key=None)


@SLOW
@given(st.sampled_from(COLUMNS))
def test_a_renamed_column_is_a_data_error_naming_file_row_and_column(tmp_path_factory, pair):
    name, col = pair
    rows = _rows(name)
    rows[0] = [c + "_renamed" if c == col else c for c in rows[0]]
    with pytest.raises(DataError) as info:
        _read(_write(tmp_path_factory.mktemp("d"), name, rows))
    assert (info.value.row, info.value.column) == (1, col) and "missing" in info.value.message


@SLOW
@given(st.sampled_from(COLUMNS), st.integers(0, 1))
def test_a_units_row_in_another_unit_is_refused_whether_or_not_it_converts(tmp_path_factory, pair, which):
    name, col = pair
    rows = _rows(name)
    i = rows[0].index(col)
    expected = data.COLUMN_UNITS[name][col]
    rows[1][i] = OTHER_UNIT[expected][which]
    with pytest.raises(DataError) as info:
        _read(_write(tmp_path_factory.mktemp("d"), name, rows))
    assert (info.value.row, info.value.column) == (2, col), info.value
    assert f"expected the unit {expected!r}" in info.value.message


WHOLE = sorted((f, c) for f in data.COLUMN_UNITS for c in _rows(f)[0] if c in data.WHOLE_COLUMNS)


@pytest.mark.parametrize("name,col", WHOLE)
def test_a_fractional_count_is_refused_never_truncated(tmp_path, name, col):
    rows = _rows(name)
    i = rows[0].index(col)
    words = data.COLUMN_WORDS.get(name, {}).get(col, ())  # a documented word is not a count to make fractional
    line = next((n for n, r in enumerate(rows[2:], start=2) if r and r[i].strip() and r[i].strip() not in words), 2)
    rows[line][i] = str(float(rows[line][i] or 1) + 0.5)
    with pytest.raises(DataError, match="whole number") as info:
        _read(_write(tmp_path, name, rows))
    assert (info.value.row, info.value.column) == (line + 1, col)


@pytest.mark.parametrize("name", ["run_layouts.csv", "validation_runs.csv"])
def test_virtual_stages_may_say_interleaved_and_no_other_word(tmp_path, name):
    """A virtual_stages cell holds a count, nothing (no interleaving) or "interleaved" (the schedule named by the
    source, its count not: calc.vocabulary.INTERLEAVED), read as the word; any other word is refused naming the
    one it may be, and the word is no count of another column."""
    from calc.vocabulary import INTERLEAVED

    assert data.COLUMN_WORDS[name] == {"virtual_stages": (INTERLEAVED,)}
    rows = _rows(name)
    i = rows[0].index("virtual_stages")
    rows[2][i] = "interleaved"
    read = _read(_write(tmp_path, name, rows))
    assert read[0]["virtual_stages"] == INTERLEAVED
    rows[2][i] = "interleaving"
    with pytest.raises(DataError, match="expected a number or 'interleaved', got 'interleaving'") as info:
        _read(_write(tmp_path, name, rows))
    assert (info.value.row, info.value.column) == (3, "virtual_stages")
    rows[2][i] = ""
    j = rows[0].index("pipeline")
    rows[2][j] = "interleaved"
    with pytest.raises(DataError, match="expected a number") as info:
        _read(_write(tmp_path, name, rows))
    assert info.value.column == "pipeline"


def test_a_count_column_of_another_table_takes_no_word(tmp_path):
    rows = _rows("step_calibration.csv")
    i = rows[0].index("virtual_stages")
    rows[2][i] = "interleaved"
    with pytest.raises(DataError, match="expected a number") as info:
        _read(_write(tmp_path, "step_calibration.csv", rows))
    assert (info.value.row, info.value.column) == (3, "virtual_stages")


@pytest.mark.parametrize("default", sorted(data.ROW_UNITS["defaults.csv"]))
def test_a_missing_or_mis_united_default_is_a_data_error(tmp_path, default):
    rows = _rows("defaults.csv")
    kept = [r for r in rows if not r or r[0] != default]
    with pytest.raises(DataError, match=f"required row '{default}' is missing"):
        _read(_write(tmp_path, "defaults.csv", kept))
    unit = rows[0].index("unit")
    line = next(n for n, r in enumerate(rows) if r and r[0] == default)
    rows[line][unit] = {"": "%", "kg/kWh": "g/kWh"}.get(rows[line][unit], "s")
    with pytest.raises(DataError) as info:
        _read(_write(tmp_path, "defaults.csv", rows))
    assert (info.value.row, info.value.column) == (line + 1, "unit")


def test_a_renamed_text_column_is_a_data_error_where_it_is_read(tmp_path, monkeypatch):
    rows = _rows("hardware.csv")
    rows[0] = ["maker" if c == "vendor" else c for c in rows[0]]
    shutil.copytree(DATA, tmp_path / "data")
    _write(tmp_path / "data", "hardware.csv", rows)
    monkeypatch.setattr(data, "DATA_DIR", tmp_path / "data")
    data.hardware_table.cache_clear()
    try:
        with pytest.raises(DataError, match="column 'vendor'.*missing"):
            data.hardware_table()
    finally:
        data.hardware_table.cache_clear()


BROKEN_UNITS = {
    "syntax": lambda t: t + "\nfoo = [bar\n",
    "garbage": lambda t: t + "\n= = =\n",
    "FLOP undefined": lambda t: "\n".join(ln for ln in t.splitlines() if not ln.startswith("FLOP")),
    "FLOP a plain number": lambda t: "\n".join("FLOP = 1" if ln.startswith("FLOP =") else ln for ln in t.splitlines()),
    "empty": lambda t: "",
}


@pytest.mark.parametrize("how", BROKEN_UNITS)
def test_a_malformed_units_file_is_a_data_error_at_import(tmp_path, how):
    shutil.copytree(ROOT / "calc", tmp_path / "calc")
    shutil.copytree(DATA, tmp_path / "data")
    units = tmp_path / "data" / "units.txt"
    units.write_text(BROKEN_UNITS[how](units.read_text(encoding="utf-8")), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "calc", "hardware"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)  # the command line: one line, status 2, as for any bad data
    assert run.returncode == 2 and run.stderr.startswith("calc: error: data/units.txt"), run.stderr[-400:]
    assert run.stderr.count("\n") == 1
    run = subprocess.run([sys.executable, "-c", "import calc"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)  # Python: the DataError itself
    assert run.stderr.strip().splitlines()[-1].startswith("calc.errors.DataError: data/units.txt"), run.stderr[-400:]


def test_the_app_with_a_malformed_units_file_shows_one_error(tmp_path):
    for part in ("calc", "data", "app_pages"):
        shutil.copytree(ROOT / part, tmp_path / part)
    shutil.copy(ROOT / "app.py", tmp_path / "app.py")
    units = tmp_path / "data" / "units.txt"
    units.write_text(units.read_text(encoding="utf-8") + "\nfoo = [bar\n", encoding="utf-8")
    script = ("from streamlit.testing.v1 import AppTest\n"
              "at = AppTest.from_file('app.py', default_timeout=60).run()\n"
              "print('EXC', len(at.exception)); print('ERR', [e.value for e in at.error])\n")
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "EXC 0" in run.stdout and "data/units.txt" in run.stdout, run.stdout[-400:] + run.stderr[-400:]


def test_a_chip_no_table_knows_is_named_by_file_row_and_column(tmp_path):
    """Every table that names a chip checks it with one function (calc.data.accelerators.check_known)."""
    from calc.data.accelerators import check_known

    rows = _rows("prices.csv")
    rows[2][rows[0].index("hardware")] = "H1OO"
    first = next(iter(data.read_table(_write(tmp_path, "prices.csv", rows), key=None)))
    with pytest.raises(DataError) as info:
        check_known(first)
    assert (info.value.row, info.value.column) == (3, "hardware") and "'H1OO'" in info.value.message
    check_known({"hardware": None}, empty=True)  # an empty cell passes where the column may be empty


def test_every_column_unit_has_other_units_to_try():
    # the property above samples columns; a unit without an entry here failed only when sampled (engine_all_reduce's byte)
    units = {u for cols in data.COLUMN_UNITS.values() for u in cols.values()}
    assert units <= set(OTHER_UNIT), sorted(units - set(OTHER_UNIT))
