"""Labels that do not strike through each other (Landscape) and a table whose verdict a phone shows (Claims),
through streamlit.testing."""

import json
import math

import pytest
from apppage import open_page

from app_pages.charts import LABEL_HEIGHT, RULE_LABEL_DY, label_offset


def _scenario_label_dy(at) -> int:
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    texts = [layer["mark"] for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert len(texts) == 3  # the thresholds' labels, then the scenario's label with its halo
    assert texts[1]["dy"] == texts[2]["dy"]
    return texts[1]["dy"]


def test_landscape_scenario_label_clears_the_threshold_label_below_it():
    # GPT-3's 3.15 × 10²³ FLOP, half a decade above the 10²³ line: its label, below its own line, struck through
    # "10²³ FLOP: Executive Order 14110..." (the thresholds' labels sit above their lines); it goes above now
    at = open_page("app_pages/landscape.py", params="175 Gparam", tokens="300 Gtoken")
    assert _scenario_label_dy(at) < 0
    # far from any line it keeps its place below its line
    assert _scenario_label_dy(open_page("app_pages/landscape.py", compute="1e21 FLOP")) == 12


@pytest.mark.parametrize("compute", [1e21, 3.15e23, 5.88e23, 2e24, 9e24, 1e25, 1.2e25, 4e25, 9e25, 1.2e26, 3e26])
def test_landscape_scenario_label_offset_keeps_clear_of_every_threshold_label(compute):
    levels, low, high = [1e23, 1e25, 1e26], 1e3, 1e27  # data/thresholds.csv's lines over Epoch AI's span
    dy = label_offset(compute, levels, low, high, 520)
    per_decade = 0.9 * 520 / 24
    assert all(abs(dy - (math.log10(compute / c) * per_decade + RULE_LABEL_DY)) >= LABEL_HEIGHT for c in levels)


def test_claims_verdict_and_ratio_come_first_and_narrow_for_a_phone():
    # at 390 px only the Statement (400 px wide, first) showed; the verdict and the ratio were off the screen
    at = open_page("app_pages/claims.py")
    frame = at.dataframe[0]
    order = list(frame.proto.column_order)
    assert order[:3] == ["verdict", "ratio", "statement"]
    columns = json.loads(frame.proto.columns)
    widths = [columns[c]["width"] for c in ("verdict", "ratio")]
    assert all(isinstance(w, int) for w in widths) and sum(widths) <= 180  # the statement starts within 390 px
    assert max(len(v) for v in frame.value["verdict"]) * 6.5 <= widths[0]  # "inconsistent-units" whole
