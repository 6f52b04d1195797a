"""w8a16: 8-bit weights dequantised in the kernel and multiplied in the chip's 16-bit format (calc.serve.footprint),
as vLLM runs an FP8 checkpoint on a chip with no FP8 tensor cores ("FP8 models will run on compute capability >= 7.5
(Turing) as weight-only W8A16, utilizing FP8 Marlin", https://docs.vllm.ai/en/stable/features/quantization/fp8/;
vLLM PR #5975) and TensorRT-LLM's INT8 weight-only runs INT8 weights. fp8 on such a chip is refused, naming w8a16,
never read as it in silence."""

import json

import pytest
from apppage import open_page

from calc import data
from calc.__main__ import main
from calc.architecture import lookup
from calc.errors import InputError
from calc.serve import load, phases, serve
from calc.serve.footprint import WEIGHT_PRECISIONS
from calc.serve.terms import rates
from calc.vocabulary import PRECISION_NOT_ONE, precision_hint

A100 = "A100 SXM4 80GB"
HINT = "or w8a16: 8-bit weights multiplied in bf16, as vLLM's FP8 Marlin runs FP8 checkpoints on Ampere"


def test_fp8_on_an_a100_is_refused_naming_w8a16(capsys):
    with pytest.raises(InputError) as e:
        serve("Llama 3.1 8B", A100, 1, precision="fp8")
    assert e.value.field == "precision" and "\n" not in str(e.value)
    assert f"the {A100} has no fp8 peak in data/hardware.csv" in e.value.message and HINT in e.value.message
    assert main(["serve", "--model", "Llama 3.1 8B", "--hardware", A100, "--precision", "fp8"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and HINT in err, err


@pytest.mark.parametrize("hardware, precision, sixteen", [("T4", "fp8", "fp16"), ("V100 SXM2", "int8", "fp16"),
                                                          (A100, "fp4", "bf16")])
def test_an_8_bit_product_the_chip_lacks_names_w8a16_in_its_own_16_bit_format(hardware, precision, sixteen):
    with pytest.raises(InputError) as e:  # the T4 has int8 but no fp8; the V100 neither; fp4 multiplies in fp8
        serve("Llama 3.2 1B", hardware, 1, precision=precision)
    assert f"or w8a16: 8-bit weights multiplied in {sixteen}" in e.value.message, e.value.message


def test_w8a16_on_an_a100_is_answered_with_1_byte_weights_and_bf16_products():
    s = load.setup("Llama 3.1 8B", A100, 1, tensor=1, precision="w8a16")
    b = load.setup("Llama 3.1 8B", A100, 1, tensor=1, precision="bf16")
    assert s.precision == "w8a16" and s.weight_bytes == 1.0 and b.weight_bytes == 2.0
    assert s.rates == b.rates == rates(data.hardware(A100), "bf16")  # the products at bf16, as int4's
    held = phases.weights_per_chip(s.shape, s.layout, s.weight_bytes, s.expert_bytes)
    assert held == pytest.approx(phases.weights_per_chip(b.shape, b.layout, b.weight_bytes, b.expert_bytes) / 2)
    one = serve("Llama 3.1 8B", A100, 1, precision="w8a16", batch=1, input_tokens=128, output_tokens=128)
    bf16 = serve("Llama 3.1 8B", A100, 1, precision="bf16", batch=1, input_tokens=128, output_tokens=128)
    assert one.layout["precision"] == "w8a16" and one.precision_basis == "given"
    assert one.tpot < bf16.tpot  # a decode step of one sequence reads half the weights' bytes
    # an FP8 checkpoint too large for bf16 on 4 A100 (Qwen3 235B-A22B: 470 GB) fits in 8 bits, as GPUStack served it
    with pytest.raises(InputError, match="per chip at bf16"):
        serve("Qwen3 235B-A22B", A100, 4, tensor=4, precision="bf16")
    assert serve("Qwen3 235B-A22B", A100, 4, tensor=4, precision="w8a16").tokens_per_second["per_chip"].m > 0


def test_w8a16_on_an_h100_is_answered_at_16_bit_products():
    s = load.setup("Llama 3.1 8B", "H100 SXM5", 1, tensor=1, precision="w8a16")
    f = load.setup("Llama 3.1 8B", "H100 SXM5", 1, tensor=1, precision="fp8")
    h100 = data.hardware("H100 SXM5")
    assert s.weight_bytes == f.weight_bytes == 1.0
    assert s.rates == rates(h100, "bf16") and f.rates == rates(h100, "fp8") and s.rates.matmul < f.rates.matmul
    assert serve("Llama 3.1 8B", "H100 SXM5", 1, precision="w8a16").layout["precision"] == "w8a16"


def test_an_fp8_checkpoint_on_an_a100_stays_16_bit_by_default_and_says_w8a16_keeps_its_8_bits():
    # DeepSeek-R1's config.json states block-scaled FP8: on an A100 the default stays the chip's bf16 (not every engine
    # runs a block-scaled FP8 mixture of experts weight-only there), and the reason names w8a16
    prec, why = load.default_precision(lookup("DeepSeek-R1"), data.hardware(A100))
    assert prec == "bf16" and why.endswith("; w8a16 keeps its 8-bit weights, multiplied in bf16"), why
    assert "w8a16" not in load.default_precision(lookup("DeepSeek-R1"), data.hardware("H200 SXM"))[1]
    assert load.default_precision(lookup("Llama 3.1 8B"), data.hardware(A100))[1] == load.CHIP_BASIS
    assert serve("DeepSeek-R1", A100, 16, precision="w8a16").layout["precision"] == "w8a16"


def test_the_command_line_serves_and_lists_w8a16(capsys):
    assert main(["serve", "--model", "Llama 3.1 8B", "--hardware", A100, "--precision", "W8A16"]) == 0
    assert "weights w8a16, KV cache bf16" in capsys.readouterr().out.splitlines()[0]
    assert main(["serve", "--model", "Llama 3.1 8B", "--hardware", A100, "--precision", "w8a16", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["layout"]["precision"] == "w8a16"
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "int8, w8a16, fp4" in said and "w8a16 and int4 are weight-only" in said
    assert main(["lifetime", "--params", "7e9", "--tokens", "1e12", "--inference-tokens", "1T", "--hardware", A100,
                 "--precision", "w8a16", "--json"]) == 0
    capsys.readouterr()


def test_w8a16_is_a_format_now_not_a_name_refused():
    assert "w8a16" in WEIGHT_PRECISIONS and WEIGHT_PRECISIONS["w8a16"] == (1.0, None)
    assert "w8a16" not in PRECISION_NOT_ONE
    assert "not modelled" not in precision_hint("w8a16", ("bf16", "fp8"))


def test_the_serving_page_takes_w8a16_from_its_select_box_and_its_link():
    link = {"serving.model": "Llama 3.1 8B", "serving.hardware": A100, "serving.chips": "1", "serving.tensor": "1",
            "serving.precision": "w8a16"}
    at = open_page("app_pages/serving.py", **link)
    assert at.selectbox(key="serving_precision").value == "w8a16" and "w8a16" in at.selectbox(
        key="serving_precision").options
    assert "weights w8a16" in " ".join(m.value for m in at.markdown)
    at = open_page("app_pages/serving.py", errors_ok=True, **{**link, "serving.precision": "fp8"})
    assert at.error and HINT in at.error[0].value.replace("\\", ""), [e.value for e in at.error]


def test_the_lifetime_page_takes_w8a16():
    at = open_page("app_pages/lifetime.py", **{"lifetime.model": "Llama 3 8B", "lifetime.hardware": A100,
                                              "lifetime.precision": "w8a16"})
    assert at.selectbox(key="lt_precision").value == "w8a16" and not at.warning, [w.value for w in at.warning]


@pytest.mark.parametrize("door", [["estimate", "--params", "1e9", "--tokens", "1e12", "--chips", "8"],
                                  ["step", "--model", "Qwen3 0.6B", "--chips", "8", "--search", "--global-batch", "256"]])
@pytest.mark.parametrize("fmt", ["w8a16", "int4"])
def test_a_weight_only_format_at_a_door_of_a_chips_peak_says_what_it_is(door, fmt, capsys):
    # fresh11: estimate --precision w8a16 was refused with the list alone, no word that it is a serving format
    assert main(door + ["--hardware", "A100 SXM4 80GB", "--precision", fmt]) == 2
    err = capsys.readouterr().err
    assert err.startswith("calc: error: --precision: expected one of bf16") and err.count("\n") == 1, err
    assert f"got '{fmt}' ({fmt}: " in err and "a format of served weights (serve's precision)" in err, err
