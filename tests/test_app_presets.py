"""The Estimate page's presets: each published run gives a result, at least its training compute."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import calc
from calc.display import label
from calc.scenario import inputs, presets

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.mark.parametrize("name", [n for n in presets() if n.endswith("(published run)")])
def test_every_published_run_preset_gives_at_least_a_training_compute(name):
    assert "compute" in calc.estimate(**inputs(presets()[name]))


def test_gpt2_presets_take_their_tokens_from_webtext_and_grok_1_is_left_out():
    assert presets()["GPT-2 small (published run)"]["dataset_size"] == "40 GB"
    assert "Grok-1 (published run)" not in presets()  # xAI published no token count, hardware or duration


def test_the_gpt2_preset_shows_its_training_compute_on_the_estimate_page():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.selectbox(key="preset").select("GPT-2 small (published run)").run()
    assert not at.exception and not at.error
    compute = next(m for m in at.metric if m.label.split(" ·")[0] in (label("compute", unit=False), label("compute")))
    assert compute.value.startswith("7.47 × 10¹⁸")  # 6 x 124.44M params x 10G tokens (40 GB at 4 bytes a token)


def test_a_third_party_estimate_is_not_called_a_published_run():
    assert "GPT-4 (third-party estimate)" in presets() and "GPT-4 (published run)" not in presets()


def test_the_405b_preset_draws_the_chip_count_charts_at_the_utilization_its_chip_hours_give():
    # the caption said the charts appear when the chip count is given and the duration derived: both held (16,384
    # chips, the duration from the chip-hours), yet the given chip-hours kept the charts away
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.selectbox(key="preset").select("Llama 3.1 405B (published run)").run()
    assert not at.exception and not at.error
    assert len(at.get("vega_lite_chart")) == 2
    assert any("your chip-hours give at your chip count" in c.value for c in at.caption), [c.value for c in at.caption]


def test_without_a_chip_count_the_caption_says_what_the_charts_need():
    from apppage import open_page

    at = open_page("app_pages/estimate.py", params="70 Gparam", tokens="1.4 Ttoken", hardware="H100 SXM5")
    assert not at.get("vega_lite_chart")
    assert any("chip-count charts appear" in c.value and "give a chip count" in c.value for c in at.caption)


def test_the_deepseek_v3_preset_s_chip_hours_box_holds_the_number_its_label_names_the_unit():
    # "2.788 × 10⁶ chip hour" filled the 150 px box to its edge (141 of 148 px in chromium, at 1440 and 390 px);
    # "Chip-hours" names the unit, so the box holds the number and reads it back in chip-hours
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.selectbox(key="preset").select("DeepSeek-V3 (published run)").run()
    assert not at.exception and not at.error
    assert at.text_input(key="in_chip_hours").value == "2.788 × 10⁶"
    util = next(m for m in at.metric if m.label.split(" ·")[0] in (label("utilization", unit=False), label("utilization")))
    est = calc.estimate(**inputs(presets()["DeepSeek-V3 (published run)"]))
    assert util.value == f"{100 * est['utilization'].value.m_as(''):.3g}%", util.value  # the same run as the preset's
