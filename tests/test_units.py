"""The one registry: real dimensions for FLOP, param, token, chip, byte and USD."""

import pint
import pytest

import calc
from calc import Q_, ureg
from calc.errors import InputError
from calc.units import parse_quantity


def test_registry_is_the_application_registry():
    assert pint.get_application_registry().get() is ureg
    assert calc.ureg is ureg


@pytest.mark.parametrize("text, dim", [
    ("3.14e23 FLOP", "[compute]"), ("175e9 param", "[parameters]"), ("300e9 token", "[tokens]"),
    ("10000 chip", "[accelerators]"), ("1.5 USD", "[currency]"), ("40 GB", "[information]"),
])
def test_domain_units_have_their_own_dimension(text, dim):
    assert str(Q_(text).dimensionality) == dim


def test_information_does_not_add_to_a_number():
    with pytest.raises(pint.DimensionalityError):
        Q_("1 GB") + 1


def test_params_over_bytes_is_not_a_fraction():
    with pytest.raises(pint.DimensionalityError):
        (Q_(117e6, "param") / Q_(40, "GB")).to("")


def test_gpt3_compute_in_petaflop_s_days():
    # Brown et al. 2020, Table D.1: 3.14e23 FLOP = 3.64e3 PF-days
    assert Q_(3.14e23, "FLOP").to("PFLOP/s*day").magnitude == pytest.approx(3640, rel=0.01)


@pytest.mark.parametrize("text, expected", [
    ("1 GiB", 2**30), ("1 GB", 1e9), ("8 Gbit", 1e9), ("2 TB", 2e12),
])
def test_prefixes(text, expected):
    assert Q_(text).to("byte").magnitude == pytest.approx(expected)


def test_energy_units():
    assert Q_("1 MWh").to("kWh").magnitude == pytest.approx(1000)
    assert Q_("1 kWh").to("J").magnitude == pytest.approx(3.6e6)
    assert Q_("552 t").to("kg").magnitude == pytest.approx(552e3)


def test_there_is_no_flops_rate_unit():
    # "FLOPS" must never be read as a rate: the plural of FLOP is a count.
    q = Q_("5 petaflops")
    assert q.dimensionality == Q_("1 FLOP").dimensionality


@pytest.mark.parametrize("hostile", [
    "__import__('os').system('true')", "1" * 5000, "(" * 200 + "1" + ")" * 200, "eval(1)", "1; FLOP",
    "lambda: 1", "1 FLOP ** 1e9999",
])
def test_hostile_strings_are_rejected_cleanly(hostile):
    with pytest.raises(calc.InputError) as exc:
        calc.parse_quantity(hostile, "compute", "FLOP", bare_ok=True)
    assert exc.value.field == "compute"


@pytest.mark.parametrize("text, field, unit, expected", [
    ("70b", "params", "param", 70e9), ("70G", "params", "param", 70e9), ("70 G param", "params", "param", 70e9),
    ("1.4t", "tokens", "token", 1.4e12), ("1.4 t tokens", "tokens", "token", 1.4e12),
    ("2 t", "emissions", "t", 2.0),  # tonnes stay tonnes where tonnes are meant: the literal reading wins
    ("40 GB", "dataset_size", "GB", 40.0),
])
def test_counts_as_people_type_them(text, field, unit, expected):
    q = parse_quantity(text, field, unit, bare_ok=True)
    assert q.m_as(unit) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("text, field, unit, words", [
    ("70 GB", "params", "param", "got 70 GB (a size in bytes)"),  # the literal reading is what the message shows
    ("$2/hr", "price", "USD/chip/hour", 'if that is per chip, write "2 USD/h/chip"'),
    ("98.32 USD/hour", "price", "USD/chip/hour", 'write "98.32 USD/h/chip"; for a machine of several chips, '
                                                 '"98.32 USD/h/node"'),  # a price per node reads (issue #21)
    ("700 W", "power", "W/chip", 'write "700 W/chip"'),
    ("70b", "dataset_size", "GB", "a count ('70b') without a unit is ambiguous here"),
])
def test_near_misses_say_what_would_read(text, field, unit, words):
    with pytest.raises(InputError) as exc:
        parse_quantity(text, field, unit, bare_ok=field != "dataset_size")
    assert words in str(exc.value)


@pytest.mark.parametrize("text, expected", [("989 TFLOPS", 989e12), ("45 EFLOPS", 45e18), ("989 teraFLOPS", 989e12),
                                            ("989 tflops", 989e12), ("1 MFLOPS", 1e6), ("45 exaflops", 45e18)])
def test_flops_is_per_second_where_a_rate_is_expected(text, expected):
    assert parse_quantity(text, "cluster_peak", "FLOP/s", bare_ok=True).m_as("FLOP/s") == pytest.approx(expected)


def test_flops_where_a_count_is_expected():
    assert parse_quantity("1e25 FLOPs", "compute", "FLOP", bare_ok=True).m_as("FLOP") == 1e25  # FLOPs: a plural
    with pytest.raises(InputError, match='"FLOPS" is ambiguous here'):
        parse_quantity("1e25 FLOPS", "compute", "FLOP", bare_ok=True)
    with pytest.raises(InputError, match='write "989 TFLOP/s/chip"'):  # a peak per chip: the chip is not implied
        parse_quantity("989 TFLOPS", "peak", "FLOP/s/chip", bare_ok=True)


@pytest.mark.parametrize("text, field, unit", [("$2/hr", "price", "USD/chip/hour"), ("700 W", "power", "W/chip"),
                                               ("1e25 FLOPS", "peak", "FLOP/s/chip")])
def test_the_per_chip_suggestion_reads(text, field, unit):
    import re

    with pytest.raises(InputError) as exc:
        parse_quantity(text, field, unit, bare_ok=True)
    suggestion = re.search(r'write "([^"]+)"', str(exc.value)).group(1)
    assert parse_quantity(suggestion, field, unit, bare_ok=True).check(unit)
