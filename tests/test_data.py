"""The bundled tables load, carry sources, hold dense peaks, and bad cells are reported precisely."""

import pytest

from calc import Q_, data
from calc.data.tables import Row
from calc.errors import DataError


def test_every_bundled_table_loads():
    data.validate_all()


def test_required_hardware_is_present():
    names = set(data.hardware_table())
    for n in ["V100 SXM2", "V100 PCIe", "A100 SXM4 40GB", "A100 SXM4 80GB", "H100 SXM5", "H100 PCIe", "H200 SXM",
              "H800 SXM5", "B200", "TPU v2", "TPU v3", "TPU v4", "TPU v5e", "TPU v5p", "MI250X", "MI300X"]:
        assert n in names


def test_peaks_are_dense():
    # NVIDIA H100 datasheet: 1,979 TFLOP/s BF16 *with sparsity*; the dense figure is half.
    assert data.hardware("H100 SXM5").peak("bf16").m_as("TFLOP/s/chip") == pytest.approx(1979 / 2, rel=0.001)
    # NVIDIA A100 datasheet: 312 TFLOP/s BF16 dense (624 with sparsity)
    assert data.hardware("A100 SXM4 80GB").peak("bf16").m_as("TFLOP/s/chip") == pytest.approx(312)


def test_cluster_threshold_depends_on_precision():
    # 100,000 H100 (xAI): dense BF16 just under 1e20 FLOP/s, FP8 over it (EO 14110 sec. 4.2(b)(ii))
    line = data.thresholds()["eo14110-cluster"].cluster_peak
    h100 = data.hardware("H100 SXM5")
    n = Q_(100_000, "chip")
    assert n * h100.peak("bf16") < line < n * h100.peak("fp8")


def test_tpu_v3_device_price_is_two_dollars_per_chip_hour():
    board = [p for p in data.prices() if p.hardware == "TPU v3" and p.basis == "board"]
    assert board and board[0].price.m_as("USD/chip/hour") == pytest.approx(8.00 / 4)


def test_price_in_force_is_the_lowest_of_each_vendors_newest():
    p = data.price_in_force("V100 SXM2")  # AWS's newest V100 row (p3dn, 2019) replaces its 2018 one
    assert p.vendor == "Amazon Web Services" and p.date.isoformat() == "2019-06-10"
    assert data.price_in_force("V100 SXM2", when=data.dt.date(2018, 12, 31)).price.m_as("USD/chip/hour") == 3.06


def test_model_rows_reference_known_hardware_and_units():
    gpt3 = data.model("GPT-3 175B")
    assert gpt3.quantities["compute"].m_as("FLOP") == pytest.approx(3.14e23)
    assert gpt3.quantities["duration"].m_as("day") == pytest.approx(14.8)


@pytest.mark.parametrize("typed, name", [("gpt-3 175b", "GPT-3 175B"), ("llama 2 70b", "Llama 2 70B"),
                                         ("LLAMA-3.1-405B", "Llama 3.1 405B")])
def test_model_is_read_as_people_type_its_name(typed, name):
    assert data.model(typed).name == name


@pytest.mark.parametrize("typed, first, absent", [
    ("GPT-3", "GPT-3 175B", ()),                  # the run that holds what was typed first, then look-alikes
    ("Lama 2 7B", "Llama 2 70B", ("PaLM 540B",)),  # no far-fetched names
])
def test_unknown_model_suggests_near_names_only(typed, first, absent):
    with pytest.raises(data.InputError) as e:
        data.model(typed)
    said = e.value.message.split("did you mean ", 1)[1]
    assert said.startswith(first) and not any(a in said for a in absent)


def _write(tmp_path, text):
    p = tmp_path / "t.csv"
    p.write_text(text)
    return p


GOOD = "name,peak,source,retrieved\n,FLOP/s/chip,,date\n"


@pytest.mark.parametrize("row, column, needle", [
    ("x,abc,s,2026-01-01", "peak", "expected a number"),
    ("x,-5,s,2026-01-01", "peak", "positive"),
    ("x,nan,s,2026-01-01", "peak", "finite"),
    ("x,inf,s,2026-01-01", "peak", "finite"),
    ("x,5e14,,2026-01-01", "source", "source"),
    ("x,5e14,s,yesterday", "retrieved", "date"),
    (",5e14,s,2026-01-01", "name", "name"),
])
def test_bad_cell_is_reported_by_file_row_and_column(tmp_path, row, column, needle):
    with pytest.raises(DataError) as exc:
        data.read_table(_write(tmp_path, GOOD + row + "\n"))
    assert exc.value.row == 3 and exc.value.column == column
    assert needle in str(exc.value) and "t.csv" in str(exc.value)


def test_duplicate_row_is_reported(tmp_path):
    with pytest.raises(DataError, match="row 4.*duplicate of row 3"):
        data.read_table(_write(tmp_path, GOOD + "x,5e14,s,2026-01-01\nx,6e14,s,2026-01-01\n"))


def test_ragged_row_and_bad_unit_are_reported(tmp_path):
    with pytest.raises(DataError, match="row 3.*expected 4 cells"):
        data.read_table(_write(tmp_path, GOOD + "x,5,s\n"))
    with pytest.raises(DataError, match="row 2.*unknown unit"):
        data.read_table(_write(tmp_path, "name,peak,source,retrieved\n,furlongs,,date\n"))


def test_missing_source_column_is_reported(tmp_path):
    with pytest.raises(DataError, match="'source'.*missing"):
        data.read_table(_write(tmp_path, "name,peak,retrieved\n,FLOP,date\n"))


def test_frame_puts_units_in_column_names():
    df = data.frame("hardware")
    assert "peak_bf16 [FLOP/s/chip]" in df.columns


def test_every_cited_key_has_a_reference():
    import re
    from pathlib import Path

    cited = set()
    for f in (Path(__file__).resolve().parents[1] / "calc").glob("*.py"):
        cited |= set(re.findall(r"\[([A-Z][a-zA-Z]+20\d\d)\]", f.read_text(encoding="utf-8")))
    assert cited and cited <= set(data.references())


def test_units_row_slip_is_reported_not_scaled(tmp_path):
    """FLOP/s/chip -> TFLOP/s/chip in the units row would scale every peak by 1e12."""
    with pytest.raises(DataError) as exc:
        data.read_table(_write(tmp_path, "name,peak,source,retrieved\n,TFLOP/s/chip,,date\nx,989e12,s,2026-01-01\n"))
    assert (exc.value.row, exc.value.column) == (3, "peak") and "plausible range" in str(exc.value)


@pytest.mark.parametrize("row, column, needle", [
    ("utilization,38,,s,2026-01-01", "value", "percent for a fraction"),
    ("pue,0.9,,s,2026-01-01", "value", "outside the plausible range"),
    # the unit the code reads the default in is checked first (calc.data.ROW_UNITS, issue #21)
    ("utilization,0.38,FLOP,s,2026-01-01", "unit", "expected 'no unit (a plain number)' for utilization"),
])
def test_row_table_values_are_checked_by_name(tmp_path, row, column, needle):
    p = tmp_path / "defaults.csv"
    p.write_text("name,value,unit,source,retrieved\n" + row + "\n")
    with pytest.raises(DataError) as exc:
        data.read_row_table(p)
    assert (exc.value.row, exc.value.column) == (2, column) and needle in str(exc.value)


def test_cached_tables_are_read_only_and_still_pickle():
    import pickle

    h = data.hardware("H100 SXM5")
    with pytest.raises(TypeError, match="read-only"):
        h.peaks["bf16"] = 1
    with pytest.raises(TypeError, match="read-only"):
        data.defaults()["pue"] = None
    with pytest.raises(TypeError, match="read-only"):
        data.model("GPT-3 175B").quantities["compute"] = None
    assert pickle.loads(pickle.dumps(h)).peaks == h.peaks  # st.cache_data pickles what it caches

def test_a_flag_cell_reads_true_or_false_and_names_a_bad_one():
    row = Row("data/x.csv", 7, {"overlap": "True", "graphs": "false", "odd": "yes"}, {})
    assert row.flag("overlap") is True and row.flag("graphs") is False
    with pytest.raises(DataError) as e:
        row.flag("odd")
    assert "x.csv" in str(e.value) and "7" in str(e.value) and "odd" in str(e.value) and "'yes'" in str(e.value)


@pytest.mark.parametrize("typed, meant", [("A100", ["A100 SXM4 40GB", "A100 SXM4 80GB", "A100 PCIe 80GB",
                                                    "A100 PCIe 40GB"]),
                                          ("TPU v5", ["TPU v5e", "TPU v5p"]), ("MI300", ["MI300X"])])
def test_an_unknown_chip_suggests_the_chips_that_hold_it_and_no_look_alikes(typed, meant):
    # "A100" suggested the V100s too, "TPU v5" TPU v4 and v3: look-alikes only where no name holds what was typed
    with pytest.raises(data.InputError) as e:
        data.hardware(typed)
    assert e.value.message.endswith(f"did you mean {' or '.join(meant)}?"), e.value.message
