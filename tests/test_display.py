"""calc.display: the one formatter. Numbers people read, field text the parser reads back, safe echo."""

import re

import numpy as np
import pytest

import calc
from calc.display import as_text, escape, exact, label, number, show, tick_digits, ticks
from calc.units import Q_, parse_quantity
from calc.vocabulary import BY_NAME

E_NOTATION = re.compile(r"\d[eE][+-]?\d")


@pytest.mark.parametrize("x, text", [
    (3.8e25, "3.8 × 10²⁵"), (1e26, "10²⁶"), (3.14e23, "3.14 × 10²³"), (1024, "1,024"), (100000, "100,000"),
    (123456, "123,456"), (1.2e6, "1.2 × 10⁶"), (14.8, "14.8"), (0.375, "0.375"), (0.0004, "4 × 10⁻⁴"),
    (-5e-5, "-5 × 10⁻⁵"), (0, "0"), (12.0, "12"), (999.96, "1,000"), (float("inf"), "∞"),
])
def test_number_never_prints_e_notation(x, text):
    assert number(x) == text


@pytest.mark.parametrize("name, q, text", [
    ("compute", Q_(3.8e25, "FLOP"), "3.8 × 10²⁵ FLOP"),  # how the 10^25 / 10^26 rules are read
    ("cost", Q_(4.6e6, "USD"), "$4.6M"),
    ("duration", Q_(14.8, "day"), "14.8 days"),
    ("duration", Q_(5, "hour"), "5 hours"),
    ("price", Q_(3.9, "USD/chip/hour"), "$3.90/chip-h"),  # fresh12: '$3.9/chip-h' (V100 on AWS)
    ("price", Q_(2, "USD/chip/hour"), "$2.00/chip-h"),
    ("price", Q_(0.85, "USD/chip/hour"), "$0.85/chip-h"),
    ("emissions", Q_(9.89e-4, "t"), "0.989 kg CO2e"),  # fresh12: '9.89 × 10⁻⁴ t CO2e'
    ("emissions", Q_(144, "t"), "144 t CO2e"),
    ("duration", Q_(0.374, "hour"), "22.4 minutes"),  # fresh12: '0.374 hours' (LoRA on 8 H100)
    ("duration", Q_(4.34e-4, "hour"), "1.56 seconds"),  # fresh12: '4.34 × 10⁻⁴ hours' (a billion chips)
    ("params", Q_(175e9, "param"), "175B params"),
    ("chips", Q_(10000, "chip"), "10,000 chips"),
    ("utilization", Q_(0.38, ""), "38%"),
    ("energy", Q_(1.29e9, "Wh"), "1.29 GWh"),
    # fresh24: 'optimal --compute 1e40' printed '695Q params' (10¹⁷ to some readers, 10³² to SI's quetta)
    ("params", Q_(6.95e17, "param"), "6.95 × 10¹⁷ params"),
    ("tokens", Q_(999e12, "token"), "999T tokens"),
    ("tokens", Q_(1.5e15, "token"), "1.5 × 10¹⁵ tokens"),
])
def test_show_reads_as_people_write(name, q, text):
    assert show(name, q, short=True) == text


def test_samples_show_median_and_the_same_90_percent_interval_as_the_metrics():
    q = Q_(np.linspace(1, 100, 1001), "day")
    assert show("duration", q) == "50.5 days (90%: 5.95 days – 95.1 days)"


@pytest.mark.parametrize("name, q", [
    ("params", Q_(174.6e9, "param")), ("tokens", Q_(1.4e12, "token")), ("compute", Q_(3.14e23, "FLOP")),
    ("compute", Q_(2.1e25, "FLOP")), ("chips", Q_(16384, "chip")), ("duration", Q_(14.8, "day")),
    ("chip_hours", Q_(3.084e7, "chip*hour")), ("price", Q_(1.16, "USD/chip/hour")), ("power", Q_(700, "W/chip")),
    ("utilization", Q_(0.462, "")), ("energy", Q_(1287, "MWh")), ("emissions", Q_(552, "t")),
])
def test_field_text_has_no_e_notation_and_reads_back(name, q):
    text = as_text(name, q)
    assert not E_NOTATION.search(text), text
    term = BY_NAME[name]
    back = parse_quantity(text, name, term.unit, bare_ok=term.bare_ok)
    assert back.m_as(q.units) == pytest.approx(q.magnitude, rel=1e-12)


@pytest.mark.parametrize("x", [175e9, 3.14e23, 0.3, 1024.0, 14.8, 1e-5, 123456.5, 6.0534e9])
def test_exact_keeps_every_digit(x):
    assert float(calc.units.read_number(exact(x), "x")[0]) == pytest.approx(x, rel=1e-15)


@pytest.mark.parametrize("name, text", [("duration", "Duration (days)"), ("pue", "PUE (data-centre overhead)"),
                                        ("flop_per_param_token", "FLOP per parameter per token"),
                                        ("price", "Price per chip-hour (USD)")])
def test_labels_are_words_with_the_unit_people_use(name, text):
    assert label(name) == text


@pytest.mark.parametrize("text", ["[Log in](https://evil.example)", "![x](https://evil.example/x.png)",
                                  ":red[alarm]", "$x^2$", "<b>bold</b>", "**bold** _it_", "www.evil.example",
                                  "a@evil.example", "`code`"])
def test_escape_leaves_no_markdown(text):
    out = escape(text)
    assert "](" not in out and "<b>" not in out and "://" not in out and "www." not in out
    assert out.replace("\\", "").replace("\u2060", "") == text  # shows exactly what was typed


def test_escape_cuts_long_text_and_flattens_lines():
    out = escape("a\n" * 500)
    assert "\n" not in out and len(out) <= 200


def test_one_chip_is_singular():
    from calc import Q_
    from calc.display import show

    assert show("chips", Q_(1, "chip")) == "1 chip" and show("chips", Q_(2, "chip")) == "2 chips"


@pytest.mark.parametrize("lo, hi, expected", [
    (3.3e6, 5.3e6, [3.5e6, 4e6, 4.5e6, 5e6]),  # a range's cost: several labels, not one "$5M"
    (1, 1000, [1, 10, 100, 1000]),
    (3, 60, [5, 10, 20, 50]),
    (0.31, 0.49, [0.35, 0.4, 0.45]),
    (10.2, 11.9, [10.5, 11, 11.5]),
    (1e23, 1e27, [1e23, 1e24, 1e25, 1e26, 1e27]),
])
def test_ticks_are_round_and_several_within_the_span(lo, hi, expected):
    out = ticks(lo, hi)
    assert out == pytest.approx(expected, rel=1e-12)
    assert all(lo <= t <= hi for t in out)


@pytest.mark.parametrize("values, digits", [
    ([3.5e6, 4e6, 4.5e6, 5e6], 2), ([1e6, 2e6], 1), ([4.25e6, 4.5e6], 3), ([0.35, 0.4], 2), ([12, 14, 16], 2),
])
def test_tick_digits_write_every_tick_exactly(values, digits):
    assert tick_digits(values) == digits


def test_a_value_that_rounds_up_to_the_next_prefix_takes_it():
    # fresh15: calc lifetime --loss 1.70 printed "break-even demand: 1,000B tokens" (999.6B rounded after its prefix)
    from calc.display import show, si
    from calc.units import Q_

    assert show("tokens", Q_(999.6e9, "token")) == "1T tokens"
    assert show("tokens", Q_(999.4e9, "token")) == "999B tokens"
    assert show("params", Q_(999.96e6, "param")) == "1B params"
    assert si(Q_(999.7e12, "FLOP/s"), "FLOP/s") == "1 PFLOP/s"


@pytest.mark.parametrize("n, said", [(1, "1 sequence"), (1.0001, "1 sequence"), (2, "2 sequences"),
                                     (0.5, "0.5 sequences"), (219, "219 sequences")])
def test_a_count_is_singular_only_where_one_is_shown(n, said):
    # the Lifetime page said "1 sequences in flight"; calc.display.counted is every door's plural
    from calc.display import counted

    assert counted(n, "sequence") == said


def test_the_serve_command_says_one_sequence_in_the_singular(capsys):
    from calc.__main__ import main

    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--concurrency", "1"]) == 0
    out = capsys.readouterr().out
    assert "concurrency: 1 sequence in flight (" in out and "1 sequences" not in out


PLURAL_OF_ONE = re.compile(r"(?<![\d.,])1 (sequences|clients|requests|chips|micro-batches|stages|replicas)\b")


@pytest.mark.parametrize("argv", [
    ["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--concurrency", "1"],
    ["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--request-rate", "1"],
    ["step", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--chips", "1", "--global-batch", "1", "--search"],
    ["step", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--global-batch", "1", "--budget", "$1000",
     "--tokens", "1e9"],
])
def test_a_count_of_one_is_singular_at_every_door(argv, capsys):
    # fresh21: "a closed loop of 1 clients", "request rate: 1 requests/s", "global batch 1 sequences", and a
    # search on 1 chip at a batch of 1 offered "a smaller global batch" as a way to fit
    from calc.__main__ import main

    main(argv)
    out = capsys.readouterr().out
    assert not PLURAL_OF_ONE.search(out), PLURAL_OF_ONE.search(out)
    assert "smaller global batch" not in out


def test_the_python_door_says_one_request_and_one_client_in_the_singular():
    from calc.perf import utilization  # noqa: F401  (the estimate's modelled MFU says its chips)

    said = repr(calc.serve("Llama 3 8B", "H100 SXM5", request_rate=1))
    assert "1 request/s" in said
    est = calc.estimate(params="8e9 param", tokens="1e12 token", hardware="H100 SXM5", chips=1)
    assert not PLURAL_OF_ONE.search(est["utilization"].source), est["utilization"].source


@pytest.mark.parametrize("value, said", [
    ("5 kg", "got str '5 kg'"), (5, "got int 5"), (None, "got NoneType None"),
])
def test_show_refuses_what_is_not_a_quantity_by_its_field(value, said):
    """`show("cost", "5 kg")` raised AttributeError ('str' object has no attribute 'magnitude') (doors23): an
    InputError naming the field, what was expected and what was read."""
    from calc.display import show
    from calc.errors import InputError

    with pytest.raises(InputError) as exc:
        show("cost", value)
    assert exc.value.field == "cost" and exc.value.message.startswith("expected a Quantity (calc.Q_(value, unit)")
    assert exc.value.message.endswith(said), exc.value.message


def test_show_refuses_a_quantity_of_another_dimension_by_its_field():
    from calc import Q_
    from calc.display import show
    from calc.errors import InputError

    with pytest.raises(InputError) as exc:
        show("cost", Q_(5, "kg"))
    assert str(exc.value) == "cost: expected a quantity in USD ([currency]), got 5 kg ([mass])"
