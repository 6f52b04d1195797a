"""Labels that do not strike through each other (Landscape) and a table whose verdict a phone shows (Claims),
through streamlit.testing."""

import json
import math

import pytest
from apppage import open_page

from app_pages.charts import LABEL_HEIGHT, RULE_LABEL_BELOW, RULE_LABEL_DY, label_offset, rule_label_dys


def _text_layers(at) -> list[dict]:
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    return [layer["mark"] for layer in spec["layer"] if layer["mark"]["type"] == "text"]


def test_landscape_scenario_label_and_line_clear_the_threshold_label_below_them():
    # GPT-3's 3.15 × 10²³ FLOP, half a decade (8 px) above the 10²³ line: its label, below its own line, struck
    # through "10²³ FLOP: Executive Order 14110..." (the thresholds' labels sit above their lines). Now that one
    # label goes below its line, out of the scenario line's way, and the scenario's label above its own line
    texts = _text_layers(open_page("app_pages/landscape.py", params="175 Gparam", tokens="300 Gtoken"))
    assert [t["dy"] for t in texts[:2]] == [RULE_LABEL_DY, RULE_LABEL_BELOW]  # the thresholds' labels, two sides
    assert texts[2]["dy"] == texts[3]["dy"] < 0  # the scenario's label (and its halo), above its line
    # far from any line every label keeps its place: the thresholds' above, the scenario's below
    texts = _text_layers(open_page("app_pages/landscape.py", compute="1e21 FLOP"))
    assert [t["dy"] for t in texts] == [RULE_LABEL_DY, 12, 12]


@pytest.mark.parametrize("compute", [1e21, 3.15e23, 5.88e23, 2e24, 9e24, 1e25, 1.2e25, 4e25, 9e25, 1.2e26, 3e26])
def test_landscape_scenario_label_offset_keeps_clear_of_every_threshold_label(compute):
    levels, low, high = [1e23, 1e25, 1e26], 1e3, 1e27  # data/thresholds.csv's lines over Epoch AI's span
    dys = rule_label_dys(compute, levels, low, high, 520)
    dy = label_offset(compute, levels, low, high, 520, dys=dys)
    per_decade = 0.9 * 520 / 24
    below = [math.log10(compute / c) * per_decade for c in levels]  # each threshold line, px below the scenario's
    assert all(abs(dy - (b + d)) >= LABEL_HEIGHT for b, d in zip(below, dys))  # the labels clear each other
    assert all(abs(b + d) >= 6 for b, d in zip(below, dys))  # and the scenario's line crosses no threshold label


def test_claims_verdict_and_ratio_come_first_and_narrow_for_a_phone():
    # at 390 px only the Statement (400 px wide, first) showed; the verdict and the ratio were off the screen
    at = open_page("app_pages/claims.py")
    frame = at.dataframe[0]
    order = list(frame.proto.column_order)
    assert order[:3] == ["verdict", "ratio", "statement"]
    columns = json.loads(frame.proto.columns)
    widths = [columns[c]["width"] for c in ("verdict", "ratio")]
    assert all(isinstance(w, int) for w in widths) and sum(widths) <= 200  # the statement starts within 390 px
    assert max(len(v) for v in frame.value["verdict"]) * 7 + 8 <= widths[0]  # "inconsistent-units" whole


def test_claims_figures_read_as_articles_write_them():
    # fresh10: the ledger showed "4.6 × 10⁶ USD" for GPT-3's $4.6M claim
    at = open_page("app_pages/claims.py")
    frame = at.dataframe[0].value
    row = frame[frame["claim"] == "lambda-cost"].iloc[0]
    assert row["quoted"] == "$4.6M" and row["plausible (90%)"] == "$2.49M – $10.3M (quote inside)"


def test_claims_counts_read_with_what_they_count():
    # doors17: "GPT-2 was trained on ... 8 million web pages" read "8 × 10⁶" on the ledger, a count with no noun,
    # where the rest of the app writes "1.5B params" and "10,000 chips"; the seed's noun says what is counted
    at = open_page("app_pages/claims.py")
    frame = at.dataframe[0].value.set_index("claim")
    assert (frame.loc["guide-gpt2-pages", "quoted"], frame.loc["guide-gpt2-pages", "recomputed"]) == (
        "8M web pages", "8M web pages")
    assert frame.loc["msft-cpu-cores", "quoted"] == "285,000 CPU cores"
    assert frame.loc["deepseek-nodes-from-throughput", "quoted"] == "227 nodes"
    assert not any("×" in str(v) for v in frame["quoted"]) and not any("×" in str(v) for v in frame["recomputed"])
