"""Serving: the engine's host work per sequence and decode step (data/serving_host.csv), each figure against its own
source: TensorRT-LLM PR #10273's host_step_time on GB200, TransformerEngine issue #2053's Grace against x86, and the
overlap scheduler's step as the longer of the GPU's and the host's work."""

from unittest.mock import patch

import numpy as np
import pytest

from calc import data
from calc.errors import InputError
from calc.serve import calibration, load, phases

QWEN = dict(precision="fp4", kv_precision="fp8", input_tokens=128, output_tokens=128)


def test_host_step_as_pr_10273_measured_it():
    # TensorRT-LLM PR #10273: GB200, GPT-OSS-120B, attention DP 2, max_batch_size 1536 a rank, 3,072 clients:
    # average host_step_time 45.11 ms per iteration
    grace = load.published_host("TensorRT-LLM 1.2", "GB200")["host_per_sequence"]
    lay = phases.Layout(tensor=2, expert=2, attention_data_parallel=True)
    assert float(phases.host_step(lay, 3072, grace)) == pytest.approx(45.11e-3, rel=0.01)


def test_grace_against_x86_as_transformer_engine_measured_it():
    # TransformerEngine issue #2053: torch.nn.Linear forward's CPU runtime 37.08 us on GB200, 13.48 us on an H100 DGX
    grace = load.published_host("TensorRT-LLM 1.0", "GB200")["host_per_sequence"]
    x86 = load.published_host("TensorRT-LLM 1.0", "B200")["host_per_sequence"]
    assert grace / x86 == pytest.approx(37.08 / 13.48, rel=0.01)
    assert load.published_host("TensorRT-LLM 1.0", "H100 SXM5")["host_per_sequence"] == x86
    assert load.published_host("no such engine", "H100 SXM5") == {}
    # the PyTorch backend's overlap scheduler is on by default; the C++ executor of TensorRT engines has none
    assert all(r["host_overlap"] for (e, _), r in data.serving_host().items() if e.startswith("TensorRT-LLM 1."))
    assert not load.published_host("NIM 1.8.0 (TensorRT-LLM)", "H100 SXM5")["host_overlap"]


def test_the_cpp_executor_figure_is_the_calibration_rows_best():
    # data/serving_host.csv's C++ executor row is fitted to the calibration rows (published before 2025): the mean squared
    # log error over them is lower with it than without, and than at half or twice the figure
    h = load.published_host("TensorRT-LLM 0.15.0", "H100 SXM5")["host_per_sequence"]
    assert load.published_host("NIM 1.8.0 (TensorRT-LLM)", "H100 SXM5")["host_per_sequence"] == h
    rows = calibration.published()

    def loss(scale):
        table = {k: {**v, "host_per_sequence": v["host_per_sequence"] * (scale if not v["host_overlap"] else 1.0)}
                 for k, v in data.serving_host().items()}
        with patch.object(data, "serving_host", lambda: table):
            return calibration._loss(rows, phases.coefficients())

    at = loss(1.0)
    assert at < loss(0.0) and at < loss(0.5) and at < loss(2.0)


def test_overlapped_host_work_caps_the_step_rate_of_one_loop():
    # with the overlap scheduler a step takes the longer of the GPU's work and the host's: where the host's is longer,
    # one executor loop turns out 1 / h tokens a second whatever the batch
    h = 29.4e-6
    s = load.setup("Qwen3 30B-A3B", "GB200", 1, tensor=1, **QWEN, host_per_sequence=h)
    bare = load.setup("Qwen3 30B-A3B", "GB200", 1, tensor=1, **QWEN)
    c = np.array([4.0, 2048.0])
    with_host, without = load.evaluate(s, c, "continuous"), load.evaluate(bare, c, "continuous")
    assert float(with_host["tpot"][0]) == pytest.approx(float(without["tpot"][0]))  # hidden behind the GPU
    assert float(with_host["tpot"][1]) == pytest.approx(2048 * h)  # the host's, longer
    assert float(with_host["tpot"][1]) > float(without["tpot"][1])


def test_host_work_without_overlap_adds_to_the_step():
    h = 10e-6
    s = load.setup("Llama 3 8B", "H100 SXM5", 1, tensor=1, precision="fp8", input_tokens=200, output_tokens=200,
                   host_per_sequence=h, host_overlap=False)
    bare = load.setup("Llama 3 8B", "H100 SXM5", 1, tensor=1, precision="fp8", input_tokens=200, output_tokens=200)
    c = 200.0
    assert float(load.evaluate(s, c, "continuous")["tpot"]) == pytest.approx(
        float(load.evaluate(bare, c, "continuous")["tpot"]) + c * h)
    assert float(load.evaluate(s, c, "batch")["tpot"]) == pytest.approx(
        float(load.evaluate(bare, c, "batch")["tpot"]) + c * h)


def test_each_tensor_rank_loops_over_every_sequence_unless_attention_is_data_parallel():
    assert float(phases.host_step(phases.Layout(tensor=8), 800, 1e-5)) == pytest.approx(8e-3)
    assert float(phases.host_step(phases.Layout(tensor=8, attention_data_parallel=True), 800, 1e-5)) == pytest.approx(1e-3)


def test_host_work_is_checked():
    with pytest.raises(InputError, match="host_per_sequence"):
        load.setup("Llama 3 8B", "H100 SXM5", 1, tensor=1, host_per_sequence=-1e-6)
    with pytest.raises(InputError, match="host_per_sequence"):
        load.setup("Llama 3 8B", "H100 SXM5", 1, tensor=1, host_per_sequence="fast")


def test_serve_takes_an_engine_by_name():
    from calc.serve import serve

    kw = dict(tensor=1, precision="fp4", kv_precision="fp8", input_tokens=128, output_tokens=128)
    bare = serve("Qwen3 30B-A3B", "GB200", 1, **kw)
    hosted = serve("Qwen3 30B-A3B", "GB200", 1, engine="TensorRT-LLM 1.0", **kw)
    grace = load.published_host("TensorRT-LLM 1.0", "GB200")["host_per_sequence"]
    assert hosted.tokens_per_second["per_chip"] < bare.tokens_per_second["per_chip"]
    assert hosted.tokens_per_second["per_chip"].m_as("token/s/chip") <= 1 / grace * 1.0001  # one loop's 1 / h a second
    with pytest.raises(InputError, match="engine.*TensorRT-LLM 1.0"):
        serve("Qwen3 30B-A3B", "GB200", 1, engine="TensorRT-LLM 9", **kw)


def test_every_door_takes_the_engine():
    # the CLI's --engine, the frontier and the fewest chips take what calc.serve takes; an unknown engine is named
    import subprocess
    import sys

    from calc.errors import InputError
    from calc.serve import fewest_chips, frontier, serve

    with_host = serve("Llama 3 8B", "H100 SXM5", 1, precision="fp8", engine="TensorRT-LLM 1.0")
    f = frontier("Llama 3 8B", "H100 SXM5", 1, precision="fp8", engine="TensorRT-LLM 1.0")
    assert f.tpot[-1].m_as("s") == pytest.approx(with_host.tpot.m_as("s"), rel=1e-6)
    assert fewest_chips("Llama 3 70B", "H100 SXM5", engine="TensorRT-LLM 1.0") == fewest_chips("Llama 3 70B", "H100 SXM5")
    with pytest.raises(InputError, match="engine"):
        fewest_chips("Llama 3 70B", "H100 SXM5", engine="vllm")
    out = subprocess.run([sys.executable, "-m", "calc", "serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5",
                          "--precision", "fp8", "--engine", "TensorRT-LLM 1.0", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    bad = subprocess.run([sys.executable, "-m", "calc", "serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5",
                          "--engine", "vllm"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--engine" in bad.stderr and "Traceback" not in bad.stderr


def test_vllm_v1_host_work_as_issue_10634_measured_it():
    # vLLM issue #10634: on the V1 engine, Llama 2 7B at batch 256, the GPU idle 5-6 ms between two decode steps
    # (the step loop's host work in series with the GPU's): 5.5 ms / 256 sequences a step
    for engine in ("vLLM 0.9.1 (ROCm)", "vLLM 0.10.2", "vLLM 0.11.0"):
        h = load.published_host(engine, "H100 SXM5")
        assert float(phases.host_step(phases.Layout(), 256, h["host_per_sequence"])) == pytest.approx(5.5e-3, rel=0.01)
        assert h == load.published_host(engine, "MI300X")  # an x86 host
        assert not h["host_overlap"]  # async scheduling: not in 0.9.1, opt-in (--async-scheduling) in 0.10 and 0.11
    # V0 engines (AMD's MLPerf harnesses) are not V1's loop: no figure of theirs
    assert load.published_host("vLLM (MLPerf Inference v4.1, AMD)", "MI300X") == {}


def test_a_run_started_with_async_scheduling_overlaps_its_host_work():
    # GPUStack's gpt-oss-120b runs with --async-scheduling (data/serving_host_overlap.csv): the run's setting replaces
    # the engine's default, and a run not listed keeps it
    name = "gpustack-h100-gpt-oss-120b-vllm0102-tp2-async-sharegpt-c4"
    assert data.serving_host_overlap()[name] is True
    assert load.published_host("vLLM 0.10.2", "H100 SXM5", name)["host_overlap"]
    assert not load.published_host("vLLM 0.10.2", "H100 SXM5", "gpustack-h100-gpt-oss-120b-vllm0102-tp1-sharegpt-c4")[
        "host_overlap"]
    assert load.published_host("no such engine", "H100 SXM5", name) == {}


def test_the_vllm_host_work_slows_a_static_batch_by_its_sequences():
    # AMD's ROCm vLLM 0.9.1 static batches: each of the O - 1 decode steps of B sequences carries B x h more
    h = load.published_host("vLLM 0.9.1 (ROCm)", "MI300X")
    kw = dict(tensor=8, precision="fp8", input_tokens=128, output_tokens=2048)
    s, bare = load.setup("Llama 3 70B", "MI300X", 8, **kw, **h), load.setup("Llama 3 70B", "MI300X", 8, **kw)
    assert float(load.evaluate(s, 128, "batch")["tpot"]) == pytest.approx(
        float(load.evaluate(bare, 128, "batch")["tpot"]) + 128 * h["host_per_sequence"])


def test_the_answer_names_the_engine_as_people_type_it(capsys):
    # the engine's name taken as hardware and model names are (case and spaces), the nearest ones suggested, and the
    # answer saying which engine's host work it counts: Serving.engine, its JSON and the command line's line
    from calc.__main__ import main
    from calc.serve import engine_name, serve

    assert engine_name("  tensorrt-llm   1.0 ") == "TensorRT-LLM 1.0"
    assert engine_name(None) is None
    with pytest.raises(InputError, match=r"got 'vllm': data/serving_engines.csv and data/serving_host.csv list "
                                         r"vLLM 0\.6\.0, .*, vLLM 0\.34\.0 of it$"):  # a bare family: its releases, oldest first
        engine_name("vllm")
    with pytest.raises(InputError, match=r"got 'tensorrt': .* list TensorRT-LLM 0\.14\.0, .*, TensorRT-LLM 1\.2 of it$"):
        engine_name("tensorrt")
    with pytest.raises(InputError) as exc:  # five names hold "mlperf": the three nearest, not all five again
        engine_name("mlperf")
    assert exc.value.message.count("did you mean") == 1 and exc.value.message.count(" or ") == 2
    s = serve("Llama 3 8B", "H100 SXM5", 1, engine="vllm 0.10.2")
    assert s.engine["name"] == "vLLM 0.10.2" and s.engine["overlap"] is False
    assert s.engine["host_per_sequence"].m_as("us") == pytest.approx(21.5)
    assert s.to_dict()["engine"] == {"name": "vLLM 0.10.2", "host_per_sequence": 2.15e-05, "overlap": False,
                                      "max_batch_size": 1024, "max_num_tokens": 8192,
                                      "chunked_prefill": True}  # its own defaults on an H100
    assert serve("Llama 3 8B", "H100 SXM5", 1).to_dict()["engine"] is None
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--engine", "TensorRT-LLM 1.0"]) == 0
    assert "engine: TensorRT-LLM 1.0, host work 10.7 us per sequence and decode step, overlapped" in capsys.readouterr().out
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--engine", "vLLM 0.11.0", "--frontier",
                 "--points", "2"]) == 0
    assert "engine: vLLM 0.11.0, host work 21.5 us per sequence and decode step, in series" in capsys.readouterr().out


def test_the_host_work_in_series_is_paid_for_per_token():
    # vLLM V1's host work in series lengthens the step: the chips wait as long, so each token costs more chip-seconds
    # (it cost the same $ and J per token as with no engine, while the tokens/s fell by 14%)
    from calc.serve import serve

    bare = serve("Llama 3 8B", "H100 SXM5", 1, price="2 USD/h/chip")
    slow = serve("Llama 3 8B", "H100 SXM5", 1, price="2 USD/h/chip", engine="vLLM 0.10.2")
    fewer = bare.tokens_per_second["total"] / slow.tokens_per_second["total"]
    assert fewer.m_as("") > 1.1
    for k in ("input", "output"):
        assert (slow.usd_per_million_tokens[k] / bare.usd_per_million_tokens[k]).m_as("") == pytest.approx(
            fewer.m_as(""), rel=0.02)
        assert (slow.energy_per_token[k] / bare.energy_per_token[k]).m_as("") == pytest.approx(fewer.m_as(""), rel=0.02)
