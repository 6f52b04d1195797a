"""The Cost and Thresholds pages: they start from the session's scenario, show every basis whole, and
price a run once (the "buys" column divides by the table's own on-demand cost)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import calc
from calc.cost import cloud_cost, latest_covered_date

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
    reach = at.table[1].value
    first = reach.iloc[0]
    assert _usd(first["xAI's $6B buys (on demand)"].split()[0]) == pytest.approx(
        6e9 / _usd(first["cloud (on-demand)"]), rel=0.01)
    start = latest_covered_date("H100 SXM5")
    est = calc.thresholds.time_to_reach("1e25 FLOP", 1024, "H100 SXM5")
    assert _usd(first["cloud (on-demand)"]) == pytest.approx(
        cloud_cost(est.chip_hours, "H100 SXM5", start).value.m_as("USD"), rel=0.01)
    caption = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Google Cloud" in caption and "$11.06" in caption and "same on-demand price" in caption


@pytest.mark.parametrize("chip", ["GB200", "MI250X"])
def test_thresholds_says_when_a_chip_has_no_public_price(chip):
    at = _page("thresholds", **{**TYPICAL, "hardware": chip})
    assert at.selectbox(key="th_hw").value == chip
    caption = " ".join(c.value for c in at.caption).replace("\\", "")
    assert f"no public rental price for the {chip}" in caption and "--price" in caption
