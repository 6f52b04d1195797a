"""A user's measurements file for ``calc serve calibrate --file``: what its units row and engine column mean.

Fresh-eyes walk (fresh17): a units row (as data/serving_calibration.csv has one) that wrote ttft in ms was skipped
unread, so 30 ms was fitted as 30 s; and an engine spelt as people type it ("vllm 0.19") or misspelt ("vlm 0.11")
was looked up verbatim in data/serving_host.csv and dropped without a word, its host work not counted.
"""

from __future__ import annotations

import pytest

from calc.errors import InputError
from calc.serve import calibration, load

HEAD = "name,model,hardware,chips,tensor,engine,input_tokens,output_tokens,concurrency,ttft,tpot,throughput_per_chip\n"


def _rows(tmp_path, units: str, row: str):
    p = tmp_path / "rows.csv"
    p.write_text(HEAD + (units + "\n" if units else "") + row + "\n")
    return calibration.read_rows(p)


def test_a_units_row_in_ms_is_converted_not_read_as_seconds(tmp_path):
    seconds = _rows(tmp_path, ",,,chip,1,,1,1,1,s,s,token/s/chip", "a,Llama 3 8B,H100 SXM5,1,1,,467,256,8,0.03,0.01,")
    millis = _rows(tmp_path, ",,,chip,1,,1,1,1,ms,ms,token/s/chip", "a,Llama 3 8B,H100 SXM5,1,1,,467,256,8,30,10,")
    assert [m.metric for m in millis] == [m.metric for m in seconds] == ["ttft", "tpot"]
    assert [m.measured for m in millis] == pytest.approx([m.measured for m in seconds]) == [0.03, 0.01]


@pytest.mark.parametrize("unit", ["token/s", "sec0nd", "GB"])
def test_a_units_row_of_another_kind_is_refused_by_its_column(tmp_path, unit):
    with pytest.raises(InputError, match=r"rows\.csv, row 2 \(the units row\): column throughput_per_chip: "
                                         r"expected a unit of token/s/chip, got '" + unit):
        _rows(tmp_path, f",,,chip,1,,1,1,1,s,s,{unit}", "a,Llama 3 8B,H100 SXM5,1,1,,467,256,8,,,1000")


def test_the_projects_own_file_reads_as_before():
    assert len(calibration.read_rows("data/serving_calibration.csv")) == len(calibration.published())


def test_an_engine_as_people_type_it_counts_its_host_work(tmp_path):
    (m,) = _rows(tmp_path, "", "a,Llama 3 8B,H100 SXM5,1,1,vllm 0.19,467,256,8,0.03,,")
    assert m.engine == "vLLM 0.19.1" and load.published_host(m.engine, m.hardware)  # as --engine "vllm 0.19" reads it


def test_a_misspelt_engine_is_refused_by_its_row(tmp_path):
    with pytest.raises(InputError, match=r"rows\.csv, row 2: column engine: expected a release of a family .*did you mean .*vLLM 0\.11"):
        _rows(tmp_path, "", "a,Llama 3 8B,H100 SXM5,1,1,vlm 0.11,467,256,8,0.03,,")


def test_an_engine_of_the_projects_own_rows_is_kept_as_written(tmp_path):
    (m,) = _rows(tmp_path, "", "a,Llama 3 8B,H100 SXM5,1,1,TensorRT-LLM 0.6.1,467,256,8,0.03,,")
    assert m.engine == "TensorRT-LLM 0.6.1"


def test_a_column_named_twice_is_refused(tmp_path):
    p = tmp_path / "rows.csv"
    p.write_text("name,model,hardware,chips,input_tokens,output_tokens,concurrency,ttft,ttft\n"
                 "a,Llama 3 8B,H100 SXM5,1,467,256,8,0.03,30\n")
    with pytest.raises(InputError, match=r"^file: 'rows\.csv', row 1: column 'ttft' appears twice in the header; keep one$"):
        calibration.read_rows(p)


# fresh18: a row's engine was not checked against its chip's vendor as --engine is, and its date column not at all


def test_a_row_s_engine_that_does_not_run_on_its_chip_is_refused_by_row_and_column(tmp_path):
    head = "name,model,hardware,chips,tensor,engine,input_tokens,output_tokens,concurrency,ttft\n"
    p = tmp_path / "rows.csv"
    p.write_text(head + "a,Llama 3 8B,H100 SXM5,1,1,,467,256,8,0.03\nb,Llama 3 8B,MI300X,1,1,TensorRT-LLM 1.0,467,256,8,0.03\n")
    with pytest.raises(InputError, match=r"^file: rows\.csv, row 3: column engine: expected an engine that runs on the "
                                         r"MI300X \(AMD\), got 'TensorRT-LLM 1\.0', which data/serving_engine_chips"):
        calibration.read_rows(p)
    p.write_text(head + "b,Llama 3 8B,MI300X,1,1,vLLM 0.9.1 (ROCm),467,256,8,0.03\n")  # its own vendor's build reads
    assert calibration.read_rows(p)[0].engine == "vLLM 0.9.1 (ROCm)"


@pytest.mark.parametrize("column, cell", [("date", "yesterday"), ("retrieved", "2026-13-01")])
def test_a_date_that_is_not_a_date_is_refused_by_row_and_column(tmp_path, column, cell):
    head = "name,model,hardware,chips,input_tokens,output_tokens,concurrency,ttft,date,retrieved\n"
    cells = {"date": "2024-06-01", "retrieved": "2026-12-07", column: cell}
    p = tmp_path / "rows.csv"
    p.write_text(head + f"a,Llama 3 8B,H100 SXM5,1,467,256,8,0.03,{cells['date']},{cells['retrieved']}\n")
    with pytest.raises(InputError, match=rf"^file: rows\.csv, row 2: column {column}: expected a date YYYY-MM-DD, "
                                         rf"got '{cell}'$"):
        calibration.read_rows(p)


def test_one_row_is_said_in_the_singular(tmp_path):
    p = tmp_path / "rows.csv"
    p.write_text("name,model,hardware,chips,input_tokens,output_tokens,concurrency,ttft,date\n"
                 "a,Llama 3 8B,H100 SXM5,1,467,256,8,0.03,2024-06-01\n")
    text = calibration.calibrate(p).describe()
    assert "note: 1 measurement for 4 coefficients" in text and "fitted to 1 measurement:" in text, text


def test_a_units_row_is_known_by_its_empty_name_model_and_hardware_and_only_as_row_2(tmp_path):
    head = "name,model,hardware,chips,input_tokens,output_tokens,concurrency,ttft\n"
    run = "a,Llama 3 8B,H100 SXM5,1,467,256,8,30\n"
    p = tmp_path / "rows.csv"
    p.write_text(head + ",,,,,,,ms\n" + run)  # no "chip" under chips: was read as a run ("column chips is required")
    assert [m.measured for m in calibration.read_rows(p)] == [0.03]
    p.write_text(head + run + ",,,chip,,,,ms\n")  # below a run: was "column chips: expected a whole number, got 'chip'"
    with pytest.raises(InputError, match=r"^file: rows\.csv, row 3: columns model and hardware are empty: a measurement "
                                         r"needs both \(a units row goes right under the header, as row 2\)$"):
        calibration.read_rows(p)


# Rows of data/serving_calibration.csv of each kind (static batches, the same setups as closed loops at half the batch,
# request rates, saturating runs), renamed as a user's: the fit and its table as the one-row-at-a-time code printed them
# (before calibfast set each setup up once and evaluated the runs of a setup together).
KINDS = """name,model,hardware,chips,engine,precision,kv_precision,tensor,pipeline,attention_kernel,input_tokens,\
output_tokens,batch,concurrency,request_rate,throughput_per_chip,ttft,tpot
run0,GPT-J 6B,H100 SXM5,1,TensorRT-LLM 0.6.1,fp8,fp8,1,1,grouped,128,128,1024,,,26150,,
run1,GPT-J 6B,H100 SXM5,1,TensorRT-LLM 0.6.1,fp8,fp8,1,1,grouped,128,2048,120,,,8011,,
run2,GPT-J 6B,H100 SXM5,1,TensorRT-LLM 0.6.1,fp8,fp8,1,1,grouped,2048,128,64,,,2551,,
run3,GPT-J 6B,H100 SXM5,1,TensorRT-LLM 0.6.1,fp8,fp8,1,1,grouped,128,128,,512,,26150,,
run4,GPT-J 6B,H100 SXM5,1,TensorRT-LLM 0.6.1,fp8,fp8,1,1,grouped,128,2048,,60,,8011,,
run5,Llama 3 70B,H100 SXM5,4,TensorRT-LLM 0.14.0,bf16,bf16,4,1,grouped,467,256,,,2,,0.062,0.021
run6,Llama 3 70B,H100 SXM5,4,TensorRT-LLM 0.14.0,bf16,bf16,4,1,grouped,467,256,,,4,,0.068,0.024
run7,Llama 3 70B,H100 SXM5,4,TensorRT-LLM 0.14.0,bf16,bf16,4,1,grouped,467,256,,,8,,0.092,0.032
run8,Llama 3 70B,H100 SXM5,4,TensorRT-LLM 0.14.0,bf16,bf16,4,1,grouped,467,16,,,2,,0.053,0.018
run9,Llama 3 8B,H100 SXM5,1,TensorRT-LLM 0.15.0,fp8,fp8,1,1,grouped,128,128,,,,27792.16,,
run10,Llama 3 8B,H100 SXM5,1,TensorRT-LLM 0.15.0,fp8,fp8,1,1,grouped,128,2048,,,,19965.18,,
"""


def test_a_fit_of_many_kinds_of_rows_is_the_one_row_at_a_time_fit(tmp_path):
    p = tmp_path / "rows.csv"
    p.write_text(KINDS)
    f = calibration.calibrate(p)
    assert f.describe() == (
        "fitted to 15 measurements: median error 6% before, 7% after\n"
        "  decode_bandwidth_efficiency  0.9 -> 0.8403  (0.93x)\n"
        "  decode_step_overhead         0.00166 -> 1e-05  (0.01x)\n"
        "  decode_layer_overhead        3.63e-05 -> 3.131e-05  (0.86x)\n"
        "  prefill_matmul_efficiency    0.915 -> 0.8971  (0.98x)")
    assert [getattr(f.after, n) for n in calibration.FITTED] == pytest.approx(
        [0.8403361344537814, 1e-05, 3.131240799697708e-05, 0.8970588235294118], rel=1e-12)
    assert (f.error_before, f.error_after) == pytest.approx((0.05801644075269834, 0.0683609070799056), rel=1e-12)
    # one row's figure is the same alone (predict) as in the fit's batch of its setup's runs
    rows = calibration.read_rows(p)
    assert calibration._Plan(rows).predictions().tolist() == [calibration.predict(m) for m in rows]


def test_a_file_of_more_setups_than_the_limit_is_refused_by_its_count_before_any_fitting(tmp_path):
    p = tmp_path / "rows.csv"
    p.write_text("name,model,hardware,chips,input_tokens,output_tokens,concurrency,ttft\n" + "".join(
        f"a{i},Llama 3 8B,H100 SXM5,1,{100 + i},256,8,0.03\n" for i in range(calibration.MAX_SETUPS + 1)))
    with pytest.raises(InputError, match=rf"^file: 'rows\.csv': expected at most {calibration.MAX_SETUPS} distinct "
                                         rf"setups \(model, .*\), read {calibration.MAX_SETUPS + 1}: "):
        calibration.calibrate(p)


def test_rows_that_share_a_setup_share_its_work_and_the_fit_says_its_rounds(tmp_path):
    p = tmp_path / "rows.csv"
    p.write_text("name,model,hardware,chips,input_tokens,output_tokens,concurrency,ttft\n" + "".join(
        f"a{i},Llama 3 8B,H100 SXM5,1,467,256,{1 + i},{0.03 + i / 1e4}\n" for i in range(2 * calibration.MAX_SETUPS)))
    said = []
    f = calibration.calibrate(p, progress=lambda done, rounds: said.append((done, rounds)))
    assert len(f.rows) == 2 * calibration.MAX_SETUPS and said == [(i, 6) for i in range(6)]
