"""The Model shape page: the full shape (671B for DeepSeek-V3), an uploaded config.json, a real heat-map."""

import json
from pathlib import Path

import pytest
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


@pytest.mark.slow  # 4.5 s: every published shape through the page
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
    # fresh14's walk: "Start from" still read GPT-2 small above the file's shape, and nothing said which one counted
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert "Shape: the uploaded config.json, not GPT-2 small (Start from), which comes back when the file is removed." in captions


def test_an_unknown_model_type_is_named_and_echoed_as_code():
    at = _page()
    bad = json.dumps({"model_type": "<b>t5</b>", "d_model": 512}).encode()
    at.file_uploader(key="shape_config").upload("config.json", bad, "application/json").run()
    assert not at.exception and len(at.error) == 1
    shown = at.error[0].value
    assert "<b>t5</b>" not in shown  # the file's text is escaped: shown as typed, never as HTML or Markdown
    shown = shown.replace("\\", "")
    assert "<b>t5</b>" in shown and "known model types" in shown and "llama" in shown


MEMORY = {"shape_hw": "A100 SXM4 80GB", "shape_recompute": "selective", "shape_zero": 1, "shape_states": None,
          "shape_micro": 2, "shape_dp": 128, "shape_pp": 4, "shape_flash": False, "shape_sp": False}


def _set_every_field(at, source, shape=None):
    """Every field of the page away from its default (or those of ``shape`` for the shape); what was set, by key."""
    states = at.selectbox(key="shape_states")
    MEMORY["shape_states"] = states.options[-1]
    widgets = {"shape_hw": at.selectbox, "shape_recompute": at.selectbox, "shape_zero": at.selectbox,
               "shape_states": at.selectbox, "shape_micro": at.number_input, "shape_dp": at.number_input,
               "shape_pp": at.number_input, "shape_flash": at.checkbox, "shape_sp": at.checkbox}
    for key, value in MEMORY.items():
        widgets[key](key=key).set_value(value)
    shape = shape or {f"shape_layers_{source}": 8, f"shape_d_model_{source}": 1536, f"shape_sequence_{source}": 512,
                      f"shape_tp_{source}": 2}
    for key, value in shape.items():
        at.number_input(key=key).set_value(value)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return {**MEMORY, **shape}


def _values(at, keys):
    return {k: at.session_state[k] if k in at.session_state else None for k in keys}


@pytest.mark.parametrize("bad", [b'{"model_type": "t5", "d_model": 512}', b"model_type: llama", b'"/etc/hostname"',
                                 b"\xff\xfe"])
def test_a_refused_upload_leaves_every_field_as_it_was_and_says_so_once(bad):
    # the memory fields went back to their defaults after a refused config.json (st.stop() before they were drawn)
    at = _page("GPT-2 small")
    before = _set_every_field(at, "GPT-2 small")
    params = _metric(at, "Parameters")
    at.file_uploader(key="shape_config").upload("config.json", bad, "application/json").run()
    assert not at.exception and len(at.error) == 1, [e.value for e in at.error]
    assert at.error[0].value.replace("\\", "").endswith(". The page keeps GPT-2 small and every field as it was.")
    assert _values(at, before) == before and _metric(at, "Parameters") == params
    at.file_uploader(key="shape_config").clear().run()  # and once the file is removed, still as it was
    assert not at.error and _values(at, before) == before


def test_a_refused_upload_after_a_good_one_keeps_the_good_config():
    at = _page("GPT-2 small")
    cfg = (Path(PAGE).parents[1] / "data" / "configs" / "deepseek-v3.json").read_bytes()
    at.file_uploader(key="shape_config").upload("deepseek.json", cfg, "application/json").run()
    before = _set_every_field(at, "deepseek.json")
    params = _metric(at, "Parameters")
    at.file_uploader(key="shape_config").upload("bad.json", b"{", "application/json").run()
    assert len(at.error) == 1 and "keeps deepseek.json" in at.error[0].value.replace("\\", "")
    assert _values(at, before) == before and _metric(at, "Parameters") == params


def test_a_refused_upload_after_a_replaced_config_keeps_the_last_config_read():
    # Llama 3 8B, then Nemotron-H, then a truncated file: the page fell back to Llama 2 70B, since the browser
    # replaces a file in two runs, the first without any file, and that run forgot the config last read
    at = _page()
    root = Path(PAGE).parents[1]
    at.file_uploader(key="shape_config").upload("config.json", (root / "data" / "configs" / "llama-3-8b.json")
                                                .read_bytes(), "application/json").run()
    nemotron = "nemotron-h-8b-base-8k.json"
    at.file_uploader(key="shape_config").upload(nemotron, (root / "tests" / "fixtures" / "configs" / nemotron)
                                                .read_bytes(), "application/json").run()
    before = _set_every_field(at, nemotron, {f"shape_vocab_{nemotron}": 65_536, f"shape_sequence_{nemotron}": 4096,
                                             f"shape_tp_{nemotron}": 2})  # a hybrid's layers follow its pattern
    params = _metric(at, "Parameters")
    at.file_uploader(key="shape_config").clear().run()  # the browser's run between two files
    at.file_uploader(key="shape_config").upload("bad.json", b'{"model_type": "llama", "hidden_si',
                                                "application/json").run()
    assert len(at.error) == 1, [e.value for e in at.error]
    assert f"The page keeps {nemotron} and every field as it was." in at.error[0].value.replace("\\", "")
    assert _values(at, before) == before and _metric(at, "Parameters") == params


APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _from_scenario(**query):
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("app_pages/shape.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_scenario_s_published_run_is_the_starting_shape():
    at = _from_scenario(params="70 Gparam", tokens="2 Ttoken")  # the Llama 2 70B preset, not Llama 3 70B (70.6B)
    assert at.selectbox(key="shape_preset").value == "Llama 2 70B"
    at = _from_scenario(params="70B", tokens="2T")  # the same run, typed: its counts, not its text, are compared
    assert at.selectbox(key="shape_preset").value == "Llama 2 70B"
    assert any("Started from your scenario's model" in c.value for c in at.caption)


def test_otherwise_the_shape_nearest_the_scenario_s_parameters():
    at = _from_scenario(params="176.25e9 param")  # BLOOM's count, from a typed scenario
    assert at.selectbox(key="shape_preset").value == "BLOOM"
    at = _from_scenario(params="671e9 param", active_params="37e9 param")
    assert at.selectbox(key="shape_preset").value == "DeepSeek-V3"


def test_no_near_shape_or_no_scenario_starts_from_llama_2_70b_and_says_nothing():
    for query in ({}, {"params": "3e12 param"}, {"compute": "1e24 FLOP"}):
        at = _from_scenario(**query)
        assert at.selectbox(key="shape_preset").value == "Llama 2 70B"
        assert not any("Started from" in c.value for c in at.caption)


def test_estimate_a_run_of_this_shape_keeps_the_scenario_and_opens_estimate():
    at = _from_scenario(params="70 Gparam", tokens="2 Ttoken", hardware="H100 SXM5", chips="2048")
    at.button(key="shape_to_estimate").click().run()
    assert not at.exception, [e.message for e in at.exception]
    url = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert url["tokens"] == "2 Ttoken" and url["hardware"] == "H100 SXM5" and url["chips"] == "2048"
    assert url["params"] == "68.9766 Gparam" and "e+" not in " ".join(url.values())
    assert "flop_per_param_token" in url
    assert any(m.label == "Duration · derived" for m in at.metric)  # the Estimate page, with a result


def test_the_shape_replaces_a_compute_its_count_contradicts():
    at = _from_scenario(params="70 Gparam", tokens="2 Ttoken", compute="8.4e23 FLOP")
    at.selectbox(key="shape_preset").set_value("GPT-3 175B").run()
    at.button(key="shape_to_estimate").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    url = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert "compute" not in url and url["tokens"] == "2 Ttoken" and url["params"].startswith("174.")


def test_a_file_that_is_not_json_says_what_was_wrong():
    at = _page()
    at.file_uploader(key="shape_config").upload("config.json", b"model_type: llama", "application/json").run()
    assert not at.exception and at.error
    message = at.error[0].value
    assert "expected JSON" in message and "line 1, column 1" in message and not message.endswith(":")
    at.file_uploader(key="shape_config").upload("config.json", b'"/etc/hostname"', "application/json").run()
    assert "expected a JSON object" in at.error[0].value and "string" in at.error[0].value  # never read as a path


def test_an_uploaded_config_starts_at_the_training_sequence_and_takes_another():
    # doors12: the sequence starts at the training sequence (the context at most 8,192), where it started at the
    # config's longest position (163,840) and handed the Estimate page FLOP the command line does not count
    # (Qwen2 7B's 131,072 positions: DeepSeek-V3's config, used here before, now keeps its rope_scaling and starts at
    # its original 4,096, doors13)
    at = _page()
    cfg = (Path(PAGE).parents[1] / "data" / "configs" / "qwen2-7b.json").read_bytes()
    at.file_uploader(key="shape_config").upload("config.json", cfg, "application/json").run()
    assert at.number_input(key="shape_sequence_config.json").value == 8192
    said = [c.value.replace("\\", "") for c in at.caption
            if c.value.startswith("Sequence: the training sequence, 8,192 tokens")]
    assert said and "131,072" in said[0] and "max_position_embeddings" in said[0], [c.value for c in at.caption]
    short = _metric(at, "PaLM count above 6N")
    at.number_input(key="shape_sequence_config.json").set_value(131_072).run()
    assert any(c.value.startswith("Sequence: 131,072 tokens, as typed") and "(8,192)" in c.value for c in at.caption)
    assert float(_metric(at, "PaLM count above 6N").rstrip("%")) > 10 * float(short.rstrip("%"))


def test_memory_labels_and_parts_are_words_and_the_axes_say_b_for_billion():
    at = _page()
    assert at.selectbox(key="shape_hw").label == "Accelerator"
    parts = next(d.value["Part"].tolist() for d in at.dataframe if "Part" in d.value.columns)
    assert "Optimizer state" in parts and not any("_" in p for p in parts)
    heat = json.loads(at.get("vega_lite_chart")[0].proto.spec)["layer"][0]["encoding"]
    assert "'G', 'B'" in heat["x"]["axis"]["labelExpr"] and heat["x"]["title"] == "Parameters"


def test_a_hybrid_s_layer_count_is_fixed_by_its_pattern_and_the_page_says_so():
    """Fresh-eyes walk: Nemotron-H's Layers field took an edit, then the page refused it ("layer_pattern: expected 40
    characters..."); the field is now shown fixed, with a caption in words beside it saying why and what to do."""
    at = _page()
    nemotron = "nemotron-h-8b-base-8k.json"
    at.file_uploader(key="shape_config").upload(nemotron, (Path(PAGE).parents[1] / "tests" / "fixtures" / "configs" /
                                                           nemotron).read_bytes(), "application/json").run()
    layers = at.number_input(key=f"shape_layers_{nemotron}")
    assert layers.disabled and layers.value == 52 and "layer pattern" in layers.help
    note = next(c.value for c in at.caption if c.value.startswith("Layers: fixed"))
    assert "52" in note and "24 Mamba-2, 4 attention and 24 feed-forward layers" in note and "config.json" in note
    assert not at.error, [e.value for e in at.error]
    at.selectbox(key="shape_preset").set_value("GPT-2 small").run()  # any other shape: the field is editable, no note
    at.file_uploader(key="shape_config").clear().run()
    assert not at.number_input(key="shape_layers_GPT-2 small").disabled
    assert not any(c.value.startswith("Layers: fixed") for c in at.caption)


def test_a_sequence_past_the_context_is_warned_in_full():
    """Fresh-eyes walk: the warning was cut at 200 characters ("...or give the shape a longer cont…")."""
    at = _page("Llama 2 70B")
    at.number_input(key="shape_sequence_Llama 2 70B").set_value(20_000).run()
    warned = [w.value.replace("\\", "") for w in at.warning]
    assert any(w.startswith("sequence: 20,000 tokens") and w.endswith("or give the shape a longer context")
               for w in warned), warned


def test_the_page_hands_the_estimate_page_the_flop_the_command_line_counts():
    # fresh11: Mistral NeMo's config states 131,072 positions and no trained length; the page counted its FLOP at
    # 131,072 tokens a sequence (3.8x 6N's attention-free count). doors12: it starts at the training sequence, and
    # the FLOP per parameter-token it hands over is `python -m calc estimate --config`'s for the same file
    import subprocess
    import sys

    config = Path(PAGE).parents[1] / "data" / "configs" / "mistral-nemo-12b.json"
    at = _page()
    at.file_uploader(key="shape_config").upload(config.name, config.read_bytes(), "application/json").run()
    assert at.number_input(key=f"shape_sequence_{config.name}").value == 8192
    handed = next(c.value for c in at.caption if c.value.startswith("Opens the Estimate page"))
    out = subprocess.run([sys.executable, "-m", "calc", "estimate", "--config", str(config), "--tokens", "1e12",
                          "--json"], capture_output=True, text=True, cwd=Path(PAGE).parents[1], check=True).stdout
    flop = json.loads(out)["quantities"]["flop_per_param_token"]
    assert f"({flop['value']:.3f}, the PaLM count at 8,192 tokens a sequence)" in handed, handed
    assert "sequence 8,192, the training sequence" in flop["how"]
    llama = _page("Llama 3.1 8B")  # its trained 8,192 stated: the shape's context
    assert any(c.value.startswith("Sequence: the training sequence, 8,192 tokens, the shape's context")
               for c in llama.caption)


def test_an_uploaded_config_sent_to_estimate_gives_the_command_line_s_answer():
    # doors12: the Estimate page took the default utilization for an uploaded config (no published name stands for
    # it), where `python -m calc estimate --config FILE --hardware ...` models it: the same file, another answer
    import subprocess
    import sys

    config = Path(PAGE).parents[1] / "data" / "configs" / "mistral-nemo-12b.json"
    at = _from_scenario(tokens="1 Ttoken", hardware="H100 SXM5", chips="64")
    at.file_uploader(key="shape_config").upload(config.name, config.read_bytes(), "application/json").run()
    at.button(key="shape_to_estimate").click().run()
    assert not at.exception, [e.message for e in at.exception]
    shown = {m.label: m.value for m in at.metric}
    assert "Utilization (MFU) · modelled" in shown, list(shown)
    out = subprocess.run([sys.executable, "-m", "calc", "estimate", "--config", str(config), "--tokens", "1e12",
                          "--hardware", "H100 SXM5", "--chips", "64", "--json"], capture_output=True, text=True,
                         cwd=Path(PAGE).parents[1], check=True).stdout
    cli = json.loads(out)["quantities"]
    from calc.display import show
    from calc.units import Q_

    for name, label, unit in (("utilization", "Utilization (MFU) · modelled", ""),
                              ("compute", "Training compute (FLOP) · derived", "FLOP")):
        assert shown[label] in show(name, Q_(cli[name]["value"], unit)), (name, shown[label])
    assert shown["Duration · derived"] == f"{cli['duration']['value'] / 86400:.3g} days"  # 25.1 days, both doors


def test_the_loss_map_places_the_scenario_s_model_at_its_own_tokens():
    # fresh12: GPT-3's red dot sat at 20 tokens per parameter (3.5T), under a caption saying the page started from
    # "the published run with its 175B params and 300B tokens"
    import pyarrow as pa

    at = _from_scenario(params="174.6 Gparam", tokens="300 Gtoken")
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pylist() for d in at.get("vega_lite_chart")[-1].proto.datasets]
    (dot,) = [f[0] for f in frames if len(f) == 1]  # the red dot: the one-row dataset
    assert dot["tokens"] == pytest.approx(300e9), dot
    assert any("Red: this model at your scenario's 300B tokens" in c.value for c in at.caption)
    at = _from_scenario()  # no scenario: 20 tokens per active parameter, as before
    assert any("Red: this model at 20 tokens per active parameter" in c.value for c in at.caption)


def test_a_published_shape_sent_to_estimate_gives_the_command_line_s_numbers():
    # fresh13: the page handed its counts to 4 figures (405.9 Gparam for 405,853,388,800), so Llama 3.1 405B's run on
    # 16,384 H100 read 64.7 days on the Estimate page and 64.6 from `calc estimate --model "Llama 3.1 405B"`
    import calc
    from calc.display import show

    at = _from_scenario(tokens="15.6 Ttoken", hardware="H100 SXM5", chips="16384")
    at.selectbox(key="shape_preset").set_value("Llama 3.1 405B").run()
    at.button(key="shape_to_estimate").click().run()
    assert not at.exception, [e.message for e in at.exception]
    shown = {m.label.split(" · ")[0]: m.value for m in at.metric}
    cli = calc.estimate(model="Llama 3.1 405B", tokens="15.6T token", hardware="H100 SXM5", chips=16384)
    for name, label in (("duration", "Duration"), ("cost", "Cost"), ("compute", "Training compute (FLOP)"),
                        ("chip_hours", "Chip time (chip-hours)"), ("utilization", "Utilization (MFU)")):
        assert shown[label] in show(name, cli[name].value), (name, shown[label], show(name, cli[name].value))


def test_a_scenario_file_uploaded_as_a_config_says_where_it_loads():
    """fresh22: a scenario saved by the Estimate page, uploaded here, was told only 'no model_type; known model types:
    ...'; the Estimate page already names this page for a config.json uploaded there: the converse is said too."""
    at = _page()
    scenario = json.dumps({"params": "70B", "tokens": "1.4T", "hardware": "H100 SXM5", "chips": "1024"}).encode()
    at.file_uploader(key="shape_config").upload("scenario.json", scenario, "application/json").run()
    assert not at.exception and len(at.error) == 1
    shown = at.error[0].value.replace("\\", "")
    assert "no model_type" in shown and 'This looks like a scenario saved by the Estimate page\'s "Download the ' \
        'scenario": its "Load a scenario (JSON)" field loads it; this field reads a model\'s config.json. The page ' \
        "keeps" in shown, shown
    not_scenario = json.dumps({"hidden_size": 4096}).encode()  # no model_type, and no scenario either: no hint
    at.file_uploader(key="shape_config").upload("x.json", not_scenario, "application/json").run()
    assert "looks like a scenario" not in at.error[0].value


def test_the_memory_section_starts_from_the_scenario_s_chip():
    # fresh-eyes walk (pages24): the scenario on V100 SXM2 (Parallel layouts, Serving, Cost and Thresholds followed it)
    # opened the memory section on the H100 SXM5
    from apppage import open_page

    query = {"params": "175 Gparam", "tokens": "300 Gtoken", "hardware": "V100 SXM2", "chips": "1024"}
    at = open_page("app_pages/shape.py", errors_ok=True, **query)
    assert at.selectbox(key="shape_hw").value == "V100 SXM2"
    assert open_page("app_pages/layouts.py", errors_ok=True, **query).selectbox(key="layouts_hw").value == "V100 SXM2"
    assert open_page("app_pages/thresholds.py", errors_ok=True, **query).selectbox(key="th_hw").value == "V100 SXM2"
    assert _page().selectbox(key="shape_hw").value == "H100 SXM5"  # no scenario: the H100
