"""Rental prices: every row sourced and dated, one rule for the defaults, and a word for every chip.

The rule (calc.cost.DEFAULT_PRICE_RULE): one cloud per chip, the big cloud (AWS, Google Cloud, Azure) whose
on-demand list price in force is lowest, every tier from it; a chip no big cloud lists takes the lowest
other public price, marked as such. The checks below read data/prices.csv with the csv module, not through
the code under test, so that they can fail.
"""

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

import calc
from calc import data
from calc.cost import LIST_PRICE_CLOUDS, default_price, default_vendor, rental_price, scenario_start

ROWS = list(csv.DictReader(open(Path(__file__).parents[1] / "data" / "prices.csv", newline="")))[1:]  # skip units
CHIPS = list(data.hardware_table())


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['hardware']}-{r['vendor']}-{r['date']}-{r['commitment']}")
def test_every_price_row_is_sourced_dated_and_sane(row):
    assert re.search(r"https?://|arXiv:\d{4}\.\d{4,5}", row["source"]), "source needs a URL or an arXiv id"
    retrieved = dt.date.fromisoformat(row["retrieved"])
    assert dt.date.fromisoformat(row["date"]) <= retrieved, "a price cannot be in force after it was read"
    assert row["hardware"] in CHIPS, "every priced chip is in data/hardware.csv"
    assert float(row["quoted_price"]) > 0 and int(row["chips_per_basis"]) >= 1
    per_chip = float(row["quoted_price"]) / int(row["chips_per_basis"])
    assert 0.3 < per_chip < 30, "USD per chip-hour: a price outside this span is a slip (an instance price per chip?)"


def test_commitments_are_cheaper_than_on_demand_from_the_same_vendor_and_day():
    on_demand = {(r["hardware"], r["vendor"], r["date"]): float(r["quoted_price"]) / int(r["chips_per_basis"])
                 for r in ROWS if r["commitment"] == "on-demand"}
    for r in ROWS:
        key = (r["hardware"], r["vendor"], r["date"])
        if r["commitment"] != "on-demand" and key in on_demand:
            assert float(r["quoted_price"]) / int(r["chips_per_basis"]) < on_demand[key], key


@pytest.mark.parametrize("chip", CHIPS)
def test_default_vendor_is_a_big_cloud_whenever_one_lists_the_chip(chip):
    big = {r["vendor"] for r in ROWS if r["hardware"] == chip and r["commitment"] == "on-demand"
           and r["vendor"] in ("Amazon Web Services", "Google Cloud", "Microsoft Azure")}
    vendor = default_vendor(chip)
    if big:
        assert vendor in big
    elif vendor is not None:
        assert vendor not in LIST_PRICE_CLOUDS
        assert "no big cloud" in calc.estimate(hardware=chip, chip_hours="1 chip*hour")["price"].how


@pytest.mark.parametrize("chip", CHIPS)
def test_every_chip_has_a_default_price_or_says_there_is_none_and_how_to_give_one(chip):
    est = calc.estimate(hardware=chip, chip_hours="1000 chip*hour")
    if "price" in est:
        assert est["price"].source == "default" and est.cost.m_as("USD") > 0
    else:
        why = est.undetermined["price"]
        assert "no public rental price" in why and chip in why and "--price" in why and "field" in why


@pytest.mark.parametrize("chip", CHIPS)
def test_every_tier_comes_from_the_default_vendor(chip):
    start = scenario_start()
    vendor = default_vendor(chip, start)
    tiers = {c: default_price(chip, c, start) for c in data.COMMITMENTS}
    for commitment, p in tiers.items():
        assert p is None or p.vendor == vendor, commitment
    if tiers["on-demand"] and tiers["3-year"]:
        assert tiers["3-year"].price < tiers["on-demand"].price


@pytest.mark.parametrize("pair", [("A100 SXM4 40GB", "A100 SXM4 80GB"), ("H100 SXM5", "H200 SXM"),
                                  ("H100 SXM5", "B200")])
def test_sibling_chips_are_priced_by_the_same_vendor_on_the_same_day(pair):
    # Issue #12: A100 80GB at Azure's $4.10 against A100 40GB at Lambda's $1.10; H200 at AWS against H100 at Lambda
    a, b = (default_price(c) for c in pair)
    assert (a.vendor, a.date) == (b.vendor, b.date)
    assert a.price < b.price  # the bigger memory or the newer chip costs more from one vendor


def test_deepseek_v3_costs_what_its_report_says_at_the_h800_default():
    # DeepSeek-V3 Technical Report (arXiv:2412.19437) Table 1: 2.788M H800 GPU-hours, $5.576M at $2 per GPU-hour
    est = calc.estimate(hardware="H800 SXM5", chip_hours="2.788e6 chip*hour")
    assert est.cost.m_as("USD") == pytest.approx(5.576e6, rel=1e-3)
    assert "DeepSeek" in est["price"].how


def test_a_vendor_without_the_tier_says_so():
    # AWS lists only on-demand p5 in data/prices.csv; its 3-year is not borrowed from another cloud
    with pytest.raises(calc.InputError, match="lists no 3-year price"):
        rental_price("H100 SXM5", "2026-10-01", "3-year")


def _cli(capsys, *args) -> str:
    from calc.__main__ import main

    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_command_line_thresholds_buys_at_the_printed_on_demand_price(capsys):
    out = _cli(capsys, "thresholds", "--compute", "3.8e25", "--chips", "100000", "--hardware", "H100 SXM5",
               "--budget", "6e9")
    # a run of today at the newest prices, as `estimate` prices it: AWS's p5 at $55.04 / 8 (2026-09-25)
    assert "cloud prices: Amazon Web Services" in out and "$6.88" in out and "lowest on-demand list price" in out
    line = next(x for x in out.splitlines() if x.strip().startswith("10²⁵ FLOP"))
    cost = re.search(r"cloud \(on-demand\) \$([\d.]+)M", line).group(1)
    runs = re.search(r"buys ([\d.,]+) such runs", line).group(1)
    assert float(runs) == pytest.approx(6e9 / (float(cost) * 1e6), rel=0.01)


@pytest.mark.parametrize("chip", ["GB200", "MI250X"])
def test_command_line_says_when_a_chip_has_no_public_price(capsys, chip):
    out = _cli(capsys, "thresholds", "--compute", "3.8e25", "--chips", "1000", "--hardware", chip)
    assert f"no public rental price for the {chip}" in out and "--price" in out
    out = _cli(capsys, "estimate", "--params", "7e9", "--tokens", "1e12", "--hardware", chip, "--chips", "64")
    assert f"no public rental price for the {chip}" in out


def test_command_line_estimate_names_the_rule_behind_a_default_price(capsys):
    out = _cli(capsys, "estimate", "--params", "7e9", "--tokens", "1e12", "--hardware", "H800 SXM5", "--chips", "64")
    price = next(x for x in out.splitlines() if x.startswith("price"))
    assert "DeepSeek" in price and "no big cloud" in price


def test_command_line_thresholds_says_a_missing_tier_once(capsys):
    # Issue #12: "AWS lists no 3-year price..." was repeated inside every line
    out = _cli(capsys, "thresholds", "--compute", "3.8e25", "--chips", "100000", "--hardware", "H100 SXM5")
    assert out.count("no 3-year price") == 1
    assert all("lists no" not in x for x in out.splitlines() if x.strip().startswith(("10²⁵ FLOP", "10²⁶ FLOP")))


@pytest.mark.parametrize("model, first", [("DeepSeek-V3", "2024-12-27")])  # Llama 3.1 405B: priced in force (doors17)
def test_command_line_cost_of_a_run_before_the_first_price(capsys, model, first):
    # Issue #12: 'calc: error: --start: ...' with no --start given, or only '—' rows
    out = _cli(capsys, "cost", "--model", model)
    on_demand = next(x for x in out.splitlines() if x.startswith("cloud (on-demand)"))
    assert "$" in on_demand and f"the first price listed, {first}" in on_demand


def test_command_line_cost_of_a_run_without_chip_hours_says_the_data_lacks_them(capsys):
    from calc.__main__ import main

    assert main(["cost", "--model", "GPT-2 XL"]) == 2
    err = capsys.readouterr().err
    assert "data/models.csv gives neither its chip-hours nor its chips and duration for GPT-2 XL" in err


@pytest.mark.parametrize("chip, usd", [("A10", 1.29), ("RTX A6000", 1.09)])
def test_lambda_s_public_price_prices_the_cards_no_big_cloud_lists(chip, usd):
    # doors12: Lambda's instances page (2026-09-20) states an on-demand price per GPU for them; no big cloud lists them
    est = calc.estimate(hardware=chip, chip_hours="1000 chip*hour")
    assert est["price"].value.m_as("USD/chip/hour") == pytest.approx(usd)
    assert "Lambda Labs, 2026-09-20" in est["price"].how and "no big cloud" in est["price"].how


@pytest.mark.parametrize("chip", ["RTX 6000 Ada", "RTX 4090", "L40", "A100 PCIe 40GB", "A800 SXM4 80GB", "Gaudi 2",
                                  "TPU v7 Ironwood"])
def test_a_card_with_no_public_price_stays_unpriced_and_says_how_to_give_one(chip):
    why = calc.estimate(hardware=chip, chip_hours="1000 chip*hour").undetermined["price"]
    assert f"no public rental price for the {chip}" in why and "--price" in why


def test_the_doors_name_the_chips_with_no_public_price_and_why_a_column_is_empty(capsys):
    """fresh14: compare's JSON left out an unpriced chip's price and cost without a word (the table's footnote said
    it), TPU v5p's energy '—' went unsaid, and the hardware list did not say which chips have no price."""
    import json

    from calc.__main__ import main

    run = ["compare", "--params", "70e9", "--tokens", "1.4e12", "--chips", "1024", "--utilization", "0.4",
           "--hardware", "GB200", "--hardware", "TPU v5p", "--hardware", "H100 SXM5"]
    assert main(run + ["--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert "price" not in got["GB200"] and "no public rental price for the GB200" in got["GB200"]["undetermined"]["price"]
    assert "no TDP for TPU v5p" in got["TPU v5p"]["undetermined"]["power"]
    assert "undetermined" not in got["H100 SXM5"]
    assert main(run) == 0
    out = capsys.readouterr().out
    assert "(price —: no public rental price for GB200 in data/prices.csv" in out
    assert '(energy —: no TDP for TPU v5p in data/hardware.csv; estimate --hardware "TPU v5p" --power' in out
    assert main(["hardware"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    unpriced = [name for name in data.hardware_table() if default_price(name) is None]
    assert last.startswith(f"(no public rental price in data/prices.csv for {len(unpriced)}: {', '.join(unpriced)};")
    assert "GB200" in unpriced and "H100 SXM5" not in unpriced


def test_the_default_price_says_it_is_the_newest_listing_in_force_not_the_cheapest_ever():
    """fresh23b: V100 SXM2's default is AWS's 2019 $3.90 while data/prices.csv also holds AWS's 2018 $3.06; 'the lowest
    on-demand list price' read as the cheapest row. The words say each cloud's newest listing is the one in force."""
    from calc.prices import default_price, price_basis

    p = default_price("V100 SXM2")
    assert str(p.date) == "2019-06-10" and "newest listing" in price_basis(p)
