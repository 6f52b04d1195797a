"""The Cost and Thresholds pages: they start from the session's scenario, show every basis whole, and
price a run once (the "buys" column divides by the table's own on-demand cost)."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import calc
from calc import data
from calc.cost import cloud_cost, scenario_start

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TYPICAL = {"params": "70e9 param", "tokens": "1.4e12 token", "hardware": "H100 SXM5", "chips": "1024"}


def _page(page: str, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _usd(text: str) -> float:
    scale = {"k": 1e3, "M": 1e6, "B": 1e9}
    return float(text.strip("$").rstrip("kMB")) * scale.get(text[-1], 1)


def test_cost_opens_with_the_scenarios_hardware_chips_and_chip_hours():
    at = _page("cost", **TYPICAL)
    hours = calc.estimate(**calc.scenario.inputs(TYPICAL)).chip_hours.m_as("chip*hour")
    assert at.selectbox(key="cost_run").value == "Your Estimate scenario"
    assert at.selectbox(key="cost_hw").value == "H100 SXM5"
    shown = calc.units.parse_quantity(at.text_input(key="cost_hours").value, "chip_hours", "chip*hour", bare_ok=True)
    assert shown.m_as("chip*hour") == pytest.approx(hours, rel=1e-3)
    table = at.table[0].value
    assert "1,024 chips" in table.loc[table["Method"] == "acquisition", "Basis"].iloc[0]


def test_cost_without_a_scenario_opens_with_gpt3_and_shows_each_basis_whole():
    at = _page("cost")
    assert at.selectbox(key="cost_run").value == "GPT-3 175B"
    basis = at.table[0].value.set_index("Method")["Basis"]
    # the whole sentence, rule included: a table wraps, a data frame's cell was cut until hovered
    assert basis["cloud (on-demand)"].startswith("Amazon Web Services us-east-1, 2019-06-10: $3.90 per chip-hour")
    assert "lowest on-demand list price" in basis["cloud (on-demand)"]
    assert any("one cloud per chip" in c.value for c in at.caption)


def test_cost_with_one_vendor_asked_for():
    at = _page("cost", **TYPICAL)
    at.selectbox(key="cost_vendor").select("Lambda Labs").run()
    basis = at.table[0].value.set_index("Method")["Basis"]
    assert basis["cloud (on-demand)"].startswith("Lambda Labs, 2024-09-01: $2.99") and "asked for" in basis.iloc[0]
    assert any("Lambda Labs" in i.value and "3" in i.value for i in at.info)  # Lambda lists no 3-year price


def test_thresholds_buys_at_the_tables_own_on_demand_price():
    at = _page("thresholds", **TYPICAL)
    first, buys = at.table[1].value.iloc[0], at.table[2].value.iloc[0]  # the cost of each line, then what budgets buy
    assert _usd(buys["xAI's $6B buys"].split()[0]) == pytest.approx(
        6e9 / _usd(first["cloud (on-demand)"]), rel=0.01)
    est = calc.thresholds.time_to_reach("1e25 FLOP", 1024, "H100 SXM5")
    assert _usd(first["cloud (on-demand)"]) == pytest.approx(est.cost.m_as("USD"), rel=0.01)  # Estimate's price
    assert _usd(first["cloud (on-demand)"]) == pytest.approx(
        cloud_cost(est.chip_hours, "H100 SXM5", scenario_start()).value.m_as("USD"), rel=0.01)
    caption = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Amazon Web Services" in caption and "$6.88" in caption and "same on-demand price" in caption


@pytest.mark.parametrize("chip", ["GB200", "MI250X"])
def test_thresholds_says_when_a_chip_has_no_public_price(chip):
    at = _page("thresholds", **{**TYPICAL, "hardware": chip})
    assert at.selectbox(key="th_hw").value == chip
    caption = " ".join(c.value for c in at.caption).replace("\\", "")
    assert f"no public rental price for the {chip}" in caption and "--price" in caption


TYPICAL_2T = {"params": "70B", "tokens": "2T", "hardware": "H100 SXM5", "chips": "2048"}  # issue #12's "typical"


def _methods(at: AppTest) -> dict:
    return dict(zip(at.table[0].value["Method"], at.table[0].value["Cost"]))


def test_cost_of_the_scenario_is_the_estimate_pages_cost_and_its_own_price_comes_first():
    # Issue #12: Cost showed $6.62M (Google Cloud, 2025-12-31) where Estimate showed $4.27M; a price given was ignored.
    # 70B and 2T are Llama 2 70B's published counts: a known shape, so the Estimate page (and, since both share
    # app_pages/session.py's estimate, the Cost page) take its modelled utilization, not the default (37%)
    # calc.estimate gives the bare counts; this test compared Cost with the latter while Estimate showed the former.
    import calc.scenario

    est = calc.estimate(**calc.scenario.inputs(TYPICAL_2T), utilization_model="Llama 2 70B")
    shown = {m.label.split(" (")[0].split(" ·")[0]: m.value for m in _page("estimate", **TYPICAL_2T).metric}
    assert _usd(shown["Cost"]) == pytest.approx(est.cost.m_as("USD"), rel=0.01), shown
    at = _page("cost", **TYPICAL_2T)
    assert _usd(_methods(at)["cloud (on-demand)"]) == pytest.approx(est.cost.m_as("USD"), rel=0.01)
    at = _page("cost", **TYPICAL_2T, price="2 USD/chip/hour")
    methods = _methods(at)
    assert list(methods)[0] == "your price"
    assert _usd(methods["your price"]) == pytest.approx(est.chip_hours.m_as("chip*hour") * 2, rel=0.01)
    assert "cloud (on-demand)" in methods  # beside the listed prices, not instead of them
    assert at.number_input(key="cost_year").value == min(scenario_start().year, max(data.ppi()))


def test_gb200_with_a_price_given_is_priced_and_says_each_missing_table_once():
    at = _page("cost", **{**TYPICAL_2T, "hardware": "GB200"}, price="2 USD/chip/hour")
    assert list(_methods(at)) == ["your price"]
    notes = [i.value.replace("\\", "") for i in at.info]
    assert sum("purchase price" in n for n in notes) == 1
    assert not any("before the first purchase price" in n for n in notes)
    assert not any("Give a price yourself" in n for n in notes)  # it has been given


def test_a_scenario_with_a_range_is_priced_at_its_medians_and_says_so():
    # Issue #12: a range made the page show GPT-3 175B in silence
    at = _page("cost", **TYPICAL_2T, utilization="0.3..0.5")
    assert at.selectbox(key="cost_run").value == "Your Estimate scenario"
    assert any("medians" in c.value for c in at.caption)


def test_a_scenario_that_cannot_be_priced_says_why_and_what_is_shown():
    at = _page("cost", params="70B", tokens="2T")
    assert at.selectbox(key="cost_run").value == "GPT-3 175B"
    assert any("names no hardware" in i.value and "GPT" in i.value for i in at.info)


def test_gpt3_on_the_cost_page_starts_on_the_command_lines_day():
    at = _page("cost")
    assert str(at.date_input(key="cost_start").value) == "2020-05-13"
    assert at.number_input(key="cost_year").value == 2020


def test_thresholds_for_one_chip_says_one_chip():
    at = _page("thresholds", **{**TYPICAL, "chips": "1"})
    assert any("What it takes 1 chip (H100 SXM5)" in h.value for h in at.subheader)


def test_cost_says_what_the_scenario_lacks():
    # Issue #12: chips were given; the gap is the tokens (or the compute)
    at = _page("cost", params="70 Gparam", hardware="H100 SXM5", chips="2048")
    said = " ".join(i.value for i in at.info)
    assert "training tokens" in said and "give a chip count" not in said


@pytest.mark.parametrize("typed", ["1,4T", "$2/hr", "700 W"])
def test_cost_reports_bad_chip_hours_once_by_its_label(typed):
    at = _page("cost")
    at.text_input(key="cost_hours").set_value(typed).run()
    assert [e.value.startswith("**Chip-hours**") for e in at.error] == [True]
    assert typed.replace("$", "\\$") in at.error[0].value or "got" in at.error[0].value
    assert not at.info and not at.table  # nothing computed from it


def test_cost_shows_the_scenarios_chip_hours_grouped_and_as_its_own():
    at = _page("cost", **TYPICAL)
    text = at.text_input(key="cost_hours").value
    assert re.fullmatch(r"\d{1,3}(,\d{3})+ chip-hours", text), text
    why = " ".join(at.table[-1].value["Why"])
    assert "your scenario's" in why and "reported" not in why
    assert not any('.",' in c.value for c in at.caption)


def test_thresholds_says_its_example_compute_is_not_yours_and_keeps_its_fields_in_the_url():
    at = _page("thresholds")
    assert any("An example, Llama 3.1 405B's compute" in c.value for c in at.caption)
    at.text_input(key="th_chips").set_value("100k GPUs").run()
    assert at.query_params["thresholds.chips"] == "100k GPUs"
    at = _page("thresholds", **{"thresholds.chips": "2048", "thresholds.hardware": "A100 SXM4 80GB"})
    assert at.text_input(key="th_chips").value == "2048" and at.selectbox(key="th_hw").value == "A100 SXM4 80GB"


@pytest.mark.parametrize("run, first", [("DeepSeek-V3", "2024-12-27"), ("BERT-Large", "2018-10-09"),
                                        ("BLOOM-176B", "2022-04-15")])  # Llama 3.1 405B: Lambda's 2024-01-29 (doors17)
def test_cost_prices_a_run_that_started_before_the_first_price(run, first):
    at = _page("cost")
    at.selectbox(key="cost_run").set_value(run).run()
    basis = at.table[0].value.set_index("Method")["Basis"]
    assert f"the first price listed, {first}" in basis["cloud (on-demand)"]
    assert not any("before the first" in i.value for i in at.info)


def test_a_2024_h100_price_says_its_provider_and_date_on_the_figure():
    """doors17: a run of 2024 on H100 SXM5 was priced at Lambda's $2.99 of 2024-09-01, its basis saying no big cloud
    lists the chip (AWS and Google Cloud do, but data/prices.csv holds them from 2025-03-17 only). Lambda's own page
    of 2024-01-29 and 2024-07-11 ($3.49) now stand for the first half of 2024, the basis says which big cloud's price
    is first in the data and when, and the figure's help carries that basis, not only the table below it."""
    start = "2024-03-01"
    c = cloud_cost("1e6 chip*hour", "H100 SXM5", start)
    assert c.basis.startswith("Lambda Labs, 2024-01-29: $3.49 per chip-hour on-demand")
    assert ("data/prices.csv has no big cloud's price of the H100 SXM5 in force on 2024-03-01 (its first: Amazon Web "
            "Services, 2025-03-17)") in c.basis and "lists the H100" not in c.basis
    assert cloud_cost("1e6 chip*hour", "H100 SXM5", "2024-10-01").basis.startswith("Lambda Labs, 2024-09-01: $2.99")
    at = _page("cost")
    at.selectbox(key="cost_run").select("Llama 3.1 405B").run()
    assert not at.exception, [e.message for e in at.exception]
    run_start = at.date_input(key="cost_start").value
    (metric,) = [m for m in at.metric if m.label == "Cloud (on-demand)"]
    shown = cloud_cost("1 chip*hour", "H100 SXM5", run_start).basis
    said = metric.help.replace("\\", "")  # markdown's escapes, as the help renders them
    assert "the first price listed" not in shown  # Llama 3.1 405B (from 2024-05-05) no longer before the first
    assert "Lambda Labs, 2024-" in shown and shown.split(" (")[0] in said and "Amazon Web Services, 2025-03-17" in said
