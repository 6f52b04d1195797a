"""Serving at an open-loop request rate (calc.serve.load.at_rate): the load by Little's law, the TTFT with the wait for
the step in progress, the rate no layout sustains; its doors (Python, command line) and the published latency rows
(TensorRT-LLM's Online Serving Measurements, v0.15.0 docs) it is held to."""

import json
import math
import re

import numpy as np
import pytest

from calc.__main__ import main
from calc.errors import InputError
from calc.serve import calibration, load, read_request_rate, serve

ARGS = dict(tensor=1, precision="bf16", input_tokens=467, output_tokens=256)


def _setup():
    return load.setup("Llama 3 8B", "H100 SXM5", 1, **ARGS)


def test_the_load_follows_littles_law():
    # lambda = C / (TTFT + (O - 1) TPOT) of the closed loop at C [Little1961]: the rate the in-flight count completes
    s = _setup()
    n, r = load.at_rate(s, 16.0)
    closed = load.evaluate(s, n, "continuous")
    assert float(closed["total"]) / s.output_tokens == pytest.approx(16.0, rel=0.01)
    assert float(r["tpot"]) == pytest.approx(float(closed["tpot"]))
    assert float(r["ttft"]) == pytest.approx(float(closed["ttft"]) + float(r["wait"]))


def test_the_wait_is_the_residual_life_of_a_busy_step():
    # E[tau^2] / (2 E[tau]) = tau / 2 + lambda S^2 / 2 [Kleinrock1975] sec. 5.2, times P(busy) = 1 - exp(-C)
    s = _setup()
    n, r = load.at_rate(s, 8.0)
    tau = float(r["tpot"])
    S = float(r["prefill"]["total"]) / (n / s.output_tokens)
    queued = load.prefill_wait(s, n, 8.0, float(r["decode"]["total"]), S)  # the prompts ahead: 17 fit a step here
    assert 0 <= queued < 1e-6 * float(r["wait"])
    assert float(r["wait"]) == pytest.approx(-math.expm1(-n) * (tau / 2 + 8.0 * S * S / 2) + queued, rel=1e-9)
    assert tau / 2 * 0.99 < float(r["wait"]) < tau  # busy at 8/s; the prompts' variance adds a little


def test_the_wait_is_one_function_for_a_rate_and_for_a_held_load():
    # load.step_wait is at_rate's wait, and the held-out harness adds it where a Server run held more sequences than
    # the model says the layout completes (its arrivals are Poisson all the same: each joins at a step boundary)
    from calc.serve import validation

    s = _setup()
    n, r = load.at_rate(s, 8.0)
    closed = load.evaluate(s, n, "continuous")
    assert float(r["wait"]) == pytest.approx(load.step_wait(s, closed, n, 8.0), rel=1e-12)
    c = next(c for c in validation.cases() if c.name == "mlperf51-b200-llama2-70b-server")
    h = load.setup(c.model, c.hardware, c.chips, tensor=c.tensor, pipeline=c.pipeline, precision=c.precision,
                   kv_precision=c.kv_precision, input_tokens=c.input_tokens, output_tokens=c.output_tokens,
                   **load.published_engine(c.name), **load.published_host(c.engine, c.hardware, c.name),
                   **load.published_workload(c.name))
    rate = validation.measured_request_rate(c)
    assert rate >= load.capacity(h)  # the closed loop at the sequences it held
    held = min(validation.in_flight_at_measured_load(c), h.max_concurrency())
    at = load.evaluate(h, held, "arrivals")
    wait = load.step_wait(h, at, held, rate)
    assert float(at["tpot"]) / 2 < wait < float(at["tpot"])
    assert validation.predict(c).ttft == pytest.approx(float(at["ttft"]) + wait, rel=1e-9)


def test_latency_grows_with_the_rate_and_blows_up_near_capacity():
    s = _setup()
    cap = load.capacity(s)
    rates = [0.01, 1.0, 8.0, 0.5 * cap, 0.9 * cap, 0.99 * cap]
    out = [load.at_rate(s, x) for x in rates]
    ttft = [float(r["ttft"]) for _, r in out]
    tpot = [float(r["tpot"]) for _, r in out]
    assert np.all(np.diff(ttft) > 0) and np.all(np.diff(tpot) > 0)
    assert out[0][0] < 0.1 and float(out[0][1]["wait"]) < 0.01 * ttft[0]  # an idle engine: no step to wait for
    assert out[-1][0] > 0.5 * s.max_concurrency()


def test_a_rate_beyond_capacity_is_one_line_naming_the_field():
    s = _setup()
    with pytest.raises(InputError, match=r"request_rate: expected fewer requests/s than the .* grows without end"):
        load.at_rate(s, load.capacity(s))


def test_one_rate_and_an_array_of_rates_are_one_definition():
    # load.rate_on answers one rate (floats, at_rate's) and a calibration's array of rates of one setup: the same
    # figures to a unit in the last place, and the same refusal (the first rate at or beyond capacity, by name)
    s = _setup()
    grid = load.rate_grid(s)
    rates = [0.005, 1.0, 8.0, 0.9 * grid[1]]  # the first below the grid's lightest load
    ns, rs = load.rate_on(s, np.array(rates), grid)
    for i, x in enumerate(rates):
        n, r = load.rate_on(s, x, grid)
        assert isinstance(n, float) and n == pytest.approx(ns[i], rel=1e-12)
        for key in ("ttft", "tpot", "per_chip", "wait"):
            assert float(r[key]) == pytest.approx(float(np.broadcast_to(rs[key], (len(rates),))[i]), rel=1e-12)
    with pytest.raises(InputError, match=r"request_rate: expected fewer .* got 99,?999"):
        load.rate_on(s, np.array([1.0, 99999.0, 1e6]), grid)


def test_python_door():
    r = serve("Llama 3 8B", "H100 SXM5", 1, request_rate="16/s", **ARGS)
    assert r.mode == "request rate" and r.request_rate.m_as("1/s") == 16
    assert r.tokens_per_second["total"].m_as("token/s") == pytest.approx(16 * 256, rel=0.01)
    assert 0 < r.queueing.m_as("s") < r.ttft.m_as("s")
    d = r.to_dict()
    assert d["request_rate"] == 16 and d["queueing"] == pytest.approx(r.queueing.m_as("s"), abs=1e-9)
    assert serve("Llama 3 8B", "H100 SXM5", 1, concurrency=8, **ARGS).to_dict()["request_rate"] is None
    # the same rate written four ways
    assert read_request_rate("240/min").m_as("1/s") == read_request_rate(4).m_as("1/s") == 4
    assert read_request_rate("4 s^-1").m_as("1/s") == 4


@pytest.mark.parametrize("value, message", [
    (0, "positive"), (-2, "positive"), ("4 s", "1/s"), (True, "requests per second"), ("x", "unknown unit"),
])
def test_bad_rates_name_the_field(value, message):
    with pytest.raises(InputError, match=f"request_rate: .*{message}"):
        serve("Llama 3 8B", "H100 SXM5", 1, request_rate=value)


@pytest.mark.parametrize("extra, field", [
    (dict(concurrency=8), "request_rate"), (dict(batch=8), "request_rate"), (dict(ttft_limit="1 s"), "ttft_limit"),
])
def test_a_rate_beside_another_load_is_refused(extra, field):
    with pytest.raises(InputError, match=f"^{field}: "):
        serve("Llama 3 8B", "H100 SXM5", 2, request_rate=4, **extra)


def test_the_layout_search_takes_the_one_that_completes_the_most():
    r = serve("Llama 3 70B", "H100 SXM5", 8, request_rate=4, input_tokens=467, output_tokens=256)
    assert r.mode == "request rate" and r.layout["tensor"] * r.layout["pipeline"] * r.layout["replicas"] == 8


def test_cli(capsys):
    code = main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--request-rate", "16",
                 "--input-tokens", "467", "--output-tokens", "256", "--precision", "bf16"])
    out = capsys.readouterr().out
    assert code == 0 and "request rate: 16 requests/s" in out and "wait for the step in progress" in out and "ms of it waiting" in out
    main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--request-rate", "240/min", "--json"])
    d = json.loads(capsys.readouterr().out)
    assert d["mode"] == "request rate" and d["request_rate"] == 4 and d["units"]["request_rate"] == "1/s"
    code = main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--request-rate", "4", "--batch", "2"])
    err = capsys.readouterr().err
    assert code != 0 and "request" in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- calibration rows


def _rate_rows():
    return [m for m in calibration.published() if m.request_rate is not None]


def test_the_published_online_serving_rows_are_read_with_their_rates():
    rows = _rate_rows()
    # TensorRT-LLM v0.15.0 docs, Online Serving Measurements: 2 models x 2 chips x 3 workloads at QPS 2..32 below the
    # saturating request throughput of each, TTFT and ITL each
    assert len(rows) == 102 and {m.metric for m in rows} == {"ttft", "tpot"}
    assert {m.hardware for m in rows} == {"H100 SXM5", "H200 SXM"}
    one = next(m for m in rows if m.name == "trtllm014-h100-llama31-8b-tp1-467-256-qps16" and m.metric == "ttft")
    assert (one.request_rate, one.measured, one.input_tokens, one.output_tokens) == (16, 0.030, 467, 256)


def test_the_model_on_the_online_serving_rows():
    # in-sample since they joined the fit (benchmarks.fit_serve); mean TTFT and ITL at QPS 2 to 32
    c = calibration.compare(_rate_rows())
    ratios = np.array([x.ratio for x in c])
    assert np.all((ratios > 1 / 1.35) & (ratios < 1.35))
    assert np.median(np.abs(np.log(ratios))) < 0.12 and np.mean(np.abs(ratios - 1) <= 0.25) >= 0.9


def test_a_users_rate_cell_is_checked(tmp_path):
    head = "name,model,hardware,chips,tensor,input_tokens,output_tokens,concurrency,request_rate,ttft\n"
    p = tmp_path / "rows.csv"
    p.write_text(head + "a,Llama 3 8B,H100 SXM5,1,1,467,256,,fast,0.03\n")
    with pytest.raises(InputError, match="column request_rate: expected requests per second"):
        calibration.read_rows(p)
    p.write_text(head + "a,Llama 3 8B,H100 SXM5,1,1,467,256,8,4,0.03\n")
    with pytest.raises(InputError, match="one of batch, concurrency or request_rate"):
        calibration.read_rows(p)
    p.write_text(head + "a,Llama 3 8B,H100 SXM5,1,1,467,256,,4,0.03\n")
    (m,) = calibration.read_rows(p)
    assert m.request_rate == 4 and 0.01 < calibration.predict(m) < 0.1
    p.write_text(head + "a,Llama 3 8B,H100 SXM5,1,1,467,256,,400,0.03\n")  # beyond the chip: said, by row
    with pytest.raises(InputError, match="file: a: column request_rate: expected fewer"):
        calibration.predict(calibration.read_rows(p)[0])


# ----------------------------------------------------------------- the prompts' queue for the step's token budget


def _long(**kw):
    # NVIDIA NIM's benchmarking workload: Llama 3.3 70B, fp8, tensor 2 on 2 H100, 5,000 input / 500 output tokens: one
    # 5,000-token prompt fits TensorRT-LLM's 8,192-token budget a step, two do not (K = 1)
    return load.setup("Llama 3 70B", "H100 SXM5", 2, tensor=2, precision="fp8", kv_precision="fp8",
                      input_tokens=5000, output_tokens=500, **kw)


def test_prefill_wait_vanishes_at_no_load_and_grows_without_bound_near_the_budget():
    # M/D/1 (K = 1): the prompts queued ahead add rho Wq = rho^2 tau / (2 (1 - rho)) [Kleinrock1975] ch. 5
    s = _long()
    d, S = 0.02, 0.38
    tau = d + S
    assert load.prefill_wait(s, 10.0, 0.0, d, S) == 0.0
    assert load.prefill_wait(s, 10.0, 1e-6, d, S) < 1e-12
    for rho in (0.3, 0.6, 0.9):
        assert load.prefill_wait(s, 10.0, rho / tau, d, S) == pytest.approx(rho * rho * tau / (2 * (1 - rho)))
    near = [load.prefill_wait(s, 10.0, rho / tau, d, S) for rho in (0.9, 0.99, 0.999, 0.9999)]
    assert near == sorted(near) and near[-1] > 1000 * tau
    assert math.isinf(load.prefill_wait(s, 10.0, 1.0 / tau, d, S))  # at the budget's capacity: no steady state
    # a closed loop of C clients: at most C - 1 prompts ahead, one admitted a step
    assert load.prefill_wait(s, 10.0, 1.0 / tau, d, S, ahead_at_most=9.0) == pytest.approx(9 * tau)


def test_prefill_wait_vanishes_when_a_step_holds_many_prompts():
    # 222-token prompts (MLPerf's Llama 2 70B) under 8,192 tokens with 500 decoding: K = 34 a step; at 5 prompts a step
    # the queue for a later step is nil, at one prompt a step per slot (the same load as K = 1's) it is a fraction
    s = load.setup("Llama 3 70B", "H100 SXM5", 2, tensor=2, precision="fp8", input_tokens=222, output_tokens=300)
    d, S = 0.1, 0.01
    K = (8192 - 500) // 222
    tau = d + K * S
    assert load.prefill_wait(s, 500.0, 5 / tau, d, S) < 1e-9
    one = load.prefill_wait(_long(), 500.0, 0.5 / tau, d, S)  # K = 1 at the same per-slot load would wait
    assert load.prefill_wait(s, 500.0, 0.5 * K / tau, d, S) < one / 5


def test_closed_loop_of_one_client_has_no_queue():
    # the arrival theorem [Reiser1980]: a request sees the other C - 1 clients; with none, it never waits
    s = _long()
    alone, queued = load.evaluate(s, 1, "continuous"), load.evaluate(s, 1, "continuous", queue=True)
    assert float(queued["ttft"]) == float(alone["ttft"])
    many, waits = load.evaluate(s, 50, "continuous"), load.evaluate(s, 50, "continuous", queue=True)
    assert float(waits["ttft"]) > float(many["ttft"])
    assert float(waits["tpot"]) == float(many["tpot"])  # the wait is the first token's only


def test_closed_loop_request_waits_a_whole_step():
    # a closed loop's request arrives as its last token ends a step, so it waits for all of the next one (the mean step,
    # TPOT), not the residual of a step at a random time as a Poisson arrival does (step_wait): tau, not tau / 2
    s = _setup()
    for c in (2, 8, 50):
        r = load.evaluate(s, c, "continuous")
        others = c - 1.0
        life = float(r["ttft"]) + (s.output_tokens - 1) * float(r["tpot"])
        S = float(r["prefill"]["total"]) * s.output_tokens / c
        ahead = load.prefill_wait(s, c, others / life, float(r["decode"]["total"]), S, ahead_at_most=others)
        queued = load.evaluate(s, c, "continuous", queue=True)
        assert float(queued["ttft"]) == pytest.approx(float(r["ttft"]) + float(r["tpot"]) + ahead, rel=1e-12)
    assert load._step_after(s, 0.01, 0.0) == 0.0 and load._step_after(s, 0.01, 0.5) == pytest.approx(0.005)
    both = load._step_after(s, np.array([0.01, 0.02]), np.array([3.0, 0.0]))
    assert both.tolist() == [0.01, 0.0]


def test_nim_closed_loop_ttft_within_a_quarter():
    # NVIDIA NIM 1.0 LLM benchmarking (docs.nvidia.com/nim/benchmarking/llm/1.0.0/performance.md): Llama 3.3 70B fp8
    # TP2 on 2 H100, 5,000 in / 500 out, concurrency 1, 5, 25, 50: mean TTFT 407, 547, 689, 835 ms (held out: the
    # term has no coefficient fitted; without it 0.98, 0.73, 0.61, 0.53 of these)
    for c, ttft in ((1, 0.407), (5, 0.547), (25, 0.689), (50, 0.835)):
        got = serve("Llama 3 70B", "H100 SXM5", 2, tensor=2, precision="fp8", kv_precision="fp8", input_tokens=5000,
                    output_tokens=500, concurrency=c)
        assert abs(got.ttft.m_as("s") / ttft - 1) <= 0.25, c


def test_at_a_rate_long_prompts_wait_for_the_budget():
    # 5,000-token prompts, one a step (K = 1): at_rate's wait is the step in progress plus the prompts ahead, which grow
    # as the rate nears the prompts' own capacity, 1 / tau_1 (Pollaczek-Khinchine)
    s = _long()
    cap = load.capacity(s)
    waits = []
    for share in (0.2, 0.5, 0.8):
        n, r = load.at_rate(s, share * cap)
        S = float(r["prefill"]["total"]) / (n / s.replicas / s.output_tokens)
        ahead = load.prefill_wait(s, n, share * cap, float(r["decode"]["total"]), S)
        assert ahead > 0 and float(r["wait"]) == pytest.approx(
            float(load.step_wait(s, load.evaluate(s, n, "continuous"), n, share * cap)))
        waits.append(ahead)
    assert waits == sorted(waits) and waits[-1] > 3 * waits[0]


def test_prefill_wait_where_the_budget_cannot_be_the_default():
    # more decoding sequences than the budget's tokens: the engine ran with a budget of its own (unknown), no wait
    # counted; a prompt longer than the room is split over I / room steps (chunked context), one server of that length
    s = _long()
    d, S = 0.05, 0.38
    assert load.prefill_wait(s, 9000.0, 0.5, d, S) == 0.0
    both = load.prefill_wait(s, np.array([9000.0, 10.0]), 0.5, d, S)  # arrays as one load each
    assert both[0] == 0.0 and both[1] == pytest.approx(load.prefill_wait(s, 10.0, 0.5, d, S), rel=1e-12)
    long_prompts = load.setup("Llama 3 70B", "H100 SXM5", 2, tensor=2, precision="fp8", kv_precision="fp8",
                              input_tokens=20000, output_tokens=2000)
    tau = 20000 / (8192 - 10) * d + S
    rho = 0.5 * tau
    assert load.prefill_wait(long_prompts, 10.0, 0.5, d, S) == pytest.approx(rho * rho * tau / (2 * (1 - rho)))


def test_a_pipeline_never_answers_a_rate_it_serves_less_than():
    # 70B on 5 H100 runs at pipeline 5: under random arrivals its heaviest micro-batch paces it, so it completes fewer
    # requests/s than load.capacity (the closed loop's); a rate between the two was answered with the output tokens/s
    # below the rate offered (3.9 requests/s in, 2.61 out): refused, naming the rate the arrivals sustain
    ok = serve("Llama 3 70B", "H100 SXM5", 5, request_rate=2.5)
    assert ok.layout["pipeline"] == 5
    assert ok.tokens_per_second["total"].m_as("token/s") == pytest.approx(2.5 * 1000, rel=0.01)
    with pytest.raises(InputError) as e:
        serve("Llama 3 70B", "H100 SXM5", 5, request_rate=3.9)
    assert e.value.field == "request_rate" and "arriving at random" in e.value.message and "got 3.9" in e.value.message


def test_the_layout_search_weighs_the_pipelines_under_random_arrivals():
    # 70B on 8 H100: tensor 4 x pipeline 2 completes 9.3 requests/s in a closed loop but 7.5 with them arriving at
    # random (its heaviest micro-batch paces it); two replicas of tensor 4 complete 8.7 either way: 8/s is served there
    r = serve("Llama 3 70B", "H100 SXM5", 8, request_rate=8)
    assert (r.layout["tensor"], r.layout["pipeline"], r.layout["replicas"]) == (4, 1, 2)
    assert r.tokens_per_second["total"].m_as("token/s") == pytest.approx(8 * 1000, rel=0.01)


def test_a_server_run_read_at_its_limits_is_given_the_latencies_of_the_load_its_throughput_is_scored_at():
    # 8 H200, MLPerf v5.1 Llama 2 70B Server (NVIDIA's harness): the run completed ~97% of the requests/s the model says
    # the layout sustains; the second reading (validation.at_limits) takes its latencies at the model's limit-bound
    # load, the headline's at the run's own rate
    from calc.errors import InputError
    from calc.serve import percentiles, validation

    c = next(c for c in validation.cases() if c.name == "mlperf51-hpe-hpe-cray-xd670-h200-sxm-141gbx8-llama2-70b-99-server")
    s = load.setup(c.model, c.hardware, c.chips, tensor=c.tensor, pipeline=c.pipeline, precision=c.precision,
                   kv_precision=c.kv_precision, input_tokens=c.input_tokens, output_tokens=c.output_tokens,
                   window_memory=False, **load.published_engine(c.name), **load.published_host(c.engine, c.hardware, c.name),
                   **load.published_workload(c.name))
    rate = validation.measured_request_rate(c)
    assert 0.9 < rate / load.arrivals_capacity(s) < 1.0
    found, _ = load.best_under_limits([s], *percentiles.mean_limits(c.ttft_limit, c.tpot_limit, "p99"))
    at_rate, at_limits = validation.predict(c), validation.predict(c, "limits")
    assert at_rate.throughput_per_chip == at_limits.throughput_per_chip == found[2]
    r = load.at_rate(s, rate)[1]
    assert (at_rate.ttft, at_rate.tpot) == pytest.approx((float(r["ttft"]), float(r["tpot"])))
    assert (at_limits.ttft, at_limits.tpot) == pytest.approx(validation.at_limits(s, found[1]))
    assert at_limits.tpot <= 0.2 / float(percentiles.p99_over_mean()["tpot"].m_as("")) * (1 + 1e-9)  # the mean limit
    with pytest.raises(InputError, match="server_latency"):
        validation.outcomes("limit")


def test_a_rate_far_beyond_capacity_is_said_as_people_read_numbers():
    # "got 1e+12" (a float's repr) in the CLI's and the Serving page's error
    with pytest.raises(InputError) as exc:
        load.at_rate(_setup(), 1e12)
    assert "got 10¹²:" in str(exc.value) and "e+" not in str(exc.value)


def test_disaggregated_rate_and_limits_answer_on_one_stated_basis():
    """Prefill on chips of its own: a request rate and latency limits both answer on the decode chips' load, their
    TTFT the prompt's prefill and first decode step with no wait counted, and both say why (the prefill chips' number,
    and so their queue, is not given): the limits once added the one-engine queue that the rate refused."""
    from calc.serve import DISAGGREGATED_ARRIVALS

    kw = dict(disaggregated=True, input_tokens=1000, output_tokens=1000)
    rate = serve("Llama 2 70B", "H100 SXM5", 8, request_rate=2, **kw)
    limits = serve("Llama 2 70B", "H100 SXM5", 8, tpot_limit="40 ms", **kw)
    loop = serve("Llama 2 70B", "H100 SXM5", 8, concurrency=limits.concurrency, tensor=limits.layout["tensor"],
                 pipeline=limits.layout["pipeline"], **kw)
    for s in (rate, limits):
        assert s.queueing is None and DISAGGREGATED_ARRIVALS in s.ttft_basis and s.to_dict()["queueing"] is None
    assert limits.ttft.m_as("s") == pytest.approx(loop.ttft.m_as("s"), rel=1e-9)  # the same TTFT, no wait added
    assert rate.request_rate.m_as("1/s") == 2
    n = rate.concurrency  # Little's law on the decode chips: the rate x the time a sequence holds them
    assert n == pytest.approx(2 * 1000 * rate.tpot.m_as("s"), rel=0.05)
    with pytest.raises(InputError, match="^request_rate: expected fewer requests/s"):
        serve("Llama 2 70B", "H100 SXM5", 8, request_rate=1e4, **kw)


def test_cli_disaggregated_rate_says_its_basis(capsys):
    code = main(["serve", "--model", "Llama 2 70B", "--hardware", "H100 SXM5", "--chips", "8", "--disaggregated",
                 "--request-rate", "2"])
    out = capsys.readouterr().out
    assert code == 0 and "request rate: 2 requests/s" in out and "no wait counted" in out


def test_limits_give_the_rate_they_hold():
    """The answer under latency limits is the load of requests arriving at random at some rate: it says that rate
    (request_rate in Python and in --json, never null), and the same rate given back finds the same load."""
    s = serve("Llama 3 70B", "H100 SXM5", 8, ttft_limit="2 s", tpot_limit="40 ms")
    rate = s.request_rate.m_as("1/s")
    assert rate == pytest.approx(s.tokens_per_second["total"].m_as("token/s") / 1000, rel=1e-9)
    back = serve("Llama 3 70B", "H100 SXM5", 8, tensor=s.layout["tensor"], pipeline=s.layout["pipeline"],
                 request_rate=s.request_rate)
    assert back.concurrency == s.concurrency and back.ttft.m_as("s") == pytest.approx(s.ttft.m_as("s"), rel=1e-3)
    assert s.to_dict()["request_rate"] == pytest.approx(rate, rel=1e-9)


def test_cli_limits_json_and_text_say_the_rate(capsys):
    argv = ["serve", "--model", "Llama 3 70B", "--hardware", "H100 SXM5", "--chips", "8", "--ttft-limit", "2s",
            "--tpot-limit", "40ms"]
    assert main(argv + ["--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["request_rate"] > 0 and d["units"]["request_rate"] == "1/s"
    assert main(argv) == 0
    assert "requests/s arriving at random" in capsys.readouterr().out


def test_a_rate_beyond_capacity_names_the_layout_it_speaks_of():
    # fresh15: "expected fewer requests/s than the 8.74 the layout completes", the layout unnamed
    with pytest.raises(InputError) as exc:
        serve("Llama 3 70B", "H100 SXM5", 8, request_rate=1000)
    assert exc.value.field == "request_rate"
    assert re.search(r"the layout \(tensor \d+ x pipeline \d+, \d+ replicas?\) completes", exc.value.message)
