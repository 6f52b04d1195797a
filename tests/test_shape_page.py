"""The Model shape page: the full shape (671B for DeepSeek-V3), an uploaded config.json, a real heat-map."""

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[1] / "app_pages" / "shape.py")


def _page(preset=None):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    if preset:
        at.selectbox(key="shape_preset").set_value(preset).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_deepseek_v3_shows_671b_not_6t():
    at = _page("DeepSeek-V3")
    assert not at.error, [e.value for e in at.error]
    assert _metric(at, "Parameters").startswith("671")


def test_the_loss_heat_map_has_cells_not_one_block():
    at = _page()
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    heat = spec["layer"][0]["encoding"]
    assert {"x", "x2", "y", "y2"} <= set(heat)  # each cell spans its own edges on the log axes
    lo, hi = heat["color"]["scale"]["domain"]
    assert hi > lo * 1.2  # the colours spread over the losses shown, not one colour for all


def test_every_published_shape_renders_without_an_error():
    at = _page()
    for name in at.selectbox(key="shape_preset").options:
        at.selectbox(key="shape_preset").set_value(name).run()
        assert not at.exception and not at.error, (name, [e.value for e in at.error])


def test_an_uploaded_config_json_is_counted():
    at = _page("GPT-2 small")
    cfg = (Path(PAGE).parents[1] / "data" / "configs" / "deepseek-v3.json").read_bytes()
    at.file_uploader(key="shape_config").upload("config.json", cfg, "application/json").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _metric(at, "Parameters").startswith("671")


def test_an_unknown_model_type_is_named_and_echoed_as_code():
    at = _page()
    bad = json.dumps({"model_type": "<b>t5</b>", "d_model": 512}).encode()
    at.file_uploader(key="shape_config").upload("config.json", bad, "application/json").run()
    assert not at.exception and at.error
    shown = " ".join(c.value for c in at.code)
    assert "<b>t5</b>" in shown and "known model types" in shown and "llama" in shown
