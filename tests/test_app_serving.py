"""The Serving page through streamlit.testing: its fields in the URL, its answer, its two charts,
its two layout toggles (disaggregated prefill, attention data parallelism), and what it says for a link it
cannot read or a model that does not fit."""

import json
import re

from apppage import open_page
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calc.display import number
from calc.serve import fewest_chips, serve

PAGE = "app_pages/serving.py"
LINK = {"serving.model": "Llama 3 8B", "serving.hardware": "A100 SXM4 80GB", "serving.chips": "2",
        "serving.tensor": "1", "serving.precision": "bf16", "serving.expert_precision": "model",
        "serving.kv_precision": "bf16",
        "serving.input_tokens": "512", "serving.output_tokens": "256", "serving.concurrency": "64",
        "serving.ttft_limit": "", "serving.tpot_limit": "", "serving.limit_statistic": "p99", "serving.request_rate": "",
        "serving.disaggregated": "false", "serving.attention_data_parallel": "false", "serving.engine": "none",
        "serving.price": "", "serving.draft_tokens": "", "serving.accepted_tokens": ""}


def _url(at) -> dict:
    return {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}


def test_a_shared_link_fills_every_field_and_the_url_keeps_them():
    at = open_page(PAGE, **LINK)
    assert not at.warning, [w.value for w in at.warning]
    assert at.selectbox(key="serving_model").value == "Llama 3 8B"
    assert at.number_input(key="serving_input").value == 512
    assert {k: v for k, v in _url(at).items() if k.startswith("serving.")} == LINK
    labels = [m.label for m in at.metric]
    assert labels[:2] == ["Time to first token", "Time per output token"]
    assert "64 requests in flight" in " ".join(m.value for m in at.markdown)


def test_a_changed_field_goes_to_the_url():
    at = open_page(PAGE, **LINK)
    at.selectbox(key="serving_concurrency").set_value("saturating").run()
    assert _url(at)["serving.concurrency"] == "saturating"
    at.number_input(key="serving_chips").set_value(8).run()
    assert _url(at)["serving.chips"] == "8"
    assert not at.exception and not at.error


def test_two_charts_frontier_and_cost_by_chip():
    at = open_page(PAGE, **LINK)
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert len(charts) == 2
    specs = [json.loads(c.proto.spec) for c in charts]
    text = json.dumps(specs)
    assert "Output tokens/s per user" in text and "Output tokens/s per chip" in text
    assert "$ per million tokens" in text


def _tips(spec: dict) -> list[list[str]]:
    """The tooltip titles of each layer of a chart's spec (an untitled field would show its column name)."""
    out = []
    for layer in spec.get("layer", [spec]):
        tip = layer.get("encoding", {}).get("tooltip", [])
        out.append([t.get("title", t.get("field")) for t in (tip if isinstance(tip, list) else [tip])])
    return out


def test_every_mark_of_the_curve_that_has_a_tip_says_it_in_words():
    # the red point (the answer) had no tooltip of its own: Streamlit's theme tipped it with its raw columns,
    # "per_user 34.0277159906"; the cost bars' layout omitted the pipeline ("tensor 1 × 1 replica(s)")
    at = open_page(PAGE, **LINK)
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    curve = _tips(json.loads(charts[0].proto.spec))
    assert curve[2] == ["The answer above: requests in flight", "Time per output token",
                        "Time to first token (a closed loop of 64 clients)"], curve
    assert not any(t in ("per_user", "per_chip") for layer in curve for t in layer)
    bars = str(charts[1].proto)  # the rows travel as Arrow in the proto, "×" escaped as bytes
    assert re.search(r"tensor \d+ \S{1,12} pipeline \d+, \d+ replicas?\b", bars)


def test_defaults_from_the_scenario():
    at = open_page(PAGE, params="70e9 param", tokens="1.4e12 token", hardware="H100 SXM5", chips="1024")
    assert at.selectbox(key="serving_model").value in ("Llama 2 70B", "Llama 3 70B", "Chinchilla")
    assert at.selectbox(key="serving_hw").value == "H100 SXM5"
    assert at.number_input(key="serving_chips").value == 8  # serving replicas, not the training cluster
    assert _url(at)["chips"] == "1024"  # the scenario stays in the URL


def test_a_bad_link_is_reported_and_a_model_that_does_not_fit_says_why():
    at = open_page(PAGE, errors_ok=True, **{"serving.chips": "lots", "serving.model": "GPT-5", "serving.colour": "red"})
    text = " ".join(w.value for w in at.warning).replace("\\", "")  # shown Markdown-escaped
    for part in ("**Chips** (serving.chips): unknown unit 'lots'; expected a chip count", "**Model** (serving.model): unknown shape 'GPT-5'",
                 "serving.colour: not a field of this page"):  # by the page's label, then the link's key
        assert part in text
    at = open_page(PAGE, errors_ok=True, **{"serving.model": "Llama 3.1 405B", "serving.chips": "1"})
    assert at.error and "weights take" in at.error[0].value


def test_a_links_plain_latency_limit_suggests_the_unit_the_command_line_does():
    # the page suggested "2 ms" for a link's TTFT limit of "2" where `serve --ttft-limit 2` suggests "2 s" (one reader)
    at = open_page(PAGE, **{"serving.concurrency": "within limits", "serving.ttft_limit": "2", "serving.tpot_limit": "40"})
    said = " ".join(w.value for w in at.warning).replace("\\", "")
    assert '(serving.ttft_limit): a plain number is ambiguous here; give a unit, e.g. "2 s"' in said, said
    assert '(serving.tpot_limit): a plain number is ambiguous here; give a unit, e.g. "40 ms"' in said, said


def test_a_links_tensor_size_that_calc_refuses_falls_back_to_best_and_is_said():
    # a link's tensor 6 was once silently answered as "best", then refused with a red error and no answer, while every
    # other bad field of a link falls back with a warning: now it falls back too, and says why
    for tensor, words in (("6", "**Tensor parallel per replica** (serving.tensor): expected tensor ranks that divide "
                                "the 64 attention heads, got 6"),
                          ("3", "**Tensor parallel per replica** (serving.tensor): tensor x pipeline = 3 chips must "
                                "divide the 8 chips")):
        at = open_page(PAGE, **{"serving.model": "Llama 3 70B", "serving.chips": "6" if tensor == "6" else "8",
                                "serving.tensor": tensor})
        said = " ".join(w.value for w in at.warning).replace("\\", "")
        assert f"Ignored from the link: {words}" in said and "the best layout is shown instead" in said
        assert at.selectbox(key="serving_tensor").value == "best" and _url(at)["serving.tensor"] == "best"
        assert at.metric and len(at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")) == 2
    # chosen on the page, a tensor size that splits a head is refused by name, never swapped
    at = open_page(PAGE, **{"serving.model": "Llama 3 70B", "serving.chips": "8"})
    at.selectbox(key="serving_tensor").set_value("16").run()
    assert at.error and "Tensor parallel per replica**:" in at.error[0].value.replace("\\", "")
    assert at.selectbox(key="serving_tensor").value == "16"
    # three chips, refused once (tensor 3 splits a head, one stage holds no 70B): three pipeline stages answer now
    at = open_page(PAGE, **{"serving.model": "Llama 3 70B", "serving.chips": "3"})
    assert not at.error and at.metric


def test_the_chips_left_out_are_counted_and_listed_whole():
    # a caption cut at 600 characters ended "GB200 (no…"
    at = open_page(PAGE, **{"serving.model": "Llama 3 70B", "serving.chips": "4"})
    folded = [e for e in at.expander if e.label.startswith("Left out: ")]
    assert folded and not any(c.value.startswith("Left out") for c in at.caption)
    items = folded[0].markdown[0].value.split("\n")
    assert folded[0].label.startswith(f"Left out: {len(items)} chips")
    assert all(i.startswith("- ") and not i.endswith("…") for i in items)


def test_the_layout_toggles_go_to_the_url_and_reach_the_answer():
    # calc.serve's disaggregated and attention_data_parallel, as the CLI's --disaggregated and
    # --attention-data-parallel: checkboxes kept in the link as true or false
    at = open_page(PAGE, **{**LINK, "serving.model": "Mixtral 8x7B", "serving.hardware": "H100 SXM5",
                            "serving.chips": "8", "serving.tensor": "8", "serving.precision": "fp8",
                            "serving.concurrency": "saturating"})
    assert at.checkbox(key="serving_disaggregated").value is False
    at.checkbox(key="serving_disaggregated").check().run()
    assert _url(at)["serving.disaggregated"] == "true"
    assert "Tokens/s per decode chip" in [m.label for m in at.metric]  # "Output tokens/s per decode …" was cut at 1440 px
    assert "prefill on chips of its own" in " ".join(m.value for m in at.markdown)
    at.checkbox(key="serving_adp").check().run()
    assert _url(at)["serving.attention_data_parallel"] == "true"
    assert not at.error and "attention data parallel" in " ".join(m.value for m in at.markdown)


def test_a_toggle_from_a_link_is_read_and_checked_like_every_field():
    at = open_page(PAGE, **{**LINK, "serving.model": "Mixtral 8x7B", "serving.chips": "8", "serving.tensor": "8",
                            "serving.attention_data_parallel": "TRUE"})
    assert at.checkbox(key="serving_adp").value is True
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.disaggregated": "maybe"})
    assert "(serving.disaggregated): expected true or false" in " ".join(w.value for w in at.warning).replace("\\", "")
    assert at.checkbox(key="serving_disaggregated").value is False  # the default, said, not guessed
    # attention data parallelism beside a dense model: calc's one-line refusal, naming the field by its label
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.attention_data_parallel": "true"})
    assert at.error and "Attention data parallel**:" in at.error[0].value.replace("\\", "")


def test_latency_limits_bound_p99s_as_the_cli_does():
    # the concurrency field's "within limits" with --ttft-limit / --tpot-limit and --limit-statistic's twins
    limits = {**LINK, "serving.concurrency": "within limits", "serving.tpot_limit": "40 ms"}
    at = open_page(PAGE, **limits)
    text = " ".join(m.value for m in at.markdown)
    assert "Limits on the p99s: TPOT ≤ 40 ms" in text and "MLPerf Inference v4.x" in text
    tpot = float(at.metric[1].value.split()[0])
    assert tpot <= 40 / 1.1  # the mean within the p99 limit over p99/mean
    assert _url(at)["serving.tpot_limit"] == "40 ms"
    at.selectbox(key="serving_limit_statistic").set_value("mean").run()
    assert _url(at)["serving.limit_statistic"] == "mean"
    assert "Limits on the means" in " ".join(m.value for m in at.markdown)
    assert float(at.metric[1].value.split()[0]) <= 40


def test_a_bad_or_stray_limit_is_said():
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.tpot_limit": "40", "serving.limit_statistic": "p95"})
    text = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "(serving.tpot_limit):" in text and 'e.g. "40 ms"' in text and "(serving.limit_statistic): expected p99 or mean" in text
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.tpot_limit": "40 ms"})  # beside 64 requests in flight
    assert at.error and "Time-per-output-token limit" in at.error[0].value.replace("\\", "")  # its label, not tpot_limit
    # and no limit yet: fresh-eyes walk: a red error the moment "within limits" was chosen, before a limit could be typed
    at = open_page(PAGE, **{**LINK, "serving.concurrency": "within limits"})
    assert not at.error and "Type a time-to-first-token or time-per-output-token limit" in at.info[0].value


def test_expert_weights_as_the_model_or_chosen():
    """GPT-OSS 120B's experts in MXFP4 as its checkpoint holds them (OpenAI 2025 model card: the 120B fits on one
    80 GB GPU), said on the page; experts chosen in BF16 need more than one H100; a dense model refuses the field."""
    link = {**LINK, "serving.model": "GPT-OSS 120B", "serving.hardware": "H100 SXM5", "serving.chips": "1",
            "serving.concurrency": "saturating"}
    at = open_page(PAGE, **link)
    assert not at.error, [e.value for e in at.error]
    said = " ".join(m.value for m in at.markdown)
    assert "weights bf16, experts mxfp4" in said
    # doors16: how the experts are multiplied, as the weights' fp4 on Hopper says its fp8 products
    assert ("experts mxfp4 (multiplied in bf16 (each weight dequantised in the kernel), as the H100 SXM5 has no fp4 "
            "peak in data/hardware.csv)") in said.replace("\\", ""), said[:600]
    at.selectbox(key="serving_expert_precision").set_value("bf16").run()
    assert _url(at)["serving.expert_precision"] == "bf16"
    assert at.error and "GB per chip" in at.error[0].value
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.expert_precision": "fp4"})
    assert at.error and "no routed experts" in at.error[0].value


def test_the_answer_says_which_ttft_it_gives():
    # issue 20 (doors): a closed loop's TTFT (a number of requests in flight) and the saturating one (the step alone)
    # differed by the wait for the step in progress, unsaid; each now says which, and the curve's tips give both
    at = open_page(PAGE, **LINK)
    text = " ".join(m.value for m in at.markdown)
    assert "a closed loop of 64 clients" in text and "ms of it waiting, the step alone" in text
    assert "closed loop" in next(m.help for m in at.metric if m.label == "Time to first token")
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert "Time to first token (a closed loop of as many clients)" in charts[0].proto.spec
    at.selectbox(key="serving_concurrency").set_value("saturating").run()
    assert "Time to first token: the step alone" in " ".join(m.value for m in at.markdown)


def test_a_request_rate_goes_to_the_url_and_reaches_the_answer():
    # the concurrency field's "at a request rate" with the rate field: --request-rate's twin
    at = open_page(PAGE, **{**LINK, "serving.concurrency": "at a request rate", "serving.request_rate": "4/s"})
    assert not at.exception and not at.error
    text = " ".join(m.value for m in at.markdown)
    assert "on average at 4 requests/s" in text and "wait for the step in progress" in text and "ms of it waiting" in text
    assert _url(at)["serving.request_rate"] == "4/s"
    at.text_input(key="serving_request_rate").set_value("8/s").run()
    assert _url(at)["serving.request_rate"] == "8/s" and "at 8 requests/s" in " ".join(m.value for m in at.markdown)
    at.text_input(key="serving_request_rate").set_value("4 Hz").run()  # doors16: Hz was an unknown unit
    assert not at.warning and "at 4 requests/s" in " ".join(m.value for m in at.markdown)


def test_a_limit_or_a_rate_typed_at_the_default_load_chooses_the_load_that_reads_it():
    # fresh-eyes walk: the first limit typed on a fresh page was answered in red, "limits are read with requests in
    # flight 'within limits'; choose it, or clear the limit"; a load the user chose is kept, and the clash said
    for key, value, load in (("serving_tpot_limit", "40 ms", "within limits"), ("serving_ttft_limit", "2 s", "within limits"),
                             ("serving_request_rate", "4/s", "at a request rate")):
        at = open_page(PAGE, **{**LINK, "serving.concurrency": "saturating"})
        at.text_input(key=key).set_value(value).run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert at.selectbox(key="serving_concurrency").value == load and _url(at)["serving.concurrency"] == load
    at = open_page(PAGE, errors_ok=True, **LINK)  # 64 requests in flight, chosen: kept, the limit said beside it
    at.text_input(key="serving_tpot_limit").set_value("40 ms").run()
    assert at.selectbox(key="serving_concurrency").value == "64" and "choose it" in at.error[0].value


def test_a_bad_missing_or_stray_request_rate_is_said():
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.request_rate": "4 s"})
    assert "(serving.request_rate):" in " ".join(w.value for w in at.warning).replace("\\", "")
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.request_rate": "4/s"})  # beside 64 requests in flight
    assert at.error and at.error[0].value.replace("\\", "").startswith("**Request rate**:")
    at = open_page(PAGE, **{**LINK, "serving.concurrency": "at a request rate"})  # and no rate yet: asked for, no error
    assert not at.error and "Type a request rate below" in at.info[0].value
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.concurrency": "at a request rate",
                                            "serving.request_rate": "1000/s"})  # beyond what 2 A100s complete
    assert at.error and "grows without end" in at.error[0].value.replace("\\", "")


def test_an_error_names_the_field_by_its_label_and_says_no_command_line_flag():
    # fresh-eyes walk: the page said "attention_data_parallel: ..." and "chips: ... give more chips, more --tensor or
    # --pipeline, or a smaller --precision": names and flags of the command line, which this page does not show
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.attention_data_parallel": "true"})
    text = at.error[0].value.replace("\\", "")
    assert text.startswith("**Attention data parallel**:") and "attention_data_parallel" not in text
    at = open_page(PAGE, errors_ok=True, **{"serving.model": "Llama 3.1 405B", "serving.chips": "1"})
    text = at.error[0].value.replace("\\", "")
    assert text.startswith("**Chips**:") and "weights take" in text and "--" not in text
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.input_tokens": "1000000"})
    text = at.error[0].value.replace("\\", "")
    assert text.startswith("**Input tokens per request**:") and "KV cache per chip" in text


def test_the_readmes_link_serves_gpt3_on_the_fewest_v100_that_hold_it_and_says_so():
    # the README's own link opened on 8 V100 (32 GB) and a red "weights take 43.8 GB per chip", no chart
    at = open_page(PAGE, params="175 Gparam", tokens="300 Gtoken", hardware="V100 SXM2", chips="10000")
    assert at.selectbox(key="serving_model").value == "GPT-3 175B" and at.selectbox(key="serving_hw").value == "V100 SXM2"
    assert at.number_input(key="serving_chips").value == 16 == fewest_chips("GPT-3 175B", "V100 SXM2")
    said = at.info[0].value.replace("\\", "")
    assert said.startswith("GPT-3 175B in fp16 does not fit on 8 × V100 SXM2 (32 GB each): it needs at least 16")
    assert "16 × V100 SXM2" in " ".join(m.value for m in at.markdown)
    assert len(at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")) == 2
    assert _url(at)["serving.chips"] == "16" and _url(at)["chips"] == "10000"  # the training cluster stays
    at.number_input(key="serving_chips").set_value(32).run()
    assert not at.info and not at.error  # the line goes once the chips are the user's
    # chips a link gives are the user's: not swapped, the error says what to change
    at = open_page(PAGE, errors_ok=True, **{"serving.model": "Llama 3.1 405B", "serving.chips": "8"})
    assert at.error and "give more chips" in at.error[0].value and not at.info


def test_fewest_chips_follow_the_weights_precision():
    # Llama 3.1 405B: 810 GB in bf16 wants 16 H100 (80 GB), 405 GB in fp8 fits 8, as it is served (README's table)
    at = open_page(PAGE, **{"serving.model": "Llama 3.1 405B", "serving.precision": "fp8"})
    assert at.number_input(key="serving_chips").value == 8 and not at.info
    at = open_page(PAGE, **{"serving.model": "Llama 3.1 405B"})
    assert at.number_input(key="serving_chips").value == 16 and "needs at least 16" in at.info[0].value


def test_a_request_past_the_model_s_context_is_answered_and_said_at_both_doors(capsys):
    """Fresh-eyes walk: 100,000 input tokens to Llama 3 8B (an 8,192-token context) were answered without a word."""
    from calc.cli import main

    at = open_page(PAGE, **{**LINK, "serving.input_tokens": "100000", "serving.concurrency": "1"})
    warned = [w.value.replace("\\", "") for w in at.warning]  # Markdown-escaped
    assert any("input + output tokens of a request: 100,256 tokens is 12.2x the shape's context of 8,192" in w
               for w in warned), warned
    assert any(w.endswith("or give the shape a longer context") for w in warned), warned  # whole, not cut at 200
    assert [m.label for m in at.metric][:1] == ["Time to first token"]  # still answered
    at.number_input(key="serving_input").set_value(4000).run()
    assert not at.warning, [w.value for w in at.warning]
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "A100 SXM4 80GB", "--chips", "2", "--input-tokens",
                 "100000", "--output-tokens", "256", "--concurrency", "1"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: input + output tokens of a request: 100,256 tokens is 12.2x") and err.count("\n") == 1


def test_a_scenario_on_a_chip_that_cannot_split_a_model_opens_on_one_that_can():
    """Fresh-eyes walk: after the BERT-Large preset (TPU v2), the Serving page opened on an error ("data/hardware.csv
    has no network bandwidth for TPU v2, which this layout needs"): TPU v2 has no chip-to-chip bandwidth."""
    at = open_page(PAGE, params="340 Mparam", tokens="131 Gtoken", hardware="TPU v2", chips="16")
    assert at.selectbox(key="serving_hw").value == "H100 SXM5"
    at = open_page(PAGE, params="70 Gparam", tokens="2 Ttoken", hardware="A100 SXM4 80GB", chips="16")
    assert at.selectbox(key="serving_hw").value == "A100 SXM4 80GB"  # a chip that splits: the scenario's


def test_a_16_bit_format_follows_the_chip_and_errors_say_the_page_s_labels():
    """Fresh-eyes walk: choosing a V100 after an H100 kept bf16 and the page refused it ("the V100 SXM2 has no bf16
    peak"); expert weights on a dense model said "give --precision", a flag of the command line, on the page."""
    at = open_page(PAGE, **LINK)
    at.selectbox(key="serving_hw").set_value("V100 SXM2").run()
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="serving_precision").value == at.selectbox(key="serving_kv").value == "fp16"
    at.selectbox(key="serving_hw").set_value("H100 SXM5").run()
    assert at.selectbox(key="serving_kv").value == "bf16" and not at.error
    at.selectbox(key="serving_kv").set_value("fp8").run()
    at.selectbox(key="serving_hw").set_value("A100 SXM4 80GB").run()  # a choice that is not 16-bit is the user's
    assert at.selectbox(key="serving_kv").value == "fp8"
    at.selectbox(key="serving_expert_precision").set_value("fp8").run()
    said = at.error[0].value.replace("\\", "")
    assert "--precision" not in said and "the “Weights” field" in said, said


def test_the_engine_field_counts_its_host_work_as_every_door_does():
    # the page's engine is calc.serve's engine= and the CLI's --engine: its host work per sequence and step
    from calc.serve import serve

    at = open_page(PAGE, **{**LINK, "serving.hardware": "H100 SXM5", "serving.chips": "1",
                            "serving.engine": "TensorRT-LLM 1.0"})
    assert not at.warning and not at.error and _url(at)["serving.engine"] == "TensorRT-LLM 1.0"
    s = serve("Llama 3 8B", "H100 SXM5", 1, tensor=1, precision="bf16", kv_precision="bf16", input_tokens=512,
              output_tokens=256, concurrency=64, engine="TensorRT-LLM 1.0")
    shown = next(m.value for m in at.metric if m.label == "Time per output token")
    assert shown.replace(" ", "") in (f"{s.tpot.m_as('ms'):.3g}ms", f"{s.tpot.m_as('ms'):.2f}ms", f"{s.tpot.m_as('ms'):.1f}ms")
    # the answer names the engine and its host work, as the command line's engine line does
    said = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "Serving engine: TensorRT-LLM 1.0, host work 10.7 µs per sequence and decode step, hidden" in said
    at = open_page(PAGE, **{**LINK, "serving.engine": "vllm"})
    said = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "Serving engine" in said and "vllm" in said and _url(at)["serving.engine"] == "none"


def test_a_link_names_the_engine_as_people_type_it():
    # "vllm 0.10.2" in a link is vLLM 0.10.2 (as --engine and engine= take it); "vllm" is said with its releases
    at = open_page(PAGE, **{**LINK, "serving.engine": "vllm 0.10.2"})
    assert not at.warning and _url(at)["serving.engine"] == "vLLM 0.10.2"
    at = open_page(PAGE, **{**LINK, "serving.engine": "vllm"})
    said = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "list vLLM 0.6.0, " in said and "vLLM 0.10.2" in said and _url(at)["serving.engine"] == "none"
    # on the chip of the link: on an MI300X the releases that run there (vLLM's ROCm builds), as --engine says them
    at = open_page(PAGE, **{**LINK, "serving.hardware": "MI300X", "serving.chips": "1", "serving.engine": "vllm"})
    said = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "those that run on the MI300X (AMD) are vLLM 0.6.4 (ROCm)" in said and "vLLM 0.8.5 (ROCm)" in said
    assert "vLLM 0.6.0" not in said
    assert _url(at)["serving.engine"] == "none"


def test_the_curve_says_its_pipeline():
    # the curve's caption named tensor and replicas only: 70B on 5 H100 read "Tensor 1 × 1 replica(s)" at pipeline 5
    at = open_page(PAGE, **{**LINK, "serving.model": "Llama 3 70B", "serving.hardware": "H100 SXM5",
                            "serving.chips": "5", "serving.tensor": "best", "serving.concurrency": "saturating"})
    assert any("Tensor 1 × pipeline 5, 1 replica;" in c.value for c in at.caption), [c.value for c in at.caption]


def test_a_model_no_count_of_a_linkless_chip_serves_is_said_so():
    # 70B on TPU v2 (17 GB, no network bandwidth in data/hardware.csv): 8 chips do not hold it, and the 16 that would
    # need the missing link; the page says so above the answer, rather than only "give more chips"
    link = {**{k: v for k, v in LINK.items() if k != "serving.chips"}, "serving.model": "Llama 3 70B",
            "serving.hardware": "TPU v2"}
    at = open_page(PAGE, errors_ok=True, **link)
    said = " ".join(i.value for i in at.info)
    assert "does not fit on 8 × TPU v2" in said and "no network bandwidth for TPU v2" in said, said


def test_a_link_names_the_model_as_people_type_it():
    # "llama 3 8b" in a link is Llama 3 8B (as --model takes it); "Llama 3 7B" is said with the nearest names
    at = open_page(PAGE, **{**LINK, "serving.model": "llama 3 8b"})
    assert not at.warning and _url(at)["serving.model"] == "Llama 3 8B"
    at = open_page(PAGE, **{**LINK, "serving.model": "Llama 3 7B"})
    said = " ".join(w.value for w in at.warning).replace("\\", "")
    assert ("**Model** (serving.model): unknown shape 'Llama 3 7B'; did you mean Llama 3 70B or Llama 3.3 70B or "
            "Llama 3.1 70B or Llama 3 8B") in said


def test_the_curve_is_the_answers_layout_under_limits():
    # within 2 s / 40 ms the answer is tensor 8 x pipeline 1, and the curve (with its red point, "the answer above")
    # was drawn for the saturating layout, tensor 4 x pipeline 2
    at = open_page(PAGE, **{**LINK, "serving.model": "Llama 3 70B", "serving.hardware": "H100 SXM5", "serving.chips": "8",
                            "serving.tensor": "best", "serving.concurrency": "within limits",
                            "serving.ttft_limit": "2 s", "serving.tpot_limit": "40 ms"})
    lay = serve("Llama 3 70B", "H100 SXM5", 8, input_tokens=512, output_tokens=256, ttft_limit="2 s",
                tpot_limit="40 ms").layout
    said = f"Tensor {lay['tensor']} × pipeline {lay['pipeline']}, {lay['replicas']} replica{'s' * (lay['replicas'] != 1)}"
    assert any(said in c.value for c in at.caption), [c.value for c in at.caption]


def test_a_link_reads_tokens_and_chips_as_the_command_line_does():
    """serve --input-tokens "1000 tokens" and --chips "2 GPUs" are read; so is the same link (it was refused)."""
    at = open_page(PAGE, **{**LINK, "serving.input_tokens": "1000 tokens", "serving.output_tokens": "1,000",
                            "serving.chips": "2 GPUs"})
    assert not at.warning, [w.value for w in at.warning]
    assert at.number_input(key="serving_input").value == 1000 and at.number_input(key="serving_output").value == 1000
    assert at.number_input(key="serving_chips").value == 2


def test_a_link_the_command_line_would_refuse_is_said_and_left_at_the_default():
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.input_tokens": "8k tokens", "serving.precision": "fp6",
                                            "serving.chips": "2 GB"})
    said = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "(serving.input_tokens)" in said and "ambiguous" in said
    assert "(serving.precision)" in said and "did you mean fp16 or fp8?" in said
    assert "(serving.chips)" in said
    assert at.number_input(key="serving_input").value == 1000  # the default, said, not guessed


_TOKENS = st.tuples(st.integers(1, 20_000), st.sampled_from(["", ",", " token", " tokens", "tokens", " ktoken", " GB",
                                                             "k", " k", ".5", " x"])).map(
    lambda t: f"{t[0]:,}{t[1][1:]}" if t[1] == "," else f"{t[0]}{t[1]}")


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(_TOKENS)
def test_the_page_reads_a_link_s_tokens_as_serve_input_tokens_does(text):
    """Hypothesis: the link's input_tokens read as serve --input-tokens reads them (calc.reader.whole_text): the same
    count where the command line takes it (within the field's bounds), else a warning naming the field."""
    from calc.errors import InputError
    from calc.reader import whole_text

    try:
        cli = whole_text(text, "token")
    except InputError:
        cli = None
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.input_tokens": text})
    said = " ".join(w.value for w in at.warning)
    if cli is not None and 1 <= cli <= 1_000_000:
        assert at.number_input(key="serving_input").value == cli and "serving.input_tokens" not in said, said
    else:
        assert "serving.input_tokens" in said.replace("\\", "")


def test_the_answer_says_the_engines_defaults_and_a_default_matmul_rate_as_the_command_line_does():
    # a new user's walk: the command line said "its defaults here: at most 1,024 sequences and 8,192 tokens per step"
    # and "matmul rate: no matmul measurement of L4's own ..."; the page said neither
    at = open_page(PAGE, **{**LINK, "serving.model": "Llama 3.1 8B", "serving.hardware": "H100 SXM5",
                            "serving.chips": "1", "serving.concurrency": "saturating", "serving.engine": "vllm 0.11"})
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "Serving engine: vLLM 0.11.2" in text and "Its defaults here: at most 1,024 sequences and 8,192 tokens " \
        "per step (data/serving_engines.csv)." in text
    assert "Matmul rate" not in text  # a measured chip: nothing said
    at = open_page(PAGE, **{**LINK, "serving.model": "Llama 3.1 8B", "serving.hardware": "L4", "serving.chips": "1",
                            "serving.concurrency": "saturating"})
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "Matmul rate: no matmul measurement of L4's own: its matrix products at 81% of the dense peak" in text
    # prices7: the L4 has AWS's g6.xlarge price (data/prices.csv), so no "no public rental price" note
    assert "No public rental price for the L4" not in " ".join(i.value for i in at.info)


def test_a_links_format_as_people_type_it_is_read_as_its_name():
    at = open_page(PAGE, **{**LINK, "serving.hardware": "B200", "serving.chips": "1", "serving.precision": "nvfp4",
                            "serving.kv_precision": "FP8"})
    assert not at.warning, [w.value for w in at.warning]
    assert at.selectbox(key="serving_precision").value == "fp4" and _url(at)["serving.precision"] == "fp4"
    assert at.selectbox(key="serving_kv").value == "fp8"
    assert "weights fp4" in " ".join(m.value for m in at.markdown)


def test_an_fp8_checkpoint_is_served_in_fp8_by_default_and_the_page_says_why():
    """DeepSeek-R1 on 8 H200 was refused at bf16 (168 GB per chip); its checkpoint is FP8 (config.json's
    quantization_config) and the Weights field's default is calc.serve's: fp8 here, said; a format chosen wins."""
    link = {"serving.model": "DeepSeek-R1", "serving.hardware": "H200 SXM", "serving.chips": "8"}
    at = open_page(PAGE, **link)
    assert at.selectbox(key="serving_precision").value == "default" and not at.error, [e.value for e in at.error]
    said = " ".join(m.value for m in at.markdown).replace("\\", "")  # as shown, its Markdown escapes aside
    assert "weights fp8 (the checkpoint's format, from config.json's quantization_config)" in said, said
    s = serve("DeepSeek-R1", "H200 SXM", 8)
    assert _url(at)["serving.precision"] == "default" and at.number_input(key="serving_chips").value == 8
    assert at.metric[2].value == number(s.tokens_per_second["per_chip"].m_as("token/s/chip"))  # the library's answer
    at = open_page(PAGE, errors_ok=True, **{**link, "serving.precision": "bf16", "serving.tensor": "8"})
    assert at.error and "168 GB per chip at bf16" in at.error[0].value  # chosen: as before
    at = open_page(PAGE, errors_ok=True, **{**link, "serving.hardware": "A100 SXM4 80GB"})  # no FP8 peak: bf16, said
    said = at.error[0].value.replace("\\", "")  # the chips given are the user's: refused as before, the reason said
    assert "at bf16 (the chip's 16-bit format, as the A100 SXM4 80GB has no fp8 peak" in said, said
    at = open_page(PAGE, **{"serving.model": "DeepSeek-R1", "serving.hardware": "A100 SXM4 80GB"})  # chips not given
    assert at.number_input(key="serving_chips").value == 32 and not at.error
    assert any("DeepSeek-R1 in bf16 does not fit" in i.value.replace("\\", "") for i in at.info), at.info


def test_a_chip_with_no_public_price_is_priced_from_the_page_s_own_field():
    # fresh9: on GB300 (no public price) the page said to give a price in "the Estimate page's Price per chip-hour
    # field", which the Serving page does not read: no field of the page gave a $ per million tokens
    link = {**LINK, "serving.model": "Llama 3.1 8B", "serving.hardware": "GB300", "serving.chips": "1",
            "serving.concurrency": "saturating"}
    at = open_page(PAGE, **link)
    assert [m.value for m in at.metric if m.label.startswith("$ per million")] == ["no price"]
    said = " ".join(i.value for i in at.info)
    assert "Price per chip-hour field above" in said and "Estimate page" not in said
    at.text_input(key="serving_price").set_value("6 USD/chip/hour").run()
    assert not at.exception and not at.error
    want = serve("Llama 3.1 8B", "GB300", 1, tensor=1, input_tokens=512, output_tokens=256,
                 price="6 USD/chip/hour").usd_per_million_tokens["blended"]
    shown = [m.value for m in at.metric if m.label.startswith("$ per million")]
    assert shown == [f"${number(want.m_as('USD/Mtoken'))}"], shown
    assert _url(at)["serving.price"] == "6 USD/chip/hour"
    assert "Price: 6 USD/chip/hour, from the Price per chip-hour field." in " ".join(m.value for m in at.markdown)
    at.selectbox(key="serving_hw").set_value("H100 SXM5").run()  # the price was GB300's: the next chip's own is taken
    assert at.text_input(key="serving_price").value == ""


def test_a_link_s_price_that_cannot_be_read_is_said_by_its_label():
    at = open_page(PAGE, **{**LINK, "serving.price": "6 USD/hour"})
    said = " ".join(w.value for w in at.warning).replace("\\", "")  # Markdown's escapes aside
    assert "Price per chip-hour" in said and "serving.price" in said and "6 USD/h/chip" in said
    assert at.text_input(key="serving_price").value == ""


def test_a_value_typed_while_the_load_waits_for_its_own_is_read_not_kept_unsaid():
    # fresh-clone walk (fresh10): limits typed, then cleared ('within limits' kept, waiting for a limit), then "4 GB"
    # typed as the request rate: the page said only "Type a ... limit" and the bad rate was never read or said
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.concurrency": "within limits"})
    at.text_input(key="serving_request_rate").set_value("4 GB").run()
    assert at.selectbox(key="serving_concurrency").value == "at a request rate"
    assert at.error and "Request rate" in at.error[0].value and "GB" in at.error[0].value.replace("\\", "")
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.concurrency": "at a request rate"})
    at.text_input(key="serving_tpot_limit").set_value("40 ms").run()  # no rate yet: the limit chooses its load
    assert at.selectbox(key="serving_concurrency").value == "within limits" and not at.error
    # from a link (no typing): a rate beside 'within limits' and no limit is said, not kept under the prompt
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.concurrency": "within limits", "serving.request_rate": "4/s"})
    assert at.error and "Request rate" in at.error[0].value and not at.info


def test_a_link_with_a_limit_or_a_rate_and_no_load_reads_it():
    # fresh12: '?serving.tpot_limit=40+ms' (no serving.concurrency) opened in red, "limits are read with requests in
    # flight 'within limits'; choose it, or clear the limit", where `calc serve --tpot-limit "40 ms"` reads it alone
    base = {"serving.model": "Llama 3 8B", "serving.hardware": "A100 SXM4 80GB", "serving.chips": "1"}
    at = open_page(PAGE, **base, **{"serving.tpot_limit": "40 ms"})
    assert at.selectbox(key="serving_concurrency").value == "within limits"
    assert _url(at)["serving.concurrency"] == "within limits"
    at = open_page(PAGE, **base, **{"serving.request_rate": "2/s"})
    assert at.selectbox(key="serving_concurrency").value == "at a request rate"
    # a load the link gives is kept, and its clash said
    at = open_page(PAGE, errors_ok=True, **base, **{"serving.tpot_limit": "40 ms", "serving.concurrency": "64"})
    assert at.selectbox(key="serving_concurrency").value == "64"


def test_a_shape_of_1024_learned_positions_opens_with_a_request_it_can_serve():
    # fresh12: the GPT-2 presets opened the Serving page with "2,000 tokens is 1.95x the shape's context of 1,024:
    # positions stretched beyond what it was trained at", where GPT-2's learned positions end at 1,024
    at = open_page(PAGE, **{"serving.model": "GPT-2 XL", "serving.hardware": "A100 SXM4 80GB", "serving.chips": "1"})
    assert (at.number_input(key="serving_input").value, at.number_input(key="serving_output").value) == (512, 512)
    assert not at.warning, [w.value for w in at.warning]
    at.number_input(key="serving_output").set_value(1000).run()  # past them: said, as no engine serves it
    assert any("its position embeddings are learned: it has none past 1,024" in w.value.replace("\\", "")
               for w in at.warning), [w.value for w in at.warning]


def test_the_attention_data_parallel_label_has_the_room_to_show_whole():
    # fresh12: at 1,400 px the checkbox read "Attention data para…" in a fifth of the row (screenshot)
    at = open_page(PAGE, **LINK)
    weights = [c.weight for c in at.columns if len(c.children) == 1 and any(
        getattr(e, "label", "") == "Attention data parallel" for e in c.children.values())]
    assert weights and weights[0] > 1 / 5 * 1.2, weights


def test_the_curve_s_caption_says_attention_data_parallel_as_the_answer_does():
    # fresh12: DeepSeek-R1 on 8 H200 answered "tensor 8 x pipeline 1, 1 replica, attention data parallel"; its curve's
    # caption said "Tensor 8 × pipeline 1, 1 replica" only
    at = open_page(PAGE, **{**LINK, "serving.model": "Mixtral 8x7B", "serving.hardware": "H100 SXM5", "serving.chips": "8",
                            "serving.tensor": "8", "serving.attention_data_parallel": "true",
                            "serving.concurrency": "saturating"})
    assert "attention data parallel" in " ".join(m.value for m in at.markdown)
    assert any(c.value.startswith("Tensor 8 × pipeline 1 (expert 8), 1 replica, attention data parallel; the red point")
               for c in at.caption), [c.value for c in at.caption]


def test_the_answer_names_the_expert_groups_as_the_command_line_does():
    # fresh15: Mixtral 8x7B on 8 H100 at tensor 8 read "tensor 8 × pipeline 1, 1 replica" on the page, where the
    # command line says "tensor 8 x pipeline 1 (expert 8)": the expert groups were left out
    at = open_page(PAGE, **{**LINK, "serving.model": "Mixtral 8x7B", "serving.hardware": "H100 SXM5", "serving.chips": "8",
                            "serving.tensor": "8", "serving.attention_data_parallel": "true",
                            "serving.concurrency": "saturating"})
    said = " ".join(m.value for m in at.markdown)
    assert "tensor 8 × pipeline 1 (expert 8), 1 replica, attention data parallel" in said, said[:600]


def test_fp4_weights_on_an_h100_say_their_8_bit_products():
    at = open_page(PAGE, **{**LINK, "serving.model": "Llama 3 8B", "serving.hardware": "H100 SXM5", "serving.chips": "1",
                            "serving.precision": "fp4", "serving.concurrency": "saturating"})
    said = " ".join(m.value for m in at.markdown)
    assert "weights fp4 (multiplied in fp8, as the H100 SXM5 has no fp4 peak in data/hardware.csv)" in said, said[:500]


def test_a_scenario_the_page_cannot_serve_is_said_with_what_it_shows_instead():
    # fresh15: BERT-Large's scenario (340M parameters on 64 TPU v2) opened the page on Llama 3 70B on H100 SXM5
    # with no word of why
    at = open_page(PAGE, params="340 Mparam", tokens="128 Gtoken", hardware="TPU v2", chips="64")
    said = " ".join(c.value for c in at.caption).replace("\\", "")  # as it reads: escape()'s backslashes out
    assert "Your scenario's model (340 Mparam) is no published shape" in said, said[:800]
    assert "shown instead, Llama 3 70B" in said and "your scenario's TPU v2 has no memory bandwidth" in said
    at.selectbox(key="serving_model").set_value("Llama 3 8B").run()  # said while the fields show what it speaks of
    assert "no published shape" not in " ".join(c.value for c in at.caption)


def test_a_scenario_s_model_taken_is_said_as_the_model_shape_page_says_it():
    at = open_page(PAGE, params="175 Gparam", tokens="300 Gtoken", hardware="A100 SXM4 80GB", chips="1024")
    said = " ".join(c.value for c in at.caption).replace("\\", "")
    assert at.selectbox(key="serving_model").value == "GPT-3 175B"
    assert "The model is your scenario's (Estimate page), GPT-3 175B" in said, said[:800]
    assert "shown instead" not in said


def test_a_range_in_a_limit_of_a_link_points_to_the_page_that_reads_ranges():
    # fresh15: on this page of the app, "ranges ... are read by calc estimate, calc.uncertainty.simulate and the app"
    at = open_page(PAGE, **{**LINK, "serving.concurrency": "within limits", "serving.tpot_limit": "30..50 ms"})
    said = " ".join(w.value for w in at.warning).replace("\\", "")  # as it reads: escape()'s backslashes out
    assert "is not accepted here" in said and "the app's Estimate page" in said, said[:600]


def test_the_chips_chart_prices_the_page_s_chip_at_the_price_typed():
    # fresh15: with a price typed, the chart priced the page's chip at its public price beside an answer at the
    # typed one, and left a chip with no public price (GB200) out with its price given
    at = open_page(PAGE, **{**LINK, "serving.model": "Llama 3 8B", "serving.hardware": "GB200", "serving.chips": "1",
                            "serving.tensor": "best", "serving.concurrency": "saturating",
                            "serving.price": "10 USD/chip/hour"})
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert len(charts) == 2 and "GB200" in str(charts[1].proto)
    from calc.display import cents

    s = serve("Llama 3 8B", "GB200", 1, price="10 USD/chip/hour", precision="bf16", kv_precision="bf16",
              input_tokens=512, output_tokens=256)  # the link's request
    assert f"${cents(s.usd_per_million_tokens['blended'].m_as('USD/Mtoken'))}" in str(charts[1].proto)
    said = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "the GB200 at the price typed, the others at their public price" in said


def test_a_tiny_request_rate_says_little_s_mean_not_one_request():
    # fresh18: 0.001 requests/s read "1 requests in flight on average" (the mean rounded up to one, the plural wrong)
    at = open_page(PAGE, **{**LINK, "serving.concurrency": "at a request rate", "serving.request_rate": "0.001/s"})
    text = " ".join(m.value for m in at.markdown)
    assert not re.search(r"(?<![\d.])1 requests in flight", text) and " requests in flight on average at 0.001 requests/s (Little's law)" in text, text
    mean = re.search(r"\. (0\.\d+) requests in flight on average", text)  # 0.001/s x a request's few seconds
    assert mean and float(mean.group(1)) < 0.01, text


def test_a_token_s_emissions_read_in_a_unit_below_a_thousand():
    # fresh19: at a request a million seconds apart the page read '360,367 mg CO2e per token blended'
    at = open_page(PAGE, **{**LINK, "serving.concurrency": "at a request rate", "serving.request_rate": "1e-6"})
    text = " ".join(m.value for m in at.markdown)
    said = text.split("PUE included), ")[1].split(" CO2e")[0]
    number, unit = said.rsplit(" ", 1)
    assert unit in ("g", "kg") and float(number.replace(",", "")) < 1000, said
    at = open_page(PAGE, **LINK)  # a busy server: milligrams, as before
    assert " mg CO2e per token blended" in " ".join(m.value for m in at.markdown)


def test_the_draft_token_fields_are_calc_serves_speculative_decoding():
    # the page's draft and accepted tokens are calc.serve's draft_tokens= and accepted_tokens= (--draft-tokens,
    # --accepted-tokens): DeepSeek-V3's MTP module on 8 B200, 3 draft tokens, 2.82 emitted a step (tech blog 1)
    link = {**LINK, "serving.model": "DeepSeek-V3", "serving.hardware": "B200", "serving.chips": "8",
            "serving.tensor": "8", "serving.precision": "fp4", "serving.concurrency": "1",
            "serving.draft_tokens": "3", "serving.accepted_tokens": "2.82"}
    at = open_page(PAGE, **link)
    assert not at.warning and not at.error and not at.exception
    assert _url(at)["serving.draft_tokens"] == "3" and _url(at)["serving.accepted_tokens"] == "2.82"
    s = serve("DeepSeek-V3", "B200", 8, tensor=8, precision="fp4", kv_precision="bf16", input_tokens=512,
              output_tokens=256, concurrency=1, draft_tokens=3, accepted_tokens=2.82)
    tpot = next(m.value for m in at.metric if m.label == "Time per output token")
    assert number(s.tpot.m_as("ms")) in tpot
    said = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "3 draft tokens by the MTP module, 2.82 emitted a step" in said
    # out of [1, k + 1]: one error under the field's label; a model without the module: refused by name
    at = open_page(PAGE, errors_ok=True, **{**link, "serving.accepted_tokens": "4.5"})
    assert at.error and "Tokens emitted a step" in at.error[0].value and "1, 4" in at.error[0].value
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.draft_tokens": "2", "serving.accepted_tokens": "1.5"})
    assert at.error and "Draft tokens (MTP)" in at.error[0].value
    # the user's own steps: 3 draft tokens on DeepSeek-R1, then the model switched to Llama 3 70B: the field keeps
    # its 3 (never cleared for them) and the error under it says why in words, with the two ways out
    at = open_page(PAGE, **{**link, "serving.model": "DeepSeek-R1"})
    at.selectbox(key="serving_model").set_value("Llama 3 70B").run()
    assert not at.exception and at.text_input(key="serving_draft").value == "3"
    said = " ".join(e.value for e in at.error).replace("\\", "")
    assert "Draft tokens (MTP)" in said and "Llama 3 70B has no multi-token prediction (MTP) module" in said
    assert "give no draft tokens, or choose such a model" in said and "num_nextn_predict_layers" not in said
    # a link's value that is no number: said and left out, as any field of a link
    at = open_page(PAGE, **{**LINK, "serving.accepted_tokens": "lots"})
    assert any("Tokens emitted a step" in w.value for w in at.warning)


def test_one_output_token_shows_no_time_per_output_token_and_the_price_basis():
    """serve24: as the command line: with one output token the page showed a TPOT of seconds 'limited by memory
    bandwidth (weights)'; it shows none, says why (calc.serve.tpot_said), and the price's basis (Serving.usd_basis)."""
    at = open_page(PAGE, **{**LINK, "serving.input_tokens": "1000", "serving.output_tokens": "1"})
    m = next(m for m in at.metric if m.label == "Time per output token")
    assert m.value == "none" and "no time between output tokens" in m.help
    text = " ".join(x.value.replace("\\", "") for x in at.markdown)
    assert "prefill per prompt token" in text and "a thousand requests of 1,000 input tokens and 1 output token" in text


def test_a_cleared_limit_or_rate_gives_the_load_back_and_every_field_is_still_checked():
    # fresh-eyes walk (pages24): '2 s' typed as the TTFT limit chose 'within limits'; cleared, the page stayed on it,
    # showed only "Type a ... limit" and checked no other field (a price of -3 said nothing)
    at = open_page(PAGE, **{**LINK, "serving.concurrency": "saturating"})
    at.text_input(key="serving_ttft_limit").set_value("2 s").run()
    assert at.selectbox(key="serving_concurrency").value == "within limits"
    assert "set to 'within limits' for the limit typed" in " ".join(c.value for c in at.caption)
    at.text_input(key="serving_ttft_limit").set_value("").run()
    assert at.selectbox(key="serving_concurrency").value == "saturating" and not at.info and at.metric
    assert "back to 'saturating'" in " ".join(c.value for c in at.caption)
    at.text_input(key="serving_request_rate").set_value("4/s").run()
    assert at.selectbox(key="serving_concurrency").value == "at a request rate" and not at.error
    at.text_input(key="serving_request_rate").set_value("").run()
    assert at.selectbox(key="serving_concurrency").value == "saturating" and at.metric
    # a load the user chose is kept when its field is cleared, and the other fields are still checked under the prompt
    at.selectbox(key="serving_concurrency").set_value("within limits").run()
    at.text_input(key="serving_ttft_limit").set_value("2 s").run()
    at.text_input(key="serving_ttft_limit").set_value("").run()
    assert at.selectbox(key="serving_concurrency").value == "within limits" and at.info
    at.text_input(key="serving_price").set_value("-3").run()
    assert at.error and "Price per chip-hour" in at.error[0].value
    at.text_input(key="serving_price").set_value("").run()
    at.number_input(key="serving_input").set_value(1_000_000).run()  # more KV cache than the chips hold: said under it
    assert at.info and "Type a time-to-first-token" in at.info[0].value
    assert at.error and at.error[0].value.replace("\\", "").startswith("**Input tokens per request**:")


def test_a_rate_typed_beside_a_limit_chooses_its_load_and_every_unread_field_is_said_at_once():
    # fresh-eyes walk (pages24): with a TTFT limit (the load chosen for it), a rate typed was refused, "a request
    # rate is read with requests in flight 'at a request rate'; choose it, or clear the rate", where a limit typed
    # chose its load; and that one error hid the others (a TPOT of 40 with no unit)
    at = open_page(PAGE, errors_ok=True, **{**LINK, "serving.concurrency": "saturating"})
    at.text_input(key="serving_ttft_limit").set_value("2 s").run()
    at.text_input(key="serving_request_rate").set_value("4/s").run()
    assert at.selectbox(key="serving_concurrency").value == "at a request rate"
    assert "set to 'at a request rate' for the rate typed" in " ".join(c.value for c in at.caption)
    said = at.error[0].value.replace("\\", "")
    assert "Time-to-first-token limit" in said and "choose it, or clear the limit" in said
    at.text_input(key="serving_tpot_limit").set_value("40").run()  # a limit typed chooses its load back
    assert at.selectbox(key="serving_concurrency").value == "within limits"
    at.text_input(key="serving_price").set_value("2 EUR").run()
    said = at.error[0].value.replace("\\", "")
    assert len(at.error) == 1 and "3 fields do not read" in said, said
    for label in ("Time-per-output-token limit", "Request rate", "Price per chip-hour"):
        assert f"**{label}**" in said
    assert 'e.g. "40 ms"' in said and "EUR" in said
    at.text_input(key="serving_ttft_limit").set_value("2 km").run()  # unreadable: said as such, not as a clash
    said = at.error[0].value.replace("\\", "")
    assert "km" in said and said.count("Time-to-first-token limit") == 1
    # the limits cleared, the rate's load answers; the rate cleared, the load the page replaced comes back
    for key in ("serving_ttft_limit", "serving_tpot_limit", "serving_price"):
        at.text_input(key=key).set_value("").run()
    assert not at.error and at.selectbox(key="serving_concurrency").value == "at a request rate"
    at.text_input(key="serving_request_rate").set_value("").run()
    assert at.selectbox(key="serving_concurrency").value == "saturating" and not at.error


def test_a_bad_draft_count_and_a_bad_acceptance_are_both_said():
    # fresh24b: Price '-3', Draft tokens 'abc' and Tokens emitted a step 'lots' said "2 fields do not read", not 'lots'
    at = open_page(PAGE, errors_ok=True, **LINK)
    at.text_input(key="serving_draft").set_value("abc").run()
    at.text_input(key="serving_accepted").set_value("lots").run()
    said = " ".join(e.value for e in at.error).replace("\\", "")
    assert "Draft tokens" in said and "Tokens emitted a step" in said and "'lots'" in said, said
