"""A misspelt choice of a training command (a method, a convention, a schedule, a mode) is refused in one line that
names the flag, the valid choices, what was read and the nearest valid one (calc.errors.did_you_mean), at the
command line and from Python alike."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import calc
from calc.__main__ import main
from calc.architecture import lookup
from calc.errors import did_you_mean, nearest
from calc.memory import training_memory

STEP = ["step", "--model", "Llama 2 7B", "--hardware", "H100 SXM5", "--chips", "8", "--global-batch", "64"]
MEMORY = ["memory", "--model", "Llama 2 7B"]
SERVE = ["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5"]
ESTIMATE = ["estimate", "--params", "7e9", "--tokens", "1e12", "--hardware", "H100 SXM5"]


@pytest.mark.parametrize("argv, flag, meant", [
    (ESTIMATE + ["--finetune", "lorra"], "--finetune", "lora"),
    (ESTIMATE + ["--precision", "bf61"], "--precision", "bf16"),
    (MEMORY + ["--finetune", "lorra"], "--finetune", "lora"),
    (MEMORY + ["--states", "deepspeeed"], "--states", "deepspeed"),
    (MEMORY + ["--recompute", "ful"], "--recompute", "full"),
    (MEMORY + ["--norm", "rmsnrm"], "--norm", "rmsnorm"),
    (MEMORY + ["--qk-norm", "hed"], "--qk-norm", "head"),
    (MEMORY + ["--optimizer", "adam-mixd"], "--optimizer", "adam-mixed"),
    (MEMORY + ["--implementation", "fusd"], "--implementation", "fused"),
    (STEP + ["--schedule", "dualpip"], "--schedule", "dualpipe"),
    (STEP + ["--recompute", "ful"], "--recompute", "full"),
    (STEP + ["--precision", "fp9"], "--precision", "fp8"),
    (STEP + ["--attention", "flsh2"], "--attention", "flash2"),
    (STEP + ["--attention-kernel", "cudn"], "--attention-kernel", "cudnn"),
    (STEP + ["--float8-casts", "rowwis"], "--float8-casts", "rowwise"),
    (STEP + ["--context-code", "pytorh"], "--context-code", "pytorch"),
    (STEP + ["--framework", "megatron-lm 202"], "--framework", "megatron-lm 2021"),
    (STEP + ["--recompute-modules", "mlp,mo"], "--recompute-modules", "mlp,moe"),
    (STEP + ["--tokens", "1T", "--budget", "$1M", "--goal", "fastst"], "--goal", "fastest"),
    (["optimal", "--compute", "1e23", "--law", "hofman2022"], "--law", "hoffmann2022"),
    (SERVE + ["--precision", "fp6"], "--precision", "fp16 or fp8"),
    (SERVE + ["--precision", "bf61"], "--precision", "bf16"),
    (SERVE + ["--kv-precision", "fp9"], "--kv-precision", "fp8"),
    (SERVE + ["--tpot-limit", "40ms", "--limit-statistic", "p90"], "--limit-statistic", "p99"),
    (SERVE + ["--tpot-limit", "40ms", "--limit-statistic", "maen"], "--limit-statistic", "mean"),
    (["serve", "--model", "Mixtral 8x7B", "--hardware", "H100 SXM5", "--chips", "2", "--expert-precision", "fp6"],
     "--expert-precision", "fp16 or fp8"),
    (["lifetime", "--params", "7e9", "--tokens", "1e12", "--inference-tokens", "1T", "--hardware", "H100 SXM5",
      "--precision", "fp6"], "--precision", "fp16 or fp8"),
])
def test_a_misspelt_choice_names_the_nearest(capsys, argv, flag, meant):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own choices (--goal) exit as every usage error does
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"calc: error: {flag}: ") and "expected" in err, err
    assert err.rstrip().endswith(f"(did you mean {meant}?)"), err


def test_the_python_door_names_it_too():
    with pytest.raises(calc.InputError, match=r"^finetune: .*got 'lorra' \(did you mean lora\?\)$"):
        training_memory(lookup("Llama 2 7B"), finetune="lorra")
    with pytest.raises(calc.InputError, match=r"^finetune: .*got 'lorra' \(did you mean lora\?\)$"):
        calc.estimate(params="7e9 param", tokens="1e12 token", finetune="lorra")


def test_nothing_near_is_no_guess():
    assert nearest("zzz", ["full", "lora", "qlora"]) == [] and did_you_mean("zzz", ["full"]) == ""
    assert nearest(None, ["full"]) == [] and nearest(3, ["full"]) == []
    assert nearest("LoRRA", ["full", "lora"]) == ["lora"]  # case is no misspelling
    assert nearest("Ms", ["ms", "Ms"], fold=False) == ["Ms"]  # where case matters (units), it is kept


def test_a_misspelt_name_of_a_scenario_or_a_layout_names_the_nearest():
    from calc.perf import predict
    from calc.scenario import check_field

    with pytest.raises(calc.InputError, match=r"^chps: not a name of the calculator \(did you mean chips\?\); expected one of params, "):
        check_field("chps", 8)
    with pytest.raises(calc.InputError, match=r"^tensr: not a keyword of calc.perf.predict; did you mean tensor\?"):
        predict("Llama 2 7B", "H100 SXM5", 8, tensr=8)


@pytest.mark.parametrize("fmt", ["tf32", "fp32"])
def test_a_training_format_asked_of_serving_says_why(capsys, fmt):
    """serve --help listed tf32 and fp32 (the training vocabulary's --precision) though serving refuses them: the help
    lists what serving reads, and the refusal says why these two are not among them."""
    for flag in ("--precision", "--kv-precision"):
        assert main(SERVE + [flag, fmt]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"calc: error: {flag}: expected one of bf16, ") and "training formats, not modelled for " \
            "serving" in err and err.count("\n") == 1, err


@pytest.mark.parametrize("command", [SERVE, ["lifetime", "--params", "7e9", "--tokens", "1e12",
                                              "--inference-tokens", "1T", "--hardware", "H100 SXM5"]])
def test_the_help_lists_the_formats_serving_reads_and_each_is_read(capsys, command):
    import re

    from calc.cli.flags import served_formats
    from calc.serve.footprint import WEIGHT_PRECISIONS

    with pytest.raises(SystemExit):
        main([command[0], "--help"])
    text = " ".join(capsys.readouterr().out.split())
    said = re.split(r" --[a-z-]+ [A-Z]+ ", text.split("--precision FORMAT ", 1)[1])[0]  # up to the next flag
    assert served_formats() in said and served_formats().startswith(", ".join(list(WEIGHT_PRECISIONS)[:4]))
    for fmt in ("tf32", "fp32"):  # named only as what serving does not read
        assert fmt not in said.replace("tf32 and fp32 are training formats, not modelled for serving", ""), said
    for fmt in WEIGHT_PRECISIONS:  # each format the help lists is one serving reads (no refusal by name)
        code = main(["serve", "--model", "Llama 3 8B", "--hardware", "B200", "--precision", fmt, "--json"])
        assert code == 0, capsys.readouterr().err
        capsys.readouterr()


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=12))
def test_any_unread_format_or_statistic_is_one_line_listing_the_accepted(text):
    """Hypothesis: whatever text is given as the served weights' format or the limits' statistic, calc.serve either
    reads it (one of the accepted, case aside) or says so in one line that names the field and lists every value it
    accepts, ending with the nearest where there is one (calc.errors.did_you_mean), never another exception."""
    from calc.serve import serve
    from calc.serve.footprint import WEIGHT_PRECISIONS
    from calc.serve.percentiles import STATISTICS
    from calc.vocabulary import PRECISION_NOT_ONE, precision_name

    for field, kw, accepted in (("precision", {"precision": text}, WEIGHT_PRECISIONS),
                                ("limit_statistic", {"limit_statistic": text, "tpot_limit": "40 ms"}, STATISTICS)):
        if (precision_name(text) if field == "precision" else text.lower()) in accepted:  # the format's other names
            continue
        with pytest.raises(calc.InputError) as exc:
            serve("Llama 3 8B", "H100 SXM5", 1, batch=1, **kw) if field == "precision" else \
                serve("Llama 3 8B", "H100 SXM5", 1, **kw)
        message = str(exc.value)
        assert exc.value.field == field and "\n" not in message.replace(text, ""), message
        assert all(a in message for a in accepted), message
        close = nearest(text, accepted, n=2 if field == "precision" else 1)  # the formats: the two nearest
        assert not close or message.endswith(f"(did you mean {' or '.join(close)}?)") or "training formats" in message \
            or field == "precision" and message.endswith(f"({PRECISION_NOT_ONE.get(text.strip().lower())})")


# a new user's words for a format (calc.vocabulary.PRECISION_ALIASES: the same format, never a near one), read as the
# calculator's name, which the answer says; a word that is not one format (gptq, w8a8) refused with what it means
@pytest.mark.parametrize("typed, name", [("nvfp4", "fp4"), ("NVFP4", "fp4"), ("awq", "int4"), ("w4a16", "int4"),
                                         ("FP8", "fp8"), ("e4m3", "fp8"), ("bfloat16", "bf16"), ("MXFP4", "mxfp4")])
def test_a_format_as_people_type_it_is_served_as_its_name(capsys, typed, name):
    assert main(["serve", "--model", "Llama 3.1 8B", "--hardware", "B200", "--precision", typed]) == 0
    assert f"weights {name}, KV cache bf16" in capsys.readouterr().out.splitlines()[0]
    assert calc.serve("Llama 3.1 8B", "B200", 1, precision=typed).layout["precision"] == name


@pytest.mark.parametrize("typed, name", [("nvfp4", "fp4"), ("FP8", "fp8"), ("e4m3", "fp8"), ("bfloat16", "bf16")])
def test_a_format_as_people_type_it_is_the_peak_of_its_name(capsys, typed, name):
    assert main(["estimate", "--params", "8e9", "--tokens", "1e12", "--hardware", "B200", "--chips", "8",
                 "--precision", typed]) == 0
    assert f"dense {name} peak of B200" in capsys.readouterr().out
    assert calc.estimate(params="8e9", tokens="1e12", hardware="B200", precision=typed).precision == name
    assert main(["step", "--model", "Llama 3.1 8B", "--hardware", "B200", "--chips", "8", "--global-batch", "64",
                 "--tensor", "1", "--precision", typed]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(f"x B200, matmuls in {name}")


@pytest.mark.parametrize("argv, words", [
    (["serve", "--model", "Llama 3.1 8B", "--hardware", "B200", "--precision", "gptq"], "GPTQ quantizes to 2, 3, 4 or 8 bits"),
    (["serve", "--model", "Llama 3.1 8B", "--hardware", "B200", "--precision", "w8a8"], "are fp8 or int8"),
    (["serve", "--model", "Llama 3.1 8B", "--hardware", "B200", "--kv-precision", "awq"],
     "(awq is int4 here, which this field does not take)"),
    (ESTIMATE + ["--precision", "w4a16"], "(w4a16 is int4 here, which this field does not take)")])
def test_a_word_that_is_not_one_format_says_what_it_means(capsys, argv, words):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1, err


def test_a_scenarios_format_as_people_type_it_is_read_as_its_name():
    # the Estimate page's link (and a scenario file) ignored precision=nvfp4 while serve --precision nvfp4 read it
    from calc.scenario import check_field

    assert check_field("precision", "nvfp4") == "fp4" and check_field("precision", " FP8") == "fp8"
    with pytest.raises(calc.InputError, match=r"got 'awq' \(awq is int4 here, which this field does not take\)$"):
        check_field("precision", "awq")
