"""A misspelt choice of a training command (a method, a convention, a schedule, a mode) is refused in one line that
names the flag, the valid choices, what was read and the nearest valid one (calc.errors.did_you_mean), at the
command line and from Python alike."""

import pytest

import calc
from calc.__main__ import main
from calc.architecture import lookup
from calc.errors import did_you_mean, nearest
from calc.memory import training_memory

STEP = ["step", "--model", "Llama 2 7B", "--hardware", "H100 SXM5", "--chips", "8", "--global-batch", "64"]
MEMORY = ["memory", "--model", "Llama 2 7B"]
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
    (STEP + ["--framework", "megatron-lm 202"], "--framework", "megatron-lm 2021"),
    (STEP + ["--recompute-modules", "mlp,mo"], "--recompute-modules", "mlp,moe"),
    (STEP + ["--tokens", "1T", "--budget", "$1M", "--goal", "fastst"], "--goal", "fastest"),
    (["optimal", "--compute", "1e23", "--law", "hofman2022"], "--law", "hoffmann2022"),
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
    with pytest.raises(calc.InputError, match=r"^layout: unknown field 'tensr' \(did you mean tensor\?\); "):
        predict("Llama 2 7B", "H100 SXM5", 8, tensr=8)
