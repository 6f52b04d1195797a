"""Questions users ask that failed (issue #21): chip-hours given as the flag names them, chip-hours shown as
people count them, thresholds of a run (not only of a compute), compare on the command line, and a price
per node (a machine of several chips) wherever a price is given."""

import contextlib
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import calc
from calc.__main__ import HARDWARE_FLAGS_DROPPED, main
from calc.compare import HARDWARE_SPECIFIC, compare_hardware
from calc.prices import read_price
from calc.scenario import read_query


def _cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("hours", ["2.664M", "2,664,000", "2.664e6", "2664000"])
def test_chip_hours_take_a_plain_count_where_the_flag_names_the_unit(hours):
    code, out, _ = _cli(["cost", "--chip-hours", hours, "--hardware", "H100 SXM5", "--start", "2024-06-01"])
    assert code == 0 and "9,297,360" in out  # 2.664M x Lambda's $3.49 of 2024-01-29, in force on 2024-06-01
    est = calc.estimate(chip_hours=hours, price="2 USD/chip/hour")
    assert est.cost.m_as("USD") == pytest.approx(5.328e6)


def test_chip_hours_are_shown_in_chip_hours_with_the_years_beside():
    code, out, _ = _cli(["estimate", "--compute", "3.8e25", "--hardware", "H100 SXM5", "--chips", "16384",
                         "--utilization", "0.38"])
    line = next(ln for ln in out.splitlines() if ln.startswith("chip_hours"))
    assert "M chip-hours (" in line and "chip-years)" in line  # 28.1M chip-hours (3,205 chip-years)


@pytest.mark.parametrize("run", [["--params", "405e9", "--tokens", "15.6e12"], ["--model", "Llama 3.1 405B"],
                                 ["--params", "405B", "--tokens", "15.6T", "--flop-per-param-token", "6"]])
def test_thresholds_take_the_run_itself(run):
    code, out, err = _cli(["thresholds", *run])
    assert code == 0, err
    assert out.startswith("the run: 3.7") or out.startswith("the run: 3.8")
    assert "CROSSES" in out and "EU AI Act" in out  # 3.8 x 10^25 > 10^25
    if "--model" in run:
        assert "16,384 chips of H100 SXM5" in out  # its reported cluster, for the time to each line


@pytest.mark.parametrize("argv, flag", [
    (["thresholds", "--compute", "1e25", "--params", "7e9", "--tokens", "1e12"], "--compute"),
    (["thresholds", "--params", "7e9"], "--tokens"),
    (["thresholds", "--model", "GPT-3 175B", "--params", "7e9", "--tokens", "1e12"], "--model"),
    (["thresholds", "--model", "No Such Run"], "--model"),
])
def test_thresholds_refuse_two_runs_or_half_a_run_in_one_line(argv, flag):
    code, _, err = _cli(argv)
    assert code == 2 and err.count("\n") == 1 and flag in err, err


def test_compare_on_the_command_line_is_compare_hardware():
    code, out, err = _cli(["compare", "--params", "70e9", "--tokens", "1.4e12", "--chips", "1024",
                           "--utilization", "0.4", "--hardware", "A100 SXM4 80GB", "--hardware", "h100 sxm5", "--json"])
    assert code == 0, err
    got = json.loads(out)
    want = compare_hardware({"params": "70e9 param", "tokens": "1.4e12 token", "chips": 1024, "utilization": 0.4},
                            ["A100 SXM4 80GB", "H100 SXM5"])
    for name, est in want.items():
        assert got[name]["duration"]["value"] == pytest.approx(est.duration.m_as("day"))
        assert got[name]["cost"]["value"] == pytest.approx(est.cost.m_as("USD"))
    code, out, _ = _cli(["compare", "--compute", "1e24", "--chips", "1000"])
    assert code == 0 and "B200" in out and "TPU v4" in out
    code, _, err = _cli(["compare", "--chips", "1000"])
    assert code == 2 and err.count("\n") == 1
    code, _, err = _cli(["compare", "--compute", "1e24", "--price", "2 USD/chip/hour"])
    assert code == 2 and "unrecognized" in err  # a per-chip input compare derives for each chip is no flag of it
    assert set(HARDWARE_FLAGS_DROPPED) == set(HARDWARE_SPECIFIC)


def test_compare_says_why_a_chip_has_no_price():
    # a new user's compare of the new chips: L4 and GB300 showed "—" for price and cost, unexplained
    # (prices7: the L4 has a price now, AWS's g6.xlarge; the H20 has none)
    code, out, err = _cli(["compare", "--params", "8e9", "--tokens", "1e12", "--chips", "1024", "--hardware", "H20",
                           "--hardware", "GB300", "--hardware", "H100 NVL"])
    assert code == 0, err
    assert out.splitlines()[-1] == ('(price —: no public rental price for H20, GB300 in data/prices.csv; estimate '
                                    '--hardware "H20" --price "2.5 USD/chip/hour" gives its cost)')


# ----------------------------------------------------------------- a price per node, at every door

@settings(max_examples=40, deadline=None)
@given(st.floats(0.5, 500), st.sampled_from([None, 1, 4, 8, 16]))
def test_a_node_price_is_the_per_chip_price_times_the_node(per_chip, node):
    hw = "H100 SXM5"
    n = node or 8  # the H100's server size, data/hardware.csv
    q, how = read_price(f"{per_chip * n!r} USD/hour/node", hw, node)
    assert q.m_as("USD/chip/hour") == pytest.approx(per_chip, rel=1e-9) and f"for {n} chip{'s' * (n != 1)} (" in how  # "1 chip" (doors13)
    est = calc.estimate(chip_hours="1e6 chip*hour", price=f"{per_chip * n!r} USD/h/node", hardware=hw,
                        chips_per_node=node)
    assert est.cost.m_as("USD") == pytest.approx(per_chip * 1e6, rel=1e-9)


@pytest.mark.parametrize("argv, cost", [
    (["estimate", "--chip-hours", "1e6", "--hardware", "H100 SXM5", "--price-per-node", "14 USD/h"], "$1.75M"),
    (["estimate", "--chip-hours", "1e6", "--hardware", "H100 SXM5", "--price", "$14/hour/node"], "$1.75M"),
    (["estimate", "--chip-hours", "1e6", "--price-per-node", "14 USD/h", "--chips-per-node", "4"], "$3.5M"),
    (["cost", "--chip-hours", "1e6", "--hardware", "H100 SXM5", "--start", "2024-06-01",
      "--price-per-node", "14 USD/h"], "1,750,000"),
    (["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--chips", "1024", "--tensor", "8",
      "--pipeline", "8", "--global-batch", "1536", "--tokens", "300e9", "--price", "14 USD/h/node"], "$1.75/chip-hour"),
])
def test_every_command_that_takes_a_price_takes_one_per_node(argv, cost):
    code, out, err = _cli(argv)
    assert code == 0 and cost in out, err


@pytest.mark.parametrize("argv, flag", [
    (["estimate", "--chip-hours", "1e6", "--price-per-node", "14 USD/h"], "--price"),  # no hardware, no node size
    (["estimate", "--chip-hours", "1e6", "--hardware", "TPU v5p", "--price", "14 USD/h/node"], "--price"),
    (["cost", "--chip-hours", "1e6", "--hardware", "H100 SXM5", "--price", "2 USD/chip/hour",
      "--price-per-node", "14 USD/h"], "--price-per-node"),
    (["estimate", "--chip-hours", "1e6", "--chips-per-node", "8"], "--chips-per-node"),
    (["estimate", "--chip-hours", "1e6", "--price-per-node", "14 USD/h", "--chips-per-node", "2.5"], "--chips-per-node"),
])
def test_a_node_price_that_cannot_be_read_per_chip_says_why_in_one_line(argv, flag):
    code, _, err = _cli(argv)
    assert code == 2 and err.count("\n") == 1 and err.startswith(f"calc: error: {flag}"), err


def test_a_link_carries_a_node_price_and_the_estimate_divides_it_by_the_hardwares_node():
    scenario, problems = read_query({"price": "14 USD/h/node", "hardware": "H100 SXM5", "chip_hours": "1e6"})
    assert not problems and scenario["price"] == "14 USD/h/node"
    est = calc.estimate(**scenario)
    assert est.price.m_as("USD/chip/hour") == pytest.approx(1.75) and "given per node" in est["price"].how
