"""loadgen's mean TPOT over the samples where the engine hands its tokens out once a round of n steps
(calc.serve.percentiles.per_sample_tpot, data/serving_round_tpot.csv)."""

import math

import pytest

from calc import data
from calc.errors import InputError
from calc.serve import percentiles, validation


@pytest.mark.parametrize("n, tokens, expected", [
    (8, 10, 16 / 9),  # 9 tokens after the first: 2 rounds of 8 steps
    (8, 9, 1.0),  # 8 tokens after the first: one whole round
    (9, 2, 9.0),  # one token after the first waits a whole round of 9
    (1, 2, 1.0),  # a step a round: the mean step
])
def test_requests_alike_wait_for_their_last_round(n, tokens, expected):
    assert percentiles.per_sample_tpot(n, output_tokens=tokens).m_as("") == pytest.approx(expected)


def test_the_datasets_table_lies_between_one_and_n_and_grows_with_n():
    table = data.serving_round_tpot()
    for dataset in {d for d, _ in table}:
        values = [table[(dataset, n)] for n in range(2, 17)]
        assert all(1.0 <= v <= n for v, n in zip(values, range(2, 17)))
        assert values == sorted(values), dataset
    # MLPerf's Llama 2 70B set (OpenOrca, 24,576 samples, a fifth with fewer than 60 output tokens): 8.8% at n = 9;
    # for requests alike of its mean output (219 tokens) the round would add only (n - 1) / 2 / 218 on average
    assert table[("mlperf-llama2-70b", 9)] == pytest.approx(1.088, abs=5e-4)
    alike = percentiles.per_sample_tpot(9, output_tokens=219).m_as("")
    assert alike < table[("mlperf-llama2-70b", 9)] and math.isclose(alike, 9 * 25 / 218)


def test_bad_input_is_named():
    with pytest.raises(InputError, match="scheduler_steps"):
        percentiles.per_sample_tpot(0, output_tokens=10)
    with pytest.raises(InputError, match="output_tokens"):
        percentiles.per_sample_tpot(8, output_tokens=1)
    with pytest.raises(InputError, match="dataset"):
        percentiles.per_sample_tpot(8, "mlperf-llama3.1-405b")


def test_amd_multi_step_runs_are_scored_on_loadgens_statistic():
    # AMD's MLPerf v5.1 Llama 2 70B Server harness: vLLM V0, num_scheduler_steps 9 (server_mi300x.yaml)
    c = next(c for c in validation.cases() if c.name == "mlperf51-mi300x-llama2-70b-server")
    s = validation.setup(c)
    assert s.scheduler_steps == 9
    assert validation.reported_tpot(c, s) == pytest.approx(data.serving_round_tpot()[("mlperf-llama2-70b", 9)])
    # NVIDIA's TensorRT-LLM runs hand out a token every step
    c = next(c for c in validation.cases() if c.name == "mlperf51-b200-llama2-70b-interactive")
    assert validation.reported_tpot(c, validation.setup(c)) == 1.0
