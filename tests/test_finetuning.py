"""Fine-tuning compute and cost (issue #21): the FLOP per token of full, LoRA and QLoRA fine-tuning for a
number of tokens, at every door, without pre-training's "fewer tokens than parameters" warning."""

import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import calc
from calc.__main__ import main
from calc.architecture import lookup
from calc.finetuning import flop_per_param_token, methods
from calc.memory import lora_params
from calc.scenario import read_scenario


def _cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_lora_is_faster_than_full_fine_tuning_as_hu_2021_measured():
    # Hu et al. 2021 sec. 4.2: 25% faster training on GPT-3 175B than full fine-tuning (no weight gradients);
    # the FLOP ratio bounds it: above 1.25 (the measured gain, with the step's other work), below 6/4
    gpt3 = lookup("GPT-3 175B")
    full = flop_per_param_token("full", gpt3, sequence=2048)[0]
    lora = flop_per_param_token("lora", gpt3, rank=4, sequence=2048)[0]
    assert 1.25 < float(full / lora) < 1.5


def test_the_shape_count_is_the_palm_count_less_the_frozen_weight_gradients_plus_the_adapters():
    m = lookup("Llama 3 8B")
    n = m.active_params().m_as("param")
    palm = m.flop_per_token("palm2022", sequence=4096).m_as("FLOP/token")
    a = lora_params(m, 16).m_as("param")  # Hu2021: r (d_in + d_out) per adapted matrix
    k = flop_per_param_token("qlora", m, rank=16, sequence=4096)[0].m_as("FLOP/param/token")
    assert k * n == pytest.approx(palm - 2 * n + 6 * a, rel=1e-12)
    assert flop_per_param_token("full", m, sequence=4096)[0].m_as("FLOP/param/token") * n == pytest.approx(palm)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["full", "lora", "qlora", "LoRA"]), st.floats(1e5, 1e12), st.floats(1e8, 1e12))
def test_fine_tuning_costs_a_run_of_its_tokens_without_pre_training_warnings(method, tokens, params):
    est = calc.estimate(params=f"{params!r} param", tokens=f"{tokens!r} token", finetune=method,
                        hardware="H100 SXM5", chips=8, utilization=0.3)
    k = {"full": 6, "lora": 4, "qlora": 4}[method.lower()]
    assert est.compute.m_as("FLOP") == pytest.approx(k * params * tokens, rel=1e-9)
    assert "cost" in est and not any("fewer tokens than parameters" in w for w in est.warnings)
    pre = calc.estimate(params=f"{params!r} param", tokens=f"{tokens!r} token", hardware="H100 SXM5", chips=8,
                        utilization=0.3)
    assert any("fewer tokens than parameters" in w for w in pre.warnings) == (tokens < params)


def test_every_door_takes_the_fine_tuning_method():
    code, out, err = _cli(["estimate", "--params", "8e9", "--tokens", "100e6", "--finetune", "lora",
                           "--hardware", "H100 SXM5", "--chips", "8", "--utilization", "0.3"])
    assert code == 0 and "4 FLOP/param/token" in out and "cost" in out and "fewer tokens" not in err
    code, _, err = _cli(["estimate", "--params", "8e9", "--tokens", "100e6", "--finetune", "prefix"])
    assert code == 2 and err.count("\n") == 1 and "--finetune: expected one of full, lora, qlora" in err
    assert read_scenario('{"finetune": "qlora", "params": "8B"}')["finetune"] == "qlora"
    assert set(methods()) == {"full", "lora", "qlora"}


def test_a_fine_tuning_step_is_not_predicted_from_a_pre_training_layout():
    with pytest.raises(calc.InputError, match="^finetune: the step model predicts pre-training"):
        calc.estimate(model="Llama 3 8B", finetune="lora", hardware="H100 SXM5", chips=8, tokens="1e8 token",
                      layout=dict(global_batch=8, sequence=4096))


def test_full_fine_tuning_memory_is_a_training_runs_and_says_so():
    code, _, err = _cli(["memory", "--model", "Llama 3 8B", "--finetune", "full"])
    assert code == 2 and "leave the fine-tuning out" in err
