"""Serving: TensorRT-LLM's CUDA-graph padding of a decode step's batch (issue 20: DeepSeek-R1's MLPerf v5.1 Server TPOT
0.36-0.51x), against the engine's own rule (_get_padded_batch: every attention rank padded to the widest rank's batch
rounded up to a captured size; above the largest, no graph) and the sizes the runs' configurations capture; and the
busiest expert rank under DeepSeek-R1's measured routing (load.expert_load, TensorRT-LLM tech blog 4's load statistics)."""

from dataclasses import replace

import numpy as np
import pytest

from calc import data
from calc.errors import InputError
from calc.serve import load, phases, validation

SIZES = (128, 256, 384, 512)
DEEPSEEK = dict(tensor=8, expert=8, attention_data_parallel=True, precision="fp4", kv_precision="fp8",
                input_tokens=804, output_tokens=3681)


def _setup(**engine):
    return load.setup("DeepSeek-V3", "B200", 8, **DEEPSEEK, **engine)


def test_mlperf_deepseek_r1_sizes_as_published():
    # closed/NVIDIA/configs/B200-SXM-180GBx8/Server/deepseek-r1.py: cuda_graph_batch_sizes [128, 256, 384, 512],
    # cuda_graph_padding_enabled True; GB200 NVL72 [1, 2, 4, ..., 512]; CoreWeave GB300 Offline up to 1280 with
    # gpu_batch_size 1536 (mlcommons/inference_results_v5.1)
    sizes = data.serving_graph_padding()
    mlperf = {c.name for c in validation.cases() if c.name.startswith("mlperf51") and "deepseek-r1" in c.name}
    assert len(mlperf) == 16 and mlperf <= set(sizes)
    assert sizes["mlperf51-nvidia-b200-sxm-180gbx8-deepseek-r1-server"] == SIZES
    assert sizes["mlperf51-nvidia-gb200-nvl72-gb200-186gb-aarch64x72-deepseek-r1-server"] == (
        1, 2, 4, 8, 16, 32, 64, 128, 256, 384, 512)
    assert sizes["mlperf51-coreweave-gb300-nvl8-coreweave-deepseek-r1-offline"][-1] == 1280
    assert load.published_engine("mlperf51-dell-xe9680l-b200-sxm-180gbx8-deepseek-r1-server")[
        "graph_batch_sizes"] == SIZES
    # the DeepSeek-R1 blog's H200 run captures one size (128) without padding: not listed, nothing padded
    assert "graph_batch_sizes" not in load.published_engine("trtllm-dsr1blog-h200-deepseek-r1-dep8-fp8-1024-2048-c1024")


def test_a_captured_batch_pads_nothing():
    s = _setup(graph_batch_sizes=SIZES)
    for per_rank in SIZES:
        assert load.graph_padding(s, 8.0 * per_rank, 0.03) == 0.0


def test_padding_is_the_step_at_the_captured_batch_without_the_dummies_attention():
    # 160 a rank replays the 256 graph: the step's weights, experts, exchange and overheads at 256 a rank, the attention
    # over the 160 sequences' own cached tokens (each dummy holds one)
    s = _setup(graph_batch_sizes=SIZES)
    c, wide = 8 * 160.0, 8 * 256.0
    ctx = s.cached(s.in_flight_context)

    def step(b, x):
        return phases.decode_step(s.shape, s.layout, s.rates, s.weight_bytes, s.kv_bytes, b, x, s.kv_reads,
                                  s.expert_bytes)["total"]

    expected = float(step(wide, ctx * c / wide) - step(c, ctx))
    assert load.graph_padding(s, c, 0.03) == pytest.approx(expected)
    assert 0.0 < expected < float(step(wide, ctx) - step(c, ctx))  # less than 96 more real sequences would take


def test_padding_grows_with_the_gap_to_the_next_size():
    s = _setup(graph_batch_sizes=SIZES)
    per_rank = np.array([129.0, 160.0, 200.0, 250.0, 256.0])
    extra = load.graph_padding(s, 8 * per_rank, 0.03)
    assert np.all(np.diff(extra[:-1]) < 0) and extra[-1] == 0.0


def test_above_the_largest_size_the_step_runs_without_a_graph():
    s = _setup(graph_batch_sizes=SIZES)
    k = phases.coefficients()
    assert load.graph_padding(s, 8 * 600.0, 0.05) == pytest.approx(k.adp_eager_step_share * 0.05)


def test_the_server_tpot_grows_only_between_sizes():
    plain, padded = _setup(), _setup(graph_batch_sizes=SIZES)
    at_size = [float(load.evaluate(x, 8 * 256.0, "arrivals")["tpot"]) for x in (plain, padded)]
    between = [float(load.evaluate(x, 8 * 150.0, "arrivals")["tpot"]) for x in (plain, padded)]
    assert at_size[1] == pytest.approx(at_size[0])
    assert between[1] > between[0]


def test_without_sizes_or_eager_nothing_changes():
    plain = _setup()
    eager = _setup(graph_batch_sizes=SIZES, eager=True)
    assert float(load.evaluate(eager, 8 * 150.0, "continuous")["tpot"]) == pytest.approx(
        float(load.evaluate(_setup(eager=True), 8 * 150.0, "continuous")["tpot"]))
    assert plain.graph_batch_sizes == ()


@pytest.mark.parametrize("bad", [(256, 128), (0, 128), (128, 128), (1.5,), "128", (True,)])
def test_bad_sizes_refused_by_name(bad):
    with pytest.raises(InputError, match="graph_batch_sizes"):
        _setup(graph_batch_sizes=bad)


# ---------------------------------------------------------------- the busiest expert rank (load.expert_load)

def test_expert_load_reads_the_measured_spread():
    # TensorRT-LLM tech blog 4: DeepSeek-R1 at 32 ranks without EPLB, tokens a rank mean 1024, std 491.65 (layers' mean)
    row = data.serving_expert_load()[(256, 8, 8, 4)]
    assert row["ranks"] == 32 and row["cv"] == pytest.approx(491.651199 / 1024)


def test_expert_load_at_the_measured_ranks_is_the_busiest_of_32():
    # the measured ranks themselves: 1 + z_32 c_32; the blog's own mean (max - mean) / mean is 1.564, the normal order
    # statistic of 32 ranks gives 0.99 of it: the tail of the real spread is wider than the normal's (a lower bound)
    from calc.architecture import lookup
    assert load.expert_load(lookup("DeepSeek-R1"), 32) == pytest.approx(1.99, abs=0.01)
    assert load.expert_load(lookup("DeepSeek-R1"), 32) - 1 < 1.564


def test_expert_load_falls_as_a_rank_holds_more_experts():
    from calc.architecture import lookup
    m = lookup("DeepSeek-R1")
    loads = [load.expert_load(m, E) for E in (2, 4, 8, 16, 32)]
    assert all(x > 1.0 for x in loads)
    # more ranks: a wider spread of each rank's share and a higher maximum of more draws
    assert loads == sorted(loads)


def test_expert_load_only_for_a_measured_router_and_whole_experts_on_ranks():
    from calc.architecture import lookup
    assert load.expert_load(lookup("Qwen3 235B-A22B"), 8) == 1.0  # no measured spread of its router
    assert load.expert_load(lookup("Kimi K2"), 8) == 1.0  # 384 experts, one group: another router
    assert _setup().layout.expert_load == pytest.approx(load.expert_load(lookup("DeepSeek-R1"), 8))
    # tensor 8 without attention data parallelism: the experts whole on 8 ranks all the same (the layout's expert 8)
    plain = load.setup("DeepSeek-R1", "H200 SXM", 8, tensor=8, precision="fp8")
    assert plain.layout.expert == 8 and plain.layout.expert_load == _setup().layout.expert_load
    # experts sliced over the ranks (expert 1): balanced
    assert load.setup("DeepSeek-R1", "H200 SXM", 8, tensor=8, expert=1, precision="fp8").layout.expert_load == 1.0


def test_the_busiest_rank_slows_only_the_expert_products():
    s = _setup()
    balanced = replace(s, layout=replace(s.layout, expert_load=1.0))
    ctx = s.cached(s.in_flight_context)
    for per_rank in (16.0, 512.0):
        a = phases.decode_step(s.shape, s.layout, s.rates, s.weight_bytes, s.kv_bytes, 8 * per_rank, ctx, s.kv_reads,
                               s.expert_bytes)
        b = phases.decode_step(s.shape, balanced.layout, s.rates, s.weight_bytes, s.kv_bytes, 8 * per_rank, ctx,
                               s.kv_reads, s.expert_bytes)
        assert a["total"] >= b["total"] and a["kv cache"] == b["kv cache"] and a["communication"] == b["communication"]
    # at 512 a rank (4,096 tokens, 128 rows an expert) the grouped products bind: the busiest rank shows
    big = [float(phases.decode_step(s.shape, x.layout, s.rates, s.weight_bytes, s.kv_bytes, 4096.0, ctx, s.kv_reads,
                                    s.expert_bytes)["total"]) for x in (s, balanced)]
    assert big[0] > 1.03 * big[1]
