"""The chip is resolved once, where the user's input arrives, and passed down as a ``calc.data.Hardware``
(issue 18): public functions take a name or the object and give the same answer either way."""

import pytest

from calc import cost, data, prices, thresholds
from calc.compare import compare_hardware
from calc.estimate import estimate


@pytest.fixture
def lookups(monkeypatch):
    """The names looked up in data/hardware.csv while the test runs."""
    names, real = [], data.hardware

    def counting(name):
        if isinstance(name, str):
            names.append(name)
        return real(name)
    monkeypatch.setattr(data, "hardware", counting)
    return names


def _same(a, b):
    return [str(x) if isinstance(x, Exception) else (x.method, x.value, x.basis) for x in a] == \
           [str(x) if isinstance(x, Exception) else (x.method, x.value, x.basis) for x in b]


def test_a_name_is_looked_up_once_and_the_object_never(lookups):
    h100 = data.hardware("H100 SXM5")
    lookups.clear()
    by_name = cost.all_methods("1e6 chip*hour", "H100 SXM5", "2024-06-01")
    assert lookups == ["H100 SXM5"]
    lookups.clear()
    by_object = cost.all_methods("1e6 chip*hour", h100, "2024-06-01")
    assert lookups == [] and _same(by_name, by_object)
    steps = cost.reconcile("3.8e25 FLOP", h100, "2e7 chip*hour", "2024-06-01", year=2023)
    assert lookups == [] and steps == cost.reconcile("3.8e25 FLOP", "H100 SXM5", "2e7 chip*hour", "2024-06-01",
                                                     year=2023)
    lookups.clear()
    est = thresholds.time_to_reach("1e26 FLOP", 100_000, h100, utilization=0.4)
    assert lookups == [] and est.duration == thresholds.time_to_reach("1e26 FLOP", 100_000, "H100 SXM5",
                                                                      utilization=0.4).duration


def test_every_public_price_function_takes_the_object():
    a100 = data.hardware("A100 SXM4 40GB")
    assert prices.default_vendor(a100, "2023-01-01") == prices.default_vendor("A100 SXM4 40GB", "2023-01-01")
    assert prices.default_price(a100) == prices.default_price("a100 sxm4 40gb")
    assert prices.rental_price(a100, "2023-01-01") == prices.rental_price("A100 SXM4 40GB", "2023-01-01")
    assert prices.purchase_price(a100, "2023-01-01") == prices.purchase_price("A100 SXM4 40GB", "2023-01-01")
    assert prices.no_price_message(a100) == prices.no_price_message("A100 SXM4 40GB")


def test_estimate_and_compare_take_the_object():
    h100 = data.hardware("H100 SXM5")
    one = estimate(params="70e9", tokens="1.4e12", hardware=h100, chips=1024)
    other = estimate(params="70e9", tokens="1.4e12", hardware="H100 SXM5", chips=1024)
    assert one.duration == other.duration and one.cost == other.cost and one.hardware is other.hardware
    runs = compare_hardware({"compute": "1e24 FLOP", "chips": 1024, "utilization": 0.4}, ["A100 SXM4 80GB", "H100 SXM5"])
    assert runs["H100 SXM5"].duration == estimate(compute="1e24 FLOP", chips=1024, utilization=0.4,
                                                  hardware=h100).duration
    with pytest.raises(data.InputError, match="hardware"):
        estimate(compute="1e24 FLOP", chips=1, hardware=3)
