"""benchmarks/h100_moe_terms: the H100 mixtures of experts' candidates, each against its own source (a diagnostic)."""

from benchmarks import h100_moe_terms as h
from calc.serve import validation


def _case(name):
    return next(c for c in validation.cases() if c.name == name)


def test_bench_rounding_follows_trtllm_bench_finetune_setting():
    # tuning.py finetune_setting: batch rounded up to 32 below 256 (at least 64), 128 below 1,024, else 256;
    # tokens up to 256 below 4,096 (at least 2,048), 512 below 8,192, else 1,024
    assert [h._round_batch(x) for x in (10, 150, 300, 1317)] == [64, 160, 384, 1536]
    assert [h._round_tokens(x) for x in (300, 2600, 5000, 9000)] == [2048, 2816, 5120, 9216]


def test_bench_cap_does_not_bind_the_h100_attention_dp_rows():
    # the heuristic counts the whole group's KV room and caps each attention-DP rank with it
    x = h.bench_capped(_case("trtllm12-h100-gpt-oss-120b-dep4-fp8-1000-1000"))
    assert x["batch"] > 4 * x["n"] and x["n_capped"] == x["n"]
    # where it binds (one H200, GPT-OSS 120B at 2 bytes an element) it takes the row far too slow
    y = h.bench_capped(_case("trtllm12-h200-gpt-oss-120b-tp1-fp8-1000-1000"))
    assert y["batch"] < y["n"] and y["ratio"] > 1.4 and y["ratio_capped"] < 0.6


def test_mxfp4_layer_is_not_the_too_fast_term_on_h100():
    rows = h.mxfp4_layers()
    assert rows and all(0.95 < h100 / h200 < 1.15 for _, _, h100, h200, _ in rows)  # not bound by the weights' bytes
    assert all(0.9 < q < 1.45 for t, n, *_, q in rows if 128 <= n <= 2048)  # the model's layer at or above the kernel's


def test_same_model_on_h100_and_h200():
    a = h.pair_row("trtllm10-h100-llama4-maverick-tp8-fp8-128-2048")
    b = h.pair_row("trtllm10-h200-llama4-maverick-tp8-fp8-128-2048")
    assert a["left"] < b["left"] / 2 and a["n_at_measured"] / a["n"] < 0.35 < 0.5 < b["n_at_measured"] / b["n"]
