"""The 4-bit formats in the chip object: Blackwell's dense FP4 peaks (data/hardware.csv, NVIDIA's datasheets), the
FP4 matmul share (measured on B200 and B300, else the chip's 8-bit share), NVFP4's 4.5-bit operands and Transformer Engine's
casts, and against the same Transformer Engine benchmark its FP8 current-scaling casts (expected values written out from
the sources, not copied from the code's output)."""

import pytest

from calc import data, perf
from calc.architecture import published
from calc.errors import InputError
from calc.perf import kernels, layer
from calc.perf.layout import resolve
from calc.perf.system import build_chip

B200 = data.hardware("B200")
GB200 = data.hardware("GB200")


def test_dense_fp4_peaks_are_half_the_datasheets_with_sparsity_figures():
    # GB200 NVL72 page: FP4 Tensor Core 20 PFLOPS (GB200) and 18 PFLOPS (HGX B200) per GPU, with sparsity
    assert B200.peak("fp4").m_as("FLOP/s/chip") == pytest.approx(18e15 / 2)
    assert GB200.peak("fp4").m_as("FLOP/s/chip") == pytest.approx(20e15 / 2)
    # twice the 8-bit peak on the same tensor cores
    assert B200.peak("fp4") == 2 * B200.peak("fp8") and GB200.peak("fp4") == 2 * GB200.peak("fp8")


def test_a_chip_without_a_4_bit_peak_says_so():
    with pytest.raises(InputError, match="no fp4 peak"):
        data.hardware("H100 SXM5").peak("fp4")


def test_fp4_matmul_rate_is_measured_on_b200_and_the_8_bit_share_elsewhere():
    # cuBLAS's block-scaled FP4 at 8192^3 on B200: 5239 of 9000 TFLOP/s (DeepGEMM PR 348)
    assert build_chip(B200, "fp4").matmul_rate == pytest.approx(5239 / 9000 * 9e15)
    # GB200: no FP4 measurement: its 8-bit share (data/hardware.csv matmul_efficiency_fp8) of the FP4 peak
    assert build_chip(GB200, "fp4").matmul_rate == pytest.approx(GB200.matmul_efficiency_fp8 * 10e15)
    assert build_chip(GB200, "fp4").matmul_rate == pytest.approx(2 * build_chip(GB200, "fp8").matmul_rate)


def test_nvfp4_operands_are_4_5_bits_and_its_casts_take_an_amax_pass_then_write_two_copies():
    fp4, fp8 = build_chip(GB200, "fp4"), build_chip(GB200, "fp8")
    assert fp4.operand_bytes == pytest.approx((4 + 8 / 16) / 8) and fp8.operand_bytes == 1.0
    assert fp4.eight_bit  # cast like FP8: the output layer stays in 16 bits
    M, K, N = 16384, 4096, 14336
    # Transformer Engine's NVFP4Quantizer::quantize_impl (transformer_engine/pytorch/csrc/quantizer.cpp): the tensor's
    # amax first (read 2 bytes), then the cast (read 2, write the row-wise and column-wise copies, 2 x 0.5625): two
    # kernels for X (M x K) forward and for G (M x N) backward; FP8's cast one kernel of 3 bytes, fused with its producer
    assert fp4.coefficients.nvfp4_cast_bytes == pytest.approx(2 + 2 + 2 * 0.5625)
    bw, t0 = fp4.memory_bandwidth, fp4.kernel_overhead
    mm = kernels.matmul(fp4, M, K, N)
    assert mm.forward == pytest.approx(kernels.matmul_time(fp4, M, K, N) + 5.125 * M * K / bw + 2 * t0)
    assert mm.backward == pytest.approx(kernels.matmul_time(fp4, M, N, K) + kernels.matmul_time(fp4, K, M, N)
                                        + 5.125 * M * N / bw + 2 * t0)
    assert kernels.matmul(fp8, M, K, N).forward == pytest.approx(kernels.matmul_time(fp8, M, K, N)
                                                                 + 3 * M * K / bw + t0)


# NVIDIA Transformer Engine, docs/examples/gemm_profiling/gemm_profiling.rst (commit 1609c89): the 12 GEMMs of a layer
# of hidden 4096, feed-forward 16384, 15,872 tokens on B300, ms per layer, pre-quantized (the GEMM alone) and autocast
# (te.Linear forward of each shape under the recipe: the input and the weight quantized every call, then the GEMM)
_TE_LAYER = [(15872, 4096, 12288), (15872, 4096, 4096), (15872, 4096, 16384), (15872, 16384, 4096),
             (15872, 12288, 4096), (15872, 4096, 4096), (15872, 16384, 4096), (15872, 4096, 16384),
             (4096, 15872, 12288), (4096, 15872, 4096), (4096, 15872, 16384), (16384, 15872, 4096)]
_TE_B300_PREQUANTIZED = {"bf16": 13.102, "fp8": 6.812, "fp4": 3.764}
_TE_B300_NVFP4_AUTOCAST = 6.453


@pytest.mark.parametrize("precision", ["bf16", "fp8", "fp4"])
def test_b300_products_of_a_layer_take_what_transformer_engines_benchmark_measured(precision):
    # B300's FP4 share had been its 8-bit share of a peak 3 x FP8's (9.9 PFLOP/s): the layer 1.58x faster than measured
    chip = build_chip(data.hardware("B300"), precision)
    model = sum(kernels.matmul_time(chip, M, K, N) for M, K, N in _TE_LAYER) * 1e3
    assert _TE_B300_PREQUANTIZED[precision] / model == pytest.approx(1, abs=0.15)


def test_nvfp4_casts_of_a_layer_are_at_most_what_transformer_engine_measured_them_at_on_b300():
    # autocast less pre-quantized: 2.689 ms of the input's and the weight's NVFP4 casts (amax pass, cast to both copies;
    # TE's default recipe, the Hadamard transform on the column-wise copy and 16 x 16 weight blocks); the model's streaming
    # passes at 5.125 bytes an element reach 0.71 of it (one pass of 3.125 bytes reached 0.43)
    chip = build_chip(data.hardware("B300"), "fp4")
    elements = sum(M * K + K * N for M, K, N in _TE_LAYER)
    casts = (elements * chip.coefficients.nvfp4_cast_bytes / chip.memory_bandwidth + 2 * 2 * 12 * chip.kernel_overhead)
    measured = (_TE_B300_NVFP4_AUTOCAST - _TE_B300_PREQUANTIZED["fp4"]) * 1e-3
    assert 0.6 < casts / measured <= 1.0


# the same benchmark, FP8 current scaling (Float8CurrentScaling), autocast and pre-quantized per-layer totals, ms: B300
# 9.147 and 6.812; H200 NVL 20.285 and 16.785 (the page's "Worked Example: 5B Model on H200")
_TE_FP8_CURRENT = {"B300": (9.147, 6.812), "H200 NVL": (20.285, 16.785)}


@pytest.mark.parametrize("chip_name", sorted(_TE_FP8_CURRENT))
def test_fp8_current_scaling_casts_of_a_layer_are_at_most_what_transformer_engine_measured(chip_name):
    # autocast less pre-quantized: the input's and the weight's casts of each of the 12 GEMMs, each an amax pass, the
    # scale and the cast (fp8_current_cast_bytes, three kernels): 0.83 of it on B300, 0.88 on H200 NVL (the delayed-
    # scaling cast's one pass of 3 bytes would reach 0.47 and 0.51; Hopper's transposed copy is not counted)
    chip = build_chip(data.hardware(chip_name), "fp8", "te_current")
    elements = sum(M * K + K * N for M, K, N in _TE_LAYER)
    casts = elements * chip.coefficients.fp8_current_cast_bytes / chip.memory_bandwidth + 3 * 2 * 12 * chip.kernel_overhead
    autocast, prequantized = _TE_FP8_CURRENT[chip_name]
    assert 0.75 < casts / ((autocast - prequantized) * 1e-3) <= 1.0



def _moe_block(hardware, float8_casts="te"):
    # Mixtral 8x7B on 8 chips, expert parallelism 2: four local experts a chip
    shapes = published()
    if "Mixtral 8x7B" not in shapes:
        pytest.skip("no Mixtral 8x7B shape")
    model = shapes["Mixtral 8x7B"][0]
    lay = perf.Layout(micro_batch=1, global_batch=64, sequence=4096, expert=2)
    sizes = resolve(lay, model, 8)
    chip = build_chip(data.hardware(hardware), "fp8", float8_casts)
    return layer.experts(chip, model, sizes, sizes.micro_batch * sizes.sequence, False, model.layers, 8), chip


@pytest.mark.parametrize("hardware, fused", [("H100 SXM5", True), ("B200", False)])
def test_delayed_scaling_casts_all_experts_in_one_kernel_where_the_cast_writes_the_transposed_copy(hardware, fused,
                                                                                                   monkeypatch):
    # Transformer Engine's GroupedLinear quantizes the experts' inputs and output gradients with split_quantize: one
    # nvte_multi_cast_transpose for them all under delayed scaling when each output has its transposed copy (Hopper),
    # else one cast per expert (csrc/extensions/cast.cpp multi_tensor_quantize_impl, v2.8); current scaling apart always
    block, chip = _moe_block(hardware)
    assert chip.fp8_transposed_copy == fused and kernels.grouped_fp8_cast(chip) == fused
    assert not kernels.grouped_fp8_cast(_moe_block(hardware, "te_current")[1])
    monkeypatch.setattr(kernels, "grouped_fp8_cast", lambda chip: False)
    apart, _ = _moe_block(hardware)
    # four local experts, two products: 2 x 3 cast kernels fewer each way
    saved = 2 * 3 * chip.kernel_overhead if fused else 0.0
    assert apart.matmul_forward - block.matmul_forward == pytest.approx(saved, abs=1e-12)
    assert apart.matmul_backward - block.matmul_backward == pytest.approx(saved, abs=1e-12)
