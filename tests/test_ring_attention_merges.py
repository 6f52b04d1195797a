"""benchmarks/ring_attention_merges: PyTorch's and Transformer Engine's ring-attention merges beside the step model.
A diagnostic; PyTorch's count is the step model's (calc.perf.layer.pytorch_merge_bytes, Layout.context_code), which these
tests hold at today's figures."""

import pytest

from benchmarks import ring_attention_merges as ram
from calc import data
from calc.perf import validation


@pytest.fixture(scope="module")
def runs():
    rows = {r["name"]: r for r in data.validation_runs()}
    return rows, {p.name: p for p in validation.predictions()[0]}


def test_pytorch_merge_bytes_per_element_as_counted_from_its_code():
    # forward: first cast in 6 + final cast back 6, each later step 6 (cast) + 32 (three fp32 kernels) + 8 (kv cat)
    assert ram.pytorch_merge_bytes(1) == (12.0, 76.0)
    assert ram.pytorch_merge_bytes(2) == (58.0, 136.0)
    assert ram.pytorch_merge_bytes(8) == (334.0, 496.0)
    assert ram.te_merge_bytes(8) == (80.0, 0.0)


def test_the_merges_are_a_part_of_torchtitans_cp_gap_not_its_cause(runs):
    rows, preds = runs
    for cp, seq, dp in ((4, 131072, 2), (8, 262144, 1)):
        p = preds[ram.TORCHTITAN_8B.format(dp=dp, cp=cp, seq=seq)]
        seconds, unmerged, ratio = ram.merged_ratio(rows[p.name], p)
        assert ratio == p.ratio  # the step model counts them (TorchTitan's rows: context_code "pytorch")
        assert seconds > 0 and 1.15 < ratio < unmerged  # still too fast with them


def test_only_frameworks_whose_cp_code_was_read_are_counted(runs):
    rows, preds = runs
    assert ram.merged_ratio(rows["Llama 3.1 405B on 16384 H100 CP16"], preds["Llama 3.1 405B on 16384 H100 CP16"]) is None
    cp1 = "TorchTitan Llama 3.1 8B 8 H100 FSDP8 CP1 seq 32768"
    assert ram.merged_ratio(rows[cp1], preds[cp1]) is None
