"""FP4 weights in serving: prefill's products at the chip's FP4 rate where it has one, decode's thin products at
its 8-bit rate (calc.serve.terms.rates); a chip without a 4-bit peak multiplies FP4 weights in 8 bits."""

import pytest

from calc import data
from calc.perf.system import build_chip
from calc.serve import serve
from calc.serve.load import setup
from calc.serve.terms import rates

B200 = data.hardware("B200")


def test_prefill_at_the_fp4_rate_decode_at_the_8_bit_rate():
    r = rates(B200, "fp4")
    assert r.prefill_matmul == pytest.approx(build_chip(B200, "fp4").matmul_rate)
    assert r.matmul == pytest.approx(build_chip(B200, "fp8").matmul_rate)
    assert r.prefill_matmul > 1.5 * r.matmul
    eight = rates(B200, "fp8")
    assert eight.prefill_matmul == eight.matmul


def test_fp4_weights_multiply_in_8_bits_without_a_4_bit_peak():
    s = setup("Llama 3 70B", "H100 SXM5", 1, precision="fp4")
    assert s.rates.chip.precision == "fp8" and s.rates.prefill_matmul == s.rates.matmul
    b = setup("Llama 3 70B", "B200", 1, precision="fp4")
    assert b.rates.prefill_matmul == pytest.approx(build_chip(B200, "fp4").matmul_rate)


def test_fp4_prefill_is_faster_than_fp8_on_b200():

    fp4 = serve("Llama 3 70B", "B200", 1, precision="fp4", input_tokens=8000, output_tokens=10, batch=8)
    fp8 = serve("Llama 3 70B", "B200", 1, precision="fp8", input_tokens=8000, output_tokens=10, batch=8)
    assert fp4.ttft < fp8.ttft


def test_decode_products_stream_at_their_measured_share_on_blackwell():
    # AIConfigurator's TensorRT-LLM Linear tables (data/memory_bandwidth.csv, "products <format>", 16 rows, products of
    # 8 MB or more): B200 NVFP4 4.61 of 8 TB/s, FP8 5.85; the calibration chips 0.795-0.873 of their peaks (mean 0.838)
    import numpy as np

    from calc.serve.phases import coefficients, decode_step
    from calc.serve.terms import product_share

    reference = np.mean([2.85 / 3.35, 2.80 / 3.35, 4.19 / 4.8, 4.01 / 4.8, 1.62 / 2.039])
    assert product_share("B200", "fp4") == pytest.approx((4.61 / 8.0) / reference, rel=1e-9)
    assert product_share("B200", "fp8") == pytest.approx((5.85 / 8.0) / reference, rel=1e-9)
    for chip in ("H100 SXM5", "H200 SXM", "A100 SXM4 80GB"):  # the fit's own chips: their share is the fitted one
        assert product_share(chip, "fp8") is None and product_share(chip, "bf16") is None
        r = rates(data.hardware(chip), "bf16")
        assert r.product_bandwidth == r.memory_bandwidth
    assert product_share("MI325X", "fp8") is None and product_share("B200", "int4") is None
    r = rates(B200, "fp4")
    assert r.product_bandwidth == pytest.approx(8.0e12 * product_share("B200", "fp4"))
    assert r.memory_bandwidth == pytest.approx(8.0e12)  # the KV cache's reads keep the chip's streaming share
    # decode's dense weights at that bandwidth: Llama 2 70B FP4 at tensor 1, 16 sequences (weights-bound)
    b = setup("Llama 2 70B", "B200", 1, precision="fp4")
    assert b.rates.product_bandwidth == r.product_bandwidth
    s = b.shape
    step = decode_step(s, b.layout, r, b.weight_bytes, 1.0, np.array([16.0]), np.array([400.0]))
    weights = (s.dense + s.unembedding) * b.weight_bytes / (r.product_bandwidth * coefficients().decode_bandwidth_efficiency)
    assert float(step["weights"][0]) == pytest.approx(weights, rel=0.05)


def test_fp4_weights_on_a_chip_with_no_4_bit_peak_say_their_8_bit_products(capsys):
    # fresh15: serve --precision fp4 on an H100 answered "weights fp4" with no word that the products run in fp8
    from calc.__main__ import main
    from calc.serve.load import multiplied_note

    assert multiplied_note("fp4", "H100 SXM5") == "multiplied in fp8, as the H100 SXM5 has no fp4 peak in data/hardware.csv"
    assert multiplied_note("fp4", "B200") == "" and multiplied_note("fp8", "H100 SXM5") == ""
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--precision", "fp4"]) == 0
    assert "  weights fp4: multiplied in fp8, as the H100 SXM5 has no fp4 peak" in capsys.readouterr().out
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "B200", "--precision", "fp4"]) == 0
    assert "multiplied in" not in capsys.readouterr().out


def test_mxfp4_experts_say_how_they_are_multiplied(capsys):
    # doors16: GPT-OSS's MXFP4 experts on an A100 (no fp8 or fp4 peak) said "experts mxfp4" and nothing of their
    # products; with no fp4 peak the kernel dequantises each weight to BF16 (footprint.expert_activation: W4A16, as
    # the model's expert rates take it), with one on Blackwell its 8-bit activations: nothing to say
    from calc import data
    from calc.__main__ import main
    from calc.serve.load import multiplied_note, product_format

    a100 = "multiplied in bf16 (each weight dequantised in the kernel), as the A100 SXM4 80GB has no fp4 peak in data/hardware.csv"
    assert multiplied_note("mxfp4", "A100 SXM4 80GB", experts=True) == a100
    assert multiplied_note("mxfp4", "H100 SXM5", experts=True).startswith("multiplied in bf16 (each weight dequantised")
    assert multiplied_note("mxfp4", "B200", experts=True) == ""
    assert multiplied_note("fp8", "A100 SXM4 80GB", experts=True).endswith("has no fp8 peak in data/hardware.csv")
    assert multiplied_note("fp8", "H100 SXM5", experts=True) == ""
    assert product_format("mxfp4", data.hardware("A100 SXM4 80GB"), experts=True) == "bf16"
    assert product_format("mxfp4", data.hardware("B200"), experts=True) == "fp8"
    assert main(["serve", "--model", "GPT-OSS 120B", "--hardware", "A100 SXM4 80GB", "--chips", "2"]) == 0
    assert f"  experts mxfp4: {a100}" in capsys.readouterr().out
    assert main(["serve", "--model", "GPT-OSS 120B", "--hardware", "B200", "--chips", "1"]) == 0
    assert "multiplied in" not in capsys.readouterr().out
