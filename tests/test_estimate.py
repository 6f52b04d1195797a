"""The solver against published figures, its round trips, and its errors."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import calc
from calc import Q_, data


def test_gpt3_6nd_matches_the_paper():
    # Brown et al. 2020, Table D.1: 174.6e9 params x 300e9 tokens -> 3.14e23 FLOP
    est = calc.estimate(params=Q_(174.6e9, "param"), tokens=Q_(300e9, "token"))
    assert est.compute.to("FLOP").magnitude == pytest.approx(3.14e23, rel=0.005)
    assert est["compute"].source == "derived"
    assert est["flop_per_param_token"].source == "default"


def test_strubell_gpt2_cloud_cost():
    # Strubell et al. 2019, Table 3: GPT-2 on 32 TPU v3 devices for 168 h -> $43,008 on demand.
    # Built from independent pieces: Google's 2018 price row and the device's chip count.
    v3 = data.hardware("TPU v3")
    price = next(p for p in data.prices() if p.hardware == "TPU v3" and p.basis == "board").price
    est = calc.estimate(chips=Q_(32 * v3.chips_per_board, "chip"), duration="168 hour", price=price)
    assert est.cost.m_as("USD") == pytest.approx(43008, rel=1e-6)


def test_gpt3_energy_and_emissions_match_patterson():
    # Patterson et al. 2021, Table 4: 10,000 V100 x 14.8 days at 330 W, PUE 1.10 -> 1,287 MWh, 552 t
    est = calc.estimate(chips=10_000, duration="14.8 day", power="330 W/chip", pue=1.1,
                        carbon_intensity="0.429 kg/kWh")
    assert est.energy.m_as("MWh") == pytest.approx(1287, rel=0.01)
    assert est.emissions.m_as("t") == pytest.approx(552, rel=0.01)


def test_lambda_implied_price():
    # $4.6M over 355 GPU-years is about $1.48 per GPU-hour (the worked figure)
    est = calc.estimate(cost="4.6e6 USD", chip_hours="355 chip*year")
    assert est.price.m_as("USD/chip/hour") == pytest.approx(1.48, rel=0.01)


def test_implied_utilization_of_gpt3():
    # 3.14e23 FLOP on 10,000 V100 (125 TFLOP/s dense fp16) in 14.8 days: about 19.6% MFU
    est = calc.estimate(compute="3.14e23 FLOP", chips=10_000, duration="14.8 day", hardware="V100 SXM2")
    assert est["utilization"].source == "derived"
    assert est.utilization.m_as("") == pytest.approx(3.14e23 / (1e4 * 125e12 * 14.8 * 86400), rel=1e-9)


def test_round_trip_duration_utilization():
    first = calc.estimate(params=70e9, tokens=1.4e12, hardware="A100 SXM4 80GB", chips=1024, utilization=0.45)
    back = calc.estimate(params=70e9, tokens=1.4e12, hardware="A100 SXM4 80GB", chips=1024, duration=first.duration)
    assert back.utilization.m_as("") == pytest.approx(0.45, rel=1e-12)
    again = calc.estimate(params=70e9, tokens=1.4e12, hardware="A100 SXM4 80GB", chips=1024,
                          utilization=back.utilization)
    assert again.duration.m_as("s") == pytest.approx(first.duration.m_as("s"), rel=1e-12)


def test_compute_and_cost_and_chip_hours_give_the_price():
    est = calc.estimate(compute="3.14e23 FLOP", cost="2e6 USD", chip_hours="1e6 chip*hour")
    assert est.price.m_as("USD/chip/hour") == pytest.approx(2.0)
    assert "utilization" not in est  # no hardware: the peak is unknown, so is the utilization


def test_default_utilization_only_where_nothing_determines_it():
    est = calc.estimate(compute="1e24 FLOP", hardware="H100 SXM5", chips=1000)
    assert est["utilization"].source == "default"
    assert est.utilization.m_as("") == data.defaults()["utilization"].value.m_as("")
    est = calc.estimate(compute="1e24 FLOP", hardware="H100 SXM5", chips=1000, duration="20 day")
    assert est["utilization"].source == "derived"


def test_the_default_utilizations_source_says_what_it_is_and_where_from():
    """`calc estimate` printed the default's history as its source ("Until 2026-12-07 0.38, ... a derivation the
    project could not rerun", doors23): the source says what the value is and where it comes from; the history
    is kept in the data file's own note (its "why" column)."""
    import csv

    est = calc.estimate(compute="1e24 FLOP", hardware="H100 SXM5", chips=1000)
    how = est["utilization"].how
    assert how.startswith("the median MFU (0.371) of the 40 published training runs") and "https://epoch.ai/data" in how
    assert "Until" not in how and "tests/" not in how and "could not rerun" not in how, how
    with open(data.DATA_DIR / "defaults.csv", encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["name"] == "utilization")
    assert "Until 2026-12-07 0.38" in row["why"] and "a derivation the project could not rerun" in row["why"]


def test_contradicting_inputs_name_every_field():
    with pytest.raises(calc.ConflictError) as exc:
        calc.estimate(compute="6.3e23 FLOP", params=175e9, tokens=300e9)
    assert set(exc.value.fields) == {"compute", "params", "tokens", "flop_per_param_token"}
    assert "contradict" in str(exc.value)


def test_contradiction_found_jointly():
    # Neither chips nor duration is known, but compute, peak, utilization and chip-hours disagree.
    with pytest.raises(calc.ConflictError) as exc:
        calc.estimate(compute="3.14e23 FLOP", chip_hours="1e6 chip*hour", peak="125 TFLOP/s/chip", utilization=0.4)
    assert {"compute", "chip_hours", "peak", "utilization"} == set(exc.value.fields)


def test_within_tolerance_is_not_a_contradiction():
    # 6 x 175e9 x 300e9 = 3.15e23, 0.3% above the reported 3.14e23
    est = calc.estimate(compute="3.14e23 FLOP", params=175e9, tokens=300e9)
    assert est["compute"].source == "given"


def test_mixture_of_experts_uses_active_params():
    est = calc.estimate(params=671e9, active_params=37e9, tokens=14.8e12)
    assert est.compute.m_as("FLOP") == pytest.approx(6 * 37e9 * 14.8e12)


def test_arrays_match_scalars():
    chips = np.array([8.0, 64, 512, 4096])
    many = calc.estimate(params=7e9, tokens=2e12, hardware="H100 SXM5", chips=chips)
    for i, n in enumerate(chips):
        one = calc.estimate(params=7e9, tokens=2e12, hardware="H100 SXM5", chips=float(n))
        assert many.duration.m_as("day")[i] == pytest.approx(one.duration.m_as("day"), rel=1e-12)


def test_units_of_results_are_canonical():
    est = calc.estimate(params=1e9, tokens=2e10, hardware="A100 SXM4 40GB", chips=8)
    assert str(est.compute.units) == "FLOP"
    assert est.duration.units == calc.ureg.second
    assert est.chip_hours.units == calc.ureg.parse_units("chip*hour")


@pytest.mark.parametrize("kwargs, field", [
    ({"tokens": -1}, "tokens"),
    ({"tokens": 0}, "tokens"),
    ({"tokens": float("nan")}, "tokens"),
    ({"chips": float("inf")}, "chips"),
    ({"tokens": "5 meter"}, "tokens"),
    ({"duration": 14.8}, "duration"),
    ({"price": "1.5 USD/hour/meter"}, "price"),
    ({"params": "1e9 parsecs"}, "params"),
    ({"hardware": "H100"}, "hardware"),
    ({"hardware": ""}, "hardware"),
    ({"hardware": "V100 SXM2", "precision": "bf16"}, "precision"),
    ({"precision": "fp7"}, "precision"),
    ({"utilization": 4000}, "utilization"),
    ({"pue": 0.8}, "pue"),
    ({"tokens": ""}, "tokens"),
    ({"tokens": "1e400 token"}, "tokens"),
    ({"chips": np.array([1.0, -2.0])}, "chips"),
    ({"chips": True}, "chips"),
    ({"parms": 1e9}, "parms"),
])
def test_bad_inputs_raise_naming_the_field(kwargs, field):
    with pytest.raises(calc.InputError) as exc:
        calc.estimate(**kwargs)
    assert exc.value.field == field
    assert str(exc.value).startswith(field)


def test_unknown_hardware_lists_close_matches():
    with pytest.raises(calc.InputError, match="H100 SXM5"):
        calc.estimate(hardware="H100")


def test_percent_looking_utilization_is_refused_with_the_reading():
    with pytest.raises(calc.InputError, match=r"looks like a percent: did you mean 0.40\?"):
        calc.estimate(compute="1e22 FLOP", hardware="H100 SXM5", chips=8, utilization=40)
    est = calc.estimate(compute="1e22 FLOP", hardware="H100 SXM5", chips=8, utilization="40 %")
    assert est.utilization.m_as("") == pytest.approx(0.4)


def test_tiny_utilization_warns():
    est = calc.estimate(compute="1e22 FLOP", hardware="H100 SXM5", chips=8, utilization=0.001)
    assert any("below" in w for w in est.warnings)


def test_sparse_looking_peak_warns():
    est = calc.estimate(compute="1e22 FLOP", peak="20 PFLOP/s/chip", chips=8, utilization=0.4)
    assert any("sparse" in w for w in est.warnings)


def test_tokens_fewer_than_params_warns():
    est = calc.estimate(params=1e9, tokens=1e6)
    assert any("fewer tokens" in w for w in est.warnings)


def test_derivation_steps_are_readable():
    est = calc.estimate(params=175e9, tokens=300e9, hardware="V100 SXM2", chips=10_000, utilization=0.2)
    assert any(s.startswith("compute = flop_per_param_token × active_params × tokens") for s in est.steps)
    assert any(s.startswith("duration = compute / (chips × peak × utilization)") for s in est.steps)


def test_json_form():
    d = calc.estimate(params=1e9, tokens=2e10).to_dict()
    assert d["quantities"]["compute"] == {"value": pytest.approx(1.2e20), "unit": "FLOP", "source": "derived"}
    assert d["warnings"] == []


def test_import_calc_is_light():
    code = "import calc, sys; print('pandas' in sys.modules, 'streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


@settings(max_examples=40, deadline=None)
@given(p=st.floats(1e9, 1e12), active=st.booleans())
def test_a_count_given_beside_a_shape_is_checked_against_the_shape(p, active):
    """--params 70e9 --model "Llama 3 70B" (70.55B): within the tolerance the given count stands (for both counts of
    a dense shape); beyond it the error says the count and the shape disagree, not that active parameters exceed
    the total (fresh-eyes 2026-12-06)."""
    name = "active_params" if active else "params"
    shape = calc.architecture.lookup("Llama 3 70B").params().m_as("param")
    try:
        est = calc.estimate(model="Llama 3 70B", tokens="1e12 token", **{name: p})
    except calc.ConflictError as e:
        assert abs(p / shape - 1) > 0.05
        assert set(e.fields) == {name, "model"} and "the shape of 'Llama 3 70B' has" in e.message
        assert "exceed" not in e.message
    else:
        assert abs(p / shape - 1) <= 0.05
        assert est.params.m_as("param") == pytest.approx(p) and est.active_params.m_as("param") == pytest.approx(p)


def test_a_dense_model_s_active_parameters_are_its_parameters_when_inputs_over_determine_compute():
    """fresh23: params, tokens and a run's chips, utilization and duration each give compute (3.15e23 and 3.20e23,
    1.7% apart, within the 5% tolerance); active parameters were derived through the run's compute as 178B, above the
    175B given. A dense model's are its parameters; compute follows 6ND."""
    est = calc.estimate(params="175e9 param", tokens="300e9 token", hardware="V100 SXM2", chips=10000,
                        duration="14.8 day", utilization=0.2)
    assert est["active_params"].value == Q_(175e9, "param") and est["active_params"].source == "default"
    assert est["compute"].value.m_as("FLOP") == pytest.approx(6 * 175e9 * 300e9)


@pytest.mark.parametrize("params, tokens, said", [
    (175e9, 300e9, False),  # GPT-3
    (1e12, 1e14, False),  # 6 x 10^26 FLOP: 16x the largest run, what the 10^26 / 10^27 thresholds are about
    (1e13, 1e15, True),  # 6 x 10^28: 1,600x, beyond data/defaults.csv's multiple (1,000) of data/models.csv's largest
    (1e99, 1e99, True),  # fresh24: 6 x 10^198 FLOP, 10^173 years, without a word
])
def test_a_compute_far_beyond_any_run_on_record_is_said(params, tokens, said):
    est = calc.estimate(params=params, tokens=tokens, hardware="H100 SXM5", chips=1024)
    words = [w for w in est.warnings if w.startswith("compute: ")]
    assert bool(words) == said, est.warnings
    assert not said or "far beyond any run on record" in words[0] and "check the parameters" in words[0]


def test_a_named_model_s_published_tokens_complete_the_run_as_lifetime_and_thresholds_read_them():
    """estimate(model="GPT-3 175B") said the tokens were unknown though data/models.csv has its 300B (read by
    lifetime, thresholds and cost --model): they come from the run's row, with its source (train24)."""
    from calc import data

    est = calc.estimate(model="gpt-3 175b")
    tokens, how = data.published_tokens("GPT-3 175B")
    assert est["tokens"].value.m_as("token") == tokens.m_as("token") == 300e9
    assert est["tokens"].source == "derived" and est["tokens"].how == how
    assert "data/models.csv" in how and "Brown et al. 2020" in how
    assert "compute" in est  # the run's size follows
    assert calc.estimate(model="GPT-3 175B", tokens="1T")["tokens"].source == "given"  # given, the user's
    assert calc.estimate(model="GPT-3 175B", compute="3.14e23 FLOP")["tokens"].how.startswith("tokens = compute")
    # chips and a duration: the tokens that fit in it are the answer, not the published ones
    est = calc.estimate(model="GPT-3 175B", hardware="A100 SXM4 80GB", chips=64, duration="10 day", utilization=0.4)
    assert est["tokens"].how.startswith("tokens = ")
    assert data.published_tokens("a shape of my own") is None


def test_tokens_settled_away_from_the_published_run_are_said_beside_it():
    # fresh24b: a model, chips and a duration derived 171B tokens without a word of GPT-3's published 300B, then
    # warned "fewer tokens than parameters; check the unit" of tokens never typed
    est = calc.estimate(model="GPT-3 175B", hardware="V100 SXM2", chips=1024, duration="30 day")
    said = " ".join(est.warnings)
    assert "the other inputs give 171B tokens" in said and "trained on 300B tokens" in said
    assert "check the unit" not in said and "the inputs imply fewer tokens than parameters" in said
    assert not any(w.startswith("tokens: the other") for w in calc.estimate(model="GPT-3 175B", hardware="V100 SXM2",
                                                                            chips=1024).warnings)
