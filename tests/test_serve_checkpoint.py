"""The served weights' default format from the checkpoint's config.json (quantization_config): DeepSeek-R1 and Kimi K2
are published in block-scaled FP8 and served so on 8 H200; a chip without an FP8 peak (A100) serves the chip's 16-bit
format, said; an explicit precision always wins; GPT-OSS (MXFP4 experts, BF16 rest) is unchanged. One place decides
(calc.serve.load.default_precision), every door says it (Serving.precision_basis, --json, the CLI's weights line)."""

import csv
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calc import data
from calc.architecture import Transformer, lookup, published
from calc.cli import main
from calc.errors import InputError
from calc.serve import fewest_chips, frontier, serve
from calc.serve.load import CHECKPOINT_BASIS, CHIP_BASIS, default_precision

R1 = ("DeepSeek-R1", "H200 SXM", 8)


def test_the_checkpoint_format_is_read_from_config_json():
    for name in ("DeepSeek-R1", "Kimi K2", "DeepSeek-V3"):  # V3's copy has its quantization_config back
        assert lookup(name).checkpoint_precision == "fp8", name
    for name in ("Llama 3 70B", "GPT-OSS 120B", "Mixtral 8x7B", "DeepSeek-V2"):
        assert lookup(name).checkpoint_precision is None, name
    assert lookup("GPT-OSS 120B").expert_precision == "mxfp4"  # its experts' MXFP4, read as before


def test_the_checkpoint_format_is_no_part_of_the_shape():
    cfg = dict(data.model_config("deepseek-r1.json"))
    plain = Transformer.from_config({k: v for k, v in cfg.items() if k != "quantization_config"})
    assert plain.checkpoint_precision is None and plain == lookup("DeepSeek-R1")  # same architecture, same shape
    assert plain.params() == lookup("DeepSeek-R1").params()


@pytest.mark.parametrize("q", [
    {"quant_method": "fp8", "fmt": "e4m3"},  # per-tensor scales: no weight_block_size
    {"quant_method": "fp8", "fmt": "e5m2", "weight_block_size": [128, 128]},
    {"quant_method": "fp8", "weight_block_size": [128]},
    {"quant_method": "awq", "weight_block_size": [128, 128]},
    "fp8",
])
def test_only_block_scaled_e4m3_is_read_as_the_checkpoint_s_fp8(q):
    cfg = dict(data.model_config("deepseek-r1.json"), quantization_config=q)
    assert Transformer.from_config(cfg).checkpoint_precision is None


_JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True) | st.text(max_size=8)
                     | st.sampled_from(["fp8", "e4m3", "e5m2", "mxfp4", 128]),
                     lambda kids: st.lists(kids, max_size=3) | st.dictionaries(
                         st.sampled_from(["quant_method", "fmt", "weight_block_size", "activation_scheme", "x"]), kids,
                         max_size=4), max_leaves=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(q=_JSON)
def test_any_quantization_config_a_user_s_file_holds_is_read_or_left_never_a_crash(q):
    """--config FILE reads the user's quantization_config: whatever it holds, the shape is read (its format "fp8" only
    for block-scaled E4M3 with two whole block sizes), and the shape itself is the same."""
    cfg = dict(data.model_config("deepseek-r1.json"), quantization_config=q)
    t = Transformer.from_config(cfg)
    assert t.checkpoint_precision in (None, "fp8") and t == lookup("DeepSeek-R1")
    if t.checkpoint_precision:
        assert q["quant_method"] == "fp8" and len(q["weight_block_size"]) == 2


def test_deepseek_r1_on_8_h200_is_served_in_fp8_and_says_why():
    s = serve(*R1, input_tokens=1000, output_tokens=1000)
    assert s.layout["precision"] == "fp8" and s.precision_basis == CHECKPOINT_BASIS
    assert s.to_dict()["precision_basis"] == CHECKPOINT_BASIS
    assert default_precision(lookup("DeepSeek-R1"), data.hardware("H200 SXM")) == ("fp8", CHECKPOINT_BASIS)
    f = frontier(*R1, points=2)
    assert f.layout["precision"] == "fp8" and f.to_dict()["precision_basis"] == CHECKPOINT_BASIS
    assert fewest_chips("DeepSeek-R1", "H200 SXM") == 8  # 671 GB in fp8; 16 in bf16
    assert fewest_chips("DeepSeek-R1", "H200 SXM", precision="bf16") == 16


def test_the_command_line_says_the_checkpoint_s_format(capsys):
    args = ["serve", "--model", "DeepSeek-R1", "--hardware", "H200 SXM", "--chips", "8", "--input-tokens", "1000",
            "--output-tokens", "1000"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "weights fp8, KV cache bf16" in out
    assert "  weights fp8: the checkpoint's format, from config.json's quantization_config" in out
    assert main([*args, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["layout"]["precision"] == "fp8" and d["precision_basis"] == CHECKPOINT_BASIS
    # a user's config.json (--config) is read the same way: its quantization_config sets the default
    assert main(["serve", "--config", "data/configs/kimi-k2.json", "--hardware", "H200 SXM", "--chips", "16"]) == 0
    assert "  weights fp8: the checkpoint's format, from config.json's quantization_config" in capsys.readouterr().out


def test_a_chip_without_an_fp8_peak_serves_16_bit_and_says_so(capsys):
    a100 = data.hardware("A100 SXM4 80GB")
    prec, why = default_precision(lookup("DeepSeek-R1"), a100)
    assert prec == "bf16" and "has no fp8 peak" in why and "quantization_config" in why
    with pytest.raises(InputError) as err:  # 168 GB per chip in bf16: refused as before, the reason said
        serve("DeepSeek-R1", "A100 SXM4 80GB", 8)
    assert "at bf16 (the chip's 16-bit format, as the A100 SXM4 80GB has no fp8 peak" in err.value.message
    s = serve("DeepSeek-R1", "A100 SXM4 80GB", 32)
    assert s.layout["precision"] == "bf16" and s.precision_basis == why
    assert main(["serve", "--model", "DeepSeek-R1", "--hardware", "A100 SXM4 80GB", "--chips", "32"]) == 0
    assert "  weights bf16: the chip's 16-bit format, as the A100 SXM4 80GB has no fp8 peak" in capsys.readouterr().out


def test_a_precision_given_always_wins(capsys):
    with pytest.raises(InputError, match="168 GB per chip at bf16 with tensor"):  # as before this change
        serve(*R1, tensor=8, precision="bf16")
    s = serve(*R1, precision="fp4")
    assert s.layout["precision"] == "fp4" and s.precision_basis == "given"
    assert main(["serve", "--model", "DeepSeek-R1", "--hardware", "H200 SXM", "--chips", "16", "--precision",
                 "bf16"]) == 0
    out = capsys.readouterr().out
    assert "weights bf16" in out and "checkpoint" not in out


def test_gpt_oss_and_16_bit_checkpoints_are_unchanged(capsys):
    s = serve("GPT-OSS 120B", "H100 SXM5", 1)
    assert (s.layout["precision"], s.layout["expert_precision"], s.precision_basis) == ("bf16", "mxfp4", CHIP_BASIS)
    s = serve("Llama 3 70B", "H100 SXM5", 8)
    assert s.layout["precision"] == "bf16" and s.precision_basis == CHIP_BASIS
    assert serve("Llama 3 8B", "V100 SXM2", 1).layout["precision"] == "fp16"
    assert main(["serve", "--model", "Llama 3 70B", "--hardware", "H100 SXM5", "--chips", "8"]) == 0
    assert "checkpoint" not in capsys.readouterr().out  # no line added where nothing but 16 bits was ever read


def test_the_lifetime_doors_read_the_same_default():
    from calc.service_life import modelled_prices, modelled_serving

    assert modelled_serving("DeepSeek-R1", "H200 SXM").layout["precision"] == "fp8"
    _, _, _, words = modelled_prices("H200 SXM", model="DeepSeek-R1")
    assert words["precision"] == "fp8" and "the checkpoint's format" in words["serving"]
    _, _, _, words = modelled_prices("H200 SXM", model="DeepSeek-R1", precision="bf16")
    assert words["precision"] == "bf16" and "checkpoint" not in words["serving"]


def test_held_out_and_calibration_rows_of_fp8_checkpoints_state_their_precision():
    """Every published row states the format it ran (the default never scores one): the rows of the models whose
    checkpoints are in FP8 and the calibration rows, so the new default moves none of them."""
    fp8 = {n for n, (t, _) in published().items() if t.checkpoint_precision}
    for path in ("data/serving_validation.csv", "data/serving_calibration.csv"):
        rows = list(csv.DictReader(open(path, encoding="utf-8")))[1:]
        assert rows and all(r["precision"] for r in rows if r["model"] in fp8), path
    calibration = list(csv.DictReader(open("data/serving_calibration.csv", encoding="utf-8")))[1:]
    assert all(r["precision"] for r in calibration)


def test_training_doors_are_untouched():
    """estimate and step count in the chip's 16-bit format whatever the checkpoint (the weights are trained in it)."""
    from calc import perf

    kw = dict(check_memory=False, pipeline=16, expert=64, global_batch=15360, sequence=4096)
    p = perf.predict("DeepSeek-V3", "H800 SXM5", 2048, **kw)
    assert p.step_time == perf.predict("DeepSeek-V3", "H800 SXM5", 2048, precision="bf16", **kw).step_time
