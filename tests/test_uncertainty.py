"""Ranges through the model: checked against closed forms, with fixed seeds."""

import math

import numpy as np
import pytest

import calc
from calc.uncertainty import parse_range, simulate, sweep

C, N, P = 3.14e23, 10_000, 125e12  # GPT-3 compute on 10,000 V100 (dense fp16 peak)


def test_loguniform_utilization_gives_the_closed_form_interval():
    # duration = C / (N P u), u log-uniform on [a, b]: the p-quantile of duration is
    # C / (N P a (b/a)^(1-p)).
    a, b = 0.2, 0.5
    sim = simulate(compute=f"{C} FLOP", chips=N, hardware="V100 SXM2", utilization=f"{a}..{b}", samples=200_000)
    lo, mid, hi = (q.m_as("s") for q in sim.interval("duration"))
    quantile = lambda p: C / (N * P * a * (b / a) ** (1 - p))  # noqa: E731
    assert mid == pytest.approx(quantile(0.5), rel=0.01)
    assert lo == pytest.approx(quantile(0.05), rel=0.01)
    assert hi == pytest.approx(quantile(0.95), rel=0.01)


def test_lognormal_range_is_a_90_percent_interval():
    sim = simulate(chip_hours="1e6 chip*hour", price="lognormal:1..3 USD/chip/hour", samples=200_000)
    lo, mid, hi = (q.m_as("USD") for q in sim.interval("cost"))
    assert lo == pytest.approx(1e6, rel=0.02) and hi == pytest.approx(3e6, rel=0.02)
    assert mid == pytest.approx(math.sqrt(3) * 1e6, rel=0.01)


def test_degenerate_range_gives_the_point_estimate_exactly():
    point = calc.estimate(params=7e9, tokens=2e12, hardware="H100 SXM5", chips=512, utilization=0.4)
    sim = simulate(params=7e9, tokens=2e12, hardware="H100 SXM5", chips=512, utilization="0.4..0.4", samples=100)
    assert sim.estimate.duration.m_as("s") == point.duration.m_as("s")
    assert [q.m_as("s") for q in sim.interval("duration")] == [point.duration.m_as("s")] * 3


def test_same_seed_same_result_different_seed_different():
    kw = dict(params=7e9, tokens=2e12, hardware="H100 SXM5", chips=512, utilization="0.2..0.6", samples=1000)
    a, b, c = simulate(seed=1, **kw), simulate(seed=1, **kw), simulate(seed=2, **kw)
    assert np.array_equal(a.estimate.duration.magnitude, b.estimate.duration.magnitude)
    assert not np.array_equal(a.estimate.duration.magnitude, c.estimate.duration.magnitude)


def test_units_on_each_bound():
    d = parse_range("300 Gtoken..3 Ttoken", "tokens")
    assert d.kind == "loguniform" and d.high / d.low == pytest.approx(10)
    assert calc.Q_(d.low, d.unit).m_as("token") == pytest.approx(300e9)


def test_sensitivity_ranks_the_widest_input_first():
    sim = simulate(params=7e9, tokens=2e12, hardware="H100 SXM5", chips=512, utilization="0.39..0.41",
                   price="lognormal:1..3 USD/chip/hour", samples=1000)
    rows = sim.sensitivity("cost")
    assert [r[0] for r in rows] == ["price", "utilization"]
    lo, hi = rows[0][1], rows[0][2]
    assert hi.m_as("USD") / lo.m_as("USD") == pytest.approx(3, rel=1e-6)


@pytest.mark.parametrize("field, text, words", [
    ("utilization", "0.5..0.2", "low bound is above"),
    ("utilization", "-0.1..0.5", "positive"),
    ("utilization", "gamma:0.1..0.5", "unknown distribution"),
    ("tokens", "triangular:1..5..3 Gtoken", "mode"),
    ("tokens", "1..3 meter", "expected a quantity in token"),
    ("tokens", "1..", "expected a range"),
    ("price", "1..2..3 USD/chip/hour", "expected a range"),
    ("utilization", "1..400", "a fraction of peak"),
    ("hardware", "1..2", "only quantities"),
    ("tokens", "nan..5", "finite"),
])
def test_bad_ranges_name_the_input(field, text, words):
    with pytest.raises(calc.InputError) as exc:
        parse_range(text, field)
    assert exc.value.field == field and words in str(exc.value)


@pytest.mark.parametrize("samples", [0, -5, 10**9, 2.5, True])
def test_bad_sample_counts(samples):
    with pytest.raises(calc.InputError, match="samples"):
        simulate(params=1e9, tokens=1e10, samples=samples)


def test_sweep_is_a_grid_with_units_in_column_names():
    df = sweep({"chips": [512, 1024, 2048], "utilization": [0.3, 0.5]}, params=7e9, tokens=2e12, hardware="H100 SXM5")
    assert len(df) == 6
    assert {"chips [chip]", "utilization", "duration [s]", "cost [USD]"} <= set(df.columns)
    one = calc.estimate(params=7e9, tokens=2e12, hardware="H100 SXM5", chips=1024, utilization=0.5)
    row = df[(df["chips [chip]"] == 1024) & (df["utilization"] == 0.5)]
    assert row["duration [s]"].item() == pytest.approx(one.duration.m_as("s"))


def test_a_misspelt_or_unsweepable_name_is_answered_with_what_can_be_swept():
    # fresh10: sweep({"chipz": ...}) said only "only quantities of the vocabulary can be swept"
    from calc.errors import InputError

    with pytest.raises(InputError, match=r"^chipz: .* can be swept \(did you mean chips\?\)$"):
        sweep({"chipz": [512, 1024]}, params=7e9, tokens=2e12, hardware="H100 SXM5")
    with pytest.raises(InputError, match=r"^hardware: .* can be swept: params, .*chips, utilization"):
        sweep({"hardware": ["H100 SXM5", "B200"]}, params=7e9, tokens=2e12, chips=8)
