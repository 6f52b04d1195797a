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
    with pytest.raises(InputError, match=r"rows\.csv, row 2: column engine: expected one of .*did you mean .*vLLM 0\.11"):
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
