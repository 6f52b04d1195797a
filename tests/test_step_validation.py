"""The step model's leave-one-source-out accuracy on data/validation_runs.csv (calc.perf.validation) stays at
least as good as the README reports, beats the one-efficiency baseline, and is computed in reasonable time.

A change that makes any of these figures worse fails here: improve the model, or say in the commit why the
figure moved and lower it with the README's table."""

import time

import pytest

from calc.perf import validation

# README "Step time: leave-one-source-out validation": (rows, share within 15%, median |ln ratio|, |bias|);
# the constant is what the CLI states beside a predicted MFU (validation.accuracy_note), so it holds here
OVERALL = validation.REPORTED_OVERALL
FAMILIES = {  # the four largest source families: share within 15% and median |ln ratio|
    "dgxc-benchmarking": (0.941, 0.0399),
    "llm-foundry": (0.908, 0.0463),
    "megatron-bridge": (0.705, 0.0955),  # 0.627, 0.1165 before branch newdata22's 59 GB300/B300 runs
    "vtrain": (0.788, 0.0431),
}


@pytest.fixture(scope="module")
def report():
    validation.predictions.cache_clear()
    start = time.perf_counter()
    rep = validation.report()
    return rep, time.perf_counter() - start


def test_overall_loso_figures_hold(report):
    rep, _ = report
    rows, within, median, bias = OVERALL
    m = rep.model["overall"]
    assert m.rows >= rows, f"{m.rows} runs predicted, {rows} before: a class of runs is refused again"
    assert m.within >= within - 1e-9, f"within 15%: {m.within:.3f} < {within}"
    assert m.median_log_error <= median + 1e-9, f"median |ln ratio| {m.median_log_error:.4f} > {median}"
    assert abs(m.bias) <= bias + 1e-9, f"bias {m.bias:+.3f} beyond {bias}"


@pytest.mark.parametrize("family", list(FAMILIES))
def test_largest_families_hold(report, family):
    rep, _ = report
    within, median = FAMILIES[family]
    m = rep.model[family]
    assert m.within >= within - 1e-9 and m.median_log_error <= median + 1e-9, (family, m)


def test_model_beats_the_one_efficiency_baseline(report):
    # the baseline's efficiency is fitted leaving the scored family out; the model fits nothing on these rows
    rep, _ = report
    m, b = rep.model["overall"], rep.baseline["overall"]
    assert m.within > b.within and m.median_log_error < b.median_log_error


def test_refusals_are_named_by_class(report):
    rep, _ = report
    assert len(rep.refused) <= 37
    assert all(kind for _, _, kind, _ in rep.refused)


def test_harness_runs_in_reasonable_time(report):
    _, seconds = report
    assert seconds < 20, f"{seconds:.1f} s for the validation set"


def test_flop_conventions_compared_like_with_like():
    # llm-foundry's README counts 6 N + 12 L d s per token (the full square), NeMo 24.07 Megatron's count: both the
    # PaLM count within 3.5%; Megatron-Bridge's flop_utils counts less (causal attention halved, MoE and MLA
    # counted by their own formulas), which is why the harness compares step times, not reported MFU
    conventions = validation.flop_conventions()
    for family in ("llm-foundry", "nemo-docs"):
        low, mid, high = conventions[family]
        assert 0.965 < low and high < 1.035, (family, conventions[family])
    assert conventions["megatron-bridge"][1] < 0.95


def test_a_clock_locked_run_is_predicted_at_the_peak_of_its_clock():
    # cudnn-frontend's H200 runs: clock locked at 1500 MHz, the datasheet peak at 1830 MHz (989.4 TFLOP/s =
    # 132 SMs x 4096 FLOP per clock x 1.83 GHz): the run's peaks scale by 1500 / 1830, its memory bandwidth stays
    from calc import data

    rows = [r for r in data.validation_runs() if r["source_family"] == "cudnn-frontend" and r["chip"] == "H200 SXM"]
    assert rows
    chip, full = validation.cluster(rows[0]), data.hardware("H200 SXM")
    assert chip.peak("bf16").m_as("FLOP/s/chip") == pytest.approx(989.4e12 * 1500 / 1830, rel=1e-3)
    assert chip.memory_bandwidth == full.memory_bandwidth


def test_a_clock_locked_b200_run_is_predicted_at_the_peak_of_its_clock():
    # cudnn-frontend's B200 runs: clock locked at 1665 MHz, the datasheet's 2,250 TFLOP/s dense BF16 at 1856 MHz
    # (148 SMs x 8192 FLOP per clock; tensor clock 1.86 GHz, hmc-tech.com's B200 specifications)
    from calc import data

    rows = [r for r in data.validation_runs() if r["source_family"] == "cudnn-frontend" and r["chip"] == "B200"]
    assert len(rows) == 18
    chip = validation.cluster(rows[0])
    assert chip.peak("bf16").m_as("FLOP/s/chip") == pytest.approx(2250e12 * 1665 / 1856, rel=1e-3)
    assert chip.memory_bandwidth == data.hardware("B200").memory_bandwidth


def test_megatron_core_rows_hide_all_but_one_chunk_of_their_data_parallel_collectives():
    # NeMo's and Megatron-Bridge's Communication Overlap docs: the distributed optimizer's reduce-scatter and
    # all-gather run in chunks of one layer behind the passes, exposing one chunk of the L / (p v) layers a rank holds
    from calc import data
    rows = {r["name"]: r for r in data.validation_runs()}
    preds = {p.name: p for p in validation.predictions()[0]}
    core = rows["Megatron-LM GPT 70B on 768 H100 TP8 PP2 DP48 GBS384"]  # 84 layers, PP 2, no interleaving
    layout = preds[core["name"]].step.layout
    assert layout.dp_overlap == pytest.approx(1 - 2 / 84)
    bridge = next(r for r in rows.values() if r["source_family"] == "megatron-bridge")
    assert validation.data_parallel_overlap(bridge, preds[bridge["name"]].step.model, 1) > 0.9
    deepspeed = next(r for r in rows.values() if r["framework"] == "Megatron-DeepSpeed")
    assert preds[deepspeed["name"]].step.layout.dp_overlap is None  # Megatron-LM 2021: after the last backward
