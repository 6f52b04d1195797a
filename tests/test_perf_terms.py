"""Each term of calc.perf alone, against the formula its source gives (the expected values are written
out from the formula here, not copied from the code's output)."""

import math
import re
from dataclasses import fields, replace
from pathlib import Path

import pytest

from calc import data
from calc.errors import DataError, InputError
from calc.perf import collectives, kernels, layout, pipeline, system
from calc.perf.system import Coefficients, attention_sequence_share, build_chip, coefficients

A100 = data.hardware("A100 SXM4 80GB")
H100 = data.hardware("H100 SXM5")


@pytest.fixture(scope="module")
def a100():
    return build_chip(A100)


# --------------------------------------------------------------------------- system


def test_every_coefficient_the_code_reads_is_a_field():
    # a misspelt coefficient fails here, not when its branch first runs
    names = {f.name for f in fields(Coefficients)}
    source = "\n".join(p.read_text() for p in Path(system.__file__).parent.glob("*.py"))
    used = set(re.findall(r"\b(?:coeff|coefficients)\.([a-z_0-9]+)", source))
    assert used and used <= names, used - names


def test_a_missing_coefficient_row_is_a_data_error(monkeypatch):
    rows = dict(data.step_coefficients())
    del rows["kernel_overhead"]
    coefficients.cache_clear()
    monkeypatch.setattr(data, "step_coefficients", lambda: rows)
    try:
        with pytest.raises(DataError, match="kernel_overhead"):
            coefficients()
    finally:
        coefficients.cache_clear()


def test_coefficients_carry_their_units():
    k = coefficients()
    assert k.kernel_overhead == pytest.approx(3e-6)  # data/step_coefficients.csv: 3e-6 s
    assert k.optimizer_traffic == 52  # byte/param
    assert {f.metadata["unit"] for f in fields(Coefficients)} >= {"", "s", "byte", "byte/param"}


def test_the_chip_derates_the_datasheet(a100):
    k = coefficients()
    assert a100.memory_bandwidth == pytest.approx(A100.memory_bandwidth.m_as("byte/s/chip") * k.memory_efficiency)
    assert a100.intra_node_bandwidth == pytest.approx(A100.intra_node_bandwidth.m_as("byte/s/chip")
                                                      * k.intra_node_efficiency)
    assert a100.matmul_rate == pytest.approx(a100.peak * A100.matmul_efficiency)


def test_the_fast_links_run_at_the_bus_bandwidth_nccl_tests_measures_on_the_chips_node():
    # NVIDIA dgxc-benchmarking nccl/README.md (data/collective_bandwidth.csv): all_reduce_perf on 8 H100, bus bandwidth
    # 361.67 GB/s at 64 MiB, 400.53 GB/s at 128 MiB; NVLink 4 is 450 GB/s one way, Calculon's flat share 0.65 of it
    h100 = build_chip(H100)
    flat = H100.intra_node_bandwidth.m_as("byte/s/chip") * coefficients().intra_node_efficiency
    assert h100.intra_node_bandwidth == pytest.approx(flat)
    assert collectives.fast_link_rate(h100, 2**27) == pytest.approx(400.53e9)
    assert collectives.fast_link_rate(h100, 2**26) == pytest.approx(361.67e9)
    assert 361.67e9 < collectives.fast_link_rate(h100, 1e8) < 400.53e9  # between, in ln bytes
    assert collectives.fast_link_rate(h100, 2**20) == pytest.approx(flat)  # small messages: the flat rate stands
    assert collectives.fast_link_rate(h100, 2**34) == pytest.approx(450e9)  # at most the links' own rate
    # a 128 MiB all-reduce over the node takes 2 x 7/8 of it at the measured rate, plus Calculon's NVLink latency
    assert collectives.all_reduce(h100, 2**27, 8, 8) == pytest.approx(2 * 7 / 8 * 2**27 / 400.53e9 + 1e-5)
    # not measured over a whole node, or A100 (Calculon's share, checked on Korthikanti's per-layer times): flat
    for name in ("MI300X", "GB200", "A100 SXM4 80GB"):
        chip = build_chip(data.hardware(name))
        assert chip.link_curve == ()
        assert collectives.fast_link_rate(chip, 2**27) == chip.intra_node_bandwidth


def test_hopper_attention_is_capped_at_35_percent_of_the_16_bit_peak():
    # [Shah2024] sec. 1: FlashAttention-2 reaches 35% of the H100's peak
    h100 = build_chip(H100)
    assert h100.attention_rate == pytest.approx(0.35 * H100.peak("bf16").m_as("FLOP/s/chip"))


def test_the_chip_is_built_once_per_chip_object_and_precision():
    assert build_chip(H100) is build_chip(H100)
    assert build_chip(H100, "fp8").eight_bit and not build_chip(H100, "bf16").eight_bit


# --------------------------------------------------------------------------- collectives


def test_all_reduce_inside_a_node_is_a_ring(a100):
    # 2 (k - 1)/k S / B + latency, k = 8 ranks of one node
    size = 1e9
    expected = 2 * 7 / 8 * size / a100.intra_node_bandwidth + coefficients().intra_node_latency
    assert collectives.all_reduce(a100, size, 8, 8) == pytest.approx(expected, rel=1e-12)


def test_all_reduce_across_nodes_adds_the_network_ring(a100):
    # 64 ranks, 8 a node: the node ring, then 8 nodes each carrying S/8 over the network [Isaev2023]; the
    # latency NCCL's ring model: 2 x 63 steps, 16 of them across the network (tuning.cc)
    size = 4e9
    inside = 2 * 7 / 8 * size / a100.intra_node_bandwidth
    across = 2 * 7 / 8 * size / 8 / a100.network_bandwidth
    latency = 8.4e-6 + (2 * 63 - 16) * 3.4e-6 + 16 * 14e-6
    assert collectives.all_reduce(a100, size, 64, 8) == pytest.approx(inside + across + latency, rel=1e-12)


def test_all_gather_and_reduce_scatter_move_half_an_all_reduce(a100):
    size, latency = 1e9, coefficients().intra_node_latency
    assert collectives.all_gather(a100, size, 8, 8) - latency == pytest.approx(
        (collectives.all_reduce(a100, size, 8, 8) - latency) / 2)
    assert collectives.reduce_scatter is collectives.all_gather


def test_no_collective_on_one_rank(a100):
    assert collectives.all_reduce(a100, 1e9, 1, 1) == 0 and collectives.all_to_all(a100, 1e9, 1, 1) == 0


def test_all_to_all_is_set_by_the_slower_link(a100):
    size, k = 1e9, coefficients()
    inside = size * 7 / 16 / a100.intra_node_bandwidth + k.intra_node_latency
    outside = size * 8 / 16 / a100.network_bandwidth + k.network_latency
    assert collectives.all_to_all(a100, size, 16, 8) == pytest.approx(max(inside, outside))


def test_ranks_per_node_follow_megatrons_order():
    assert collectives.ranks_per_node(8, 1, 8) == 8  # tensor ranks: innermost
    assert collectives.ranks_per_node(64, 8, 8) == 1  # data ranks beside tensor 8: one a node
    assert collectives.ranks_per_node(64, 2, 8) == 4
    assert collectives.ranks_per_node(4, 16, 8) == 1  # stride beyond the node


def test_a_link_the_chip_lacks_is_refused_by_name():
    tpu = build_chip(data.hardware("TPU v2"))
    if tpu.network_bandwidth is None:
        with pytest.raises(InputError, match="network"):
            collectives.all_reduce(tpu, 1e9, 64, 1)


def test_what_a_hidden_collective_leaves_exposed():
    assert collectives.exposed(1.0, 0.0, 5.0, 0.15) == 1.0  # nothing hidden
    # all hidden behind longer compute: only the compute units it holds show, s / (1 - s)
    assert collectives.exposed(1.0, 1.0, 5.0, 0.15) == pytest.approx(0.15 / 0.85)
    # no more hides than the compute lasts
    assert collectives.exposed(1.0, 1.0, 0.4, 0.0) == pytest.approx(0.6)


# --------------------------------------------------------------------------- pipeline


@pytest.mark.parametrize("stages, virtual", [(8, 1), (8, 3), (16, 2), (2, 1)])
def test_the_1f1b_bubble_is_p_minus_1_over_v_micro_batches(stages, virtual):
    # [Narayanan2021] sec. 2.2
    assert pipeline.bubble("1f1b", stages, virtual, 2.0, 2.0) == pytest.approx((stages - 1) / virtual * 2.0)


def test_the_dualpipe_bubble():
    # [DeepSeekAI2024] Table 2: (p/2 - 1)(F&B + B - 3W); F = 1, B = 2, W = 1: (p/2 - 1)(3 + 2 - 3) = 2 (p/2 - 1)
    assert pipeline.bubble("dualpipe", 16, 1, 3.0, 2.0) == pytest.approx(7 * 2.0)


def test_stage_transfers_send_a_slice_and_gather_it(a100):
    size, k = 2.0 * 2048 * 12288, coefficients()
    send = size / 8 / a100.intra_node_bandwidth + k.intra_node_latency
    gather = 7 / 8 * size / a100.intra_node_bandwidth + k.intra_node_latency
    assert pipeline.stage_transfers(a100, size, 8, 8, 2, False) == pytest.approx(2 * 2 * (send + gather))


# --------------------------------------------------------------------------- kernels


def test_a_large_matmul_runs_at_the_best_rate(a100):
    # 8192^3: whole waves of tiles, compute-bound: 2 M K N / R + result bytes / B + overhead
    n = 8192
    tiles = (n // 256) * (n // 128)
    wave = tiles / (math.ceil(tiles / a100.compute_units) * a100.compute_units)
    expected = 2.0 * n ** 3 / (a100.matmul_rate * wave) + 2.0 * n * n / a100.memory_bandwidth + a100.kernel_overhead
    assert kernels.matmul_time(a100, n, n, n) == pytest.approx(expected, rel=1e-12)


def test_a_thin_matmul_is_bound_by_memory(a100):
    # (8192 x 8192)(8192 x 1): reading the weights dominates
    t = kernels.matmul_time(a100, 8192, 8192, 1)
    assert t >= 2.0 * 8192 * 8192 / a100.memory_bandwidth


def test_the_backward_pass_is_two_matmuls(a100):
    m = kernels.matmul(a100, 4096, 1024, 2048)
    assert m.backward == pytest.approx(kernels.matmul_time(a100, 4096, 2048, 1024)
                                       + kernels.matmul_time(a100, 1024, 4096, 2048))
    assert m.flop == 2.0 * 4096 * 1024 * 2048


def test_fused_attention_skips_half_the_blocks_and_triton_is_slower(a100):
    args = dict(micro_batch=1, heads=32, tensor=1, sequence=4096, context=1, qk_dim=128, v_dim=128)
    flash = kernels.attention_core(a100, fused=True, triton=False, **args)
    assert flash.flop == 2.0 * 32 * 4096 * 4096 * 256
    # at 4k queries 0.96 of the long-sequence rate (FlashAttention-2 forward on H100 by sequence length)
    share = attention_sequence_share(4096)
    assert 0.95 < share < 0.97
    assert flash.forward == pytest.approx(0.5 * flash.flop / (a100.attention_rate * share) + a100.kernel_overhead)
    # 2.5x the forward's work at 63 / 73 of its rate on A100 [Dao2023] sec. 3.1.2, 4.1
    assert flash.backward == pytest.approx(2.5 * flash.forward / (63 / 73), rel=0.01) and flash.recompute == 0
    triton = kernels.attention_core(a100, fused=True, triton=True, **args)
    assert triton.forward == pytest.approx(1.4 * flash.forward)  # [Dao2023] sec. 4.1
    assert triton.backward == pytest.approx(2.0 * flash.backward)
    unfused = kernels.attention_core(a100, fused=False, triton=False, **args)
    assert unfused.recompute == unfused.forward > flash.forward


def test_a_local_window_skips_the_keys_beyond_it(a100):
    # each query attends to min(w, i) keys: s w - w^2 / 2 pairs, the pairs of a causal sequence 2 w - w^2 / s long,
    # at the rate of a causal kernel whose query blocks see as many keys; the PaLM count takes min(s, w) keys a query
    args = dict(micro_batch=1, heads=64, tensor=1, sequence=4096, context=1, qk_dim=64, v_dim=64, fused=True,
                triton=False)
    full = kernels.attention_core(a100, **args)
    local = kernels.attention_core(a100, window=128, **args)
    span = 2 * 128 - 128 * 128 / 4096  # 252
    pairs = 4096 * 128 - 128 * 128 / 2
    assert 0.5 * 4096 * span == pytest.approx(pairs)
    assert local.flop == pytest.approx(2.0 * 64 * 4096 * 128 * 128)
    assert local.forward == pytest.approx(2.0 * 64 * pairs * 128 / (a100.attention_rate * attention_sequence_share(span))
                                          + a100.kernel_overhead)
    assert local.forward < 0.1 * full.forward
    # no saving at or below the window, nor unfused (the scores are computed in full and masked)
    assert kernels.attention_core(a100, window=4096, **args) == full
    unfused = {**args, "fused": False}
    assert kernels.attention_core(a100, window=128, **unfused) == kernels.attention_core(a100, **unfused)


def test_the_step_averages_full_and_windowed_layers():
    # GPT-OSS 120B: a sliding window of 128 on 18 of its 36 layers (config.json layer_types)
    from calc.architecture import lookup
    from calc.perf.layer import attention_core
    oss = lookup("GPT-OSS 120B")
    assert (oss.window, oss.window_layers, oss.attention_layers) == (128, 18, 36)
    h100 = build_chip(H100)
    sizes = layout.resolve(layout.Layout(expert=8, global_batch=8, sequence=4096), oss, 8)
    lay = layout.Layout()
    args = dict(micro_batch=1, heads=oss.heads, tensor=1, sequence=4096, context=1, qk_dim=oss.qk_dim,
                v_dim=oss.v_dim, fused=True, triton=False)
    full, local = kernels.attention_core(h100, **args), kernels.attention_core(h100, window=128, **args)
    core = attention_core(h100, oss, sizes, lay)
    assert core.forward == pytest.approx((full.forward + local.forward) / 2)
    assert core.flop == pytest.approx((full.flop + local.flop) / 2)
    # at a sequence within the window every layer attends to all of it
    short = layout.resolve(layout.Layout(expert=8, global_batch=8, sequence=128), oss, 8)
    assert attention_core(h100, oss, short, lay) == kernels.attention_core(h100, **{**args, "sequence": 128})


def test_memory_bound_terms_are_bytes_over_bandwidth(a100):
    k = coefficients()
    assert kernels.hidden_state_traffic(a100, 2048, 4096) == pytest.approx(
        k.hidden_bytes_forward * 2048 * 4096 / a100.memory_bandwidth)
    assert kernels.optimizer_traffic(a100, 1e9, 8) == pytest.approx(52 * 1e9 / 8 / a100.memory_bandwidth)
    assert kernels.loss_traffic(a100, 2048, 50000, 2) == pytest.approx(40 * 2048 * 25000 / a100.memory_bandwidth)


def test_memory_bound_kernels_pay_the_fixed_kernel_cost_each(a100):
    # Megatron-Core's TransformerLayer: two norms, two bias-dropout-adds, the activation, rotary on q and on k
    from calc.architecture import Transformer

    rope = Transformer(layers=2, d_model=1024, heads=8, vocab=32000, context=2048)
    learned = Transformer(layers=2, d_model=1024, heads=8, vocab=32000, context=2048, learned_positions=True)
    assert kernels.elementwise_kernels(a100, rope) == pytest.approx(7 * 3e-6)  # kernel_overhead: 3e-6 s
    assert kernels.elementwise_kernels(a100, learned) == pytest.approx(5 * 3e-6)
    # eager (TorchTitan's RMSNorm, apply_rotary_emb and FeedForward without torch.compile): 2 x 8 + 2 + 6 (+ GELU 1)
    rms = Transformer(layers=2, d_model=1024, heads=8, vocab=32000, context=2048, norm="rmsnorm", gated=True)
    assert kernels.elementwise_kernels(a100, rms, eager=True) == pytest.approx((16 + 2 + 2 + 6) * 3e-6)
    assert kernels.elementwise_kernels(a100, learned, eager=True) == pytest.approx(5 * 3e-6)  # LayerNorm, GELU


def test_matmul_rate_takes_a_chip_object_or_its_name():
    assert kernels.matmul_rate(H100, 4096, 4096, 4096) == kernels.matmul_rate("H100 SXM5", 4096, 4096, 4096)


# --------------------------------------------------------------------------- layout


def test_every_layout_field_has_its_help_and_flag():
    options = layout.layout_options()
    assert [o.name for o in options] == [f.name for f in fields(layout.Layout)]
    assert all(o.help and o.flag.startswith("--") for o in options)
    flags = {o.name: o.flag for o in options}
    assert "uneven_pipeline" not in flags and flags["flash_attention"] == "--no-flash-attention"
    assert flags["triton_attention"] == "--attention" and flags["expert"] == "--expert"


def test_resolve_names_the_field_that_does_not_divide():
    from calc.architecture import published

    gpt3 = published()["GPT-3 175B"][0]
    sizes = layout.resolve(layout.Layout(tensor=8, pipeline=8, global_batch=1536), gpt3, 1024)
    assert (sizes.data_parallel, sizes.micro_batches, sizes.stage_layers) == (16, 96, 12)
    with pytest.raises(InputError) as exc:
        layout.resolve(layout.Layout(tensor=8, pipeline=7, global_batch=1536), gpt3, 1024)
    assert exc.value.field == "chips"
    with pytest.raises(InputError) as exc:
        layout.resolve(replace(layout.Layout(), schedule="zero-bubble"), gpt3, 8)
    assert exc.value.field == "schedule"


def test_blackwell_matmul_rate_is_its_measured_sustained_share_else_its_best():
    # S. Bekman's table (data/matmul_efficiency.csv): B200 BF16 sustains 1456.3 of 2250 TFLOP/s at its 1000 W limit
    # (MSMF; 1770.9 in a burst, MAMF), FP8 2795.7 of 4500 (hardware.csv has no matmul_efficiency for it, so the step
    # model takes the table's, not the 81% default); GB200 has only its best burst (1822.0 of 2500), so hardware.csv
    # gives it the B200's sustained rate on the same silicon (a lower bound at its 1200 W), not the burst
    from calc.perf.system import build_chip
    for name, precision, measured in (("B200", "bf16", 1456.3e12), ("B200", "fp8", 2795.7e12),
                                      ("GB200", "bf16", 1456.3e12), ("GB200", "fp8", 2795.7e12),
                                      ("H200 SXM", "bf16", 708.5e12)):
        chip = build_chip(data.hardware(name), precision)
        assert chip.matmul_rate == pytest.approx(measured, rel=1e-3), (name, precision)  # peaks 989.4, table 989


def test_a_clock_locked_chip_runs_the_burst_rate_at_its_clock_but_not_above_the_sustained_rate():
    # B200 locked at 1665 MHz: the 1965 MHz burst (1770.9) scales to 1500, above the 1456.3 it sustains at 1000 W,
    # so 1456.3; H200 locked at 1500 MHz: its 1980 MHz burst (841.9) scales to 638, below its sustained 708.5
    from calc.perf import validation
    for name, lock, peak_clock, expected in (("B200", 1665, 1856, 1456.3e12),
                                             ("H200 SXM", 1500, 1830, 841.9e12 * 1500 / 1980)):
        chip = build_chip(validation._clocked(name, lock, peak_clock), "bf16")
        assert chip.matmul_rate == pytest.approx(expected, rel=1e-3), name


def test_blackwell_matmuls_run_in_waves_over_148_sms():
    # Chips and Cheese, "Nvidia's B200: Keeping the CUDA Juggernaut Rolling" (2025): 74 of each die's 80 SMs
    # enabled, 148 per B200 (GB200's GPUs are B200s). (3840 x 8192)(8192 x 1280) has 15 x 10 output tiles of
    # 256 x 128: two waves, the second with 2 of 148 tiles, so it runs at 150 / 296 of the best rate.
    for name in ("B200", "GB200"):  # the waves alone: without the rates measured by shape (B200's, OpenXLA's table)
        chip = replace(build_chip(data.hardware(name), "bf16"), shapes=None)
        assert chip.compute_units == 148
        M, K, N = 3840, 8192, 1280
        compute = 2.0 * M * K * N / (chip.matmul_rate * 150 / 296)
        operands = 2.0 * (M * K + K * N) / chip.memory_bandwidth
        expected = max(compute, operands) + 2.0 * M * N / chip.memory_bandwidth + chip.kernel_overhead
        assert kernels.matmul_time(chip, M, K, N) == pytest.approx(expected, rel=1e-9)
        assert 2.0 * M * K * N / kernels.matmul_time(chip, M, K, N) < 0.55 * chip.matmul_rate


def _xla_h100(m, n, k):
    # OpenXLA's sm_90 table as data/matmul_efficiency.csv holds it (m, n, k: result rows, columns, inner size)
    found = [r["measured_tflops"] for r in data.matmul_efficiency() if r["chip"] == "H100 SXM5"
             and r["precision"] == "bf16" and r["batch"] == 1 and (r["m"], r["n"], r["k"]) == (m, n, k)]
    assert len(found) == 1
    return found[0]


def test_matmul_rate_by_shape_follows_the_measured_table():
    # OpenXLA's H100 table: 739.0 TFLOP/s at M = N = 4096, K = 2048; its best, 783.3 at 4096 cubed (both shapes fill
    # the same share of their last wave: 512 tiles of 256 x 128 on 132 SMs)
    chip = build_chip(H100, "bf16")
    best = _xla_h100(4096, 4096, 4096)
    assert kernels.shape_share(chip.shapes, 4096, 2048, 4096) == pytest.approx(_xla_h100(4096, 4096, 2048) / best)
    # between two measured inner sizes, log-linear: K = 2896 (~ 2^11.5) halfway in log
    halfway = math.sqrt(_xla_h100(4096, 4096, 2048) * best) / best
    assert kernels.shape_share(chip.shapes, 4096, 2 ** 11.5, 4096) == pytest.approx(halfway)
    # beyond the table a size counts as its largest: a 16384-token product at its best, never above it
    assert kernels.shape_share(chip.shapes, 16384, 16384, 16384) == pytest.approx(1.0)
    # and the matmul runs that much slower than at the best shape (same waves, compute-bound)
    flat = replace(chip, shapes=None)
    M, K, N = 4096, 2048, 4096
    slower = kernels.matmul_time(chip, M, K, N) - chip.kernel_overhead - 2.0 * M * N / chip.memory_bandwidth
    faster = kernels.matmul_time(flat, M, K, N) - chip.kernel_overhead - 2.0 * M * N / chip.memory_bandwidth
    assert slower / faster == pytest.approx(best / _xla_h100(4096, 4096, 2048))


def test_chips_without_a_table_of_shapes_keep_one_rate():
    assert build_chip(A100).shapes is None  # Bekman's best shape only
    mi300x = build_chip(data.hardware("MI300X"), "fp8")
    assert mi300x.shapes is None  # the wave share alone: 256 x 128 tiles over 304 CUs
    assert kernels.shape_rate(mi300x, 4096, 4096, 4096) == pytest.approx(mi300x.matmul_rate * 512 / 608)


def test_a_format_or_a_chip_without_its_own_table_takes_its_architectures():
    # OpenXLA's tables are per architecture (sm_90): H100's 8-bit products and H200's take the shares of H100's bf16 table
    h100 = build_chip(H100, "bf16")
    assert build_chip(H100, "fp8").shapes is h100.shapes
    assert build_chip(data.hardware("H200 SXM"), "fp8").shapes.grid == h100.shapes.grid


def test_thin_products_keep_their_measured_rate():
    # the share by shape is held at 1 with the wave share, not before it: at 256 x 256 x 4096 (2 tiles on 132 SMs)
    # the table's 84.3 TFLOP/s, not the wave share of the best (each shape within 4% of its measurement: the best
    # shape's own last wave is 0.97 full)
    chip = build_chip(H100, "bf16")
    for m, n, k in ((256, 256, 4096), (256, 4096, 4096), (4096, 256, 4096), (2048, 1024, 2048), (4096, 4096, 4096)):
        rate = kernels.shape_rate(chip, m, k, n) / 1e12
        assert rate == pytest.approx(_xla_h100(m, n, k) * chip.matmul_rate / 1e12 / _xla_h100(4096, 4096, 4096),
                                     rel=0.04), (m, n, k)


def _nccl_constant(kind, algorithm, protocol, fabric=""):
    rows = [r for r in data.collective_bandwidth() if r["kind"] == kind and r["algorithm"] == algorithm
            and r["protocol"] == protocol and (r["fabric"] or "") == fabric]
    assert len(rows) == 1, (kind, algorithm, protocol, fabric)
    return rows[0]["latency"]


def test_ring_latency_is_nccls_model_and_grows_with_ranks():
    # NCCL src/graph/tuning.cc (data/collective_bandwidth.csv): ring Simple base 8.4 us, 3.4 us per NVLink step,
    # 14 us per network step; an all-reduce over g ranks in n nodes has 2 (g - 1) steps, 2 n across the network
    coeff = coefficients()
    assert coeff.nccl_ring_base_latency == pytest.approx(_nccl_constant("nccl base latency", "ring", "Simple"))
    assert coeff.nccl_ring_nvlink_step_latency == pytest.approx(
        _nccl_constant("nccl hardware latency", "ring", "Simple", "nvlink"))
    assert coeff.nccl_ring_network_step_latency == pytest.approx(
        _nccl_constant("nccl hardware latency", "ring", "Simple", "net"))
    h100 = build_chip(data.hardware("H100 SXM5"))
    # inside one node: Calculon's NVLink latency, which Korthikanti et al.'s per-layer times check (test_step)
    assert collectives.ring_latency(h100, 8, 1, 2) == coeff.intra_node_latency
    sixty_four = collectives.ring_latency(h100, 512, 64, 2)
    assert sixty_four == pytest.approx(8.4e-6 + (2 * 511 - 128) * 3.4e-6 + 128 * 14e-6)
    assert collectives.ring_latency(h100, 512, 64, 1) == pytest.approx(8.4e-6 + (511 - 63) * 3.4e-6 + 63 * 14e-6)
    # a tiny all-reduce is all latency, and it grows with the ranks where the old model held it flat
    assert collectives.all_reduce(h100, 8.0, 512, 8) > 10 * collectives.all_reduce(h100, 8.0, 16, 8)


def test_zero3_collectives_per_layer_grow_with_layers_and_nodes():
    # FSDP / ZeRO-3 gathers every layer twice and scatters its gradients once per micro-batch (three ring
    # collectives per layer, each with its latency): more layers of the same total size cost more
    from calc.architecture import Transformer
    from calc.perf.step import predict
    few = Transformer(layers=8, d_model=2048, heads=16, vocab=50000, context=2048)
    many = Transformer(layers=32, d_model=1024, heads=16, vocab=50000, context=2048)
    def dp(model, chips):
        s = predict(model, "H100 SXM5", chips, micro_batch=1, global_batch=chips, zero=3, check_memory=False)
        return s.seconds["data-parallel communication"]
    assert dp(many, 512) > dp(few, 512)
    assert dp(many, 512) > dp(many, 16)


def test_eight_bit_sequence_parallel_gathers_move_one_byte():
    # Transformer Engine gathers the FP8-cast norm output and the quantized output gradient (transformer_engine/
    # pytorch/module/layernorm_linear.py, base.py grad_output_preprocess); its reduce-scatters stay in 16 bits
    from calc.perf.layer import tensor_parallel
    h100 = data.hardware("H100 SXM5")
    bf16, fp8 = build_chip(h100, "bf16"), build_chip(h100, "fp8")
    tokens, hidden = 8192, 16384
    nbytes = 2.0 * tokens * hidden
    gather16 = collectives.all_gather(fp8, nbytes, 8, 8)
    gather8 = collectives.all_gather(fp8, nbytes / 2, 8, 8)
    forward, backward = tensor_parallel(fp8, tokens, hidden, 8, True, 64)
    assert forward == pytest.approx(2 * (gather8 + gather16))
    assert backward == pytest.approx(forward + 2 * gather8)
    # in 16 bits, or without sequence parallelism (all-reduces), nothing changes
    f16, b16 = tensor_parallel(bf16, tokens, hidden, 8, True, 64)
    assert f16 == pytest.approx(2 * collectives.all_reduce(bf16, nbytes, 8, 8)) and forward < f16 and backward < b16
    assert tensor_parallel(fp8, tokens, hidden, 8, False, 64)[0] == pytest.approx(2 * collectives.all_reduce(fp8, nbytes, 8, 8))
    # TorchTitan's rowwise float8 gathers in high precision (torchtitan/models/llama3/infra/parallelize.py): 16-bit volumes
    f_row, b_row = tensor_parallel(fp8, tokens, hidden, 8, True, 64, eight_bit_gathers=False)
    assert f_row == pytest.approx(2 * collectives.all_reduce(fp8, nbytes, 8, 8))
    assert b_row == pytest.approx(f_row + 2 * gather16) and b_row > backward


def test_hybrid_sharding_gathers_inside_the_group_and_all_reduces_across():
    # FSDP's HYBRID_SHARD / MaxText's slices: ZeRO-3 over zero_group ranks, the groups' gradient shards all-reduced
    from calc.perf.step import predict
    common = dict(model="Llama 2 7B", hardware="H100 SXM5", chips=64, tensor=1, micro_batch=2, global_batch=128,
                  sequence=4096, zero=3)
    full = predict(**common)
    hybrid = predict(**common, zero_group=8)
    assert hybrid.seconds["data-parallel communication"] < full.seconds["data-parallel communication"]
    assert hybrid.memory_bytes > full.memory_bytes  # states shared out over 8 ranks, not 64
    assert predict(**common, zero_group=64).seconds == full.seconds
    with pytest.raises(InputError, match="zero_group"):
        predict(**common, zero_group=7)


def test_expert_tensor_parallelism_lets_experts_span_tensor_ranks():
    # Megatron-Core's expert tensor parallelism: experts over expert x expert_tensor of the t d c ranks; with
    # expert_tensor 1 each chip runs whole experts on its tensor rank's share of the tokens: the same expert FLOP
    # per chip, half the dispatched bytes at tensor 2
    from calc.perf.step import predict
    common = dict(model="Qwen3 30B-A3B", hardware="H100 SXM5", chips=16, tensor=2, micro_batch=1, global_batch=64,
                  sequence=4096, check_memory=False)
    split = predict(**common, expert=8)
    whole_experts = predict(**common, expert=8, expert_tensor=1)
    assert whole_experts.seconds["expert all-to-all"] < 0.75 * split.seconds["expert all-to-all"]
    assert whole_experts.hardware_flop == pytest.approx(split.hardware_flop)
    with pytest.raises(InputError, match="expert"):
        predict(**common, expert=16)  # beyond the 8 data ranks unless the experts are whole
    assert predict(**common, expert=16, expert_tensor=1).seconds_per_step > 0
    with pytest.raises(InputError, match="expert"):  # 16 x 2 expert ranks from 8 x 2 (t x d): too many
        predict(**common, expert=16, expert_tensor=2)
    # Megatron-Core's one check is world_size % (expert_tensor x expert x pipeline) (parallel_state.py): an
    # expert-tensor size beyond the tensor size runs, each expert's tokens gathered from expert_tensor / tensor ranks
    beyond = predict(**{**common, "tensor": 1}, expert=8, expert_tensor=2)
    assert beyond.seconds["expert all-to-all"] > predict(**{**common, "tensor": 1}, expert=8).seconds["expert all-to-all"]
    with pytest.raises(InputError, match="got 16 x 4 .*expert_tensor_model_pipeline_parallel") as e:
        predict(**{**common, "tensor": 1}, expert=16, expert_tensor=4)
    assert e.value.field == "expert"


def test_moe_token_permutation_counts_megatron_cores_four_passes():
    # Megatron-Core's alltoall dispatcher (token_dispatcher.py): permute T tokens into k rows each and back
    # (read T + write k T, read k T + write T), sort the k T_e received rows by local expert and back (read and write
    # each way), 16-bit rows of h; T the sequence-parallel share, T_e the tokens the expert's tensor ranks serve
    from calc.architecture import lookup
    from calc.perf.layer import permutation
    qwen = lookup("Qwen3 30B-A3B")  # h 2048, 8 of 128 experts per token
    b200 = build_chip(data.hardware("B200"), "fp8")
    sizes = layout.resolve(layout.Layout(expert=8, global_batch=8, sequence=4096), qwen, 8)
    k, h, tokens = 8, 2048, 4096
    expected = 2 * (2 * (k + 1) * tokens + 4 * k * tokens) * h / b200.memory_bandwidth
    assert permutation(b200, qwen, sizes, tokens, 16) == pytest.approx(expected)
    # one expert per chip: nothing to sort; tensor 2 with sequence parallelism: half the tokens permuted per chip
    assert permutation(b200, qwen, sizes, tokens, 1) == pytest.approx(2 * 2 * (k + 1) * tokens * h / b200.memory_bandwidth)
    split = layout.resolve(layout.Layout(tensor=2, expert=4, global_batch=4, sequence=4096), qwen, 8)
    assert permutation(b200, qwen, split, tokens, 32) == pytest.approx(
        2 * (2 * (k + 1) * tokens / 2 + 4 * k * tokens) * h / b200.memory_bandwidth)


def test_dropless_dispatcher_gathers_counts_and_waits_for_the_host():
    # Megatron-Core's MoEAlltoAllTokenDispatcher.preprocess: all-gather each rank's E token counts (int64) over the
    # expert x expert-tensor ranks, copy the splits to the host and synchronise before the all-to-all (once a forward);
    # XLA on TPU compiles static shapes: no round trip
    from calc.architecture import lookup
    from calc.perf.layer import dispatch_sync
    qwen = lookup("Qwen3 30B-A3B")  # 128 experts
    b200 = build_chip(data.hardware("B200"), "fp8")
    k = coefficients()
    assert k.moe_host_sync_latency == pytest.approx(6e-6)  # DualPath's 5-7 us per small cudaMemcpyAsync
    expected = collectives.all_gather(b200, 8.0 * 128 * 8, 8, 8, 8) + 6e-6
    assert dispatch_sync(b200, qwen, 8, 1, 8) == pytest.approx(expected)
    assert dispatch_sync(b200, qwen, 1, 1, 8) == pytest.approx(6e-6)  # no expert parallelism: the round trip alone
    tpu = build_chip(data.hardware("TPU v5p"))
    assert dispatch_sync(tpu, qwen, 8, 1, 8) == 0.0


def test_grouped_gemm_takes_at_least_one_cublaslt_call_per_expert():
    # Transformer Engine's GroupedLinear runs each local expert's product as its own cuBLASLt call: on B200 8 experts of
    # 128 tokens (N = K = 2048) took 0.267 ms (TransformerEngine pull request 3134), 33 us an expert whatever its FLOP
    from calc.architecture import lookup
    from calc.perf.layer import experts
    k = coefficients()
    assert k.grouped_gemm_expert_time == pytest.approx(0.267e-3 / 8, rel=0.02)
    b200, h100 = build_chip(data.hardware("B200"), "fp8"), build_chip(H100, "fp8")
    assert b200.grouped_gemm_floor == k.grouped_gemm_expert_time and h100.grouped_gemm_floor == 0.0  # measured on SM100
    bf16 = build_chip(data.hardware("B200"))  # in 8 bits the input casts come on top (calc.perf.kernels.matmul)
    small = kernels.matmul(bf16, 128, 2048, 2048, floor=bf16.grouped_gemm_floor)
    assert small.forward == pytest.approx(k.grouped_gemm_expert_time)
    assert small.backward == pytest.approx(2 * k.grouped_gemm_expert_time)
    big = kernels.matmul(bf16, 65536, 2048, 2048, floor=bf16.grouped_gemm_floor)
    assert big == kernels.matmul(bf16, 65536, 2048, 2048)  # a long product is not held back
    # Qwen3 30B-A3B, 16 experts a chip at micro-batch 1: every one of its 2 x 16 products forward takes the floor at least
    qwen = lookup("Qwen3 30B-A3B")
    sizes = layout.resolve(layout.Layout(expert=8, global_batch=8, sequence=4096), qwen, 8)
    block = experts(b200, qwen, sizes, 4096.0, False, 48, 8)
    router = kernels.matmul(b200, 4096.0, 2048, 128)
    assert block.matmul_forward - router.forward >= 2 * 16 * k.grouped_gemm_expert_time - 1e-12
    assert block.matmul_backward - router.backward >= 4 * 16 * k.grouped_gemm_expert_time - 1e-12


def test_expert_overlap_hides_the_all_to_all_as_dualpipe_does():
    # Megatron-Core's --overlap-moe-expert-parallel-comm: the dispatch and combine run behind another micro-batch's
    # computation, no more than it lasts, the communication kernels holding their SMs; nothing else changes
    from calc.perf.step import predict
    common = dict(model="Qwen3 30B-A3B", hardware="H100 SXM5", chips=16, expert=16, global_batch=64, sequence=4096,
                  precision="fp8", check_memory=False)  # the expert all-to-all across two nodes
    plain = predict(**common)
    hidden = predict(**common, expert_overlap=True)
    assert hidden.seconds["expert all-to-all"] < plain.seconds["expert all-to-all"]
    assert hidden.seconds["expert all-to-all"] > 0  # the SMs the dispatch holds slow the computation it hides behind
    assert {k: v for k, v in hidden.seconds.items() if k not in ("expert all-to-all", "pipeline bubble")} == \
        {k: v for k, v in plain.seconds.items() if k not in ("expert all-to-all", "pipeline bubble")}
    assert next(o for o in layout.layout_options() if o.name == "expert_overlap").flag == "--expert-overlap"


def test_recompute_modules_add_their_forward_again():
    # Megatron-Core's --recompute-modules under selective recomputation: each named module's forward once more
    from calc.architecture import published
    from calc.perf.step import predict
    ds = published()["DeepSeek-V3"][0]
    common = dict(hardware="GB200", chips=256, pipeline=4, virtual_stages=4, expert=64, global_batch=256,
                  sequence=4096, precision="fp8", check_memory=False)
    plain = predict(ds, **common)
    up = predict(ds, **common, recompute_modules="mla_up_proj")
    moe = predict(ds, **common, recompute_modules="moe")
    both = predict(ds, **common, recompute_modules="mla_up_proj, moe")
    assert plain.seconds["recomputation"] == 0
    # the up-projections: q 1536 x 128 x 192 and kv 512 x 128 x 256 of the 69.7M query-key-value parameters (78%)
    assert up.hardware_flop > plain.hardware_flop
    assert 0 < up.seconds["recomputation"] < moe.seconds["recomputation"]
    assert both.seconds["recomputation"] == pytest.approx(up.seconds["recomputation"] + moe.seconds["recomputation"])
    assert {k: v for k, v in up.seconds.items() if k not in ("recomputation", "pipeline bubble")} == \
        {k: v for k, v in plain.seconds.items() if k not in ("recomputation", "pipeline bubble")}
    # "mlp" is the dense layers' feed-forward only (DeepSeek-V3's first three): less than "moe"
    assert 0 < predict(ds, **common, recompute_modules="mlp").seconds["recomputation"] < moe.seconds["recomputation"]
    # full recomputation already recomputes everything; an unknown module is refused by name
    assert predict(ds, **common, recompute="full", recompute_modules="moe").seconds == \
        predict(ds, **common, recompute="full").seconds
    with pytest.raises(InputError, match="recompute_modules"):
        predict(ds, **common, recompute_modules="attention")


def test_flash_attention_2_code_on_blackwell_runs_at_its_measured_share_of_the_peak():
    # flash_attn 2.7.4 on one B200 (Dao-AILab/flash-attention issue 1589): forward 379.44 TFLOP/s of the 2,250 dense
    # BF16 peak; the chip's own kernels (cuDNN, FlashAttention-4) keep the B200's fused rate; off Blackwell the flash2
    # code is the chip's attention rate (Hopper's already FlashAttention-2's 35%)
    b200, h100 = build_chip(data.hardware("B200")), build_chip(data.hardware("H100 SXM5"))
    assert b200.attention_rate_flash2 == pytest.approx(379.44e12, rel=0.01)
    assert b200.attention_rate > 2.5 * b200.attention_rate_flash2
    assert h100.attention_rate_flash2 == h100.attention_rate
    shape = dict(micro_batch=1, heads=32, tensor=1, sequence=16384, context=1, qk_dim=128, v_dim=128, fused=True,
                 triton=False)
    native, flash2 = kernels.attention_core(b200, **shape), kernels.attention_core(b200, **shape, flash2=True)
    assert flash2.forward / native.forward == pytest.approx(b200.attention_rate / b200.attention_rate_flash2, rel=0.01)
    with pytest.raises(InputError, match="attention_kernel"):
        layout.check_options(layout.Layout(global_batch=8, attention_kernel="flash3"))


def test_blackwell_attention_slows_below_head_size_96_as_flashattention_4_measured():
    # FlashAttention-4 forward on one B200 (Dao-AILab/flash-attention, README_sm100_dense_varlen.md; rows of
    # data/attention_kernels.csv): head size 64 at 852 TFLOP/s, 128 at 1,277, so 64 runs at 0.667 of 128's rate;
    # FlashAttention-2's code and other chips do not change with the head size
    b200, h100 = build_chip(data.hardware("B200")), build_chip(data.hardware("H100 SXM5"))
    rows = {r["head_dim"]: r for r in data.attention_kernels() if r["kernel"] == "FlashAttention-4 CuTe SM100 dense"
            and r["chip"] == "B200" and r["precision"] == "bf16" and r["sequence"] == 8192 and r["heads"] == 32
            and r["kv_heads"] == 32 and r["causal"] == "no"}
    measured = (64 / rows[64]["measured_time"]) / (128 / rows[128]["measured_time"])
    shape = dict(micro_batch=1, heads=32, tensor=1, sequence=8192, context=1, fused=True, triton=False)

    def rate(chip, d, **kw):
        core = kernels.attention_core(chip, qk_dim=d, v_dim=d, **shape, **kw)
        return core.flop / (core.forward - chip.coefficients.kernel_overhead)

    assert rate(b200, 64) / rate(b200, 128) == pytest.approx(measured, rel=0.01)
    assert rate(b200, 192) == pytest.approx(rate(b200, 128), rel=1e-9)
    assert rate(b200, 64, flash2=True) == pytest.approx(rate(b200, 128, flash2=True), rel=1e-9)
    assert rate(h100, 64) == pytest.approx(rate(h100, 128), rel=1e-9)


def test_fused_attention_backward_runs_below_the_forward_rate_as_measured_per_chip_family():
    # backward FLOP = 2.5 x forward's (five products to two [Dao2023] sec. 3.1.2), at its measured share of the
    # forward's rate: A100 0.863 (FlashAttention-2 paper sec. 4.1), H100 0.870 (FlashAttention-3 paper Fig. 5-6),
    # FlashAttention-2's code on B200 0.880 (flash-attention issue 1589); Blackwell's own kernels and TPUs unmeasured
    ratio = {}
    for name, kw in (("A100 SXM4 80GB", {}), ("H100 SXM5", {}), ("H200 SXM", {"cudnn": True}), ("B200", {}),
                     ("B200", {"flash2": True}), ("TPU v5p", {})):
        core = kernels.attention_core(build_chip(data.hardware(name)), micro_batch=1, heads=16, tensor=1,
                                      sequence=16384, context=1, qk_dim=128, v_dim=128, fused=True, triton=False, **kw)
        ratio[name, tuple(kw)] = core.backward / core.forward  # backward time / forward time
    assert ratio["A100 SXM4 80GB", ()] == pytest.approx(2.5 * 73 / 63, rel=0.01)
    # checked on another measurement: cudnn-frontend's H200 benchmark (data/attention_kernels.csv, no mask, 16k,
    # head size 128): FlashAttention-2 backward / forward time 2.5 x 357.1 / 308.9 = 2.89; cuDNN 2.5 x 641.9 / 538.5
    h200 = {(r["kernel"][:5], r["direction"]): r["measured_tflops"] for r in data.attention_kernels()
            if r["chip"] == "H200 SXM" and r["sequence"] == 16384 and r["batch"] == 1 and r["heads"] == 16
            and r["causal"] == "no"}
    flash2_h200 = 2.5 * h200["PyTor", "forward"] / h200["PyTor", "backward"]
    cudnn_h200 = 2.5 * h200["cuDNN", "forward"] / h200["cuDNN", "backward"]
    assert ratio["H100 SXM5", ()] == pytest.approx(flash2_h200, rel=0.02)
    assert ratio["H200 SXM", ("cudnn",)] == pytest.approx(cudnn_h200, rel=0.05)
    # FlashAttention-2's code on B200: forward + backward 345.8 TFLOP/s measured in the same run (issue 1589)
    b200 = build_chip(data.hardware("B200"))
    core = kernels.attention_core(b200, micro_batch=1, heads=16, tensor=1, sequence=16384, context=1, qk_dim=128,
                                  v_dim=128, fused=True, triton=False, flash2=True)
    overhead = b200.coefficients.kernel_overhead
    both = 3.5 * 0.5 * core.flop / (core.forward + core.backward - 3.5 * overhead)
    assert both == pytest.approx(345.8e12, rel=0.01)
    assert ratio["B200", ()] == pytest.approx(2.5) and ratio["TPU v5p", ()] == pytest.approx(2.5)


def test_cudnn_attention_on_hopper_runs_at_its_measured_rate():
    # cuDNN's causal forward on H100 at head size 128, 16k: 539 TFLOP/s (FlashAttention-3 paper Fig. 5), 0.545 of
    # the peak, where FlashAttention-2's code (the native rate) reaches 35%; checked on cudnn-frontend's H200 benchmark
    # (data/attention_kernels.csv: cuDNN 9.1 causal forward at 16k, 586.8 TFLOP/s at its locked 1980 MHz clock,
    # 1830 MHz being the peak's: 586.8 x 1830 / 1980 = 542); elsewhere cudnn is the chip's own rate
    h200, a100, b200 = (build_chip(data.hardware(n)) for n in ("H200 SXM", "A100 SXM4 80GB", "B200"))
    measured = next(r["measured_tflops"] for r in data.attention_kernels() if r["chip"] == "H200 SXM"
                    and r["kernel"].startswith("cuDNN SDPA (cuDNN 9.1)") and r["direction"] == "forward"
                    and r["sequence"] == 16384 and r["causal"] == "yes") * 1e12 * 1830 / 1980
    assert h200.attention_rate_cudnn == pytest.approx(measured, rel=0.05)
    assert h200.attention_rate_cudnn > 1.5 * h200.attention_rate
    assert a100.attention_rate_cudnn == a100.attention_rate and b200.attention_rate_cudnn == b200.attention_rate
    layout.check_options(layout.Layout(global_batch=8, attention_kernel="cudnn"))


def test_memory_efficient_attention_runs_at_half_flashattention_2s_rate():
    # xformers' CUTLASS kernel (PyTorch SDPA's EFFICIENT_ATTENTION): FlashAttention-2 is around 2x faster than it on
    # A100, forward and backward, head size 64 and 128 (FlashAttention-2 paper sec. 4.1, Fig. 4-6); Ampere-style code
    # like FlashAttention-2's, so the same share of FlashAttention-2's rate on Hopper and Blackwell, whatever the head size
    for name in ("A100 SXM4 80GB", "H200 SXM", "B200"):
        chip = build_chip(data.hardware(name))
        assert chip.attention_rate_efficient == pytest.approx(0.5 * chip.attention_rate_flash2, rel=1e-9)
        for d in (64, 128):
            shape = dict(micro_batch=1, heads=2048 // d, tensor=1, sequence=8192, context=1, qk_dim=d, v_dim=d,
                         fused=True, triton=False)
            flash2, efficient = (kernels.attention_core(chip, **shape, **kw) for kw in ({"flash2": True},
                                                                                         {"efficient": True}))
            overhead = chip.coefficients.kernel_overhead
            assert (efficient.forward - overhead) / (flash2.forward - overhead) == pytest.approx(2.0, rel=1e-6)
            assert efficient.backward / efficient.forward == pytest.approx(flash2.backward / flash2.forward, rel=1e-9)
    layout.check_options(layout.Layout(global_batch=8, attention_kernel="efficient"))


def test_fp32_gradient_reduction_moves_twice_the_gradient_bytes():
    # TorchTitan's FSDP2 gathers 16-bit weights and reduce-scatters fp32 gradients (MixedPrecisionPolicy(param_dtype=
    # bf16, reduce_dtype=float32); torchtitan/config_manager.py --training.mixed_precision_reduce, default "float32"):
    # per layer two 2-byte gathers and one 4-byte reduce-scatter, 4 transfers of the weights' 16-bit size against 3
    from calc import perf
    from calc.architecture import published
    llama = published()["Llama 3 8B"][0]
    kw = dict(global_batch=8, sequence=8192, recompute="full", check_memory=False)
    for zero, share in ((3, 4 / 3), (1, 2.0)):
        base, fp32 = (perf.predict(llama, "H100 SXM5", 8, zero=zero, fp32_reduce=f, **kw) for f in (False, True))
        dp = [s.seconds["data-parallel communication"] for s in (base, fp32)]
        if zero == 3:
            assert dp[1] / dp[0] == pytest.approx(share, rel=1e-6)
        else:  # the all-reduce's bytes double; its fixed latency and the part hidden do not
            assert 1.3 < dp[1] / dp[0] <= share
        assert fp32.seconds["matmuls"] == base.seconds["matmuls"]


def test_torchao_float8_casts_every_operand_from_16_bits_after_an_amax_pass():
    # torchao's Float8Linear (matmul_with_hp_or_float8_args): forward casts X (M x K) and W (K x N); backward casts the
    # output gradient G (M x N), and again W and X from the 16-bit copies the forward saved; by row, G twice (once
    # along each axis). Each cast: a pass for the amax (read 2 bytes) and the scaled cast (read 2, write 1) = 5 bytes;
    # Transformer Engine's casts of X and G: 3 bytes each, fused with their producers
    h100 = data.hardware("H100 SXM5")
    te, tensorwise, rowwise = (build_chip(h100, "fp8", c) for c in ("te", "tensorwise", "rowwise"))
    assert te is build_chip(h100, "fp8") and tensorwise.matmul_rate == te.matmul_rate
    M, K, N = 16384, 4096, 14336
    B, t0 = te.memory_bandwidth, te.kernel_overhead
    base = kernels.matmul(te, M, K, N)
    x, w, g = M * K, K * N, M * N
    for chip, grads in ((tensorwise, 1), (rowwise, 2)):
        mm = kernels.matmul(chip, M, K, N)
        assert mm.forward - base.forward == pytest.approx((5 * (x + w) - 3 * x) / B + 3 * t0, rel=1e-9)
        assert mm.backward - base.backward == pytest.approx((5 * (grads * g + w + x) - 3 * g) / B
                                                            + (2 * (grads + 2) - 1) * t0, rel=1e-9)
    # 16 bits: no casts whatever the code
    bf16 = build_chip(h100, "bf16", "rowwise")
    assert kernels.matmul(bf16, M, K, N) == kernels.matmul(build_chip(h100, "bf16"), M, K, N)
    with pytest.raises(InputError, match="float8_casts"):
        layout.check_options(layout.Layout(global_batch=8, float8_casts="mxfp8"))


def test_transformer_engine_current_scaling_casts_take_an_amax_pass_unless_a_norm_gave_the_amax():
    # Transformer Engine v2.8, quantizer.cpp Float8CurrentScalingQuantizer::quantize_impl: nvte_compute_amax (read 2
    # bytes), nvte_compute_scale_from_amax (one element), nvte_quantize_v2 (read 2, write 1): 5 bytes, three kernels, for
    # X (M x K) forward and G (M x N) backward; a norm's output (normalization.cpp FUSED_NORM_AMAX_FP8) has its amax
    # from the norm: 3 bytes, two kernels. Delayed scaling: 3 bytes, one kernel, either way
    delayed, current = build_chip(H100, "fp8"), build_chip(H100, "fp8", "te_current")
    assert current.matmul_rate == delayed.matmul_rate and current.coefficients.fp8_current_cast_bytes == 2 + 2 + 1
    M, K, N = 16384, 4096, 14336
    B, t0 = delayed.memory_bandwidth, delayed.kernel_overhead
    bare = kernels.matmul(build_chip(H100, "bf16"), M, K, N)
    fp8 = kernels.matmul_time(delayed, M, K, N), (kernels.matmul_time(delayed, M, N, K)
                                                  + kernels.matmul_time(delayed, K, M, N))
    assert bare.forward > fp8[0]  # the 16-bit product, no casts
    for chip, normed, x_bytes, x_kernels, g_bytes, g_kernels in ((delayed, False, 3, 1, 3, 1), (delayed, True, 3, 1, 3, 1),
                                                                 (current, False, 5, 3, 5, 3), (current, True, 3, 2, 5, 3)):
        mm = kernels.matmul(chip, M, K, N, normed=normed)
        assert mm.forward == pytest.approx(fp8[0] + x_bytes * M * K / B + x_kernels * t0, rel=1e-9)
        assert mm.backward == pytest.approx(fp8[1] + g_bytes * M * N / B + g_kernels * t0, rel=1e-9)
    # NVFP4 casts its own way whatever the FP8 recipe (nvfp4_cast_bytes)
    fp4 = data.hardware("B200")
    assert kernels.matmul(build_chip(fp4, "fp4", "te_current"), M, K, N, normed=True) == kernels.matmul(
        build_chip(fp4, "fp4"), M, K, N, normed=True)
    layout.check_options(layout.Layout(global_batch=8, float8_casts="te_current"))
    assert "te_current float8 casts" in layout.Layout(global_batch=8, precision="fp8", float8_casts="te_current").options()


def test_current_scaling_makes_an_fp8_step_slower_than_delayed_scaling_by_its_casts_alone():
    from calc import perf
    from calc.architecture import published
    llama = published()["Llama 3 8B"][0]
    kw = dict(global_batch=128, micro_batch=2, sequence=8192, recompute="none", precision="fp8", check_memory=False)
    delayed, current = (perf.predict(llama, "B200", 8, float8_casts=c, **kw) for c in ("te", "te_current"))
    assert current.seconds["matmuls"] > delayed.seconds["matmuls"]
    assert {k: v for k, v in current.seconds.items() if k != "matmuls"} == pytest.approx(
        {k: v for k, v in delayed.seconds.items() if k != "matmuls"})


def test_fused_attention_runs_below_its_rate_at_short_sequences_as_measured():
    # FlashAttention-2's forward (Triton tutorial) on H100, batch x sequence = 16k tokens, 16 heads of 128
    # (pytorch/benchmark commit ff65cb6, data/attention_kernels.csv): 329 TFLOP/s at 512, 477 at 16k
    rows = {r["sequence"]: r["measured_tflops"] for r in data.attention_kernels()
            if r["kernel"].startswith("Triton tutorial FlashAttention-2") and r["chip"] == "H100 SXM5"}
    assert attention_sequence_share(512) == pytest.approx(rows[512] / rows[16384], rel=1e-9)
    assert attention_sequence_share(256) == attention_sequence_share(512)  # held below the shortest measured
    assert attention_sequence_share(16384) == attention_sequence_share(131072) == 1.0
    assert attention_sequence_share(1024) < attention_sequence_share(1448) < attention_sequence_share(2048)
    tpu = build_chip(data.hardware("TPU v5p"))  # measured on NVIDIA's chips only: elsewhere the flat rate
    shape = dict(micro_batch=1, heads=16, tensor=1, context=1, qk_dim=128, v_dim=128, fused=True, triton=False)
    short, long = (kernels.attention_core(tpu, sequence=s, **shape) for s in (512, 16384))
    overhead = tpu.coefficients.kernel_overhead
    assert (short.forward - overhead) / short.flop == pytest.approx((long.forward - overhead) / long.flop, rel=1e-9)


def test_pytorch_context_parallel_merges_are_bytes_over_bandwidth_plus_each_kernel():
    # PyTorch's experimental context parallel (torch/distributed/tensor/experimental/_attention.py, TorchTitan's CP):
    # per output element 12 + 46 (c - 1) bytes forward, 76 + 60 (c - 1) backward; 4 + 11 (c - 1) and 9 + 5 (c - 1)
    # eager kernels. Llama 3.1 8B at CP 8, 262,144 tokens: E = 1 x 32 heads x 32,768 tokens x 128 = 134,217,728
    from calc.architecture import lookup
    from calc.perf.layer import context_merges
    llama = lookup("Llama 3.1 8B")
    h100 = build_chip(H100)
    sizes = layout.resolve(layout.Layout(context=8, global_batch=1, sequence=262144), llama, 8)
    elements, k = 32 * 32768 * 128, coefficients().kernel_overhead
    forward, backward = context_merges(h100, llama, sizes, "pytorch")
    assert forward == pytest.approx(elements * (12 + 46 * 7) / h100.memory_bandwidth + (4 + 11 * 7) * k)
    assert backward == pytest.approx(elements * (76 + 60 * 7) / h100.memory_bandwidth + (9 + 5 * 7) * k)
    assert 0.01 < forward < 0.03 and 0.015 < backward < 0.04  # 44.8 and 66.6 GB at 2-3 TB/s
    assert context_merges(h100, llama, sizes, "te") == (0.0, 0.0)  # Transformer Engine's: one fused kernel a step
    one = layout.resolve(layout.Layout(global_batch=8, sequence=32768), llama, 8)
    assert context_merges(h100, llama, one, "pytorch") == (0.0, 0.0)  # no ring, no merges
    # in the step: memory-bound work, every layer forward and backward; the forward again under full recomputation
    from calc import perf
    args = dict(context=8, global_batch=1, sequence=262144, check_memory=False)
    te = perf.predict("Llama 3.1 8B", "H100 SXM5", 8, recompute="full", **args)
    torch = perf.predict("Llama 3.1 8B", "H100 SXM5", 8, recompute="full", context_code="pytorch", **args)
    grew = {part: torch.breakdown[part].m_as("s") - q.m_as("s") for part, q in te.breakdown.items()}
    assert grew["memory-bound operations"] == pytest.approx(32 * (forward + backward), rel=1e-6)
    assert grew["recomputation"] == pytest.approx(32 * forward, rel=1e-6)
    with pytest.raises(InputError, match="context_code"):
        layout.check_options(layout.Layout(global_batch=8, context_code="torch"))


def test_a_shape_share_is_remembered_for_the_very_table_asked_about():
    # kernels' memo of shape shares is keyed by the table's identity: a table freed and another made at the same
    # address (CPython reuses ids) must get its own share, not the freed table's (calc.perf.memo.IdentityMemo)
    grid = ((256, 4096), (256, 4096), (256, 4096))
    for i in range(200):
        top = 0.01 * i
        shapes = system.MatmulShapes(grid, {(m, n, k): 0.0 for m in grid[0] for n in grid[1] for k in grid[2]}, top)
        assert kernels._share(shapes, 1024, 1024, 1024) == pytest.approx(math.exp(-top), rel=1e-12)
        del shapes
