"""benchmarks/mlperf_8b_tensor2: what the MLPerf v5.1 Llama 3.1 8B tensor-2 configs say ran against what the step
model counts. A diagnostic: nothing it finds is set in the model; these tests hold its findings at today's figures."""

import pytest

from benchmarks import mlperf_8b_tensor2 as t2


@pytest.fixture(scope="module")
def pairs():
    return t2.rows()


def test_the_pairs_are_tensor_1_beside_tensor_2(pairs):
    assert len(pairs) == 3
    for small, large in pairs:
        assert small.step.layout.tensor == 1 and large.step.layout.tensor == 2
        assert small.ratio < 1.2 < large.ratio  # the class: too fast at tensor 2 only


def test_no_grounded_reading_brings_a_tensor_2_run_within(pairs):
    for _, large in pairs:
        assert t2.ratio_with(large, tp_overlap=0.0) > 1.15
        assert large.measured / (large.predicted + t2.amax_reductions(large)) > 1.15
        if "Cisco" in large.name:
            assert t2.cisco_bucket_ratio(large) > 1.15


def test_the_data_parallel_reduction_unhidden_throws_the_siblings_out(pairs):
    large_in = [t2.ratio_with(large, dp_overlap=0.0) for _, large in pairs]
    small = [t2.ratio_with(s, dp_overlap=0.0) for s, _ in pairs]
    assert sum(r > 1.15 for r in large_in) == 2  # GB300 512 and Cisco's 128 still too fast
    assert min(small) < 0.87  # GB300 72's sibling too slow then


def test_current_scaling_amax_reductions_are_small(pairs):
    for small, large in pairs:
        extra = t2.amax_reductions(large)
        lack = large.measured - large.predicted
        assert extra < 0.1 * lack
        assert t2.amax_reductions(small) == 0.0  # tensor 1: no tensor group to reduce over
    cisco = pairs[2][1]
    assert t2.amax_reductions(cisco) == 0.0  # delayed scaling


def test_the_ring_at_one_sms_rate_would_overshoot(pairs):
    for _, large in pairs[:2]:  # NVIDIA's context-parallel runs
        assert large.measured / (large.predicted + t2.capped_ring_seconds(large)) < 0.87
    assert t2.capped_ring_seconds(pairs[2][1]) == 0.0  # Cisco's CP 1


def test_the_missing_time_at_512_does_not_follow_the_chip(pairs):
    gb200, gb300 = pairs[0][1], pairs[1][1]
    assert gb300.predicted < 0.92 * gb200.predicted  # the model's GB300 step is the shorter
    assert abs(t2.lacking(gb300) / t2.lacking(gb200) - 1) < 0.15  # and what it lacks is about the same
