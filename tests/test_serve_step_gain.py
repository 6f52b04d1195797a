"""benchmarks/server_step_gain: the MLPerf v5.1 Llama 3.1 8B and DeepSeek-R1 Server and Interactive runs whose TTFT
and TPOT the model misses together, read at the runs' own step content, through the knee's gain, and as the one step
scale their TPOT asks for. A diagnostic: nothing it finds is set in the model; these tests hold its findings at
today's figures."""

import pytest

from benchmarks import server_step_gain as gain
from benchmarks.server_ttft_parts import server_runs


@pytest.fixture(scope="module")
def rows():
    return {c.name: gain.row(c, offline) for c, offline in server_runs() if gain.issue_rows(c.name)}


def _b200_8b(rows, scenario):
    return {n: r for n, r in rows.items() if "llama3-1-8b" in n and "b200" in n and n.endswith(scenario)}


def test_issue_rows_are_the_two_classes():
    assert gain.issue_rows("mlperf51-nvidia-b200-sxm-180gbx8-llama3-1-8b-server")
    assert gain.issue_rows("mlperf51-google-b200-sxm-180gbx8-deepseek-r1-server")
    assert not gain.issue_rows("mlperf51-nvidia-b200-sxm-180gbx8-llama3-1-405b-server")
    assert not gain.issue_rows("mlperf50-h100-llama2-70b-server")


def test_step_scale_one_reproduces_the_models_own_answer(rows):
    """k = 1 is ``load.at_rate`` as ``validation.predict`` reads it: the TPOT ratio printed is the model's."""
    from calc.serve import validation
    c = next(c for c, _ in server_runs() if c.name == "mlperf51-oracle-b200-sxm-180gbx8-llama3-1-8b-server")
    assert rows[c.name]["tpot"] == pytest.approx(validation.predict(c).tpot / c.tpot, rel=1e-3)


def test_8b_server_steps_are_a_little_short_at_equal_content_and_multiplied_at_the_knee(rows):
    server = _b200_8b(rows, "-server")
    assert len(server) == 9
    for name, r in server.items():
        assert 0.8 < r["content"] < 0.97, name  # not half as long at the run's own content
        assert r["gain"] > 2.5, name  # each 1% of step is 2.5%+ of TPOT at the run's rate
        assert r["tpot"] < 0.6, name
        # the step scale the Server TPOT asks is the system's own Offline error
        assert r["offline"] is not None and 0.9 < r["k"] / r["offline"] < 1.02, name


def test_8b_interactive_steps_ask_at_least_the_offline_error(rows):
    inter = _b200_8b(rows, "-interactive")
    assert len(inter) == 4
    for name, r in inter.items():
        assert 0.7 < r["content"] < 0.86, name
        assert r["k"] / r["offline"] > 0.95, name


def test_h200_8b_needs_no_step_at_equal_content(rows):
    h200 = {n: r for n, r in rows.items() if "h200-sxm" in n and "llama3-1-8b" in n}
    assert len(h200) == 4
    assert all(0.95 < r["content"] < 1.1 for r in h200.values())


def test_deepseek_misses_the_step_itself_at_a_low_gain(rows):
    ds = {n: r for n, r in rows.items() if "deepseek-r1" in n}
    assert len(ds) == 8
    for name, r in ds.items():
        assert r["content"] < 0.8, name
        assert 15e-3 < r["missing"] < 30e-3, name  # ms short a step at 105-186 sequences a rank
        assert r["gain"] < 1.7, name
        assert r["ttft_at_k"] < r["ttft_measured"], name  # one step scale leaves the first token short
