"""Invariants of the model, over many orders of magnitude (hypothesis)."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import calc
from calc import Q_

params = st.floats(1e3, 1e15)
tokens = st.floats(1e3, 1e16)
chips = st.integers(1, 10**7).map(float)  # a given count is whole (calc.reader.read_chips)
util = st.floats(0.01, 1.0)
hardware = st.sampled_from(["V100 SXM2", "A100 SXM4 80GB", "H100 SXM5", "TPU v3", "TPU v4", "MI300X"])
settings.register_profile("calc", max_examples=60, deadline=None)
settings.load_profile("calc")


@given(params, tokens, chips, util, hardware)
def test_doubling_chips_halves_duration_and_keeps_cost(n, d, c, u, hw):
    one = calc.estimate(params=n, tokens=d, chips=c, utilization=u, hardware=hw)
    two = calc.estimate(params=n, tokens=d, chips=2 * c, utilization=u, hardware=hw)
    assert math.isclose(two.duration.m_as("s") * 2, one.duration.m_as("s"), rel_tol=1e-12)
    assert math.isclose(two.chip_hours.m_as("chip*hour"), one.chip_hours.m_as("chip*hour"), rel_tol=1e-12)
    if "cost" in one:
        assert math.isclose(two.cost.m_as("USD"), one.cost.m_as("USD"), rel_tol=1e-12)


@given(params, tokens)
def test_doubling_tokens_doubles_compute(n, d):
    one = calc.estimate(params=n, tokens=d)
    two = calc.estimate(params=n, tokens=2 * d)
    assert math.isclose(two.compute.m_as("FLOP"), 2 * one.compute.m_as("FLOP"), rel_tol=1e-12)


@given(st.floats(1, 1e4))
def test_unit_invariance(g):
    a = calc.estimate(params=7e9, tokens=f"{g * 1e9!r} token")
    b = calc.estimate(params=7e9, tokens=f"{g!r} Gtoken")
    c = calc.estimate(params=7e9, tokens=Q_(g, "Gtoken"))
    assert math.isclose(a.compute.m_as("FLOP"), b.compute.m_as("FLOP"), rel_tol=1e-12)
    assert math.isclose(a.compute.m_as("FLOP"), c.compute.m_as("FLOP"), rel_tol=1e-12)


@given(params, tokens, chips, util, hardware)
def test_round_trip_through_duration(n, d, c, u, hw):
    first = calc.estimate(params=n, tokens=d, chips=c, utilization=u, hardware=hw)
    back = calc.estimate(params=n, tokens=d, chips=c, duration=first.duration, hardware=hw)
    assert math.isclose(back.utilization.m_as(""), u, rel_tol=1e-9)


@given(params, tokens, st.floats(0.5, 2e4), hardware)
def test_round_trip_through_chip_hours_and_price(n, d, price, hw):
    first = calc.estimate(params=n, tokens=d, chips=64, hardware=hw, price=Q_(price, "USD/chip/hour"), utilization=0.4)
    back = calc.estimate(compute=first.compute, cost=first.cost, chip_hours=first.chip_hours)
    assert math.isclose(back.price.m_as("USD/chip/hour"), price, rel_tol=1e-9)


@given(params, tokens, chips, hardware)
def test_outputs_finite_and_positive(n, d, c, hw):
    est = calc.estimate(params=n, tokens=d, chips=c, hardware=hw, price="2 USD/chip/hour", power="500 W/chip")
    for name, item in est.items.items():
        m = item.value.magnitude
        assert np.isfinite(m) and m > 0, name


@given(st.lists(st.integers(1, 10**6).map(float), min_size=1, max_size=50))
def test_array_path_equals_scalar_path(cs):
    arr = calc.estimate(params=1e9, tokens=2e10, chips=np.array(cs), hardware="H100 SXM5")
    for i, c in enumerate(cs):
        one = calc.estimate(params=1e9, tokens=2e10, chips=c, hardware="H100 SXM5")
        assert math.isclose(arr.duration.m_as("s")[i], one.duration.m_as("s"), rel_tol=1e-12)


@given(st.floats(1.2, 50))
def test_contradiction_beyond_tolerance_always_raises(factor):
    import pytest

    with pytest.raises(calc.ConflictError):
        calc.estimate(compute=6 * 1e9 * 1e11 * factor, params=1e9, tokens=1e11)
