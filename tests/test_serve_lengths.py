"""Request lengths that vary (a benchmark's dataset): the sequences a decode step holds are length-biased
(calc.serve.load.Setup.in_flight_context), a prompt's attention costs E[I^2] / E[I] per token
(Setup.attended_prompt); requests alike are served as before. The datasets' moments: data/serving_datasets.csv."""

import numpy as np
import pytest

from calc import data
from calc.errors import InputError
from calc.serve import load, validation

ARGS = dict(tensor=1, precision="fp8", kv_precision="fp8", input_tokens=222, output_tokens=293)


def _moments(prompts, outputs):
    p, o = np.asarray(prompts, dtype=float), np.asarray(outputs, dtype=float)
    return dict(input_spread=p.var() / p.mean() ** 2, output_spread=o.var() / o.mean() ** 2,
                length_covariance=np.mean((p - p.mean()) * (o - o.mean())) / (p.mean() * o.mean()))


def test_a_step_holds_the_requests_in_proportion_to_their_outputs():
    # a request of output O is decoded in O steps, at contexts I + 1 .. I + O: count every (request, step) pair
    prompts, outputs = [100, 400, 50, 850], [10, 1000, 300, 50]
    pairs = [p + k for p, o in zip(prompts, outputs) for k in range(o)]  # the context of each sequence at each step
    s = load.setup("Llama 2 70B", "H200 SXM", 1, **{**ARGS, "input_tokens": int(np.mean(prompts)),
                                                   "output_tokens": int(np.mean(outputs))},
                   **_moments(prompts, outputs))
    assert (np.mean(prompts), np.mean(outputs)) == (350, 340)  # whole means: the Setup takes whole tokens
    assert s.in_flight_context == pytest.approx(np.mean(pairs) + 0.5, rel=1e-3)  # steps hold I + k, k from 0: + 1/2
    assert s.in_flight_context > s.input_tokens + s.output_tokens / 2  # the long ones dominate the steps
    big = [p for p in prompts for _ in range(p)]  # a prompt's attention FLOP per prompt token grows with its length
    assert s.attended_prompt == pytest.approx(np.mean(big), rel=1e-3)


def test_requests_alike_are_served_as_before():
    alike = load.setup("Llama 2 70B", "H200 SXM", 1, **ARGS)
    zero = load.setup("Llama 2 70B", "H200 SXM", 1, **ARGS, input_spread=0.0, output_spread=0.0, length_covariance=0.0)
    assert alike.in_flight_context == 222 + 293 / 2 and alike.attended_prompt == 222
    for a, b in ((alike, zero),):
        ra, rb = load.evaluate(a, 512, "continuous"), load.evaluate(b, 512, "continuous")
        assert (float(ra["tpot"]), float(ra["ttft"])) == (float(rb["tpot"]), float(rb["ttft"]))
    # fixed-length benchmarks name no dataset: trtllm-bench's tables, NIM's closed loops, AMD's static batches
    named = data.serving_workloads()
    for c in validation.cases():
        if not c.engine.startswith("MLPerf"):
            assert c.name not in named and load.published_workload(c.name) == {}


def test_the_spread_reads_more_cache_and_memory_stays_the_mean_request_s():
    c = next(c for c in validation.cases() if c.name == "mlperf51-nvidia-b200-sxm-180gbx8-deepseek-r1-offline")
    kw = dict(tensor=c.tensor, expert=c.expert, attention_data_parallel=True, precision=c.precision,
              kv_precision=c.kv_precision, input_tokens=c.input_tokens, output_tokens=c.output_tokens)
    alike = load.setup(c.model, c.hardware, c.chips, **kw)
    spread = load.setup(c.model, c.hardware, c.chips, **kw, **load.published_workload(c.name))
    d = data.serving_datasets()["mlperf-deepseek-r1"]
    want = c.input_tokens * (1 + d["length_covariance"]) + c.output_tokens * (1 + d["output_spread"]) / 2
    assert spread.in_flight_context == pytest.approx(want)
    assert 1.7 < spread.in_flight_context / alike.in_flight_context < 1.9  # reasoning traces: a long tail of outputs
    assert spread.max_concurrency() == alike.max_concurrency()
    # OpenOrca's outputs (Llama 2 70B on one H200): the cache read a step grows as the in-flight context does
    row = dict(tensor=1, precision="fp8", kv_precision="fp8", input_tokens=222, output_tokens=293)
    alike = load.setup("Llama 2 70B", "H200 SXM", 1, **row)
    spread = load.setup("Llama 2 70B", "H200 SXM", 1, **row, **load.published_workload("mlperf51-cisco-c885-h200x8-llama2-70b-99-offline"))
    a, b = load.evaluate(alike, 64, "continuous"), load.evaluate(spread, 64, "continuous")
    grown = spread.in_flight_context / alike.in_flight_context
    assert 1.1 < grown < 1.3
    assert float(b["decode"]["kv cache"]) == pytest.approx(grown * float(a["decode"]["kv cache"]), rel=1e-6)
    assert float(b["decode"]["weights"]) == float(a["decode"]["weights"])


def test_each_dataset_s_mean_prompt_is_its_rows():
    # the per-sample record gives the same mean prompt as the rows state (mlperfisl's sums: 222, 9,429, 804, 427)
    sets = data.serving_datasets()
    for c in validation.cases():
        run = data.serving_workloads().get(c.name)
        if run is not None:
            assert round(sets[run["dataset"]]["input_mean"]) == c.input_tokens, c.name
    # DeepSeek-R1's outputs cut at v5.1's 20,000 (MAX_OSL): mean 3,886, the runs' logs 3,650 to 3,750
    ds = sets["mlperf-deepseek-r1"]
    assert ds["output_max"] == 20000 and 3500 < ds["output_mean"] < 4100 and ds["output_spread"] > 1
    assert sets["mlperf-llama3.1-405b"]["output_mean"] == pytest.approx(684.68)  # the README's tokens_per_sample


@pytest.mark.parametrize("field,value", [("output_spread", -0.1), ("input_spread", "x"), ("length_covariance", -1.5),
                                         ("output_spread", float("nan"))])
def test_a_bad_spread_is_refused_by_name(field, value):
    with pytest.raises(InputError, match=field):
        load.setup("Llama 2 70B", "H200 SXM", 1, **ARGS, **{field: value})


def test_a_finite_run_waits_for_its_longest_requests():
    # a step-by-step run of 3,000 requests of four lengths (10 to 1,000 tokens), 128 in flight, each step at the model's
    # TPOT for the sequences then in flight: its tail, as the batch thins, costs what finite_run's drain says, a bound
    prompts, outputs = np.array([200, 300, 100, 250]), np.array([10, 50, 120, 1000])
    s = load.setup("Llama 2 70B", "H200 SXM", 1, **{**ARGS, "input_tokens": 212, "output_tokens": 295},
                   output_max=1000, **_moments(prompts, outputs))
    n, count = 128, 3000
    tau = np.asarray(load.evaluate(s, np.arange(1, n + 1, dtype=float), "continuous")["tpot"])
    queue = list(np.random.default_rng(0).permutation(np.repeat(outputs, count // 4)))
    active, seconds, tokens = [], 0.0, 0
    while queue or active:
        while queue and len(active) < n:
            active.append(queue.pop())
        seconds += tau[len(active) - 1]
        tokens += len(active)
        active = [x - 1 for x in active if x > 1]
    simulated = tokens / seconds
    steady = float(load.evaluate(s, n, "continuous")["per_chip"])
    run = load.finite_run(s, n, count)
    assert run < simulated < 0.98 * steady  # the tail costs a few percent here; the chord overstates it a little
    assert run == pytest.approx(simulated, rel=0.01)
    # requests alike keep their cohorts: a longest output without a spread changes nothing
    alike = load.setup("Llama 2 70B", "H200 SXM", 1, **ARGS)
    assert load.finite_run(alike, n, count) == load.finite_run(load.setup("Llama 2 70B", "H200 SXM", 1, **ARGS,
                                                                             output_max=1000), n, count)


def test_mlperf_offline_runs_state_the_samples_they_issued():
    # loadgen's generated_samples_per_query in each run's mlperf_log_detail.txt: DeepSeek-R1 on 8 B200, 6 x 4,388
    runs = data.serving_workloads()
    assert runs["mlperf51-nvidia-b200-sxm-180gbx8-deepseek-r1-offline"] == {"dataset": "mlperf-deepseek-r1",
                                                                            "requests": 26328}
    assert all(r["requests"] is None for n, r in runs.items() if not n.endswith("offline"))
