"""The validation set of published runs and the per-term measurement tables load, and hold what the
step model's validation needs (issue 19): at least 300 runs from at least 8 sources, none over 40%,
every row sourced and dated, every chip known to data/hardware.csv."""

from collections import Counter

import pytest

from calc import data


def test_validation_runs_count_and_sources():
    rows = data.validation_runs()
    assert len(rows) >= 300
    by_family = Counter(r["source_family"] for r in rows)  # a publisher's table family, all releases
    assert len(by_family) >= 8
    family, most = by_family.most_common(1)[0]
    assert most <= 0.4 * len(rows), f"{family} holds {most} of {len(rows)} rows"


def test_validation_runs_have_a_layout_and_a_measurement():
    for r in data.validation_runs():
        assert r["chips"] and r["tensor"] and r["pipeline"] and r["global_batch"] and r["sequence"], r["name"]
        assert r["layers"] and r["d_model"] and r["heads"], r["name"]
        assert any(r[c] is not None for c in ("measured_step_time", "measured_tokens_per_second",
                                               "measured_model_tflops", "measured_mfu")), r["name"]


@pytest.mark.parametrize("table", ["validation_runs", "matmul_efficiency", "collective_bandwidth",
                                   "attention_kernels", "expert_dispatch", "memory_bandwidth", "serving_gemm",
                                   "serving_moe", "serving_mla", "expert_gemm_shapes",
                                   "engine_all_reduce"])
def test_rows_are_sourced_dated_and_on_known_chips(table):
    rows = getattr(data, table)()
    assert rows
    chips = data.hardware_table()
    for r in rows:
        assert r["source"] and "/work/" not in r["source"], (table, r.line)
        assert r["retrieved"] is not None, (table, r.line)
        if r.values.get("chip") is not None:
            assert r["chip"] in chips, (table, r.line, r["chip"])


def test_a_bad_cell_is_named(tmp_path, monkeypatch):
    data.hardware_table()  # cached before DATA_DIR moves: the check reads the real chip table
    bad = tmp_path / "validation_runs.csv"
    text = (data.DATA_DIR / "validation_runs.csv").read_text(encoding="utf-8").splitlines()
    text[2] = text[2].replace(",H100 SXM5,", ",H100 SXM9,", 1).replace(",GB200,", ",GB900,", 1)
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    with pytest.raises(data.DataError, match="validation_runs.csv.*row 3.*chip"):
        data.validation_runs.__wrapped__()
