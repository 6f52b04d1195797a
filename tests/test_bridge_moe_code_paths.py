"""benchmarks/bridge_moe_code_paths: what Megatron-Bridge runs for GPT-OSS 120B and Nemotron 3 Nano beside what the step
model counts. A diagnostic: nothing it finds is set in the model; these tests hold its findings at today's figures."""

import statistics

import pytest

from benchmarks import bridge_moe_code_paths as b


@pytest.fixture(scope="module")
def classes():
    return b.runs()


def test_the_classes_are_the_held_out_bridge_runs(classes):
    assert len(classes["GPT-OSS 120B"]) == 18 and len(classes["Nemotron 3 Nano 30B-A3B"]) == 10
    for items in classes.values():
        assert all(meas > st.seconds_per_step for _, meas, st in items)  # every run predicted too fast


def test_the_unfused_attention_could_not_have_fitted(classes):
    # 4 sequences x 64 heads x 4,096^2 scores x 2 bytes x 36 layers: 309 GB, against GB200's 186 GB
    for _, _, st in classes["GPT-OSS 120B"]:
        if st.hardware == "GB200" and st.layout.micro_batch == 4:
            assert b.unfused_scores_bytes(st) == pytest.approx(4 * 64 * 4096 ** 2 * 2 * 36)
            assert b.unfused_scores_bytes(st) > 1.5 * st.capacity


def test_the_lacking_time_grows_with_the_chip_not_a_fixed_time(classes):
    by_chip = {}
    for r, meas, st in classes["GPT-OSS 120B"]:
        if r["precision"] == "bf16":
            by_chip.setdefault(st.hardware, []).append(b.lacking_per_token_layer(meas, st))
    h100, gb200 = statistics.median(by_chip["H100 SXM5"]), statistics.median(by_chip["GB200"])
    assert 1.5 < h100 / gb200 < 2.6  # the chips' own ratio is 2.0-2.5


def test_no_code_path_counted_otherwise_closes_gpt_oss(classes):
    items = classes["GPT-OSS 120B"]
    before = statistics.median(meas / st.seconds_per_step for _, meas, st in items)
    assert 1.40 < before < 1.55
    for which in b.COUNTERFACTUALS:
        after = statistics.median(meas / b.counterfactual(r, which).seconds_per_step for r, meas, _ in items)
        assert after > 1.3, which
    windows = statistics.median(meas / b.counterfactual(r, b.COUNTERFACTUALS[0]).seconds_per_step
                                for r, meas, _ in items)
    assert windows < before  # full causal work on the windowed layers makes the step slower, a little


def test_the_flagged_run_is_the_sources_own_outlier(classes):
    runs = {r["name"]: meas / st.seconds_per_step for r, meas, st in classes["GPT-OSS 120B"]}
    (name,) = b.FLAGGED
    same_layout = [v for k, v in runs.items() if k != name and k.endswith(name.split(" ", 2)[2])]
    assert runs[name] > 2.0 and len(same_layout) == 2 and max(same_layout) < 1.45
