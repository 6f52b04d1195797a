"""The step model against published throughputs it was not calibrated on (data/step_heldout.csv).

Each run is predicted from its published layout by the one rule of calc.perf; the ratio is predicted /
published tokens per second per chip (above 1: the model is too fast). Tolerance: 20% each way. The
runs that miss it are listed below with the reason, and held to a wider band so that a regression
still shows; one that starts passing fails here too (strict), so the list stays true.
"""

import math

import pytest

from calc import perf
from calc.architecture import Transformer, published
from calc.errors import InputError

HELDOUT = {h.name: h for h in perf.heldout()}
TOLERANCE = 1.20

# Why these miss (README, "Held-out check"). All are too fast, none too slow.
KNOWN_MISSES = {
    "TorchTitan Llama 3.1 8B on 8 H100": ("on its own 500 W, 2.4 TB/s H100 with the H100 NVL's peak (the lower "
                                          "end of the range TorchTitan gives) and eager element-wise kernels "
                                          "counted, still 1.3x: FSDP2's and selective checkpointing's own costs "
                                          "are not modelled, nor that chip's sustained clock at 500 W", 1.35),
    "TorchTitan Llama 3.1 8B on 128 H100": ("as on 8 GPUs", 1.35),
}


def _id(name):
    return name.replace(" ", "_")


@pytest.mark.parametrize("name", list(HELDOUT), ids=_id)
def test_heldout_run_within_tolerance_or_a_known_miss(name):
    h = HELDOUT[name]
    off = abs(math.log(h.ratio))
    if name in KNOWN_MISSES:
        reason, band = KNOWN_MISSES[name]
        assert 1 / band < h.ratio < band, f"{name}: {h.ratio:.3f} beyond even the known-miss band ({reason})"
        assert off > math.log(TOLERANCE), f"{name} now lands at {h.ratio:.3f}: take it off KNOWN_MISSES"
    else:
        assert off <= math.log(TOLERANCE), f"{name}: predicted / published = {h.ratio:.3f} ({h.source})"


def test_most_heldout_runs_within_tolerance_and_none_too_slow():
    ratios = [h.ratio for h in HELDOUT.values()]
    assert len(ratios) >= 30
    assert sum(abs(math.log(r)) <= math.log(TOLERANCE) for r in ratios) >= 27
    assert min(ratios) > 1 / TOLERANCE  # the misses are all optimistic: a known direction, not noise


def test_heldout_rows_say_where_they_come_from():
    from calc import data

    for r in data.step_heldout():
        assert "http" in r["source"] and r["retrieved"] is not None, r["name"]
        assert r["name"] not in {c.name for c in perf.calibration()}


def test_flash_attention_on_hopper_runs_at_most_at_35_percent_of_peak():
    # Shah et al. 2024 (FlashAttention-3), sec. 1: FlashAttention-2 reaches 35% of the H100's peak
    llama = published()["Llama 3 8B"][0]
    s = perf.predict(llama, "H100 SXM5", 8, micro_batch=1, global_batch=8, sequence=8192, check_memory=False)
    causal_forward = 0.5 * 4 * 8192**2 * llama.heads * llama.qk_dim * llama.layers  # FLOP, half the blocks
    rate = causal_forward * (1 + 2.5) / s.seconds["attention core"]
    assert rate <= 0.35 * 989.4e12 * 1.001


def test_zero3_overlap_hides_no_more_than_the_compute_and_costs_compute_units():
    llama = published()["Llama 2 13B"][0]
    kw = dict(micro_batch=1, global_batch=64, sequence=4096, zero=3, check_memory=False)
    exposed = perf.predict(llama, "H100 SXM5", 64, dp_overlap=0.0, **kw).seconds["data-parallel communication"]
    hidden = perf.predict(llama, "H100 SXM5", 64, dp_overlap=1.0, **kw).seconds["data-parallel communication"]
    assert 0 < hidden < exposed  # the first layer's gather waits; the rest holds NCCL's share of the SMs
    # short sequences over the network: the gathers outlast the compute, and overlap hides only as much
    kw.update(sequence=256, global_batch=256)
    far = [perf.predict(llama, "A100 SXM4 40GB", 256, dp_overlap=o, **kw) for o in (0.0, 1.0)]
    compute = sum(far[1].seconds[p] for p in ("matmuls", "attention core", "memory-bound operations"))
    dp = [f.seconds["data-parallel communication"] for f in far]
    assert dp[1] >= dp[0] - compute


def test_tensor_parallel_overlap_hides_communication_behind_the_matmuls():
    gpt3 = published()["GPT-3 175B"][0]
    kw = dict(tensor=8, pipeline=8, micro_batch=1, global_batch=512, sequence=2048)
    plain = perf.predict(gpt3, "H100 SXM5", 512, **kw).seconds["tensor-parallel communication"]
    over = perf.predict(gpt3, "H100 SXM5", 512, tp_overlap=1.0, **kw).seconds["tensor-parallel communication"]
    assert 0 < over < 0.5 * plain
    with pytest.raises(InputError):
        perf.predict(gpt3, "H100 SXM5", 512, tp_overlap=1.5, **kw)


def test_eight_bit_layers_keep_the_output_layer_in_16_bits():
    # Transformer Engine and torchao convert the transformer layers only; DeepSeek-V3 sec. 3.3.1
    llama = published()["Llama 3 8B"][0]
    kw = dict(micro_batch=1, global_batch=8, sequence=8192, check_memory=False)
    fp8 = perf.predict(llama, "H100 SXM5", 8, precision="fp8", **kw)
    bf16 = perf.predict(llama, "H100 SXM5", 8, precision="bf16", **kw)
    assert fp8.step_time < bf16.step_time
    logits_flop = 6 * 8192 * llama.d_model * llama.vocab  # forward and backward, one micro-batch
    assert fp8.seconds["matmuls"] > logits_flop / (989.4e12 * 0.801)  # at least the 16-bit time of the logits


def test_cli_takes_the_tensor_parallel_overlap(capsys):
    import json

    from calc.__main__ import main

    base = ["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--chips", "512", "--tensor", "8",
            "--pipeline", "8", "--micro-batch", "1", "--global-batch", "512", "--sequence", "2048", "--json"]
    times = []
    for extra in ([], ["--tp-overlap", "1"]):
        assert main(base + extra) == 0
        times.append(json.loads(capsys.readouterr().out)["breakdown"]["tensor-parallel communication"]["value"])
    assert 0 < times[1] < times[0]
    assert main(base + ["--tp-overlap", "2"]) == 2
    assert capsys.readouterr().err.startswith("calc: error: --tp-overlap")


def test_eager_elementwise_traffic_is_what_torch_compile_saved():
    # TorchTitan, benchmarks/llama3_h100_202412_torchtitan.md Table 1: Llama 3.1 8B on 8 H100 (b2, 8k tokens) at
    # 5,762 tokens/s per GPU eagerly and 6,667 with torch.compile, i.e. 2.84 and 2.46 s per step. The eager
    # RMSNorm, rotary embedding and SwiGLU traffic counted from its code must be part of that 0.39 s, not more.
    llama = published()["Llama 3 8B"][0]
    kw = dict(micro_batch=2, global_batch=16, sequence=8192, zero=3, check_memory=False)
    fused, eager = (perf.predict(llama, "H100 SXM5 96GB 500W", 8, eager=e, **kw) for e in (False, True))
    extra = (eager.step_time - fused.step_time).m_as("s")
    saved = 16 * 8192 / 8 * (1 / 5762 - 1 / 6667)
    assert 0.5 * saved < extra < saved
    assert eager.breakdown["memory-bound operations"] > fused.breakdown["memory-bound operations"]
    gpt = perf.predict(published()["GPT-3 175B"][0], "H100 SXM5", 64, tensor=8, pipeline=8, micro_batch=1,
                       global_batch=64, check_memory=False, eager=True)  # LayerNorm, learned positions, GELU
    plain = perf.predict(published()["GPT-3 175B"][0], "H100 SXM5", 64, tensor=8, pipeline=8, micro_batch=1,
                         global_batch=64, check_memory=False)
    assert gpt.step_time == plain.step_time


def test_triton_attention_is_flashattention_2_slowed_as_dao_measured():
    # Dao 2023 (FlashAttention-2), sec. 4.1: FlashAttention-2 is 1.3-1.5x faster than FlashAttention in Triton
    # in the forward pass and about 2x in the backward pass; the fused kernel's backward is 2.5 forwards
    mpt = Transformer(layers=24, d_model=2048, heads=16, vocab=50368, context=2048)
    kw = dict(micro_batch=14, global_batch=112, sequence=2048, recompute="none", zero=3, check_memory=False)
    flash, triton = (perf.predict(mpt, "A100 SXM4 80GB", 8, triton_attention=t, **kw) for t in (False, True))
    ratio = triton.seconds["attention core"] / flash.seconds["attention core"]
    # FlashAttention-2's backward at 63 / 73 of its forward's rate on A100 (sec. 4.1), the Triton kernel's twice that
    backward = 2.5 / (63 / 73)
    assert ratio == pytest.approx((1.4 + backward * 2.0) / (1 + backward), rel=0.01)
    assert triton.seconds["matmuls"] == flash.seconds["matmuls"]


# llm-foundry's benchmark tables sweep the sequence length of one model on 8 GPUs (scripts/train/benchmarking/
# README.md at commit 8c8dd48, tokens per second per GPU; Triton attention, FULL_SHARD): rows not in
# data/step_heldout.csv. With FlashAttention-2's rate for the attention the prediction drifted from 1.30 to 1.78
# (H100) and 1.13 to 1.65 (A100) between 512 and 32,768 tokens: attention was far slower than modelled.
FOUNDRY_SWEEP = [  # hardware, d_model, layers, heads, (sequence, micro-batch, recompute, published token/s/GPU) x 2
    ("H100 SXM5", 2048, 24, 16, (512, 56, "none", 52275), (32768, 1, "none", 12025)),
    ("A100 SXM4 80GB", 2048, 24, 16, (512, 56, "none", 23148), (32768, 1, "none", 6275)),
    ("H100 SXM5", 4096, 32, 32, (1024, 64, "full", 10203), (32768, 2, "full", 3318)),
]


@pytest.mark.parametrize("hardware, d_model, layers, heads, short, long", FOUNDRY_SWEEP,
                         ids=lambda v: v if isinstance(v, str) else None)
def test_long_sequences_are_no_more_optimistic_than_short_ones_under_triton_attention(hardware, d_model, layers,
                                                                                    heads, short, long):
    ratios = []
    for s, b, rec, published_rate in (short, long):
        mpt = Transformer(layers=layers, d_model=d_model, heads=heads, vocab=50368, context=s)
        st = perf.predict(mpt, hardware, 8, micro_batch=b, global_batch=8 * b, sequence=s, recompute=rec, zero=3,
                          triton_attention=True, check_memory=False)
        ratios.append(st.tokens_per_second.m_as("token/s") / 8 / published_rate)
    # long sequences no more optimistic than short ones; short ones no more than 15% beyond long ones, except MPT-1B on
    # H100, whose 512-token run is the short-sequence class of small models on H100 (1.23 at 512 tokens; 1.03 at 32k
    # once the fused attention's backward runs at its measured share of the forward's rate), held to the known-miss band
    assert math.log(ratios[1] / ratios[0]) < math.log(1.15), ratios
    short_bound = 1.35 if (hardware, d_model) == ("H100 SXM5", 2048) else 1.15
    assert math.log(ratios[0] / ratios[1]) < math.log(short_bound), ratios
