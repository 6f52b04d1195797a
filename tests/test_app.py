"""The Streamlit app through streamlit.testing: every page, the golden flows, bad input."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import calc
from calc import data
from calc.errors import DataError

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _metric(at, name):
    label = name.replace("_", " ") + " ·"
    return next(m for m in at.metric if m.label.startswith(label))


@pytest.mark.parametrize("page", ["app_pages/estimate.py", "app_pages/claims.py", "app_pages/landscape.py", "app_pages/compare.py",
                                  "app_pages/backtest.py", "app_pages/cost.py", "app_pages/thresholds.py",
                                  "app_pages/shape.py"])
def test_every_page_renders(page):
    at = _app(params="175e9 param", tokens="300e9 token", hardware="A100 SXM4 80GB", chips="1024")
    at.switch_page(page).run()
    assert not at.exception
    assert not at.error


def test_lambda_preset_shows_about_355_gpu_years():
    at = _app()
    preset = next(o for o in at.selectbox(key="preset").options if "lambda-gpu-years" in o)
    at.selectbox(key="preset").select(preset).run()
    assert not at.exception
    assert _metric(at, "chip_hours").value == "352 chip-years"  # Lambda rounds 28.26 TFLOP/s to 28: 355


def test_utilization_slider_moves_duration_as_the_model_predicts():
    at = _app(compute="3.14e23 FLOP", hardware="V100 SXM2", chips="10000", utilization="0.3")
    at.slider(key="in_utilization").set_value(0.6).run()
    expected = calc.estimate(compute="3.14e23 FLOP", hardware="V100 SXM2", chips=10000, utilization=0.6)
    assert _metric(at, "duration").value == calc.display.show("duration", expected.duration, short=True)
    assert at.query_params["utilization"] == ["0.6"] or at.query_params["utilization"] == "0.6"


def test_url_restores_the_scenario():
    at = _app(params="70e9 param", tokens="1.4e12 token", hardware="H100 SXM5", chips="512", precision="fp8")
    assert at.text_input(key="in_params").value == "70e9 param"
    assert at.selectbox(key="in_hardware").value == "H100 SXM5"
    assert at.selectbox(key="in_precision").value == "fp8"
    assert _metric(at, "compute").label == "compute · derived"


@pytest.mark.parametrize("key, value", [
    ("tokens", "5 meter"), ("chips", "-4"), ("hardware", "H100"), ("utilization", "nan"), ("bogus", "1"),
    ("compute", "__import__('os')"), ("precision", "fp7"), ("duration", "1" * 500),
])
def test_malformed_query_parameter_warns_and_falls_back(key, value):
    at = _app(**{key: value})
    assert not at.exception
    assert any(key in w.value for w in at.warning)


def test_bad_field_shows_an_error_naming_it():
    at = _app()
    at.text_input(key="in_tokens").input("300e9 meter").run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("tokens:")


def test_contradiction_names_the_inputs():
    at = _app(compute="6.3e23 FLOP", params="175e9", tokens="300e9")
    assert at.error and "contradict" in at.error[0].value and "params" in at.error[0].value


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


def test_ranges_show_intervals_and_drivers():
    at = _app(params="175e9 param", tokens="300e9 token", hardware="V100 SXM2", chips="10000",
              utilization="0.2..0.5", price="lognormal:1..3 USD/chip/hour")
    assert not at.exception and not at.error
    assert _metric(at, "cost").label.endswith("median")
    assert any(c.value.startswith("90%:") for c in at.caption)
    assert at.checkbox(key="utilization_range").value is True


def test_bad_range_in_a_field_is_an_error():
    at = _app(params="175e9 param", tokens="300e9 token", hardware="V100 SXM2", chips="10000")
    at.text_input(key="in_price").input("3..1 USD/chip/hour").run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("price:")
