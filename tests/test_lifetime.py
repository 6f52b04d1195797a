"""The training + serving optimum (calc.lifetime) against published values and its own closed forms.

Published: Sardana et al. 2023 (arXiv:2401.00448) Fig. 1: a Chinchilla-optimal 13B model expecting
2T tokens of inference is better replaced by a 7B model trained longer, saving 1.7e22 FLOP (17%).
de Vries 2023, "Go smol or go home": the compute overhead of a model 75% / 50% / 25% of the
compute-optimal size is 2.8% / 20% / 188%; about 100% at the critical size near 30%.
"""

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from timing import within

import calc
from calc.errors import InputError
from calc.lifetime import break_even, compute_overhead, critical_fraction, curve, lifetime
from calc.scaling import compute_optimal, law


def test_sardana_figure_1():
    # The 13B model is compute-optimal under the law (Hoffmann 2022 Table A3, as de Vries refit it: 576B tokens).
    opt = compute_optimal(f"{6 * 13e9 * 576.2e9} FLOP", "devries2023")
    assert opt.params.m_as("param") == pytest.approx(13e9, rel=0.01)
    r = lifetime(params=13e9, tokens=opt.tokens, inference_tokens="2e12 token", law="devries2023")
    assert r.params.m_as("param") == pytest.approx(7e9, rel=0.05)  # "a 7B model"
    assert r.saving.m_as("FLOP") == pytest.approx(1.7e22, rel=0.05)  # "1.7 x 10^22 FLOPs"
    assert r.saving_fraction == pytest.approx(0.17, abs=0.01)  # "(17%)"
    # the optimum sits on de Vries' curve: its extra training compute is the overhead at its size fraction
    assert r.training_overhead == pytest.approx(compute_overhead(r.size_fraction, "devries2023").m_as(""), rel=1e-9)


@pytest.mark.parametrize("k, overhead, tol", [
    (0.75, 0.028, 0.002),  # de Vries: "75% of the optimal model size is only 2.8%"
    (0.50, 0.20, 0.01),  # "for half of the optimal model size, the overhead rises to 20%"
    (0.25, 1.88, 0.02),  # "at 25% ... increases rapidly to 188%"
    (0.30, 1.00, 0.06),  # "around 30% of the Chinchilla optimal model and incurs a 100% overhead"
])
def test_de_vries_overhead_curve(k, overhead, tol):
    assert compute_overhead(k, "hoffmann2022").m_as("") == pytest.approx(overhead, abs=tol)


def test_de_vries_ranges():
    # "a model size within 40-60% of the compute-optimal model size and expect a 10-42% compute overhead"
    lo, hi = compute_overhead(np.array([0.6, 0.4])).m_as("")
    assert lo == pytest.approx(0.10, abs=0.01) and hi == pytest.approx(0.42, abs=0.02)


def test_overhead_is_the_lifetime_model_at_the_same_loss():
    # the curve from its closed form equals the training compute of a k-times smaller model at the same loss
    r = lifetime(loss=2.0, inference_tokens=0)
    n0 = r.compute_optimal.params.m_as("param")
    c = curve(2.0, 0)
    n = c["params"].m_as("param")
    k = n / n0
    ok = k > critical_fraction() * 1.05
    via_curve = c["training_compute"].m_as("FLOP")[ok] / r.compute_optimal.training_compute.m_as("FLOP") - 1
    assert via_curve == pytest.approx(compute_overhead(k[ok]).m_as(""), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("name", ["hoffmann2022", "besiroglu2024", "devries2023", "kaplan2020"])
def test_zero_demand_is_the_compute_optimal_model(name):
    # at T = 0 the lifetime optimum is calc.scaling's compute-optimal model of the same loss
    o = compute_optimal("1e23 FLOP", name)
    r = lifetime(loss=o.loss, inference_tokens=0, law=name)
    rel = 2e-3 if name == "kaplan2020" else 1e-9  # kaplan's optimum in calc.scaling is a grid search
    assert r.params.m_as("param") == pytest.approx(o.params.m_as("param"), rel=rel)
    assert r.tokens.m_as("token") == pytest.approx(o.tokens.m_as("token"), rel=rel)
    assert r.saving.m_as("FLOP") == pytest.approx(0, abs=1e-9 * o.compute.m_as("FLOP"))


def test_optimum_is_the_minimum_of_the_curve():
    c = curve(2.0, "3e12 token", points=20001)
    i = int(np.argmin(c["lifetime_compute"].m_as("FLOP")))
    r = lifetime(loss=2.0, inference_tokens="3e12 token")
    assert r.params.m_as("param") == pytest.approx(c["params"].m_as("param")[i], rel=2e-3)
    assert law("hoffmann2022").loss(r.params, r.tokens) == pytest.approx(2.0, rel=1e-9)


def test_break_even_is_where_lifetimes_tie():
    n, d = 6.9e9, 1e12  # LLaMA-7B's 1T tokens
    t = break_even(n, tokens=d, law="devries2023")
    r = lifetime(params=n, tokens=d, inference_tokens=t, law="devries2023")
    assert r.given.lifetime_compute.m_as("FLOP") == pytest.approx(r.compute_optimal.lifetime_compute.m_as("FLOP"), rel=1e-9)
    assert r.break_even.m_as("token") == pytest.approx(t.m_as("token"), rel=1e-12)


def test_dollars_reduce_to_flops_when_prices_match():
    # serving priced at exactly the training price per FLOP (2 N FLOP a token): the same optimum as the FLOP version
    p = 1.4e-18
    n_ref = 10e9
    r = lifetime(loss=2.0, inference_tokens="5e12 token", training_price=f"{p} USD/FLOP",
                 serving_price=f"{p * 2 * n_ref} USD/token", serving_price_params=n_ref)
    assert r.cost_optimum.params.m_as("param") == pytest.approx(r.params.m_as("param"), rel=1e-9)
    assert r.cost_optimum.lifetime_cost.m_as("USD") == pytest.approx(p * r.lifetime_compute.m_as("FLOP"), rel=1e-9)
    assert r.cost_saving.m_as("USD") == pytest.approx(p * r.saving.m_as("FLOP"), rel=1e-6)


def test_dearer_serving_makes_a_smaller_model():
    cheap = lifetime(loss=2.0, inference_tokens="1e12 token", training_price="1.4e-18 USD/FLOP", serving_price="0.1 USD/Mtoken")
    dear = lifetime(loss=2.0, inference_tokens="1e12 token", training_price="1.4e-18 USD/FLOP", serving_price="1 USD/Mtoken")
    assert dear.cost_optimum.params < cheap.cost_optimum.params < cheap.compute_optimal.params


def test_arrays_broadcast_like_scalars():
    losses = np.array([2.0, 2.2])
    demand = np.array([[0.0], [1e12], [1e14]])
    r = lifetime(loss=losses, inference_tokens=demand)
    assert r.params.m_as("param").shape == (3, 2)
    for i in range(3):
        for j in range(2):
            one = lifetime(loss=float(losses[j]), inference_tokens=float(demand[i, 0]))
            assert r.params.m_as("param")[i, j] == pytest.approx(one.params.m_as("param"), rel=1e-12)


def test_a_run_typed_in_lower_case_is_the_run_not_its_shape():
    # "llama 2 70b" is data/models.csv's Llama 2 70B (2T tokens), not the shape that would ask for the tokens
    r = calc.lifetime(model="llama 2 70b", inference_tokens="2T")
    assert r.given.tokens.m_as("token") == pytest.approx(2e12)


def test_python_export_and_units():
    r = calc.lifetime(model="Llama 2 70B", inference_tokens="10T")
    assert str(r.lifetime_compute.units) == "FLOP" and str(r.params.units) == "param"
    assert r.given.params.m_as("param") == pytest.approx(70e9, rel=0.02)
    assert r.saving >= 0 * r.saving.units


@pytest.mark.parametrize("kwargs, field", [
    (dict(loss=1.6, inference_tokens=0), "loss"),  # below E = 1.69
    (dict(loss=2.0, inference_tokens=-1), "inference_tokens"),
    (dict(loss=2.0, inference_tokens="1 FLOP"), "inference_tokens"),
    (dict(loss="two", inference_tokens=0), "loss"),
    (dict(params=7e9, inference_tokens=0), "tokens"),
    (dict(inference_tokens=0), "loss"),
    (dict(loss=2.0, params=7e9, tokens=1e12, inference_tokens=0), "loss"),
    (dict(model="DeepSeek-V3", inference_tokens=0), "model"),  # a mixture of experts
    (dict(model="GPT-5", inference_tokens=0), "model"),
    (dict(loss=2.0, inference_tokens=0, law="moore1965"), "law"),
    (dict(loss=2.0, inference_tokens=0, training_price="1e-18 USD/FLOP"), "serving_price"),
    (dict(loss=2.0, inference_tokens=0, training_price="1 USD/hour", serving_price="1 USD/Mtoken"), "training_price"),
])
def test_bad_input_names_the_field(kwargs, field):
    with pytest.raises(InputError) as exc:
        lifetime(**kwargs)
    assert exc.value.field == field


@pytest.mark.parametrize("loss, words", [
    ("1.9 bit", "expected a loss in nats per token (a plain number such as 2.0), got 1.9 bit (a size in bytes)"),
    ("1.9 token", "expected a loss in nats per token (a plain number such as 2.0), got 1.9 token (a token count)"),
])
def test_a_loss_with_a_unit_says_a_loss_is_expected(loss, words):
    # it said "expected a quantity in dimensionless (dimensionless)"
    with pytest.raises(InputError) as exc:
        lifetime(loss=loss, inference_tokens=0)
    assert exc.value.message == words


def test_overhead_below_the_critical_size_is_refused():
    with pytest.raises(InputError, match="overhead is unbounded"):
        compute_overhead(0.05)
    with pytest.raises(InputError):
        compute_overhead("50 GB")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loss=st.floats(1.0, 10.0), demand=st.floats(0, 1e30), name=st.sampled_from(["hoffmann2022", "besiroglu2024",
                                                                                      "kaplan2020", "devries2023"]))
def test_any_input_answers_or_says_why_within_a_second(loss, demand, name):
    try:
        r = within(1.0, lambda: lifetime(loss=loss, inference_tokens=demand, law=name))
    except InputError as exc:
        assert exc.field in ("loss", "inference_tokens")
    else:
        assert r.params <= r.compute_optimal.params * (1 + 1e-9)
        assert r.lifetime_compute <= r.compute_optimal.lifetime_compute * (1 + 1e-9)
        assert math.isfinite(r.lifetime_compute.m_as("FLOP"))


def _cli(capsys, *args):
    from calc.__main__ import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_matches_the_library(capsys):
    code, out, _ = _cli(capsys, "lifetime", "--params", "13e9", "--tokens", "576e9", "--inference-tokens", "2T",
                        "--law", "devries2023", "--json")
    assert code == 0
    d = json.loads(out)
    r = lifetime(params=13e9, tokens=576e9, inference_tokens=2e12, law="devries2023")
    assert d["params"]["value"] == pytest.approx(r.params.m_as("param"))
    for key in ("tokens", "training_compute", "lifetime_compute", "saving", "compute_optimal", "break_even"):
        assert key in d
    assert d["saving_fraction"] == pytest.approx(r.saving_fraction)


def test_cli_dollars(capsys):
    code, out, _ = _cli(capsys, "lifetime", "--loss", "2.0", "--inference-tokens", "1e13", "--training-price",
                        "1.4e-18 USD/FLOP", "--serving-price", "0.6 USD/Mtoken", "--json")
    d = json.loads(out)
    assert code == 0 and d["dollars"]["saving"]["value"] > 0 and d["dollars"]["optimum"]["lifetime_cost"]["unit"] == "USD"
    code, out, _ = _cli(capsys, "lifetime", "--loss", "2.0", "--inference-tokens", "1e13", "--training-price",
                        "1.4e-18 USD/FLOP", "--serving-price", "0.6 USD/Mtoken")
    assert code == 0 and "dollars" in out and "$" in out


@pytest.mark.parametrize("args, words", [
    (["lifetime", "--loss", "2"], "--inference-tokens: required"),
    (["lifetime", "--loss", "1.2", "--inference-tokens", "0"], "--loss: expected a loss above"),
    (["lifetime", "--params", "7e9", "--inference-tokens", "0"], "--tokens: required with params"),
    (["lifetime", "--loss", "2", "--inference-tokens", "1", "--law", "moore"], "--law: unknown scaling law"),
])
def test_cli_errors_are_one_line(capsys, args, words):
    code, out, err = _cli(capsys, *args)
    assert code == 2 and words in err and err.count("\n") == 1


def test_training_price_from_a_chip_hour():
    from calc.lifetime import training_price_per_flop

    # $2 per H100-hour at 40% of its 989.4 TFLOP/s dense BF16 peak (NVIDIA datasheet)
    p = training_price_per_flop("2 USD/chip/hour", "H100 SXM5", 0.4)
    assert p.m_as("USD/FLOP") == pytest.approx(2 / 3600 / (989.4e12 * 0.4))
    a = lifetime(loss=2.0, inference_tokens="1e13 token", training_price="$2/GPU/hour", hardware="H100 SXM5",
                 utilization=0.4, serving_price="1 USD/Mtoken")
    b = lifetime(loss=2.0, inference_tokens="1e13 token", training_price=p, serving_price="1 USD/Mtoken")
    assert a.cost_optimum.params.m_as("param") == pytest.approx(b.cost_optimum.params.m_as("param"), rel=1e-12)
    with pytest.raises(InputError) as exc:
        lifetime(loss=2.0, inference_tokens=0, training_price="$2/GPU/hour", serving_price="1 USD/Mtoken")
    assert exc.value.field == "training_price"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.floats(1e-300, 1e300), d=st.floats(1e-300, 1e300), demand=st.floats(0, 1e300),
       price=st.floats(1e-30, 1e10), name=st.sampled_from(["hoffmann2022", "kaplan2020"]))
def test_any_run_and_prices_answer_or_say_why(n, d, demand, price, name):
    try:
        r = within(1.0, lambda: lifetime(params=n, tokens=d, inference_tokens=demand, law=name,
                                         training_price=f"{price} USD/EFLOP", serving_price=f"{price} USD/Mtoken"))
    except InputError as exc:
        assert exc.field in ("loss", "inference_tokens", "serving_price", "training_price", "params", "tokens")
    else:
        assert math.isfinite(r.lifetime_compute.m_as("FLOP")) and r.cost_saving.m_as("USD") >= -1e-6 * abs(
            r.compute_optimal_cost.lifetime_cost.m_as("USD"))


def test_a_run_too_large_for_the_law_names_the_run_not_a_loss_never_given():
    # fresh-eyes walk: `lifetime --params 1e300 --tokens 1e300` said "--loss: expected a loss above ... got 1.69"
    with pytest.raises(InputError) as e:
        lifetime(params=1e300, tokens=1e300, inference_tokens="2e12 token")
    assert e.value.field == "params" and "irreducible" in e.value.message
    with pytest.raises(InputError) as e:  # a loss given is still named as the loss
        lifetime(loss=1.0, inference_tokens="2e12 token")
    assert e.value.field == "loss"


def test_a_shape_name_with_its_tokens_is_a_run_too():
    """--model names a run of data/models.csv at lifetime, a shape of data/architectures.csv at serve: lifetime takes
    a shape too, its parameters with the tokens given, and says what is missing without them (fresh-eyes 2026-12-06:
    the README's service_life example names "Llama 3 70B", a shape)."""
    from calc.architecture import lookup
    from calc.lifetime import lifetime

    r = lifetime(model="Llama 3 70B", tokens="15T token", inference_tokens="2T token")
    same = lifetime(params=lookup("Llama 3 70B").params(), tokens="15T token", inference_tokens="2T token")
    assert r.loss == pytest.approx(same.loss) and r.given.params.m_as("param") == pytest.approx(70.55e9, rel=1e-3)
    with pytest.raises(calc.InputError) as e:
        lifetime(model="Llama 3 70B", inference_tokens="2T token")
    assert e.value.field == "tokens" and "data/architectures.csv" in e.value.message
    with pytest.raises(calc.InputError) as e:
        lifetime(model="Mixtral 8x7B", tokens="1T token", inference_tokens="2T token")
    assert e.value.field == "model" and "mixture of experts" in e.value.message
    with pytest.raises(calc.InputError) as e:
        lifetime(model="Llama 9", inference_tokens="2T token")
    assert "data/models.csv" in e.value.message and "data/architectures.csv" in e.value.message


@pytest.mark.parametrize("door, name, other", [
    ("serve", "Chinchilla", "is a published run of data/models.csv"),
    ("cost", "Llama 3 70B", "is a shape of data/architectures.csv"),
    ("thresholds", "Llama 3 70B", "is a shape of data/architectures.csv"),
])
def test_a_name_of_the_other_list_is_said_to_be_one(door, name, other, capsys):
    from calc.__main__ import main

    argv = [door, "--model", name] + (["--hardware", "H100 SXM5"] if door == "serve" else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert other in err and err.count("\n") == 1


def test_a_misspelt_model_with_its_tokens_is_said_unknown_not_given_twice():
    # a new user's "Lama 3.3 70B" with --tokens was told "give model alone ..., not with model"
    with pytest.raises(calc.InputError) as e:
        lifetime(model="Lama 3.3 70B", tokens="15T token", inference_tokens="2T token")
    assert e.value.field == "model" and "did you mean Llama 3.3 70B" in e.value.message
    with pytest.raises(calc.InputError) as e:  # a published run with tokens of its own: the other field named
        lifetime(model="Chinchilla", tokens="15T token", inference_tokens="2T token")
    assert e.value.message.endswith("not with tokens")


def test_an_answer_at_the_python_prompt_reads_as_a_sentence():
    # fresh10: calc.lifetime(...) echoed every Quantity's floats; Sardana et al. 2023 Fig. 1 as a sentence now
    text = repr(calc.lifetime(params=13e9, tokens=576e9, inference_tokens="2T token", law="devries2023"))
    assert text.startswith("Lifetime(devries2023, loss 1.975, 2T tokens served: optimum 6.97B params on ")
    assert "compute-optimal 13B params; saving 17.5%)" in text and "Quantity" not in text
    arrays = repr(calc.lifetime(loss=np.array([2.0, 2.1]), inference_tokens="2T token"))
    assert arrays.startswith("Lifetime(law='hoffmann2022', loss=array(")  # arrays keep their own reprs


def test_a_run_with_no_token_count_that_is_a_shape_takes_the_tokens_given():
    # fresh12: GPT-2 XL is a run of data/models.csv with no tokens and a shape of data/architectures.csv; with tokens it
    # was refused ("give model alone"), without them too ("give params and tokens, or the loss")
    from calc.lifetime.inputs import quality

    loss, n, d = quality(model="GPT-2 XL", tokens="40B")
    assert float(d) == 40e9 and 1.4e9 < float(n) < 1.7e9 and 2 < float(loss) < 3
    with pytest.raises(InputError, match=r"gives no tokens for GPT-2 XL: give tokens \(its shape of "):
        quality(model="GPT-2 XL")
    with pytest.raises(InputError, match="give model alone"):  # a run with its tokens keeps them
        quality(model="GPT-3 175B", tokens="1T")


def test_the_modelled_prices_read_as_money_reads_at_every_door():
    # doors13 (fresh12's list): lifetime printed "3.51 USD per million tokens" and "6.88 USD per chip-hour" where
    # serve and estimate write "$0.68 per million tokens", "$6.88 per chip-hour" (calc.display.cents)
    import re

    from calc.service_life import modelled_prices

    words = modelled_prices("H100 SXM5", params="70.6e9 param")[3]
    assert re.search(r"at saturation, \$\d+\.\d\d+ per million tokens \(3:1 blend\)", words["serving"]), words
    assert re.match(r"training: \$\d+\.\d\d per chip-hour at MFU", words["training"]), words
    assert "USD per" not in words["serving"] + words["training"]


def test_the_command_line_warns_where_the_loss_lies_outside_what_the_laws_were_fitted_on(capsys):
    # fresh14's walk: 'lifetime --loss 20' answered a 9.98k-parameter optimum for "326,415% more training compute",
    # where 'optimal' warns of the same extrapolation
    import json

    from calc.__main__ import main

    assert main(["lifetime", "--loss", "20", "--inference-tokens", "2T"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: loss: at this loss the compute-optimal model's training 3.23 × 10¹¹ FLOP is below "
                          "every budget the scaling laws were fitted on"), err
    assert main(["lifetime", "--loss", "20", "--inference-tokens", "2T", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"][0].startswith("loss: at this loss")
    assert main(["lifetime", "--params", "13B", "--tokens", "576B", "--inference-tokens", "2T"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("serving", [(), ("--serving-price", "0.6 USD/Mtoken")])
def test_a_chip_hour_training_price_with_the_chip_but_no_mfu_names_the_mfu(capsys, serving):
    # fresh15: with --hardware given, the error said "a price per chip-hour needs the chip (hardware) and its
    # utilization (MFU)", naming the training price and a chip that was there
    code, _, err = _cli(capsys, "lifetime", "--params", "13e9", "--tokens", "576e9", "--inference-tokens", "2T",
                        "--hardware", "H100 SXM5", "--training-price", "$2/GPU/hour", *serving)
    assert code == 2 and err.count("\n") == 1
    assert "--utilization: required with a training price per chip-hour" in err and "e.g. 0.4" in err
    with pytest.raises(InputError) as exc:
        lifetime(params=13e9, tokens=576e9, inference_tokens=2e12, training_price="2 USD/chip/hour",
                 hardware="H100 SXM5", serving_price="0.6 USD/Mtoken")
    assert exc.value.field == "utilization"


def test_the_dollar_savings_say_against_what(capsys):
    # fresh15: "saving: $4.15M" named neither the compute-optimal model nor the run given
    code, out, _ = _cli(capsys, "lifetime", "--params", "13e9", "--tokens", "576e9", "--inference-tokens", "2T",
                        "--training-price", "1.4e-18 USD/FLOP", "--serving-price", "0.6 USD/Mtoken")
    assert code == 0
    r = lifetime(params=13e9, tokens=576e9, inference_tokens=2e12, training_price="1.4e-18 USD/FLOP",
                 serving_price="0.6 USD/Mtoken")
    from calc.display import show
    assert f"saving against the compute-optimal model: {show('cost', r.cost_saving)}" in out
    run = (r.given_cost.lifetime_cost - r.cost_optimum.lifetime_cost).to("USD")
    assert f"saving against the run given: {show('cost', run)}" in out


def test_the_modelled_serving_price_says_fp4_multiplies_in_fp8_on_an_h100(capsys):
    code, out, _ = _cli(capsys, "lifetime", "--model", "Llama 3 70B", "--tokens", "15T", "--inference-tokens", "20T",
                        "--hardware", "H100 SXM5", "--precision", "fp4")
    assert code == 0 and "in fp4 (multiplied in fp8, as the H100 SXM5 has no fp4 peak in data/hardware.csv)" in out


@pytest.mark.parametrize("typed", ["Hoffmann2022", "hoffmann 2022", "HOFFMANN-2022"])
def test_a_law_typed_with_capitals_or_spaces_is_read_as_its_name(typed):
    # fresh15: --law Hoffmann2022 was refused with "did you mean hoffmann2022?"
    r = lifetime(loss=2.0, inference_tokens="2T token", law=typed)
    assert r.law == "hoffmann2022"
    assert r.params == lifetime(loss=2.0, inference_tokens="2T token", law="hoffmann2022").params


@pytest.mark.parametrize("given, field", [({"serving_price": "anything"}, "serving_price"),
                                          ({"training_price": "x"}, "training_price"),
                                          ({"serving_price": "0.6 USD/Mtoken"}, "training_price")])
def test_a_bad_price_is_said_before_the_other_missing(given, field):
    # fresh24b: '--serving-price anything' was told only '--training-price: required'
    with pytest.raises(InputError) as info:
        lifetime(params=70e9, tokens=15e12, inference_tokens=73e12, **given)
    assert info.value.field == field
