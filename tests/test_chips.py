"""Chips people serve and train on (data/hardware.csv rows added from vendor datasheets): each is read by the data
readers, accepted by serve and estimate at the Python and command-line doors, and where it has no kernel measurement
of its own it takes the documented fallback (data/step_coefficients.csv matmul_efficiency_default)."""

import json

import pytest

import calc
from calc import data
from calc.__main__ import main
from calc.perf.system import build_chip, coefficients
from calc.serve import serve

NEW_CHIPS = ("GB300", "B300", "MI355X", "RTX PRO 6000 Blackwell Server", "H20", "L40S", "H100 NVL", "L4", "H200 NVL")
# measured: GB300's sustained FP8 (Azure's cuBLASLt sweep, 3308.5 of 5000) and its BF16 at B200's sustained BF16/FP8
# ratio; B300 at GB300's sustained rates (the same silicon, as GB200 at B200's), not its own burst MAMF; MI355X's BF16
# MAMF (Bekman)
MEASURED = {"B300": (0.7660, 0.7352), "MI355X": (0.6219, 0.6219), "GB300": (0.6894, 0.6617)}
DEFAULT = tuple(c for c in NEW_CHIPS if c not in MEASURED)


@pytest.mark.parametrize("name", NEW_CHIPS)
def test_row_read_with_sourced_datasheet_figures(name):
    h = data.hardware(name)
    assert h.memory is not None and h.memory_bandwidth is not None and h.tdp is not None
    assert h.chips_per_node and h.intra_node_bandwidth is not None
    assert "https://" in h.source
    # dense 8-bit is twice the 16-bit rate on every one of them (L40S's datasheet: 733 against 362.05)
    assert h.peak("fp8").m_as("FLOP/s/chip") == pytest.approx(2 * h.peak("bf16").m_as("FLOP/s/chip"), rel=0.02)


@pytest.mark.parametrize("name", DEFAULT)
def test_without_measurement_the_default_matmul_share(name):
    """None of these chips has a matmul measurement of its own (data/matmul_efficiency.csv, data/serving_gemm.csv):
    the best rate is the dense peak x the documented default share, and the source says so."""
    h = data.hardware(name)
    assert not [r for r in data.matmul_efficiency() if r["chip"] == name]
    assert not [r for r in data.serving_gemm() if r["chip"] == name]
    chip = build_chip(h, "bf16")
    assert chip.matmul_rate == pytest.approx(h.peak("bf16").m_as("FLOP/s/chip") * coefficients().matmul_efficiency_default)
    assert "matmul_efficiency_default" in h.source


@pytest.mark.parametrize("name", list(MEASURED))
def test_measured_matmul_shares(name):
    h = data.hardware(name)
    bf16, fp8 = MEASURED[name]
    for p, share in (("bf16", bf16), ("fp8", fp8)):
        chip = build_chip(h, p)
        assert chip.matmul_rate / h.peak(p).m_as("FLOP/s/chip") == pytest.approx(share, abs=1e-4), (name, p)


@pytest.mark.parametrize("name", NEW_CHIPS)
def test_serve_python_door(name):
    s = serve("Llama 3 8B", name, 8)
    assert s.tokens_per_second["per_chip"].m_as("token/s/chip") > 0


@pytest.mark.parametrize("name", NEW_CHIPS)
def test_serve_and_estimate_cli(capsys, name):
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", name.lower(), "--chips", "8", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["matmul_rate"]["basis"] == ("measured" if name in MEASURED else "default")
    assert out["matmul_rate"]["share"] == (MEASURED[name][0] if name in MEASURED else 0.81)
    assert main(["estimate", "--model", "Llama 3 8B", "--hardware", name, "--chips", "8", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["quantities"]["peak"]["source"] == "derived"


@pytest.mark.parametrize("name", NEW_CHIPS)
def test_estimate_python_door(name):
    est = calc.estimate(model="Llama 3 8B", hardware=name, chips=8)
    assert est.peak.m_as("FLOP/s/chip") == pytest.approx(
        data.hardware(name).peak(data.hardware(name).default_precision).m_as("FLOP/s/chip"))


def test_four_bit_where_the_datasheet_states_it():
    """Blackwell Ultra's dense NVFP4 (15 PFLOP/s on GB300, NVIDIA's Blackwell Ultra blog) and MI355X's MXFP4 are
    read at precision fp4; chips without a 4-bit peak refuse it."""
    assert data.hardware("GB300").peak("fp4").m_as("PFLOP/s/chip") == pytest.approx(15)
    assert serve("Llama 3 70B", "GB300", 8, precision="fp4").tokens_per_second["per_chip"].m_as("token/s/chip") > 0
    with pytest.raises(calc.errors.InputError, match="fp4"):
        data.hardware("L40S").peak("fp4")


def test_mlperf_rows_on_the_new_chips_are_scored():
    """MLPerf Inference v5.1 closed-division LLM runs on chips data/hardware.csv now holds (HPE's RTX PRO 6000
    Blackwell Server, four submitters' H200 NVL, NVIDIA's and CoreWeave's GB300) are scored as held-out rows, read
    as the other v5.1 rows were: each names its log and its configuration; none is refused."""
    from calc.serve import validation

    rows = [o for o in validation.outcomes() if o.case.hardware in NEW_CHIPS and o.case.name.startswith("mlperf51")]
    by_chip = {c: sum(o.case.hardware == c for o in rows) for c in ("RTX PRO 6000 Blackwell Server", "H200 NVL", "GB300")}
    assert by_chip == {"RTX PRO 6000 Blackwell Server": 9, "H200 NVL": 18, "GB300": 6}
    assert all(o.refused is None for o in rows), [(o.case.name, o.reason) for o in rows if o.refused]
    for r in data.serving_validation():
        if r["hardware"] in NEW_CHIPS and r["name"].startswith("mlperf51"):
            assert "mlperf_log_summary.txt" in r["source"] and "/configs/" in r["source"], r["name"]
            assert r["name"] in data.serving_engine_settings(), r["name"]


def test_the_answer_says_the_matmul_rate_is_the_default(capsys):
    """serve says, in its answer, when a chip's products run at the documented default share rather than a measurement
    of its own (calc.serve.terms.matmul_basis); a measured chip's answer is as before."""
    from calc.serve.terms import matmul_basis

    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "L40S", "--chips", "8"]) == 0
    out = capsys.readouterr().out
    assert "matmul rate: no matmul measurement of L40S's own: its matrix products at 81% of the dense peak" in out
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "GB300", "--chips", "8"]) == 0
    assert "matmul rate" not in capsys.readouterr().out
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--chips", "8"]) == 0
    assert "matmul rate" not in capsys.readouterr().out
    assert matmul_basis("H100 SXM5") == {"basis": "measured", "share": 0.801, "note": matmul_basis("H100 SXM5")["note"]}
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--chips", "8", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["matmul_rate"]["basis"] == "measured"


@pytest.mark.parametrize("name", NEW_CHIPS)
def test_training_step_on_one_node(name):
    """The step model reads each chip's terms (peaks, memory, links) as for the chips before: a one-node layout."""
    from calc import perf
    from calc.architecture import Transformer

    llama = Transformer(layers=32, d_model=4096, heads=32, kv_heads=8, d_ff=14336, gated=True, vocab=128256,
                        context=8192, tied_embeddings=False, norm="rmsnorm")
    s = perf.predict(llama, name, 8, tensor=8, micro_batch=1, global_batch=8, check_memory=False)
    assert 0.05 < s.mfu < 0.9, (name, s.mfu)


def test_the_training_step_says_the_matmul_rate_is_the_default_too(capsys):
    # a new user's walk: serve said "matmul rate: no matmul measurement of H20's own ..."; step on the same chip did not
    argv = ["step", "--model", "Llama 3.1 8B", "--hardware", "H20", "--chips", "8", "--global-batch", "64"]
    for extra in (["--tensor", "1"], ["--search", "--top", "1"]):
        assert main(argv + extra) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[1].startswith("matmul rate         no matmul measurement of H20's own: its matrix products at 81%")
    assert main(["step", "--model", "Llama 3.1 8B", "--hardware", "H100 SXM5", "--chips", "8", "--global-batch", "64",
                 "--tensor", "2"]) == 0
    assert "matmul rate" not in capsys.readouterr().out


# chips10: chips people commonly benchmark on (data/hardware.csv rows from vendor datasheets, dense peaks). AWS's A10G
# and GH200 are not among them (no datasheet tensor figures for the A10G; no sourced node links for GH200 systems).
COMMON_CHIPS = ("A10", "T4", "L40", "A100 PCIe 40GB", "A800 SXM4 80GB", "RTX 4090", "RTX 6000 Ada", "RTX A6000",
                "Gaudi 2", "TPU v7 Ironwood")
# what each lacks, from its datasheet: no FP8 before Ada and Hopper, no BF16 (nor TF32) on Turing's T4
LACKS = {"A10": ("fp8", "fp4"), "T4": ("bf16", "tf32", "fp8", "fp4"), "A100 PCIe 40GB": ("fp8", "fp4"),
         "A800 SXM4 80GB": ("fp8", "fp4"), "RTX A6000": ("fp8", "tf32", "fp4"), "L40": ("fp4",), "RTX 4090": ("fp4",)}
# dense 16-bit peaks (TFLOP/s) as the datasheets state them: A10 125 (250 with sparsity), T4 65 (FP16, Turing has no
# sparsity), L40 181.05 (362.1), RTX 4090 165.2 (FP32 accumulate; 330.3 with FP16 accumulate), RTX 6000 Ada 1,457 FP8
# with sparsity / 4, RTX A6000 309.7 / 2, Gaudi 2 432 (Intel), TPU7x 2,307 (Google's TPU7x page)
DENSE_16BIT = {"A10": 125, "T4": 65, "L40": 181.05, "A100 PCIe 40GB": 312, "A800 SXM4 80GB": 312, "RTX 4090": 165.2,
               "RTX 6000 Ada": 364.25, "RTX A6000": 154.8, "Gaudi 2": 432, "TPU v7 Ironwood": 2307}


@pytest.mark.parametrize("name", COMMON_CHIPS)
def test_common_chip_rows_are_sourced_dense_and_placed_in_a_system(name):
    h = data.hardware(name)
    assert h.memory is not None and h.memory_bandwidth is not None
    assert h.chips_per_node and h.intra_node_bandwidth is not None
    assert "https://" in h.source and h.release_date is not None
    assert h.peak(h.default_precision).m_as("TFLOP/s/chip") == pytest.approx(DENSE_16BIT[name], rel=1e-3)
    if "fp8" in h.peaks:  # every 8-bit rate here is twice the 16-bit one (L40: 362 against 181.05)
        assert h.peak("fp8").m_as("FLOP/s/chip") == pytest.approx(2 * h.peak("bf16").m_as("FLOP/s/chip"), rel=0.01)


@pytest.mark.parametrize("name", COMMON_CHIPS)
def test_common_chips_take_the_default_matmul_share_but_the_a800(name):
    """Only the A800 (the A100 SXM4's GA100 at the same 400 W, NVLink cut) reads a measurement: the A100 SXM4's
    MAMF share, as H800 SXM5 takes H100 SXM5's; the others the documented default, which serve and step say."""
    h = data.hardware(name)
    chip = build_chip(h, h.default_precision)
    share = chip.matmul_rate / h.peak(h.default_precision).m_as("FLOP/s/chip")
    if name == "A800 SXM4 80GB":
        assert share == pytest.approx(data.hardware("A100 SXM4 80GB").matmul_efficiency) and h.matmul_efficiency == 0.859
    else:
        assert share == pytest.approx(coefficients().matmul_efficiency_default)
        assert "matmul_efficiency_default" in h.source


@pytest.mark.parametrize("name", COMMON_CHIPS)
def test_common_chips_at_every_door(capsys, name):
    """serve, estimate, compare and step each answer for the chip (one chip serves Llama 3.2 1B; 8 train an 8B)."""
    assert main(["serve", "--model", "Llama 3.2 1B", "--hardware", name, "--chips", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["matmul_rate"]["basis"] == ("measured" if name == "A800 SXM4 80GB" else "default")
    assert main(["estimate", "--model", "Llama 3.1 8B", "--hardware", name, "--chips", "8", "--tokens", "1e12 token",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["quantities"]["peak"]["source"] == "derived"
    assert main(["compare", "--model", "Llama 3.1 8B", "--tokens", "1e12 token", "--chips", "8", "--hardware", name]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith(name)
    assert main(["step", "--model", "Llama 3.2 1B", "--hardware", name, "--chips", "8", "--global-batch", "64",
                 "--tensor", "1", "--recompute", "full"]) == 0
    assert capsys.readouterr().out.startswith(f"model               Llama 3.2 1B on 8 x {name}, matmuls in ")


@pytest.mark.parametrize("name", COMMON_CHIPS)
def test_common_chips_serve_and_train_at_the_python_doors(name):
    from calc import perf
    from calc.architecture import Transformer

    assert serve("Llama 3 8B", name, 8).tokens_per_second["per_chip"].m_as("token/s/chip") > 0
    llama = Transformer(layers=32, d_model=4096, heads=32, kv_heads=8, d_ff=14336, gated=True, vocab=128256,
                        context=8192, tied_embeddings=False, norm="rmsnorm")
    s = perf.predict(llama, name, 8, tensor=8, micro_batch=1, global_batch=8, check_memory=False)
    assert 0.05 < s.mfu < 0.9, (name, s.mfu)


@pytest.mark.parametrize("name,precision", [(n, p) for n, ps in LACKS.items() for p in ps])
def test_a_precision_the_chip_lacks_is_refused_in_one_line_naming_what_it_has(capsys, name, precision):
    with pytest.raises(calc.errors.InputError, match=f"{name} has no {precision} peak in data/hardware.csv; it has: "):
        data.hardware(name).peak(precision)
    if precision in ("bf16", "fp8"):  # serving formats (tf32 is training's; fp4 multiplies in fp8, refused as such)
        assert main(["serve", "--model", "Llama 3.2 1B", "--hardware", name, "--chips", "1", "--precision",
                     precision]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"the {name} has no {precision} peak in data/hardware.csv; give " in err


def test_the_t4_serves_at_fp16_its_16_bit_format_and_fp8_where_the_chip_has_it():
    """T4 (Turing) has FP16 tensor cores, no BF16: its default weights are fp16, said in the answer; the Ada cards,
    Gaudi 2 and Ironwood take FP8 weights."""
    assert data.hardware("T4").default_precision == "fp16"
    assert serve("Llama 3.2 1B", "T4", 1).layout["precision"] == "fp16"
    for name in ("L40", "RTX 4090", "RTX 6000 Ada", "Gaudi 2", "TPU v7 Ironwood"):
        assert serve("Llama 3 8B", name, 8, precision="fp8").tokens_per_second["per_chip"].m_as("token/s/chip") > 0
