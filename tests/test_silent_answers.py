"""Silent answers (issue #21): inputs each door took and answered with a wrong number, or a
traceback, or nothing said. Each test is over the class (hypothesis or a table), not one example:
a quantity the inputs leave undetermined, a probability at the ends of [0, 1], a chip count that is
not a whole cluster or beyond a float, a run shorter than one step, a sequence past the shape's
positions, a FLOP count that disagrees with the step's MFU, chip-hours that beat the peak, a
crossing beyond a float, a budget beyond every published run, a date past what is known, a
precision with no chip, and plausibility warnings on every physical input.
"""

import contextlib
import io
import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import calc
from calc.__main__ import main
from calc.cost import acquisition_cost, latest_year, reconcile
from calc.perf import Layout, predict
from calc.thresholds import cluster_crossings, run_crossings
from calc.uncertainty import Distribution, simulate
from calc.vocabulary import QUANTITIES

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


# ----------------------------------------------------------------- a quantity the inputs do not determine

GIVEN = {"compute": "1e24 FLOP", "chips": 1024, "utilization": 0.4, "hardware": "H100 SXM5", "price": "2 USD/chip/hour",
         "params": "7e9 param", "duration": "10 day"}


@FAST
@given(st.sets(st.sampled_from(sorted(GIVEN)), min_size=1, max_size=3))
def test_asking_an_undetermined_quantity_is_an_input_error_that_says_what_would_determine_it(names):
    try:
        est = calc.estimate(**{n: GIVEN[n] for n in names})
    except calc.InputError:
        return
    for name in QUANTITIES:
        if name in est:
            continue
        with pytest.raises(calc.InputError, match=f"^{name}: not determined") as info:
            est[name]
        assert isinstance(info.value, KeyError)  # still a lookup: `except KeyError` keeps working
        with pytest.raises(calc.InputError, match=f"^{name}: not determined"):
            getattr(est, name)  # est.duration too: an InputError, and still an AttributeError for hasattr
        assert not hasattr(est, name)


def test_an_undetermined_interval_of_a_simulation_is_an_input_error():
    sim = simulate(samples=200, utilization="0.2..0.5")  # nothing determines the compute
    with pytest.raises(calc.InputError, match="compute: not determined"):
        sim.interval("compute")


# ----------------------------------------------------------------- quantiles at the ends of [0, 1]

DISTRIBUTIONS = st.builds(
    lambda kind, lo, w, cap: Distribution(kind, lo, lo * w, "", lo * math.sqrt(w) if kind == "triangular" else None,
                                          max(cap, lo * w)),
    st.sampled_from(["loguniform", "uniform", "lognormal", "triangular"]),
    st.floats(1e-3, 1e3), st.floats(1.0, 100.0), st.sampled_from([math.inf, 1.0, 50.0]))


@FAST
@given(DISTRIBUTIONS, st.lists(st.floats(0, 1), min_size=2, max_size=5))
@example(Distribution(kind="uniform", low=427.15303588911684, high=8623.151912011546, unit="", mode=None,
                      cap=8623.151912011546), [0.0, 0.0])  # lo + 1 (hi - lo) rounded above hi once
def test_every_quantile_in_0_to_1_is_a_number_in_order_within_the_support(d, ps):
    qs = [d.quantile(p).magnitude for p in sorted(ps) + [0.0, 1.0]]
    body = qs[:-2]
    assert all(a <= b * (1 + 1e-9) for a, b in zip(body, body[1:]))
    assert all(0 <= q <= d.cap or (q == math.inf and d.cap == math.inf) for q in qs)


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), "half", None, True])
def test_a_quantile_outside_0_to_1_is_refused_by_name(p):
    with pytest.raises(calc.InputError, match="^p: expected a probability between 0 and 1"):
        Distribution("lognormal", 1.0, 3.0, "").quantile(p)


# ----------------------------------------------------------------- a cluster's chip count

CHIP_DOORS = {
    "thresholds cluster": lambda n: cluster_crossings(n, "H100 SXM5"),
    "acquisition": lambda n: acquisition_cost(n, "H100 SXM5", "2024-06-01"),
    "step": lambda n: predict("GPT-3 175B", "H100 SXM5", n, Layout(tensor=8, pipeline=8, global_batch=1536)),
    # a given count is one count everywhere: estimate reads it as step and serve do (2.5 was answered)
    "estimate": lambda n: calc.estimate(params=70e9, tokens=1.4e12, hardware="H100 SXM5", chips=n),
}


@pytest.mark.parametrize("door", CHIP_DOORS)
@pytest.mark.parametrize("chips", [10**400, "1e400", 1.5, 0.5, 1e-300, "1.5 GPU", 0])
def test_every_door_that_takes_a_cluster_refuses_a_count_that_is_not_one(door, chips):
    with pytest.raises(calc.InputError, match="^chips: expected a (whole number of chips|finite number|positive)"):
        CHIP_DOORS[door](chips)


@pytest.mark.parametrize("argv", [
    ["cost", "--chip-hours", "1e6", "--hardware", "H100 SXM5", "--start", "2024-06-01", "--chips", "1.5"],
    ["thresholds", "--chips", "1.5", "--hardware", "H100 SXM5"],
    ["thresholds", "--chips", "0.5", "--hardware", "H100 SXM5"],
    ["estimate", "--params", "70e9", "--tokens", "1.4e12", "--hardware", "H100 SXM5", "--chips", "2.5"],
    ["compare", "--params", "70e9", "--tokens", "1.4e12", "--hardware", "H100 SXM5", "--chips", "2.5"],
    ["serve", "--model", "Llama 3 70B", "--hardware", "H100 SXM5", "--chips", "8.5"],
    ["thresholds", "--chips", "10^400", "--hardware", "H100 SXM5"],
    ["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--global-batch", "1536", "--chips", "10**400"],
])
def test_the_command_line_refuses_a_cluster_that_is_not_a_whole_number_in_one_line(argv):
    code, _, err = _cli(argv)
    assert code == 2 and err.count("\n") == 1 and "--chips" in err, err
    if "." in argv[-1]:  # the same reader and the same words in every command (calc.reader.read_chips)
        assert "expected a whole number of chips (at least 1)" in err, err


def test_a_fractional_count_suggests_the_whole_counts_either_side():
    with pytest.raises(calc.InputError, match=r"got 2.5 chip; did you mean 2 or 3\?$"):
        calc.estimate(params=70e9, tokens=1.4e12, hardware="H100 SXM5", chips=2.5)
    with pytest.raises(calc.InputError, match=r"did you mean 1\?$"):
        calc.estimate(params=70e9, tokens=1.4e12, hardware="H100 SXM5", chips=0.5)


def test_a_range_of_chips_stays_continuous():
    # an array (a sweep, the uncertainty door's draws) is many scenarios, not one count to buy
    import numpy as np

    est = calc.estimate(params=70e9, tokens=1.4e12, hardware="H100 SXM5", chips=np.array([1000.5, 1024.0]),
                        utilization=0.4)
    assert est["duration"].value.shape == (2,)


# ----------------------------------------------------------------- a run shorter than one optimizer step

STEP = predict("GPT-3 175B", "H100 SXM5", 1024, Layout(tensor=8, pipeline=8, global_batch=1536))
PER_STEP = 1536 * 2048


@FAST
@given(st.floats(1, 1e16))
def test_a_run_is_at_least_one_optimizer_step(tokens):
    if tokens < PER_STEP:
        with pytest.raises(calc.InputError, match="^tokens: .* less than one optimizer step"):
            STEP.duration(f"{tokens!r} token")
    else:
        assert STEP.duration(f"{tokens!r} token") >= STEP.step_time * (1 - 1e-12)


def test_estimate_with_a_layout_refuses_a_run_shorter_than_one_step():
    with pytest.raises(calc.InputError, match="less than one optimizer step"):
        calc.estimate(model="GPT-3 175B", layout=STEP, hardware="H100 SXM5", chips=1024, tokens="1000 token")


# ----------------------------------------------------------------- a sequence past the shape's positions

@pytest.mark.parametrize("name", ["GPT-3 175B", "GPT-2 XL"])
@pytest.mark.parametrize("factor", [1.01, 2, 500])
def test_a_sequence_past_learned_positions_is_refused_at_every_door(name, factor):
    from calc.architecture import lookup
    from calc.memory import per_chip

    m = lookup(name)
    s = int(m.context * factor) + 1
    for door in (lambda: m.flop_per_token(sequence=s), lambda: per_chip(m, sequence=s),
                 lambda: predict(m, "H100 SXM5", 1024, Layout(tensor=8, global_batch=1024, sequence=s))):
        with pytest.raises(calc.InputError, match="positions"):
            door()
    code, _, err = _cli(["memory", "--model", name, "--sequence", str(s)])
    assert code == 2 and "--sequence" in err and "learned position" in err


def test_a_sequence_past_a_rotary_context_is_said_at_every_door():
    code, _, err = _cli(["params", "--model", "Llama 3 8B", "--sequence", "100000"])
    assert code == 0 and "warning: sequence: 100,000 tokens is 12.2x the shape's context of 8,192" in err
    code, _, err = _cli(["step", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--chips", "64",
                         "--global-batch", "64", "--sequence", "16384", "--ignore-memory"])
    assert code == 0 and "2x the shape's context" in err
    s = predict("Llama 3 8B", "H100 SXM5", 64, Layout(global_batch=64, sequence=16384), check_memory=False)
    est = calc.estimate(model="Llama 3 8B", layout=s, hardware="H100 SXM5", chips=64, tokens="1e12 token")
    assert any("the shape's context" in w for w in est.warnings)
    for extra in ([], ["--frontier", "--points", "3"]):  # the frontier of such a request was silent
        code, _, err = _cli(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--input-tokens", "8000",
                             *extra])
        assert code == 0 and "warning: input + output tokens of a request: 9,000 tokens is 808 more than the shape's context" \
            in err, (extra, err)


# ----------------------------------------------------------------- the FLOP count and the step's MFU agree

@FAST
@given(st.floats(2.0, 14.0), st.sampled_from([None, "170e9 param"]))
def test_a_flop_count_given_with_a_layout_keeps_the_steps_duration(k, active):
    base = calc.estimate(model="GPT-3 175B", layout=STEP, hardware="H100 SXM5", chips=1024, tokens="300e9 token")
    extra = {"active_params": active} if active else {}
    est = calc.estimate(model="GPT-3 175B", layout=STEP, hardware="H100 SXM5", chips=1024, tokens="300e9 token",
                        flop_per_param_token=k, **extra)
    assert est.duration.m_as("day") == pytest.approx(base.duration.m_as("day"), rel=1e-9)
    assert est.duration.m_as("day") == pytest.approx(STEP.duration("300e9 token").m_as("day"), rel=1e-9)
    assert est.compute.m_as("FLOP") == pytest.approx(k * est.active_params.m_as("param") * 300e9, rel=1e-9)
    assert "rescaled" in est["utilization"].how


def test_a_flop_count_that_would_beat_the_peak_is_a_conflict():
    with pytest.raises(calc.ConflictError, match="above 1"):
        calc.estimate(model="GPT-3 175B", layout=STEP, hardware="H100 SXM5", chips=1024, tokens="300e9 token",
                      flop_per_param_token=40)


# ----------------------------------------------------------------- chip-hours that beat the peak

@FAST
@given(st.floats(1e18, 1e27), st.floats(1, 1e9))
def test_chip_hours_that_imply_more_than_the_peak_are_refused_never_printed(compute, hours):
    ideal = compute / 989.4e12 / 3600  # H100 SXM5 at its dense bf16 peak, chip-hours
    if hours < ideal * (1 - 1e-9):
        with pytest.raises(calc.ConflictError, match="cannot beat the peak"):
            reconcile(f"{compute!r} FLOP", "H100 SXM5", f"{hours!r} chip*hour", "2024-06-01")
    elif hours > ideal * (1 + 1e-9):
        steps = reconcile(f"{compute!r} FLOP", "H100 SXM5", f"{hours!r} chip*hour", "2024-06-01")
        assert ("implausibly low" in steps[1][2]) == (ideal / hours < 0.05)


def test_the_cost_command_says_what_the_chip_hours_imply_in_one_line():
    code, _, err = _cli(["cost", "--compute", "3.8e25", "--chip-hours", "1000", "--hardware", "H100 SXM5",
                         "--start", "2024-06-01"])
    assert code == 2 and err.count("\n") == 1 and "cannot beat the peak" in err


# ----------------------------------------------------------------- crossings and splits beyond a float

@FAST
@given(st.floats(1, 1e308))
def test_a_crossing_is_a_finite_ratio_or_one_error(chips):
    chips = float(math.floor(chips))
    try:
        rows = cluster_crossings(chips, "H100 SXM5")
    except calc.InputError as exc:
        assert exc.field == "chips"
        return
    assert all(math.isfinite(c.ratio) for c in rows)


@pytest.mark.parametrize("argv", [["thresholds", "--compute", "1e300"], ["thresholds", "--chips", "1e300",
                                                                        "--hardware", "H100 SXM5"]])
def test_thresholds_never_prints_inf_or_e_notation(argv):
    code, out, err = _cli(argv)
    assert "inf" not in out and "e+" not in out
    assert code == 0 or err.count("\n") == 1


@FAST
@given(st.floats(1e10, 1e308))
def test_optimal_prints_readable_splits_and_says_when_it_extrapolates(compute):
    code, out, err = _cli(["optimal", "--compute", f"{compute!r} FLOP"])
    if code == 2:
        assert err.count("\n") == 1
        return
    assert " 0.0 " not in out and "e+" not in out and "e-" not in out
    from calc.scaling import SMALLEST_FIT, largest_run

    # beyond every published run, or below the laws' smallest fitted budget (fresh10: "optimal --compute 1")
    assert ("extrapolated" in err) == (compute > 100 * largest_run() or compute < SMALLEST_FIT)


# ----------------------------------------------------------------- one rule for dates

@pytest.mark.parametrize("year", [2024, 2026, 2027, 2028, 2999])
def test_a_start_date_and_a_dollar_year_follow_one_rule(year):
    start, _, _ = _cli(["cost", "--chip-hours", "1e6", "--hardware", "H100 SXM5", "--start", f"{year}-01-01"])
    dollars, _, _ = _cli(["cost", "--chip-hours", "1e6", "--hardware", "H100 SXM5", "--start", "2024-06-01",
                          "--year", str(year)])
    assert start == dollars == (0 if year <= latest_year() else 2)


# ----------------------------------------------------------------- nothing given that nothing reads

@pytest.mark.parametrize("precision", ["fp8", "bf16", "tf32"])
def test_a_precision_without_a_chip_is_refused_not_dropped(precision):
    with pytest.raises(calc.InputError, match="^precision: .*no hardware is given"):
        calc.estimate(compute="1e24 FLOP", chips=10, utilization=0.4, duration="10 day", precision=precision)
    code, _, err = _cli(["cost", "--chip-hours", "1e6", "--hardware", "H100 SXM5", "--precision", precision])
    assert code == 2 and "--precision" in err


# ----------------------------------------------------------------- plausibility of every physical input

@FAST
@given(st.floats(1e-6, 1e4))
def test_carbon_intensity_far_from_any_grid_is_warned(kg):
    est = calc.estimate(compute="1e24 FLOP", hardware="H100 SXM5", chips=1000, utilization=0.4,
                        carbon_intensity=f"{kg!r} kg/kWh")
    warned = any(w.startswith("carbon_intensity:") for w in est.warnings)
    assert warned == (kg > 1.2 or kg < 0.003)


@FAST
@given(st.floats(10, 1e6))
def test_power_beyond_any_chip_is_warned(watts):
    est = calc.estimate(compute="1e24 FLOP", hardware="H100 SXM5", chips=1000, utilization=0.4,
                        power=f"{watts!r} W/chip")
    # beyond twice the largest TDP of data/hardware.csv (1,400 W: GB300, MI355X), read from the table, not copied
    top = max(h.tdp.m_as("W/chip") for h in calc.data.hardware_table().values() if h.tdp is not None)
    assert any(w.startswith("power:") for w in est.warnings) == (watts > 2 * top)


def test_run_crossings_read_the_compute_as_every_door_does():
    with pytest.raises(calc.InputError):
        run_crossings("1e400 FLOP")


@FAST
@given(st.floats(1e18, 1e27), st.floats(1, 1e9))
def test_estimate_refuses_what_cost_refuses_a_run_above_its_peak(compute, hours):
    ideal = compute / 989.4e12 / 3600
    if abs(hours / ideal - 1) < 1e-6:
        return
    try:
        est = calc.estimate(compute=f"{compute!r} FLOP", chip_hours=f"{hours!r} chip*hour", hardware="H100 SXM5")
    except calc.ConflictError as exc:
        assert hours < ideal and "no run beats its chips' peak" in exc.message
        return
    assert hours > ideal and est.utilization.m_as("") <= 1
    assert any("far below any published run" in w for w in est.warnings) == (ideal / hours < 0.05)


@pytest.mark.parametrize("argv, flag", [
    (["estimate", "--compute", "1e24", "--samples", "10"], "--samples"),
    (["estimate", "--compute", "1e24", "--seed", "3"], "--seed"),
    (["thresholds", "--chips", "1000", "--hardware", "H100 SXM5", "--cost", "1e8"], "--cost"),
    (["thresholds", "--chips", "1000", "--hardware", "H100 SXM5", "--fine-tuning", "1e24"], "--fine-tuning"),
    (["thresholds", "--chips", "1000", "--hardware", "H100 SXM5", "--biological"], "--biological"),
    (["memory", "--model", "Llama 3 8B", "--lora-rank", "8"], "--lora-rank"),
    (["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--chips", "1024", "--global-batch", "1536",
      "--tensor", "8", "--pipeline", "8", "--price", "2 USD/chip/hour"], "--price"),
    (["cost", "--chip-hours", "1e6", "--hardware", "H100 SXM5", "--precision", "fp8"], "--precision"),
])
def test_a_flag_nothing_reads_is_refused_not_dropped(argv, flag):
    # the class of '--precision fp8 without hardware is dropped silently' (issue #21), flag by flag
    code, _, err = _cli(argv)
    assert code == 2 and err.startswith(f"calc: error: {flag}: only used") and err.count("\n") == 1, err


@pytest.mark.parametrize("low, high", [(644.5, 644.5000000000001), (9.0, 9.000000000000002)])
def test_a_lognormal_range_a_few_ulps_wide_has_quantiles_within_its_support(low, high):
    # hypothesis found these: equal in logs, sigma 0 (NormalDist raised StatisticsError), or exp's rounding past cap
    d = Distribution("lognormal", low, high, "", cap=high)
    qs = [d.quantile(p).magnitude for p in (0.0, 0.25, 0.5, 0.975, 1.0)]
    assert qs == sorted(qs) and all(0 <= q <= high for q in qs) and d.tail_above_cap() >= 0
