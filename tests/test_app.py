"""The Streamlit app through streamlit.testing: every page, the golden flows, bad input.

AppTest runs the scripts but draws no chart: tests/test_browser.py checks the same flows in
chromium. These are the fast checks of what each flow computes and shows.
"""

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from apppage import open_page
from streamlit.testing.v1 import AppTest

import calc
from calc import data
from calc.display import label, show
from calc.errors import DataError
from calc.scenario import presets, read_scenario, to_json

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = ["app_pages/estimate.py", "app_pages/claims.py", "app_pages/landscape.py", "app_pages/compare.py",
         "app_pages/backtest.py", "app_pages/cost.py", "app_pages/thresholds.py", "app_pages/shape.py",
         "app_pages/layouts.py", "app_pages/lifetime.py"]


def _app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _plain(markdown: str) -> str:
    """Markdown as shown: the escapes of calc.display.escape removed."""
    return markdown.replace("\\", "")


def _metric(at, name):
    return next(m for m in at.metric if m.label.split(" ·")[0] in (label(name, unit=False), label(name)))


def _clean(at) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(page):
    at = _app(params="175e9 param", tokens="300e9 token", hardware="A100 SXM4 80GB", chips="1024")
    at.switch_page(page).run()
    _clean(at)


def test_lambda_preset_shows_about_355_gpu_years():
    at = _app()
    preset = next(o for o in at.selectbox(key="preset").options if "lambda-gpu-years" in o)
    at.selectbox(key="preset").select(preset).run()
    _clean(at)
    chip_time = next(m for m in at.metric if m.label.startswith("Chip time"))
    # Lambda: 355 GPU-years at 28 TFLOP/s; shown in chip-hours as people count them, the years beside
    assert (chip_time.label.split(" ·")[0], chip_time.value) == ("Chip time (chip-hours)", "3.09M")
    assert chip_time.help == "352 chip-years"


@pytest.mark.parametrize("name", list(presets()))
def test_every_preset_runs_and_compare_hardware_follows(name):
    at = _app()
    at.selectbox(key="preset").select(name).run()
    _clean(at)
    assert at.text_input(key="in_params").value == presets()[name].get("params", "")
    assert not any("e+" in t.value or "e9" in t.value for t in at.text_input)  # no e-notation in the fields
    at.switch_page("app_pages/compare.py").run()
    _clean(at)


def test_utilization_field_moves_duration_as_the_model_predicts():
    at = _app(compute="3.14e23 FLOP", hardware="V100 SXM2", chips="10000", utilization="0.3")
    at.text_input(key="in_utilization").input("0.6").run()
    expected = calc.estimate(compute="3.14e23 FLOP", hardware="V100 SXM2", chips=10000, utilization=0.6)
    assert _metric(at, "duration").value == show("duration", expected.duration, short=True)
    assert at.query_params["utilization"] in (["0.6"], "0.6")


def test_url_restores_the_scenario():
    at = _app(params="70e9 param", tokens="1.4e12 token", hardware="H100 SXM5", chips="512", precision="fp8")
    assert at.text_input(key="in_params").value == "70e9 param"
    assert at.selectbox(key="in_hardware").value == "H100 SXM5"
    assert at.selectbox(key="in_precision").value == "fp8"
    assert _metric(at, "compute").label.endswith("derived")


def test_one_scenario_for_every_page_and_the_url():
    at = _app(params="70e9 param", tokens="1.4e12 token", hardware="H100 SXM5", chips="512")
    at.text_input(key="in_chips").input("2048").run()
    at.switch_page("app_pages/compare.py").run()
    _clean(at)
    assert "2,048 chips" in _plain(" ".join(c.value for c in at.caption))
    assert at.query_params["chips"] in (["2048"], "2048")  # the URL keeps the scenario on every page
    at.switch_page("app_pages/estimate.py").run()
    assert at.text_input(key="in_chips").value == "2048"
    assert at.text_input(key="in_params").value == "70e9 param"


@pytest.mark.parametrize("key, value", [
    ("tokens", "5 meter"), ("chips", "-4"), ("hardware", "H100"), ("utilization", "nan"), ("bogus", "1"),
    ("compute", "__import__('os')"), ("precision", "fp7"), ("duration", "1" * 500),
])
def test_malformed_query_parameter_warns_and_falls_back(key, value):
    at = _app(**{key: value})
    assert not at.exception
    assert any(key in _plain(w.value) for w in at.warning)


def test_url_text_is_never_markdown():
    at = _app(**{"[Log in](https://evil.example)": "1", "tokens": "![x](https://evil.example/x.png) token"})
    assert not at.exception
    shown = " ".join(w.value for w in at.warning)
    assert "[Log in](" not in shown and "![x](" not in shown
    assert "\\[Log in\\]\\(" in shown


@pytest.mark.parametrize("key, value", [
    ("params", "100..200 Gparam"), ("tokens", "triangular:200..300..400 Gtoken"), ("compute", "1e23..1e24 FLOP"),
    ("flop_per_param_token", "6..8"), ("chips", "5000..10000"), ("utilization", "lognormal:0.2..0.5"),
    ("price", "uniform:1..3 USD/chip/hour"),
])
def test_a_range_on_any_field_shows_intervals(key, value):
    scenario = {"params": "175e9 param", "tokens": "300e9 token", "hardware": "V100 SXM2", "chips": "10000"}
    if key == "compute":
        del scenario["params"], scenario["tokens"]
    at = _app(**{**scenario, key: value})
    _clean(at)
    assert _metric(at, "compute").label.endswith(("derived", "given"))  # "median" under it
    assert any(_plain(c.value).startswith("median; 90%:") for c in at.caption)


def test_a_range_on_duration_with_chips_derived():
    at = _app(params="175e9 param", tokens="300e9 token", hardware="V100 SXM2", duration="10..20 day")
    _clean(at)
    assert next(m for m in at.metric if m.label.startswith("Chip time")).label.endswith("derived")  # "median" under


def test_ranges_show_intervals_and_drivers():
    at = _app(params="175e9 param", tokens="300e9 token", hardware="V100 SXM2", chips="10000",
              utilization="0.2..0.5", price="lognormal:1..3 USD/chip/hour")
    _clean(at)
    assert _metric(at, "cost").label.endswith(("derived", "given"))  # "median" under it
    assert at.text_input(key="in_utilization").value == "0.2..0.5"


def test_dataset_size_stands_for_tokens():
    at = _app(params="175e9 param", dataset_size="1.2 TB", hardware="V100 SXM2", chips="10000")
    _clean(at)
    assert any("Tokens from the dataset size" in _plain(c.value) for c in at.caption)
    assert at.download_button  # the scenario file is written (it was not JSON serializable)


def test_a_plain_number_is_read_in_the_unit_of_the_label():
    at = _app(compute="3.14e23 FLOP", hardware="V100 SXM2", utilization="0.3")
    at.text_input(key="in_duration").input("9.69").run()
    _clean(at)
    assert at.query_params["duration"] in (["9.69 day"], "9.69 day")
    assert _metric(at, "duration").label.endswith("given")


@pytest.mark.parametrize("query, hint", [({}, "preset"), ({"params": "70e9 param"}, "training tokens"),
                                         ({"compute": "1e24 FLOP"}, "chip count")])
def test_empty_states_say_what_to_add(query, hint):
    at = _app(**query)
    _clean(at)
    assert any(hint in _plain(i.value) for i in at.info)
    assert not any(_plain(i.value).count("preset") > 1 for i in at.info)  # "Start from a preset ...; or start from a preset"


def test_the_hint_asks_only_for_what_is_missing():
    # parameters, tokens and chips given, the hardware missing: the chip count is not asked for again (doors23b)
    at = _app(params="70e9 param", tokens="2e12 token", chips="1024")
    _clean(at)
    said = " ".join(_plain(i.value) for i in at.info)
    assert "Choose the hardware to get the training time" in said and "chip count (or a duration)" not in said, said


def test_a_token_count_read_as_metres_suggests_millions():
    at = _app(params="70e9 param", hardware="H100 SXM5", chips="1024")
    at.text_input(key="in_tokens").input("5 m").run()
    said = " ".join(_plain(e.value) for e in at.error)
    assert "got 5 m (a length); did you mean 5M (5 million)?" in said, said


def test_no_chip_count_then_compare_hardware():
    at = _app(params="70e9 param", tokens="1.4e12 token", hardware="H100 SXM5")
    _clean(at)
    at.switch_page("app_pages/compare.py").run()
    _clean(at)


def test_scenario_file_round_trip_is_exact():
    scenario = {"params": "175e9 param", "tokens": "triangular:200..300..400 Gtoken", "hardware": "V100 SXM2",
                "chips": "10000", "utilization": "lognormal:0.2..0.5", "dataset_size": "1 TB", "precision": "fp16"}
    assert read_scenario(to_json(scenario)) == scenario


def test_bad_field_shows_an_error_naming_it():
    at = _app()
    at.text_input(key="in_tokens").input("300e9 meter").run()
    assert not at.exception
    assert any("**Training tokens**: expected a quantity in token" in _plain(e.value) for e in at.error)


def test_every_bad_field_is_named_under_its_row_and_marked():
    at = _app(params="70B", tokens="2T", hardware="H100 SXM5", chips="2048")
    at.text_input(key="in_utilization").input("40")
    at.text_input(key="in_chips").input("abc")
    at.text_input(key="in_price").input("2 W").run()
    assert not at.exception
    summary, rows = _plain(at.error[0].value), [_plain(e.value) for e in at.error[1:]]  # the summary above the fields
    assert rows[0].startswith("Not read in hardware and time:") and "**Chips**: unknown unit" in rows[0]
    assert "**Utilization (MFU)**: expected a fraction of peak between 0 and 1; 40 looks like a percent" in rows[0]
    assert rows[1].startswith("Not read in money and energy:") and "got 2 W (a power)" in rows[1]
    assert summary.startswith("Not read: Chips, Utilization (MFU), Price per chip-hour (USD).")
    # the label stays plain (it is the field's aria-label, read aloud: ":red[Chips]" was, fresh20); CSS paints it red
    assert at.text_input(key="in_chips").label == "Chips" and at.text_input(key="in_power").label == label("power")
    red = at.get("html")[0].proto.body
    assert ".st-key-in_chips label p" in red and ".st-key-in_price label p" in red and "in_power" not in red
    # the red follows the app's theme (light-dark() reads the color-scheme Streamlit sets), not only the system's: a
    # dark theme chosen in Settings on a light system drew #9e303b on near-black (fresh21, chromium)
    assert "light-dark(#9e303b, #ff6c6c)" in red
    assert at.text_input(key="in_chips").value == "abc"  # kept, not reset by its label


def test_a_field_that_does_not_read_is_not_read_and_all_are_said_at_once():
    """Chips '2.5' came under "Do not fit together" (kept for fields that contradict each other), and only after
    the tokens' '5 m' was fixed: every field that does not read is said at once, under "Not read" (doors23)."""
    at = _app(params="70B", tokens="2T", hardware="H100 SXM5", chips="2048")
    at.text_input(key="in_chips").input("2.5").run()
    summary = _plain(at.error[0].value)
    assert summary.startswith("Not read: Chips.") and "fit together" not in summary
    assert "expected a whole number of chips" in _plain(at.error[1].value)
    at.text_input(key="in_tokens").input("5 m").run()
    summary, rows = _plain(at.error[0].value), [_plain(e.value) for e in at.error[1:]]
    assert summary.startswith("Not read: Training tokens, Chips.")
    assert "**Training tokens**:" in rows[0] and "**Chips**: expected a whole number of chips" in rows[1]


def test_a_ranges_two_ends_are_shown_in_one_format():
    """The range metric read "90%: 21% – 47.8%" (doors23): both ends to three significant figures, "21.0%", where
    their unit is one."""
    import re

    at = _app(params="70B", tokens="2T", hardware="H100 SXM5", chips="2048", utilization="0.2..0.5")
    _clean(at)
    ends = [re.fullmatch(r"median; 90%: (.*) – (.*)", _plain(c.value)) for c in at.caption]
    ends = [m.groups() for m in ends if m]
    assert len(ends) >= 5, [c.value for c in at.caption]
    for lo, hi in ends:
        a, b = (re.search(r"\d[\d,]*(?:\.(\d+))?", e) for e in (lo, hi))
        if lo.replace(a.group(0), "#") == hi.replace(b.group(0), "#") and (a.group(1) or b.group(1)):
            for m in (a, b):  # one unit, one with decimals: each end to three significant figures, none trimmed
                assert len(m.group(1) or "") >= 3 - len(m.group(0).split(".")[0].replace(",", "")), (lo, hi)
    assert any(lo.endswith(" days") for lo, _ in ends)


def test_a_corrected_field_is_no_longer_marked():
    """The red labels' style is drawn on every run, empty when no field is bad: a style-only st.html goes to
    Streamlit's event container, which a fragment's rerun does not clear, so a label once red stayed red in the
    browser after the field was corrected (fresh22: Parameters '70 bananas', then '70B'; tests/test_browser.py)."""
    at = _app(params="70B", tokens="1.4T")
    at.text_input(key="in_params").input("70 bananas").run()
    assert ".st-key-in_params label p" in at.get("html")[0].proto.body
    at.text_input(key="in_params").input("70B").run()
    assert not at.error and at.get("html")[0].proto.body == "<style></style>"


def test_contradiction_names_the_inputs():
    at = _app(compute="6.3e23 FLOP", params="175e9", tokens="300e9")
    summary, row = _plain(at.error[0].value), _plain(at.error[1].value)  # the summary above the fields, then the row
    assert summary.startswith("Do not fit together: Parameters")
    assert "contradict" in row and "Parameters" in row and row.startswith("Do not fit together in model and data:")


def test_corrupt_bundled_data_stops_the_app(monkeypatch):
    def corrupt():
        raise DataError("data/hardware.csv", 7, "peak_bf16", "expected a number, got 'abc'")

    monkeypatch.setattr(data, "validate_all", corrupt)
    at = _app()
    assert not at.exception
    assert "hardware.csv, row 7, column 'peak_bf16'" in at.error[0].value


def test_claims_page_filters_by_verdict():
    at = _app()
    at.switch_page("app_pages/claims.py").run()
    at.multiselect(key="claims_verdict").select("inconsistent-units").run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 1


def test_bad_range_in_a_field_is_an_error():
    at = _app(params="175e9 param", tokens="300e9 token", hardware="V100 SXM2", chips="10000")
    at.text_input(key="in_price").input("3..1 USD/chip/hour").run()
    assert not at.exception
    assert any("**Price per chip-hour (USD)**: the range's low bound is above" in _plain(e.value) for e in at.error)


def test_cost_page_takes_the_chosen_runs_hardware_and_hours():
    at = _app()
    at.switch_page("app_pages/cost.py").run()
    at.selectbox(key="cost_run").select("Llama 3.1 405B").run()
    _clean(at)
    assert at.selectbox(key="cost_hw").value == "H100 SXM5"
    assert at.text_input(key="cost_hours").value == "30,840,000 chip-hours"  # Llama 3: 30.84M H100-hours
    assert not any("2377%" in str(df.value) for df in at.dataframe)


def test_results_csv_holds_plain_numbers_and_units(monkeypatch):
    """A spreadsheet reads numbers: the value (a range's median and 90% interval) and its unit."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    saved = {}
    store = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        saved[filename] = path_or_data
        return store(self, path_or_data, mimetype, kind, filename)
    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    _app(params="70 Gparam", tokens="2 Ttoken", hardware="H100 SXM5", chips="2048", utilization="0.3..0.5")
    raw = saved["results.csv"]
    rows = pd.read_csv(io.StringIO(raw.decode() if isinstance(raw, bytes) else raw)).set_index("name")
    assert rows.loc["compute", "value"] == pytest.approx(8.4e23) and rows.loc["compute", "unit"] == "FLOP"
    assert rows.loc["cost", "unit"] == "USD" and 3e6 < rows.loc["cost", "low_90pct"] < rows.loc["cost", "value"]
    assert rows.loc["chips", "value"] == 2048 and rows.loc["utilization", "unit"] == "fraction of peak"
    assert rows.loc["cost", "shown"].startswith("$")  # the page's text kept beside the number


def test_a_model_config_uploaded_as_a_scenario_points_to_the_model_shape_page():
    # fresh-eyes walk: a config.json uploaded on Estimate said "model_type: not a name of the calculator" and no more
    at = open_page("app_pages/estimate.py")
    config = b'{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096}'
    at.file_uploader(key="upload").set_value(("config.json", config, "application/json")).run()
    text = " ".join(e.value for e in at.error).replace("\\", "")
    assert "Scenario file not loaded" in text and "**Model shape** page" in text, text
    # the hint first and alone, with the count of fields not read: a real config.json's 12 "not a name of the
    # calculator" lines (model_type, vocab_size, ...) came before it (doors23)
    config = json.dumps({k: 1 for k in ("architectures", "model_type", "hidden_size", "intermediate_size", "vocab_size",
                                        "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                                        "max_position_embeddings", "rms_norm_eps", "rope_theta", "torch_dtype")})
    at.file_uploader(key="upload").set_value(("config2.json", config.encode(), "application/json")).run()
    text = " ".join(e.value for e in at.error).replace("\\", "")
    assert text.startswith("Scenario file not loaded: this looks like a model's config.json. The **Model shape** page")
    assert "not a name of the calculator" not in text and text.endswith(
        "Not read: 12 of its fields (architectures, model_type, hidden_size and 9 more)."), text
    at.file_uploader(key="upload").set_value(("bad.json", b'{"colour": "red"}', "application/json")).run()
    text = " ".join(e.value for e in at.error).replace("\\", "")
    assert "not a name of the calculator" in text and "Model shape" not in text, text
    # a misspelt name's look-alike is said before the list of every name, which the page cuts ("price…")
    at.file_uploader(key="upload").set_value(("typo.json", b'{"parms": "70B", "tokens": "1.4T"}', "application/json")).run()
    text = " ".join(e.value for e in at.error).replace("\\", "")
    assert "parms: not a name of the calculator (did you mean params?)" in text, text


def test_a_warning_names_the_field_by_its_label():
    # fresh10: "carbon_intensity: 400 kg CO2e/kWh is above coal power's..." on the Estimate page, the API's name
    at = _app(params="70e9 param", tokens="1.4e12 token", hardware="H100 SXM5", chips="1024",
              carbon_intensity="400 kg/kWh")
    assert not at.exception
    shown = [_plain(w.value) for w in at.warning]
    assert any(w.startswith("**Grid carbon intensity (kg CO2e per kWh)**: 400 kg CO2e/kWh is above coal")
               for w in shown), shown
    assert not any("carbon_intensity" in w for w in shown), shown


def test_a_shape_sent_from_model_shape_is_asked_only_for_its_tokens():
    # fresh-eyes walk (pages24): llama-3-8b.json uploaded on Model shape, "Estimate a run of this shape": Estimate
    # filled 8.03 Gparam yet asked "Give the model's size: its parameters and training tokens..."
    at = open_page("app_pages/shape.py")
    config = (Path(__file__).resolve().parents[1] / "data" / "configs" / "llama-3-8b.json").read_bytes()
    at.file_uploader(key="shape_config").set_value(("llama-3-8b.json", config, "application/json")).run()
    at.button(key="shape_to_estimate").click().run()
    assert not at.exception and at.text_input(key="in_params").value.startswith("8.03")
    said = " ".join(_plain(i.value) for i in at.info)
    assert "Give the training tokens" in said and "its parameters and training tokens" not in said, said
