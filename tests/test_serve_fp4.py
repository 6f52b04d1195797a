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
