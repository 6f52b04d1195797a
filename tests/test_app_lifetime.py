"""The Lifetime page through streamlit.testing: what it shows is calc.lifetime's answer, every field
rides in the URL (lifetime.name=...), and a bad field is named, never an exception."""

import json

import pyarrow as pa
import pytest
from apppage import open_page

import calc
from calc.display import show
from calc.service_life import service_life

PAGE = "app_pages/lifetime.py"


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_without_a_scenario_it_opens_on_sardanas_example():
    """Sardana et al.'s example under the one default law (calc.lifetime's, as calc lifetime --law); under
    devries2023, the refit Fig. 1 uses, it gives the figure's 7B and 17%."""
    at = open_page(PAGE)
    r = calc.lifetime(params="13 Gparam", tokens="576 Gtoken", inference_tokens="2T token")
    m = _metrics(at)
    assert m["Lifetime optimum"] == show("params", r.params, True)
    assert m["Saved against compute-optimal"] == f"{r.saving_fraction:.1%}"
    assert any("Sardana et al.'s Fig. 1" in c.value and "devries2023" in c.value for c in at.caption)
    assert at.query_params["lifetime.law"] in (["hoffmann2022"], "hoffmann2022")
    at.selectbox(key="lt_law").set_value("devries2023").run()
    m = _metrics(at)
    assert m["Lifetime optimum"] == "6.97B params"  # Sardana et al. Fig. 1: 7B
    assert m["Saved against compute-optimal"] == "17.5%"  # Fig. 1: 17%


def test_one_default_law_for_the_page_the_command_line_and_python():
    import inspect

    from calc.cli import build_parser
    from calc.lifetime import DEFAULT_LAW
    from calc.service_life import lifetime_prices

    at = open_page(PAGE)
    cli = build_parser().parse_args(["lifetime", "--loss", "2", "--inference-tokens", "1T"]).law
    python = inspect.signature(calc.lifetime).parameters["law"].default
    assert at.selectbox(key="lt_law").value == cli == python == DEFAULT_LAW == "hoffmann2022"
    assert inspect.signature(lifetime_prices).parameters["law"].default == DEFAULT_LAW


def test_a_link_reproduces_the_page_and_the_library():
    at = open_page(PAGE, **{"lifetime.quality": "loss", "lifetime.loss": "2.0", "lifetime.inference_tokens": "10T token",
                            "lifetime.law": "besiroglu2024"})
    r = calc.lifetime(loss=2.0, inference_tokens="10T token", law="besiroglu2024")
    m = _metrics(at)
    assert m["Lifetime optimum"] == show("params", r.params, True)
    assert m["Its training tokens"] == show("tokens", r.tokens, True)
    assert m["Saved against compute-optimal"] == f"{r.saving_fraction:.1%}"
    assert at.text_input(key="lt_loss").value == "2.0" and at.selectbox(key="lt_law").value == "besiroglu2024"


def test_the_scenarios_run_is_the_quality():
    at = open_page(PAGE, params="70e9 param", tokens="1.4e12 token")
    r = calc.lifetime(params=70e9, tokens=1.4e12, inference_tokens="2T token")
    assert _metrics(at)["Lifetime optimum"] == show("params", r.params, True)
    assert len(at.table[0].value) == 3  # the optimum, the compute-optimal model and the run given


def test_every_field_goes_to_the_url():
    at = open_page(PAGE)
    at.text_input(key="lt_demand").input("0").run()
    assert not at.exception
    assert _metrics(at)["Saved against compute-optimal"] == "0.0%"  # no demand: the compute-optimal model itself
    query = {k: at.query_params[k] for k in at.query_params}
    fields = {"quality", "params", "tokens", "loss", "inference_tokens", "law", "training_price", "serving_price",
              "model", "hardware", "training_tokens", "tokens_per_day", "days", "tpot_limit", "precision",
              "price"}
    assert {k.removeprefix("lifetime.") for k in query if k.startswith("lifetime.")} == fields
    assert "0" in str(query["lifetime.inference_tokens"])


def test_prices_give_the_dollar_version():
    at = open_page(PAGE, **{"lifetime.training_price": "1.4e-18 USD/FLOP", "lifetime.serving_price": "0.6 USD/Mtoken"})
    assert any(h.value == "In dollars" for h in at.subheader)
    r = calc.lifetime(params="13 Gparam", tokens="576 Gtoken", inference_tokens="2T token",
                      training_price="1.4e-18 USD/FLOP", serving_price="0.6 USD/Mtoken")
    assert show("cost", r.cost_optimum.lifetime_cost) in at.table[2].value["Lifetime"].tolist()


@pytest.mark.parametrize("query, words", [
    ({"lifetime.quality": "loss", "lifetime.loss": "1.0"}, "**Target loss**"),
    ({"lifetime.inference_tokens": "-5 token"}, "**Tokens served over the model's life**"),
    ({"lifetime.training_price": "1 USD/hour", "lifetime.serving_price": "1 USD/Mtoken"}, "**Training price**"),
])
def test_a_bad_field_of_a_link_is_named_and_ignored(query, words):
    at = open_page(PAGE, **query)  # no error box: the default stands in, the page draws
    said = [w.value.replace("\\", "") for w in at.warning]
    assert any(w.startswith("Ignored from the link: " + words) for w in said), said
    assert at.metric


def test_every_bad_field_of_a_link_is_named_at_once_and_the_rest_drawn():
    # the tester's link: only the first was said, and the page stopped there
    at = open_page(PAGE, **{"lifetime.inference_tokens": "-2T", "lifetime.days": "1e400",
                            "lifetime.tokens_per_day": "lots", "lifetime.law": "moore1965",
                            "lifetime.training_tokens": "10T token"})
    said = " ".join(w.value for w in at.warning).replace("\\", "")  # the key is shown escaped: user text
    for words in ("**Tokens served over the model's life** (lifetime.inference_tokens)",
                  "**Days of service** (lifetime.days)", "**Tokens served per day** (lifetime.tokens_per_day)",
                  "**Scaling law** (lifetime.law)"):
        assert words in said
    assert len(at.warning) == 4
    assert at.text_input(key="lt_train_tokens").value == "10T token"  # the good field is kept
    assert {m.label for m in at.metric} >= {"Lifetime optimum", "Training + serving"}


def test_a_bad_value_typed_is_an_error_named_by_its_label():
    at = open_page(PAGE)
    at.text_input(key="lt_demand").set_value("-5 token").run()
    assert at.error and "**Tokens served over the model's life**" in at.error[0].value


def test_an_unknown_choice_in_a_link_falls_back():
    at = open_page(PAGE, **{"lifetime.law": "moore1965", "lifetime.quality": "vibes"})
    assert at.selectbox(key="lt_law").value in calc.scaling.laws() and at.radio(key="lt_quality").value == "run"


def test_the_chart_marks_the_optimum_and_the_compute_optimal_model():
    at = open_page(PAGE)
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    shapes = spec["layer"][1]["encoding"]["shape"]["scale"]["domain"]
    assert shapes == ["Lifetime optimum", "Compute-optimal", "The run given"]


# ----------------------------------------------------------------- one model's life: training, then serving

def test_the_life_section_is_calc_service_life():
    at = open_page(PAGE)
    life = service_life("Llama 3 70B", "H100 SXM5", training_tokens="15T token",
                                          tokens_per_day="100B token/day", days="730 day")
    m = _metrics(at)
    assert m["Training"] == show("cost", life.training_cost)
    assert m["Serving over the life"] == show("cost", life.serving_cost)
    assert m["Training + serving"] == show("cost", life.lifetime_cost)
    # the break-even is training / (tokens per day x price): $27.7M / (1e11 x $0.679e-6) = 408 days (tensor 4 x
    # pipeline 2 on 8 H100 since branch servnv; $0.713e-6 and 452 days at tensor 4 on 4 before); training at the
    # modelled MFU 50% as estimate --model prices it since train24 ($33.1M and 488 days at the default 37% before)
    assert m["Serving overtakes training"] == "day 408"
    spec = json.loads(at.get("vega_lite_chart")[1].proto.spec)
    assert spec["layer"][1]["mark"]["type"] == "rule"  # the break-even marked, within the 730 days
    table = at.table[2].value
    sizes = life.size_curve(at.selectbox(key="lt_law").value)  # the page's law
    shapes = table[table["Model"] == "Optimum, shapes served"]
    assert shapes["Parameters"].tolist() == [show("params", sizes["params"][sizes["best_scaled"]], True)]


def test_a_link_reproduces_the_life():
    query = {"lifetime.model": "Llama 3 8B", "lifetime.hardware": "A100 SXM4 80GB", "lifetime.training_tokens": "15T token",
             "lifetime.tokens_per_day": "1B token/day", "lifetime.days": "365 day", "lifetime.tpot_limit": "30 ms"}
    at = open_page(PAGE, **query)
    life = service_life("Llama 3 8B", "A100 SXM4 80GB", training_tokens="15T token",
                                          tokens_per_day="1B token/day", days="365 day", tpot_limit="30 ms")
    assert life.serving.tpot.m_as("ms") <= 30
    assert _metrics(at)["Serving over the life"] == show("cost", life.serving_cost)
    assert at.selectbox(key="lt_model").value == "Llama 3 8B" and at.selectbox(key="lt_hw").value == "A100 SXM4 80GB"
    assert {at.query_params[k] if isinstance(at.query_params[k], str) else at.query_params[k][0]
            for k in query} == set(query.values())


@pytest.mark.parametrize("key, text", [("lt_demand", "-1"), ("lt_params", "13 Gparm"), ("lt_tokens", "0")])
def test_a_refused_first_section_leaves_the_models_life_below(key, text):
    # a typo in the first section stopped the page: the model's life below, whose fields are its own, vanished
    at = open_page(PAGE)
    at.text_input(key=key).set_value(text).run()
    assert not at.exception and len(at.error) == 1
    assert "Lifetime optimum" not in _metrics(at) and _metrics(at)["Training + serving"]
    assert at.text_input(key="lt_per_day").value  # its fields drawn


def test_a_size_curve_with_sizes_no_group_serves_within_the_limit_still_shows_the_cheapest_size():
    # it said "No dollar optimum at this model's quality: no group of up to 64 chips serves it" and dropped the section
    at = open_page(PAGE, **{"lifetime.model": "Llama 3.1 405B", "lifetime.hardware": "TPU v5p",
                            "lifetime.tpot_limit": "20 ms"})
    assert not any("No dollar optimum" in c.value for c in at.caption)
    assert any("are left off the dark line: no group of up to 64 chips serves" in c.value for c in at.caption)
    assert "Optimum, shapes served" in at.table[-1].value["Model"].tolist()


@pytest.mark.parametrize("query, words", [
    ({"lifetime.model": "Llama 3 7B"}, "**Model** (lifetime.model): unknown shape 'Llama 3 7B'; did you mean Llama 3 70B"),
    ({"lifetime.hardware": "H100 SMX5"}, "**Chip** (lifetime.hardware): unknown accelerator 'H100 SMX5'; did you mean H100 SXM5"),
    ({"lifetime.law": "devries"}, "**Scaling law** (lifetime.law): unknown scaling law 'devries'"),
])
def test_a_misspelt_choice_of_a_link_says_the_nearest(query, words):
    at = open_page(PAGE, **query)  # not the list of every model or chip: the one meant
    said = [w.value.replace("\\", "") for w in at.warning]
    assert any(w.startswith("Ignored from the link: " + words) for w in said), said


def test_a_choice_of_a_link_is_read_as_people_type_it():
    at = open_page(PAGE, **{"lifetime.model": "llama 3 8b", "lifetime.hardware": "h100 sxm5",
                            "lifetime.quality": "a loss", "lifetime.loss": "2.0", "lifetime.precision": "FP8"})
    assert not at.warning, [w.value for w in at.warning]
    assert at.selectbox(key="lt_model").value == "Llama 3 8B" and at.selectbox(key="lt_hw").value == "H100 SXM5"
    assert at.radio(key="lt_quality").value == "loss" and at.selectbox(key="lt_precision").value == "fp8"


@pytest.mark.parametrize("query, words", [
    ({"lifetime.tokens_per_day": "-5 token/day"}, "**Tokens served per day**"),
    ({"lifetime.days": "soon"}, "**Days of service**"),
    ({"lifetime.tpot_limit": "1 ms"}, "**Time per output token at most**"),
])
def test_a_bad_life_field_is_named(query, words):
    at = open_page(PAGE, **query)  # from a link: said, ignored, and the rest of the page answers
    assert any(w.value.replace("\\", "").startswith("Ignored from the link: " + words) for w in at.warning)
    assert _metrics(at)["Lifetime optimum"] and _metrics(at)["Training + serving"]
    at = open_page(PAGE)  # typed: an error under its label
    key = {"tokens_per_day": "lt_per_day", "days": "lt_days", "tpot_limit": "lt_tpot"}[next(iter(query)).split(".")[1]]
    at.text_input(key=key).set_value(next(iter(query.values()))).run()
    assert at.error and words in at.error[0].value
    assert _metrics(at)["Lifetime optimum"]  # the rest of the page still answers


def test_an_unknown_model_or_chip_in_a_link_falls_back():
    at = open_page(PAGE, **{"lifetime.model": "GPT-7", "lifetime.hardware": "Abacus"})
    assert at.selectbox(key="lt_model").value == "Llama 3 70B" and at.selectbox(key="lt_hw").value == "H100 SXM5"


def test_a_refused_loss_keeps_the_life_fields():
    # fresh-eyes walk: a loss below the law's floor stops the page before the life section draws; Streamlit then
    # dropped that section's widget state, so after a good loss it showed GPT-2 small, V100 SXM2 and empty fields
    # (the numbers under them still Llama 3 70B's), and the next change wrote the blanks to the link and refused
    at = open_page(PAGE, errors_ok=True)
    life = {k: at.session_state[k] for k in ("lt_model", "lt_hw", "lt_train_tokens", "lt_per_day", "lt_days")}
    at.radio(key="lt_quality").set_value("loss").run()
    at.text_input(key="lt_loss").input("1.5").run()
    assert at.error and "irreducible" in at.error[0].value
    at.text_input(key="lt_loss").input("2.1").run()
    at.text_input(key="lt_days").input("365 day").run()
    assert not at.error, [e.value for e in at.error]
    assert {k: at.session_state[k] for k in life} == {**life, "lt_days": "365 day"}
    assert at.selectbox(key="lt_model").value == life["lt_model"]


GPT3 = {"params": "175 Gparam", "tokens": "300 Gtoken", "hardware": "V100 SXM2", "chips": "10000"}  # the README's link


def test_the_chart_reaches_the_run_given_however_far_above_the_optimum():
    # GPT-3 (175B, 614% of its compute-optimal model's lifetime compute) was cut off: the axis stopped near 45B
    at = open_page(PAGE, **GPT3)
    r = calc.lifetime(params="175 Gparam", tokens="300 Gtoken", inference_tokens="2T token")
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    line, dots = spec["layer"]
    span = line["encoding"]["x"]["scale"]["domain"]
    share = r.given.lifetime_compute.m_as("FLOP") / r.compute_optimal.lifetime_compute.m_as("FLOP")
    assert span[0] < r.optimum.params.m_as("param") and span[1] >= 175e9 and share > 6
    assert line["encoding"]["y"]["scale"]["type"] == "log"  # the dip near 100% still shows beside 614%
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas()
              for d in at.get("vega_lite_chart")[0].proto.datasets]  # the layers' data, as Streamlit sends them
    given = next(f for f in frames if "model" in f).set_index("model").loc["The run given"]
    curve = next(f for f in frames if "what" in f)
    assert given["params"] == 175e9 and curve["compute"].max() >= given["compute"] == pytest.approx(share)
    assert curve["params"].max() >= 175e9
    assert any(f"The run given needs {share:.0%}" in c.value for c in at.caption)
    plain = json.loads(open_page(PAGE).get("vega_lite_chart")[0].proto.spec)  # Sardana's example: as before
    assert plain["layer"][0]["encoding"]["y"]["scale"] == {"zero": False}


def test_the_shapes_served_rise_with_size_without_spikes():
    # GPT-3's scaled shapes had prime head counts (53, 59): no tensor group split them, serving jumped to pipeline
    # stages and back from size to size, and the dark line spiked to $3.3B near 30B
    at = open_page(PAGE, **GPT3)
    assert at.selectbox(key="lt_model").value == "GPT-3 175B" and at.selectbox(key="lt_hw").value == "V100 SXM2"
    life = service_life("GPT-3 175B", "V100 SXM2", training_tokens="300 Gtoken", tokens_per_day="100B token/day",
                        days="730 day", precision="fp16")  # the V100 has no bf16 peak
    sizes = life.size_curve(at.selectbox(key="lt_law").value)
    price = sizes["serving_price"].m_as("USD/Mtoken")
    assert all(b / a < 1.2 for a, b in zip(price, price[1:]))  # no jump from one size to the next
    assert price[-1] > 3 * price[len(price) // 4]  # and larger sizes cost more
    spec = json.loads(at.get("vega_lite_chart")[2].proto.spec)
    assert spec["layer"][0]["mark"]["point"]  # each size served drawn as a point on the line
    assert spec["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"  # GPT-3's $3.6B beside the sizes' tens of $M
    assert any("steps where the scaled shape gains 8 attention heads" in c.value for c in at.caption)


def test_the_served_precision_is_a_field_in_the_link_and_reaches_the_life():
    # 405B was served in bf16 on 16 H100 with no way to say fp8; it is served in fp8 on its cheapest group (since
    # branch servnv a pipelined one: 32 H100, tensor 4 x pipeline 8; 8 H100 at tensor 8 before)
    link = {"lifetime.model": "Llama 3.1 405B", "lifetime.hardware": "H100 SXM5", "lifetime.precision": "fp8"}
    at = open_page(PAGE, **link)
    assert at.selectbox(key="lt_precision").value == "fp8"
    life = service_life("Llama 3.1 405B", "H100 SXM5", training_tokens=at.session_state["lt_train_tokens"],
                        tokens_per_day="100B token/day", days="730 day", precision="fp8")
    lay = life.serving.layout
    assert (life.serving.chips, lay["tensor"], lay["pipeline"]) == (32, 4, 8)
    assert _metrics(at)["Serving over the life"] == show("cost", life.serving_cost)
    assert any("on 32 x H100 SXM5, tensor 4 x pipeline 8, weights in fp8" in c.value for c in at.caption)
    at.selectbox(key="lt_precision").set_value("bf16").run()
    url = at.query_params["lifetime.precision"]
    assert (url if isinstance(url, str) else url[0]) == "bf16"
    bf16 = service_life("Llama 3.1 405B", "H100 SXM5", training_tokens=at.session_state["lt_train_tokens"],
                        tokens_per_day="100B token/day", days="730 day")
    assert any(f"on {bf16.serving.chips} x H100 SXM5" in c.value and "weights in bf16" in c.value for c in at.caption)
    at = open_page(PAGE, **{"lifetime.precision": "fp9"})  # unreadable: the default, said
    assert at.selectbox(key="lt_precision").value == "default"  # calc.serve's: the chip's bf16 for Llama
    assert any("(lifetime.precision)" in w.value.replace("\\", "") and "did you mean fp8" in w.value
               for w in at.warning)  # the nearest, as serve --precision fp9 says it


def test_the_log_axis_has_a_100_percent_tick_and_the_dollar_curve_marks_its_cheapest_sizes():
    # the log y-axis skipped 100%, the reference of every share; the dollars by size marked only this model
    at = open_page(PAGE, **GPT3)
    compute = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    axis = compute["layer"][0]["encoding"]["y"]["axis"]
    assert compute["layer"][0]["encoding"]["y"]["scale"]["type"] == "log" and 1.0 in axis["values"], axis
    chart = at.get("vega_lite_chart")[2]
    spec = json.loads(chart.proto.spec)
    assert [layer["mark"]["type"] for layer in spec["layer"]][-1] == "square"
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
    lines = next(f for f in frames if "rule" in f)
    marked = next(f for f in frames if "text" in f and f["text"].str.startswith("Cost optimum").all())
    served = lines[lines["rule"] == "each size's shape served"]
    assert len(marked) == 2 and served["usd"].min() in set(marked["usd"])  # the dark line's lowest point
    assert any("■ the cheapest size on each line" in c.value for c in at.caption)


def test_the_life_section_says_a_misread_limit_as_such_and_whole():
    """Fresh-eyes walk: a TPOT limit of "40" said "no group of up to 64 chips serves it: a plain number is ambiguous
    here", and an unmet limit's sentence was cut at 200 characters ("..., one …")."""
    at = open_page(PAGE)
    at.text_input(key="lt_tpot").set_value("40").run()
    said = at.error[0].value.replace("\\", "")
    assert said == '**Time per output token at most**: a plain number is ambiguous here; give a unit, e.g. "40 ms"', said
    at.text_input(key="lt_tpot").set_value("0.04").run()
    assert 'e.g. "0.04 s"' in at.error[0].value.replace("\\", "")
    at.text_input(key="lt_tpot").set_value("1 ms").run()
    said = at.error[0].value.replace("\\", "")
    assert "no group of up to 64 chips serves it" in said and said.endswith("one sequence per replica"), said
    at.text_input(key="lt_tpot").set_value("").run()
    at.text_input(key="lt_days").set_value("0 day").run()
    assert at.error[0].value.replace("\\", "").endswith("expected one positive number of days, got 0 days")


def test_the_loss_reads_as_the_page_and_the_command_line_print_it():
    """Fresh-eyes walk: "1.9753 nats/token" (the command line's "target loss") was refused, with the example "0.4"."""
    at = open_page(PAGE, **{"lifetime.quality": "loss", "lifetime.loss": "2.0", "lifetime.inference_tokens": "2T token"})
    before = _metrics(at)["Lifetime optimum"]
    at.text_input(key="lt_loss").set_value("2.0 nats/token").run()
    assert not at.error and _metrics(at)["Lifetime optimum"] == before
    at.text_input(key="lt_loss").set_value("").run()
    assert '"0.4"' not in at.error[0].value.replace("\\", "")


def test_a_scenario_on_a_chip_that_cannot_split_a_model_opens_the_life_on_one_that_can():
    """Fresh-eyes walk: after the BERT-Large preset (TPU v2) the life section stopped on "no network bandwidth for TPU
    v2", then said it had ignored it "from the link" on the next visit."""
    at = open_page(PAGE, params="340 Mparam", tokens="131 Gtoken", hardware="TPU v2", chips="16")
    assert at.selectbox(key="lt_hw").value == "H100 SXM5" and _metrics(at)["Training + serving"]


def test_the_served_16_bit_format_follows_the_chip():
    """Fresh-eyes walk: choosing a V100 kept bf16, and the life section refused it ("no bf16 peak")."""
    at = open_page(PAGE)
    at.selectbox(key="lt_hw").set_value("V100 SXM2").run()  # the default (calc.serve's) is the V100's fp16
    assert at.selectbox(key="lt_precision").value == "default" and not at.error, [e.value for e in at.error]
    at.selectbox(key="lt_precision").set_value("bf16").run()
    at.selectbox(key="lt_hw").set_value("V100 SXM2").run()
    at.selectbox(key="lt_hw").set_value("A100 SXM4 80GB").run()
    at.selectbox(key="lt_hw").set_value("V100 SXM2").run()  # a 16-bit format chosen follows the chip
    assert at.selectbox(key="lt_precision").value == "fp16" and not at.error, [e.value for e in at.error]


def test_the_life_serves_an_fp8_checkpoint_in_fp8_and_says_why():
    """DeepSeek-R1's checkpoint is FP8 (its config.json's quantization_config): the life's serving default is its
    format on a chip with an FP8 peak, as calc.serve's (calc.serve.load.default_precision), and the caption says why."""
    at = open_page(PAGE, **{"lifetime.model": "DeepSeek-R1", "lifetime.hardware": "H200 SXM"})
    assert at.selectbox(key="lt_precision").value == "default"
    said = " ".join(c.value for c in at.caption).replace("\\", "")  # as shown, its Markdown escapes aside
    assert "weights in fp8 (the checkpoint's format, from config.json's quantization_config)" in said, said


def test_the_empty_latency_field_shows_an_example():
    """Fresh-eyes walk: the only empty field of the life section showed nothing (the Serving page's say "e.g. 40 ms")."""
    assert open_page(PAGE).text_input(key="lt_tpot").placeholder == "e.g. 50 ms; empty: none"


def test_a_count_missing_its_per_day_is_said_as_a_count_not_as_bytes():
    """Fresh-eyes walk: "10B token" as tokens served per day said "got 10 B·token (information tokens)": B read as
    bytes, where neither reading fits; the article reading is the one shown (10¹⁰ tokens, a count)."""
    from calc.units import parse_quantity

    at = open_page(PAGE)
    at.text_input(key="lt_per_day").set_value("10B token").run()
    said = at.error[0].value.replace("\\", "")
    assert "got 10¹⁰ token (a token count)" in said and "information" not in said, said
    with pytest.raises(calc.InputError, match=r"got 7 × 10¹⁰ param \(a parameter count\)"):
        parse_quantity("70B param", "compute", "FLOP", bare_ok=True)
    with pytest.raises(calc.InputError, match=r"got 40 GB \(a size in bytes\)"):  # bytes where bytes are written
        parse_quantity("40 GB", "duration", "s", bare_ok=False)


def test_a_chip_with_no_public_price_asks_for_it_in_its_field():
    """GB200 was offered, then refused for a price the page had no field for; calc lifetime --hardware GB200 asks for
    the price it lacks. The page asks for it in its Chip-hour price field, and with it given, answers."""
    at = open_page(PAGE, errors_ok=True, **{"lifetime.hardware": "GB200"})
    # asked for as a value not typed yet (fresh9: it opened as a red error box, app-walk's one problem on GB300)
    assert not at.exception and not at.error and len(at.info) >= 1
    said = next(i.value for i in at.info if "Chip-hour price" in i.value).replace("\\", "")
    assert said.startswith("**Chip-hour price**: GB200 has no public price") and "in the field above" in said, said
    assert "give the training price" not in said
    at.text_input(key="lt_price").input("6 USD/chip/hour").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    life = service_life("Llama 3 70B", "GB200", training_tokens="15T token", tokens_per_day="100B token/day",
                        days="730 day", price="6 USD/chip/hour", serving_price="6 USD/chip/hour")
    m = _metrics(at)
    assert m["Training"] == show("cost", life.training_cost) and m["Serving over the life"] == show("cost", life.serving_cost)
    assert at.query_params["lifetime.price"] in (["6 USD/chip/hour"], "6 USD/chip/hour")


def test_a_link_s_price_that_is_not_one_is_said_and_left_empty():
    at = open_page(PAGE, errors_ok=True, **{"lifetime.hardware": "H100 SXM5", "lifetime.price": "6 GB"})
    said = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "**Chip-hour price** (lifetime.price)" in said, said
    assert at.text_input(key="lt_price").value == "" and not at.exception


def test_a_mixture_of_experts_scenario_is_not_taken_as_a_dense_run_and_the_page_says_so():
    """Fresh-eyes walk (fresh7): after the DeepSeek-V3 preset the top section took its 671B in all as a dense run's
    parameters, silently, where calc lifetime --model DeepSeek-V3 refuses and the section below says the dense laws
    do not apply."""
    at = open_page(PAGE, params="671 Gparam", active_params="37 Gparam", tokens="14.8 Ttoken", hardware="H800 SXM5",
                   chips="2048")
    assert not at.exception
    assert at.text_input(key="lt_params").value == "13 Gparam"  # Sardana et al.'s example, the page's EXAMPLE
    r = calc.lifetime(params="13 Gparam", tokens="576 Gtoken", inference_tokens="2T token")
    assert _metrics(at)["Lifetime optimum"] == show("params", r.params, True)
    assert any("mixture of experts" in c.value and "37 Gparam active" in c.value for c in at.caption)


def test_a_dense_shape_with_its_active_parameters_is_taken_as_a_dense_run():
    # fresh11: the Model shape page's "Estimate a run of this shape" gives a dense shape's active parameters too (Qwen2.5
    # 3B: 3.086 Gparam both); the page called it a mixture of experts and put Sardana et al.'s 13B in its place
    at = open_page(PAGE, params="3.086 Gparam", active_params="3.086 Gparam", tokens="8e12 token", hardware="T4",
                   chips="64")
    assert not at.exception
    assert at.text_input(key="lt_params").value == "3.086 Gparam"
    assert at.text_input(key="lt_tokens").value == "8e12 token"
    assert not any("mixture of experts" in c.value for c in at.caption)


def test_a_links_format_as_people_type_it_is_read_as_its_name():
    # lifetime.precision=nvfp4 was "Ignored from the link" though serve --precision nvfp4 reads it (calc.vocabulary)
    at = open_page(PAGE, **{"lifetime.model": "Llama 3.1 8B", "lifetime.hardware": "B200", "lifetime.precision": "nvfp4"})
    assert not any("(lifetime.precision)" in w.value.replace("\\", "") for w in at.warning)
    assert at.selectbox(key="lt_precision").value == "fp4"


def test_a_loss_outside_the_laws_fit_is_warned_of_as_at_the_command_line():
    # fresh14's walk: a target loss of 20 answered a 9.98k-parameter optimum, unsaid (lifetime.warning)
    from apppage import open_page

    at = open_page("app_pages/lifetime.py", **{"lifetime.quality": "loss", "lifetime.loss": "20"})
    shown = [w.value.replace("\\", "") for w in at.warning]
    assert any(w.startswith("loss: at this loss the compute-optimal model's training 3.23 × 10¹¹ FLOP is below") for w in shown), shown
    at = open_page("app_pages/lifetime.py", **{"lifetime.quality": "loss", "lifetime.loss": "2"})
    assert not at.warning


def test_the_life_names_a_mixture_of_experts_layout_whole():
    # fresh15: DeepSeek-R1 on H200 within 40 ms was said "on 32 x H200 SXM, tensor 32", where calc.serve serves it
    # as tensor 32 (expert 8) with attention data parallel
    at = open_page(PAGE, **{"lifetime.model": "DeepSeek-R1", "lifetime.hardware": "H200 SXM",
                            "lifetime.tpot_limit": "40 ms"})
    assert not at.exception and not at.error
    life = service_life("DeepSeek-R1", "H200 SXM", training_tokens="15T token", tokens_per_day="100B token/day",
                        days="730 day", tpot_limit="40 ms")
    lay = life.serving.layout
    said = f"tensor {lay['tensor']} (expert {lay['expert']}), attention data parallel"
    assert lay["attention_data_parallel"] and any(said in c.value for c in at.caption), [c.value for c in at.caption]


def test_the_dot_on_de_vries_curve_is_said_under_it():
    at = open_page(PAGE)
    r = calc.lifetime(params="13 Gparam", tokens="576 Gtoken", inference_tokens="2T token")
    share = r.params.m_as("param") / r.compute_optimal.params.m_as("param")
    assert any(f"● the lifetime optimum above: {share:.0%} of the compute-optimal size" in c.value
               for c in at.caption), [c.value for c in at.caption]


def test_the_life_says_fp4_weights_multiply_in_fp8_on_an_h100():
    at = open_page(PAGE, **{"lifetime.model": "Llama 3 8B", "lifetime.hardware": "H100 SXM5", "lifetime.precision": "fp4"})
    assert any("weights in fp4 (multiplied in fp8, as the H100 SXM5 has no fp4 peak" in c.value for c in at.caption), \
        [c.value for c in at.caption]


def test_a_mixture_of_experts_scenario_is_not_told_it_gives_no_parameters():
    # fresh15: DeepSeek-V3's preset read "the scenario is a mixture of experts ... not taken" and, two lines below,
    # "your Estimate scenario gives no parameters and tokens"
    at = open_page(PAGE, params="671 Gparam", active_params="37 Gparam", tokens="14.8 Ttoken", hardware="H800 SXM5")
    said = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "mixture of experts" in said and "gives no parameters and tokens" not in said, said[:800]
    assert "your Estimate scenario's mixture of experts is not taken, above" in said


def test_a_scenario_with_parameters_but_no_tokens_says_whose_tokens_stand_in():
    at = open_page(PAGE, params="70 Gparam", hardware="H100 SXM5")
    assert at.text_input(key="lt_params").value == "70 Gparam" and at.text_input(key="lt_tokens").value == "576 Gtoken"
    said = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "gives its parameters (70 Gparam) but no tokens; Sardana et al.'s 576 Gtoken stand in" in said, said[:800]


def test_a_chip_hour_price_in_the_per_flop_field_is_said_in_this_section_s_terms():
    # fresh15: '$2/GPU/hour' here was refused as needing "the chip (hardware) and its utilization (MFU)", fields this
    # section does not have; from a link, and typed
    at = open_page(PAGE, **{"lifetime.training_price": "$2/GPU/hour", "lifetime.serving_price": "0.6 USD/Mtoken"})
    said = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "expected USD per FLOP here, got a price per chip-hour" in said and "(hardware)" not in said, said[:600]
    at = open_page(PAGE)
    at.text_input(key="lt_train_price").set_value("$2/GPU/hour")
    at.text_input(key="lt_serve_price").set_value("0.6 USD/Mtoken").run()
    assert not at.exception
    said = " ".join(e.value for e in at.error).replace("\\", "")
    assert "**Training price**: expected USD per FLOP here" in said and "1.4e-18 USD/FLOP" in said, said[:600]


def test_a_links_law_with_capitals_is_read_as_its_name():
    at = open_page(PAGE, **{"lifetime.law": "Hoffmann2022"})
    assert at.selectbox(key="lt_law").value == "hoffmann2022" and not at.warning


def test_a_scenarios_range_is_taken_at_its_median():
    """fresh22: a scenario of 60e9..80e9 param put the range's text in the Parameters field, which then refused it
    ('a range is not accepted here'); Compare and Cost take a range's median, and so does this page, saying so."""
    at = open_page(PAGE, params="60e9..80e9 param", tokens="1.4T")
    median = show("params", calc.uncertainty.parse_range("60e9..80e9 param", "params").quantile(0.5))
    assert at.text_input(key="lt_params").value == median == "69.3B params"
    assert any("Your Estimate scenario's parameters 60e9..80e9 param at the median" in c.value.replace("\\", "")
               for c in at.caption)
    r = calc.lifetime(params=median, tokens="1.4T", inference_tokens="2T token")
    assert _metrics(at)["Lifetime optimum"] == show("params", r.params, True)


def test_the_size_chart_pads_its_x_axis_so_this_model_s_dot_is_whole():
    # fresh-eyes walk (pages24): on "The size cheapest over this life" the "This model" dot at the right edge of the
    # log x domain (nice off) was cut in half by the plot's border
    at = open_page(PAGE)
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    spec = next(json.loads(c.proto.spec) for c in charts if "Cheapest size" in c.proto.spec)
    x = next(layer["encoding"]["x"] for layer in spec["layer"] if "scale" in layer["encoding"].get("x", {}))
    assert x["scale"]["type"] == "log" and x["scale"]["padding"] >= 10, x["scale"]


def test_the_page_says_why_its_ratio_is_not_twenty_and_which_demand_each_section_answers():
    # fresh24: hoffmann2022's compute-optimal "78.6 tokens per parameter" read as a slip beside the Model shape page's
    # ~20 (besiroglu2024), and the two sections' optima (2T served against 73T) sat side by side unexplained
    at = open_page(PAGE)
    r = calc.lifetime(params="13 Gparam", tokens="576 Gtoken", inference_tokens="2T token")
    said = " ".join(c.value for c in at.caption).replace("\\", "")
    assert f"trains on {calc.display.number(r.compute_optimal.tokens_per_param)} tokens per parameter" in said
    assert "Besiroglu et al. 2024" in said and "19.6 tokens per parameter" in said
    assert "This section serves 73T tokens over the life" in said and "set it to 73T tokens" in said
    at.text_input(key="lt_demand").set_value("73T token").run()
    assert "This section serves" not in " ".join(c.value for c in at.caption)
    at.selectbox(key="lt_law").set_value("besiroglu2024").run()
    assert "Besiroglu et al. 2024" not in " ".join(c.value for c in at.caption)
