"""MLPerf v5.1 Server runs the serving model had said could not happen at their own rate (TTFT inf), each against the
engine settings and clocks its submission states (data/serving_engine_settings.csv, data/serving_clocks.csv)."""

import math

import pytest

from calc import data
from calc.serve import load, validation


def _case(name):
    return {c.name: c for c in validation.cases()}[name]


AMD_MIXTRAL_SERVER = [
    "mlperf51-amd-8xmi325x-2xepyc-9575f-1-mixtral-8x7b-server",
    "mlperf51-asustek-esc-a8a-mi325x-256gbx8-mixtral-8x7b-server",
    "mlperf51-gigacomputing-8xmi325x-2xepyc-9575f-mixtral-8x7b-server",
    "mlperf51-mitac-8xmi325x-2xepyc-9755-mixtral-8x7b-server",
    "mlperf51-qct-d75t-7u-8xmi325x-mixtral-8x7b-server",
    "mlperf51-vultr-8xmi325x-2xepyc-9575f-mixtral-8x7b-server",
]


def test_amd_mixtral_runs_at_their_harness_settings_and_clock():
    # closed/AMD/code/mixtral-8x7b/harness_llm/models/mixtral-8x7b/server_mi325x.yaml: max_num_seqs 2560,
    # max_num_batched_tokens 32000, num_scheduler_steps 10, enable_chunked_prefill False; scripts/power_settings.sh,
    # mixtral-8x7b(): rocm-smi --setperfdeterminism 1500 for every chip and scenario
    e = load.published_engine("mlperf51-amd-8xmi325x-2xepyc-9575f-1-mixtral-8x7b-server")
    assert e == {"scheduler_steps": 10, "chunked_prefill": False, "max_batch_size": 2560, "max_num_tokens": 32000,
                 "clock": 1500.0, "eager": True}
    clocks = data.serving_clocks()
    assert all(clocks[n] == 1500.0 for n in AMD_MIXTRAL_SERVER)
    assert all(clocks[n.replace("-server", "-offline")] == 1500.0 for n in AMD_MIXTRAL_SERVER)


@pytest.mark.parametrize("name", AMD_MIXTRAL_SERVER + [
    "mlperf51-hpe-hpe-proliant-dl380a-rtx-pro-6000-pcie-96gbx8-trt-llama3-1-8b-server"])
def test_a_run_that_happened_is_carried_at_its_own_rate(name):
    # the run completed its rate with its first tokens within the limits: the model, at the settings it states, has a
    # finite first token there (the prompts' queue for the step's token budget below 1), not an unbounded queue
    c = _case(name)
    o = validation.predict(c)
    assert o.refused is None and math.isfinite(o.ttft) and math.isfinite(o.tpot)
    s = validation.setup(c)
    assert validation.measured_request_rate(c) < load.arrivals_capacity(s)


def test_hpe_rtx_pro_8b_server_reads_its_exports_entry():
    # closed/HPE/configs/HPE_PROLIANT_DL380A_RTX_PRO_6000_PCIE_96GBx8_TRT/Server/llama3_1-8b.py: the EXPORTS entry of the
    # Custom harness at accuracy 0.99 and MaxP sets max_num_tokens 8192, kvcache_free_gpu_mem_frac 0.95 and
    # server_target_qps 358.5 (the run's log: requested_server_target_qps 358.5); the file's base dict (1536, 0.9, 325)
    # is not what ran
    e = load.published_engine("mlperf51-hpe-hpe-proliant-dl380a-rtx-pro-6000-pcie-96gbx8-trt-llama3-1-8b-server")
    assert (e["max_batch_size"], e["max_num_tokens"], e["kv_memory_fraction"]) == (2048, 8192, 0.95)


def test_the_diagnostic_puts_the_runs_left_unstable_to_the_token_budget():
    # benchmarks/server_capacity: QCT's D74U H200 Llama 3.1 8B Server ran 449 requests/s (its own Offline 445) under
    # max_num_tokens 1536: one 871-token prompt a step beside ~228 decoding sequences, rho 1.21 in the model
    from benchmarks import server_capacity
    c = _case("mlperf51-qct-d74u-7u-h200-sxm-141gbx8-llama3-1-8b-server")
    r = server_capacity.row(c, _case("mlperf51-qct-d74u-7u-h200-sxm-141gbx8-llama3-1-8b-offline"))
    assert r["bound"] == "budget" and r["admission"]["K"] == 1 and r["admission"]["budget"] == 1536
    assert r["rate"] < r["capacity"] and r["rate"] > r["offline"]


def test_the_prompts_queue_carries_the_spread_of_their_lengths():
    # GI/G/K ([Whitt1993]): the M/D/K wait and the residual's prompt part times c_a^2 + c_s^2, c_s^2 the prompts'
    # length spread (MLPerf's Llama 2 70B: Var(I) / E[I]^2 = 0.595, data/serving_datasets.csv); requests alike: M/D/K
    c = _case("mlperf51-hpe-hpe-cray-xd670-h200-sxm-141gbx8-llama2-70b-99-server")
    s = validation.setup(c)
    alike = validation.setup(c, input_spread=0.0)
    assert s.input_spread == pytest.approx(0.595, abs=1e-3)
    rate = validation.measured_request_rate(c)
    n = load.at_rate(s, rate)[0]
    r = load.evaluate(s, n, "arrivals")
    per, lam = n / s.replicas, rate / s.replicas
    S = float(r["prefill"]["total"]) / (per / s.output_tokens)
    prompts = -math.expm1(-per) * lam * S * S / 2 + load.prefill_wait(s, per, lam, float(r["decode"]["total"]), S)
    assert prompts > 0
    assert load.step_wait(s, r, n, rate) - load.step_wait(alike, r, n, rate) == pytest.approx(s.input_spread * prompts)
