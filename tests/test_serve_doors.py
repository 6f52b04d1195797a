"""Serving's doors say the same thing for the same load: which TTFT each answer gives (a closed loop's, requests
arriving at random, or the step alone as a throughput benchmark's), in Python, --json, the text and the frontier."""

import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from calc.cli import main
from calc.errors import InputError
from calc.serve import frontier, load, percentiles, serve

ARGS = ("Llama 3 8B", "H100 SXM5", 1)


def _cli(capsys, *args):
    code = main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--chips", "1", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_one_load_one_ttft_in_every_door():
    # issue 20 (doors): --concurrency 219 gave 83 ms where the frontier's row at 219 and the saturating answer gave
    # 54 ms, unlabelled. The closed loop's TTFT holds the wait for the step in progress (a whole step: 29.4 ms) and
    # behind the other prompts; the saturating answer and the frontier's "ttft" are the step alone. Each says which,
    # and the frontier gives the closed loop's beside it.
    f = frontier(*ARGS)
    sat = serve(*ARGS)
    loop = serve(*ARGS, concurrency=int(f.concurrency[-1]))
    assert sat.concurrency == loop.concurrency == f.concurrency[-1] == 219
    assert sat.ttft.m_as("s") == pytest.approx(f.ttft[-1].m_as("s"), rel=1e-12)
    assert loop.ttft.m_as("s") == pytest.approx(f.ttft_closed_loop[-1].m_as("s"), rel=1e-12)
    assert loop.ttft.m_as("s") - loop.queueing.m_as("s") == pytest.approx(sat.ttft.m_as("s"), rel=1e-12)
    assert loop.queueing.m_as("s") == pytest.approx(loop.tpot.m_as("s"), rel=0.05)  # the whole step in progress
    assert sat.queueing is None and "step alone" in sat.ttft_basis and "step alone" in f.ttft_basis
    assert "closed loop of 219 clients" in loop.ttft_basis and "closed loop" in f.ttft_closed_loop_basis
    for i in (0, 5, 20):  # every row of the curve is the concurrency answer's
        c = int(f.concurrency[i])
        assert serve(*ARGS, concurrency=c).ttft.m_as("s") == pytest.approx(f.ttft_closed_loop[i].m_as("s"), rel=1e-12)
    one = serve(*ARGS, concurrency=1)  # one client never waits for another's step
    assert one.queueing.m_as("s") == 0 and one.ttft == f.ttft[0]


def test_every_mode_says_which_ttft_in_json(capsys):
    for load_args, has_wait in (((), False), (("--concurrency", "64"), True), (("--batch", "8"), False),
                                (("--request-rate", "4"), True), (("--ttft-limit", "200 ms"), True)):
        code, out, _ = _cli(capsys, *load_args, "--json")
        d = json.loads(out)
        assert code == 0 and d["ttft_basis"], load_args
        assert (d["queueing"] is not None) == has_wait, load_args
        if has_wait:
            assert 0 <= d["queueing"] < d["ttft"] and d["units"]["queueing"] == "s"


def test_the_text_says_which_ttft_and_the_step_alone(capsys):
    _, out, _ = _cli(capsys, "--concurrency", "219")
    assert "TTFT: a closed loop of 219 clients" in out and "the step alone 53.6 ms" in out and "29.4 ms of it" in out
    _, out, _ = _cli(capsys)
    assert "TTFT: the step alone" in out and "--concurrency 219 gives a closed loop's" in out
    _, out, _ = _cli(capsys, "--frontier", "--points", "4")
    assert "TTFT step (ms)" in out and "TTFT loop (ms)" in out and "TTFT loop: a closed loop" in out
    last = out.strip().splitlines()[-1].split()
    assert last[:3] == ["219", "53.6", "83"]


def test_the_limits_answer_gives_the_ttft_its_limit_was_checked_with():
    # load.best_under_limits checks the TTFT with the wait of requests arriving at random at the load; the answer
    # gave the TTFT without it (and p99s from it): 82 ms where 107 ms was bounded (Llama 3 70B on 8 H100)
    s = serve("Llama 3 70B", "H100 SXM5", 8, ttft_limit="2 s", tpot_limit="40 ms")
    lay = s.layout
    setup = load.setup("Llama 3 70B", "H100 SXM5", 8, tensor=lay["tensor"], pipeline=lay["pipeline"])
    r = load.evaluate(setup, s.concurrency, "arrivals")
    wait = load.step_wait(setup, r, s.concurrency, float(r["total"]) / setup.output_tokens)
    assert wait > 0 and s.queueing.m_as("s") == pytest.approx(wait, rel=1e-12)
    assert s.ttft.m_as("s") == pytest.approx(float(r["ttft"]) + wait, rel=1e-12)
    assert s.limits["ttft_p99"].m_as("s") == pytest.approx(s.ttft.m_as("s") * percentiles.p99_over_mean()["ttft"].m_as(""))
    tight = serve(*ARGS, ttft_limit="120 ms", limit_statistic="mean")
    assert tight.ttft.m_as("ms") <= 120 and "load found" in tight.ttft_basis


def test_the_frontier_json_names_its_engine(capsys):
    # the text and every other answer named the engine; the frontier's --json did not
    code, out, _ = _cli(capsys, "--frontier", "--points", "3", "--engine", "vllm 0.10.2", "--json")
    d = json.loads(out)
    assert code == 0 and d["engine"] == {"name": "vLLM 0.10.2", "host_per_sequence": 2.15e-5, "overlap": False,
                                   "max_batch_size": 1024, "max_num_tokens": 8192, "chunked_prefill": True}
    assert d["units"]["engine"] == {"host_per_sequence": "s"} and len(d["ttft_closed_loop"]) == len(d["ttft"])
    code, out, _ = _cli(capsys, "--frontier", "--points", "3", "--json")
    assert json.loads(out)["engine"] is None
    _, text, _ = _cli(capsys, "--frontier", "--points", "3", "--engine", "vllm 0.10.2")
    assert "engine: vLLM 0.10.2, host work 21.5 us" in text


@pytest.mark.parametrize("engine, hardware, vendor", [
    ("vLLM 0.9.1 (ROCm)", "H100 SXM5", "AMD"),  # vLLM's ROCm build on an NVIDIA chip
    ("TensorRT-LLM 1.0", "MI300X", "NVIDIA"),  # TensorRT-LLM on an AMD chip (its support matrix: NVIDIA GPUs)
    ("NIM 1.8.0 (TensorRT-LLM)", "TPU v5e", "NVIDIA"),
    ("vLLM 0.10.2", "TPU v5p", "NVIDIA"),  # vLLM's CUDA builds (its installation guide: NVIDIA GPUs; TPU is its own)
    ("vLLM 0.11.0", "MI300X", "NVIDIA"),  # and on AMD's chips, the ROCm build is the one (vLLM 0.9.1 (ROCm))
])
def test_an_engine_for_another_vendor_s_chips_is_refused_by_name(engine, hardware, vendor):
    # issue 20 (doors): "vLLM 0.9.1 (ROCm)" was accepted on NVIDIA chips without comment
    from calc.errors import InputError

    with pytest.raises(InputError) as exc:
        serve("Llama 3 8B", hardware, 1, engine=engine)
    assert exc.value.field == "engine" and "\n" not in exc.value.message
    assert f"lists on {vendor} chips only" in exc.value.message and repr(engine) in exc.value.message
    assert "expected an engine that runs on the " + hardware in exc.value.message
    with pytest.raises(InputError):  # every door: the frontier and the fewest chips check it too
        frontier("Llama 3 8B", hardware, 1, engine=engine, points=2)
    with pytest.raises(InputError):
        from calc.serve import fewest_chips
        fewest_chips("Llama 3 8B", hardware, engine=engine)


def test_an_engine_on_its_own_vendor_s_chips_or_on_any_is_taken(capsys):
    assert serve("Llama 3 8B", "MI300X", 1, engine="vllm 0.9.1 (rocm)").engine["name"] == "vLLM 0.9.1 (ROCm)"
    assert serve("Llama 3 8B", "A100 SXM4 80GB", 1, engine="vLLM 0.11.0").engine["name"] == "vLLM 0.11.0"  # CUDA build
    assert serve("Llama 3 8B", "Gaudi 3", 1).engine is None  # no engine: taken on any chip
    assert serve("Llama 3 8B", "H100 SXM5", 1, engine="TensorRT-LLM 1.0").engine["name"] == "TensorRT-LLM 1.0"
    code, _, err = _cli(capsys, "--engine", "vLLM 0.9.1 (ROCm)")
    assert code == 2 and err.count("\n") == 1 and "--engine: expected an engine that runs on the H100 SXM5" in err
    assert "vLLM 0.6.0 to " in err  # the engines that run on it, offered (a family as its range: fresh8)


def test_engine_vendors_are_read_and_checked(tmp_path, monkeypatch):
    from calc import data
    from calc.errors import DataError

    vendors = data.serving_engine_vendors()
    assert vendors["vLLM 0.9.1 (ROCm)"] == ("AMD",) and vendors["TensorRT-LLM 1.2"] == ("NVIDIA",)
    assert vendors["vLLM 0.10.2"] == vendors["vLLM 0.11.0"] == ("NVIDIA",) and set(vendors) <= {e for e, _ in data.serving_host()}
    assert {v for vs in vendors.values() for v in vs} <= {h.vendor for h in data.hardware_table().values()}
    text = (data.DATA_DIR / "serving_engine_chips.csv").read_text(encoding="utf-8")
    bad = tmp_path / "data"
    bad.mkdir()
    (bad / "serving_engine_chips.csv").write_text(text.replace("vLLM 0.9.1 (ROCm),AMD", "vLLM 0.9.1 (ROCm),ATI"),
                                                  encoding="utf-8")
    data.serving_host(), data.hardware_table()  # cached from the real tables
    monkeypatch.setattr(data, "DATA_DIR", bad)
    data.serving_engine_vendors.cache_clear()
    try:
        with pytest.raises(DataError, match="vendor"):
            data.serving_engine_vendors()
    finally:
        data.serving_engine_vendors.cache_clear()


def test_a_memory_size_reads_the_same_in_every_message():
    # issue 20 (doors): TPU v2's 17.18 GB read "17.2 GB" in the Serving page's note and "17 GB" in serve's error
    from calc.architecture import published
    from calc.display import number
    from calc.errors import InputError
    from calc.memory import min_chips

    shown = number(17.18)
    assert shown == "17.2"
    with pytest.raises(InputError) as exc:
        serve("Llama 3 70B", "TPU v2", 1)
    assert f"the TPU v2 has {shown} GB" in exc.value.message and "weights take 141 GB" in exc.value.message
    with pytest.raises(InputError) as exc:
        min_chips(published()["Llama 3 70B"][0], "TPU v2", zero=0)
    assert f" GB of {shown} GB per chip" in exc.value.message


def test_the_frontier_json_uses_the_answer_s_names(capsys):
    # issue 20's names (tokens_per_second {per_chip, total}, usd_per_million_tokens {input, output, blended}) for the
    # curve too: it said tokens_per_second_per_chip and usd_per_million_output_tokens
    code, out, _ = _cli(capsys, "--frontier", "--points", "4", "--json")
    f = json.loads(out)
    code, out, _ = _cli(capsys, "--json")
    s = json.loads(out)
    assert set(f["tokens_per_second"]) == set(s["tokens_per_second"]) == {"per_chip", "total"}
    assert set(f["usd_per_million_tokens"]) == set(s["usd_per_million_tokens"]) == {"input", "output", "blended"}
    assert "tokens_per_second_per_chip" not in f and "usd_per_million_output_tokens" not in f
    assert f["concurrency"][-1] == s["concurrency"]  # the last point is the saturating answer
    for key in ("per_chip", "total"):
        assert f["tokens_per_second"][key][-1] == pytest.approx(s["tokens_per_second"][key], rel=1e-6)
    for key in ("input", "output", "blended"):
        assert f["usd_per_million_tokens"][key][-1] == pytest.approx(s["usd_per_million_tokens"][key], rel=1e-6)
    assert f["ttft"][-1] == pytest.approx(s["ttft"], rel=1e-6) and f["ttft_basis"] == s["ttft_basis"]
    assert f["units"]["usd_per_million_tokens"] == s["units"]["usd_per_million_tokens"] == "USD/Mtoken"


@pytest.mark.parametrize("name", ["precision", "kv_precision", "expert_precision"])
@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_format_is_refused_not_read_as_the_default(name, value):
    # fresh9: serve(precision="") answered at the chip's default format, unsaid, as serve --precision '' did
    with pytest.raises(InputError) as exc:
        serve(*ARGS, **{name: value})
    assert exc.value.field == name and "expected one of bf16, fp16, fp8" in exc.value.message  # the formats it reads
    with pytest.raises(InputError):
        frontier(*ARGS, **{name: value})


def test_a_concurrency_with_limits_says_what_each_gives(capsys):
    # fresh10: "Llama 3.1 70B on 8 H100 at 32 clients with a 2 s / 40 ms limit" typed as both flags was refused with
    # "give a concurrency or latency limits, not both", not saying how to ask either question
    from calc.__main__ import main

    code = main(["serve", "--model", "Llama 3.1 70B", "--hardware", "H100 SXM5", "--chips", "8", "--concurrency", "32",
                 "--ttft-limit", "2 s", "--tpot-limit", "40 ms"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("calc: error: --ttft-limit: give a concurrency or")
    assert "the most tokens/s within them" in err and "a concurrency alone gives its TTFT and TPOT" in err


def test_an_answer_at_the_python_prompt_reads_as_a_sentence():
    # fresh10: calc.serve(...) echoed at the prompt was 2,000 characters of floats and nested dicts
    s = serve("Llama 3.1 70B", "H100 SXM5", 8, concurrency=32)
    text = repr(s)
    assert text.startswith("Serving(Llama 3.1 70B on 8 x H100 SXM5, tensor ") and "32 in flight: TTFT " in text
    assert " ms, TPOT " in text and "tokens/s per chip" in text and "/Mtoken blended)" in text
    assert "Quantity" not in text and "e-0" not in text and len(text) < 300
    assert "4 requests/s" in repr(serve("Llama 3.1 70B", "H100 SXM5", 8, request_rate="4/s"))
    assert "saturating at " in repr(serve(*ARGS)) and "a batch of 8" in repr(serve(*ARGS, batch=8))


@pytest.mark.parametrize("kw,words", [
    (dict(expert=0), "expected a whole number >= 1, got 0"),
    (dict(expert="two"), "got 'two'"),
    (dict(expert=3), "divides the 8 chips (each group of experts sits inside one tensor-parallel group of them), "
                     "got 3"),
    (dict(expert=16), "divides the 8 chips"),
    (dict(expert=3, pipeline=2), "divides the 4 chips of a pipeline stage"),
])
def test_expert_groups_with_no_tensor_given_are_refused_by_what_was_typed(kw, words):
    # a new user's walk (fresh11): expert=0 was a ZeroDivisionError, "two" a TypeError, and 3 or 16 groups on 8 chips
    # "must divide the tensor-parallel chips (1)", a tensor of 1 nobody gave (the search's first group)
    with pytest.raises(InputError) as exc:
        serve("Qwen3 30B-A3B", "H100 SXM5", 8, **kw)
    assert exc.value.field == "expert" and words in exc.value.message, exc.value.message
    assert "(1)" not in exc.value.message
    assert serve("Qwen3 30B-A3B", "H100 SXM5", 8, expert=4).layout["expert"] == 4



@pytest.mark.parametrize("chips", [3, 6])
def test_expert_groups_no_tensor_size_holds_are_refused_by_what_was_typed(chips):
    # fresh21: 3 groups on 3 or 6 chips of Qwen3 30B-A3B (32 heads, 128 experts): the chips split into them, but no
    # tensor size holding them splits the heads; the error was "divide the 1 tensor-parallel chips", a tensor nobody gave
    with pytest.raises(InputError) as exc:
        serve("Qwen3 30B-A3B", "H100 SXM5", chips, expert=3)
    assert exc.value.field == "expert" and "32 attention heads" in exc.value.message, exc.value.message
    assert "the 1 tensor-parallel" not in exc.value.message

def test_one_chip_by_default_that_cannot_hold_the_model_says_so_and_the_fewest_that_can(capsys):
    """fresh14's walk: serve --model "Llama 3 70B" --hardware "H100 SXM5" took one chip (the default, unsaid) and
    answered 'give more chips'; now it says --chips was not given and the fewest chips (powers of two) that serve it.
    A --chips given is refused as before, without the search."""
    from calc.__main__ import main

    run = ["serve", "--model", "Llama 3 70B", "--hardware", "H100 SXM5"]
    assert main(run) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.rstrip().endswith("(--chips not given: one chip); --chips 2 serves it"), err
    assert main(run + ["--chips", "2"]) == 0
    assert capsys.readouterr().out.startswith("Llama 3 70B on 2 x H100 SXM5")
    assert main(run + ["--chips", "1"]) == 2
    assert "--chips not given" not in capsys.readouterr().err


def test_a_price_given_is_said_with_its_figure_and_a_node_price_on_a_pod_names_a_door_serve_has(capsys):
    # fresh15: "price: given" said neither the price nor its flag; on a TPU v5e "14 USD/h/node" asked for
    # --chips-per-node, a flag serve does not have
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--price", "$2/GPU/h"]) == 0
    assert "    price: given (--price), $2.00 per chip-hour" in capsys.readouterr().out
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "TPU v5e", "--price", "14 USD/h/node"]) == 2
    err = capsys.readouterr().err
    assert "--chips-per-node" not in err and 'give the price per chip-hour instead, e.g. "1.2 USD/chip/hour"' in err


def test_the_reprs_say_attention_data_parallel_and_the_frontier_reads_as_a_sentence():
    # fresh15: DeepSeek-R1's repr left its attention data parallelism out; a frontier echoed every array in full
    s = serve("DeepSeek-R1", "H200 SXM", 8)
    assert "tensor 8 x pipeline 1 x expert 8, attention data parallel, fp8" in repr(s)
    f = frontier("Llama 3 8B", "H100 SXM5", points=3)
    text = repr(f)
    assert text.startswith("Frontier(Llama 3 8B on 1 x H100 SXM5, tensor 1 x pipeline 1, bf16, 3 concurrencies from 1 ")
    assert "Quantity" not in text and len(text) < 300


def test_window_layers_without_a_window_is_refused_not_dropped(capsys):
    # fresh15: --window-layers 10 on Llama 3 8B (no sliding window) was read by nothing and answered unsaid
    with pytest.raises(InputError) as exc:
        serve("Llama 3 8B", "H100 SXM5", window_layers=10)
    assert exc.value.field == "window_layers" and "only used with a sliding window" in exc.value.message
    assert serve("GPT-OSS 20B", "H100 SXM5", window_layers=10).layout["tensor"] == 1  # a shape's own window: read


def test_a_frontier_of_more_points_than_concurrencies_says_so(capsys):
    # fresh15: --points 10000 answered 219 rows, unsaid
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--frontier", "--points", "10000"]) == 0
    err = capsys.readouterr().err
    assert "warning: points: 219 of the 10,000 asked: every concurrency from 1 to the 219 the memory holds" in err
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--frontier", "--points", "10"]) == 0
    assert "points:" not in capsys.readouterr().err


@pytest.mark.parametrize("rate", ["4 Hz", "4/s", "4 per second", "240 per minute", "4 requests/s", "0.004 kHz"])
def test_a_request_rate_in_hertz_or_per_unit_of_time_is_requests_per_second(rate):
    # doors16: "4 Hz" (and Q_(4, "Hz")) was refused as an unknown unit; a rate per second is a frequency
    from calc.serve import read_request_rate
    assert read_request_rate(rate).m_as("1/s") == pytest.approx(4.0)


def test_a_request_rate_quantity_in_hertz_reaches_the_answer(capsys):
    from calc.units import Q_
    s = serve("Llama 3.1 70B", "H100 SXM5", 8, request_rate=Q_(4, "Hz"))
    assert s.request_rate.m_as("1/s") == pytest.approx(4.0)
    code, out, _ = _cli(capsys, "--request-rate", "4 Hz")
    assert code == 0 and "request rate: 4 requests/s" in out


@pytest.mark.parametrize("rate,got", [("4 ms", "got 4 ms (a time)"), ("4 GB", "got 4 GB (a size in bytes)")])
def test_a_request_rate_of_another_kind_is_still_refused_in_one_line(rate, got):
    with pytest.raises(InputError) as exc:
        serve(*ARGS, request_rate=rate)
    text = str(exc.value)
    assert text.startswith("request_rate: expected requests per second (1/s)") and text.endswith(got)
    assert "\n" not in text


@pytest.mark.parametrize("field", ["concurrency", "batch"])
def test_a_dimensionless_quantity_is_a_count_as_a_plain_number_is(field):
    # doors16: Q_(8) as concurrency (or batch) was refused ("expected a whole number >= 1, got <Quantity(8, ...)>")
    from calc.units import Q_
    plain = serve(*ARGS, **{field: 8})
    for q in (Q_(8), Q_(8.0, "dimensionless"), Q_(800, "percent")):
        s = serve(*ARGS, **{field: q})
        assert s.concurrency == plain.concurrency and s.tpot.m_as("s") == plain.tpot.m_as("s")


@pytest.mark.parametrize("value,words", [
    (2.5, "expected a whole number >= 1, got 2.5 (a dimensionless quantity)"),
    (-3, "expected a whole number >= 1, got -3"),
    (0, "expected a whole number >= 1, got 0"),
])
def test_a_fractional_or_negative_dimensionless_count_is_refused(value, words):
    from calc.units import Q_
    for field in ("concurrency", "batch"):
        with pytest.raises(InputError, match=None) as exc:
            serve(*ARGS, **{field: Q_(value)})
        assert str(exc.value) == f"{field}: {words}"


def test_a_count_with_a_unit_is_refused_naming_it():
    from calc.units import Q_
    with pytest.raises(InputError) as exc:
        serve(*ARGS, concurrency=Q_(8, "token"))
    assert str(exc.value) == "concurrency: expected a whole number >= 1 (a count, no unit), got 8 token"


def test_a_disaggregated_prefill_is_limited_by_its_own_pass(capsys):
    # doors16: 1,000-token prompts of Llama 3 70B on H100s said "prefill limited by memory bandwidth (weights)", read
    # from the per-step share of the prefill work (a few prompt tokens against the whole weights read); the TTFT's
    # pass of the 1,000-token prompt is compute: 2 x 70e9 x 1,000 FLOP on 8 chips against the weights' bytes
    args = ("Llama 3 70B", "H100 SXM5", 8)
    for kw in (dict(concurrency=1), dict(concurrency=16), dict(request_rate="4/s"), dict(batch=1), {}):
        s = serve(*args, disaggregated=True, input_tokens=1000, **kw)
        assert s.limited_by["prefill"] == "compute", kw
    short = serve(*args, disaggregated=True, input_tokens=16, concurrency=1, tensor=8)
    assert short.limited_by["prefill"] == "memory bandwidth (weights)"  # 16 tokens: the weights' read is longer
    s = serve(*args, disaggregated=True, input_tokens=1000, concurrency=1, tensor=8)
    assert s.breakdown["prefill"]["weights"] > s.breakdown["prefill"]["compute"]  # the per-step share, unchanged
    code = main(["serve", "--model", "Llama 3 70B", "--hardware", "H100 SXM5", "--chips", "8", "--disaggregated",
                 "--input-tokens", "1000", "--concurrency", "1"])
    assert code == 0 and "(prefill limited by compute)" in capsys.readouterr().out


def test_a_frontier_of_a_huge_count_of_points_is_every_concurrency_at_once():
    # propdoors (hypothesis): points=5e12 asked numpy for an array of 5e12 concurrencies (an ArrayMemoryError after
    # minutes); as many points as the memory holds concurrencies, or more, is each of them once
    import time

    t = time.perf_counter()
    f = frontier(*ARGS, points=10**12)
    assert time.perf_counter() - t < 2
    assert list(f.concurrency) == list(range(1, 220))
    assert list(frontier(*ARGS, points=10_000).concurrency) == list(range(1, 220))  # as before
    assert len(frontier(*ARGS, points=64).concurrency) < 64  # fewer than the concurrencies: spaced in log, as before


@pytest.mark.parametrize("largest", ["", "many", float("nan"), 0, -4, 2.5, "Q"])
def test_fewest_chips_reads_its_largest_count_as_every_count(largest):
    # propdoors (hypothesis): largest="" was a TypeError, Q_(8, "s") a pint ValueError, nan a silent None
    from calc.serve import fewest_chips
    from calc.units import Q_

    with pytest.raises(InputError) as exc:
        fewest_chips("Llama 3 70B", "H100 SXM5", largest=Q_(8, "s") if largest == "Q" else largest)
    assert exc.value.field == "largest" and "expected a whole number" in exc.value.message and "\n" not in str(exc.value)
    assert fewest_chips("Llama 3 70B", "H100 SXM5", largest="8") == 2
    assert fewest_chips("Llama 3 70B", "H100 SXM5", largest=10**20) == 2


def test_expert_groups_that_do_not_divide_the_experts_run_as_vllm_spreads_them():
    # vLLM's determine_expert_map (fused_moe/layer.py) gives the first N mod E ranks one expert more, so any expert
    # parallel size runs: Mixtral's 8 experts over 16 groups leave half the ranks without one, the busiest whole;
    # that rank holds and reads twice the even share, so fewer sequences fit and each step is slower than at 8
    even = serve("Mixtral 8x7B", "H100 SXM5", 16, tensor=16, expert=8, concurrency=64)
    over = serve("Mixtral 8x7B", "H100 SXM5", 16, tensor=16, expert=16, concurrency=64)
    assert over.layout["expert"] == 16
    assert over.max_concurrency < even.max_concurrency
    assert over.tpot > even.tpot


@st.composite
def _expert_layouts(draw):
    name = draw(st.sampled_from(["Mixtral 8x7B", "GLM-4.7"]))  # 8 and 160 experts; 32 and 96 heads
    heads = {"Mixtral 8x7B": 32, "GLM-4.7": 96}[name]
    tensor = draw(st.sampled_from([t for t in (8, 16, 24, 32) if heads % t == 0 and (name != "GLM-4.7" or t > 8)]))
    return name, tensor, draw(st.sampled_from([e for e in range(1, tensor + 1) if tensor % e == 0]))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_expert_layouts())
def test_any_expert_groups_dividing_the_tensor_chips_give_an_answer(case):
    # every E that divides the tensor group is a layout, E not dividing the experts too (vLLM's determine_expert_map
    # spreads them unevenly): an answer, never a refusal of the expert field (GLM-4.7's 160 experts over 24 groups)
    name, tensor, expert = case
    s = serve(name, "H100 SXM5", tensor, tensor=tensor, expert=expert, concurrency=16)
    event(f"{'uneven' if ({'Mixtral 8x7B': 8, 'GLM-4.7': 160}[name] % expert) else 'even'} experts")
    assert s.layout["expert"] == expert
    assert s.tpot.m_as("s") > 0 and s.ttft.m_as("s") > 0


def test_a_window_past_every_context_is_no_window_however_large():
    # propdoors' property found window=9.2e18 (2^63 as a float) an OverflowError in numpy's minimum, not an answer
    huge = serve("Llama 3 70B", "H100 SXM5", 8, window=9.223372036854776e18)
    assert huge.kv_cache_per_token == serve("Llama 3 70B", "H100 SXM5", 8).kv_cache_per_token
