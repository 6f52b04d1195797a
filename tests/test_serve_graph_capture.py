"""Serving: vLLM's V0 engine replays a decode step from a CUDA graph only where the step's longest sequence is within
max_seq_len_to_capture (ModelInputForGPUBuilder._use_captured_graph, vllm/worker/model_runner.py; 8,192 tokens by
default), and runs a longer one eagerly (data/serving_graph_capture.csv, load.graph_eager_share); and SGLang 0.4.3.post2
halves its chunked_prefill_size under --enable-dp-attention (server_args.py), as dstack's H200 online runs set it."""

from dataclasses import replace

import pytest

from calc import data
from calc.errors import InputError
from calc.serve import load, validation

LONG = dict(input_tokens=6000, output_tokens=4000)  # past 8,192 from the 2,193rd output token: 45.2% of the steps


def _llama(**engine):
    return load.setup("Llama 3.1 8B", "H100 SXM5", 1, tensor=1, **LONG, **engine)


def test_the_v0_releases_capture_up_to_8192_tokens():
    # ROCm/vllm 2c60adc83 (0.6.4 ROCm), 3efdd2be6 (0.6.7.dev), 21f6ca217 (0.7.3.dev), upstream f35f8e224 (0.7.4.dev):
    # EngineArgs.max_seq_len_to_capture 8192; the V1 releases (0.8 on) are not listed (no such limit counted)
    capture = data.serving_graph_capture()
    for name in ("vLLM 0.6.4 (ROCm)", "vLLM 0.6.7.dev (ROCm)", "vLLM 0.7.3.dev (ROCm)", "vLLM 0.7.4.dev (nightly)",
                 "vLLM 0.6.0", "vLLM 0.7.3"):
        assert capture[name] == 8192
    assert not {"vLLM 0.8.5", "vLLM 0.9.2", "SGLang 0.4.3.post2", "TensorRT-LLM 1.0"} & set(capture)
    assert data.engine_defaults("vLLM 0.7.4.dev (nightly)", data.hardware("H200 SXM"))["graph_max_context"] == 8192
    assert "graph_max_context" not in data.engine_defaults("vLLM 0.9.2", data.hardware("H200 SXM"))
    # Azure's AI-benchmarking-guide passes --max-seq-len-to-capture 131072: the run's own setting replaces the default
    azure = "azure-ndmi300xv5-llama31-70b-vllm-rocm1121-tp8-fp8-2048-2048-n1000"
    assert load.published_engine(azure)["graph_max_context"] == 131072
    assert validation.setup(next(c for c in validation.cases() if c.name == azure)).graph_max_context == 131072


def test_share_of_steps_past_the_captured_length():
    s = _llama(graph_max_context=8192)
    assert float(load.graph_eager_share(s, 8.0)) == pytest.approx((6000 + 4000 - 8192) / 4000)  # in lockstep
    assert float(load.graph_eager_share(replace(s, graph_max_context=10_000), 8.0)) == 0.0  # every step within
    assert float(load.graph_eager_share(replace(s, graph_max_context=5000), 8.0)) == 1.0  # the prompt alone passes it
    assert float(load.graph_eager_share(_llama(), 8.0)) == 0.0  # no limit: every step captured
    # lengths that vary: a step is captured only where all of its n sequences are within, 1 - (1 - p)^n
    spread = replace(s, output_spread=0.5)
    assert float(load.graph_eager_share(spread, 4.0)) == pytest.approx(1 - (1 - 0.452) ** 4)


def test_steps_past_the_captured_length_take_the_eager_step():
    # Llama 3.1 8B at batch 1-8 on an H100: the GPU's step is shorter than the host's eager dispatch of 32 layers,
    # so the eager steps are longer, and the V0 step is the mix of the two at the share past 8,192 tokens
    graph, v0, eager = _llama(), _llama(graph_max_context=8192), _llama(eager=True)
    for batch in (1.0, 8.0):
        g, m, e = (float(load.evaluate(s, batch, "batch")["tpot"]) for s in (graph, v0, eager))
        assert e > g
        assert m == pytest.approx(g + 0.452 * (e - g), rel=1e-9)
    # at a batch whose GPU step outlasts the host's dispatch, eager costs nothing more: no change
    g, m = (float(load.evaluate(s, 64.0, "batch")["tpot"]) for s in (graph, v0))
    assert m == pytest.approx(g, rel=1e-12)
    # within the captured length nothing changes
    short = dict(input_tokens=2048, output_tokens=2048)
    a = load.setup("Llama 3.1 8B", "H100 SXM5", 1, tensor=1, **short)
    b = load.setup("Llama 3.1 8B", "H100 SXM5", 1, tensor=1, graph_max_context=8192, **short)
    assert float(load.evaluate(b, 4.0, "continuous")["tpot"]) == float(load.evaluate(a, 4.0, "continuous")["tpot"])


def test_dstack_v0_runs_carry_the_limit():
    # dstack's DeepSeek-R1 runs on vLLM 0.7.3.dev (MI300X) and 0.7.4.dev (H200): 3,200 + 6,400 tokens pass 8,192 in
    # the last 22% of the steps (their decode step, 40-50 ms in the model, outlasts the eager dispatch: unchanged)
    for name in ("dstack-h200-deepseek-r1-vllm074dev-tp8-fp8-3200-6400-c128",
                 "dstack-mi300x-deepseek-r1-vllm073dev-tp8-fp8-3200-6400-c128"):
        s = validation.setup(next(c for c in validation.cases() if c.name == name))
        assert s.graph_max_context == 8192
        assert float(load.graph_eager_share(s, 128.0)) == pytest.approx(0.22)


def test_graph_max_context_is_checked():
    with pytest.raises(InputError, match="graph_max_context"):
        _llama(graph_max_context=0)
    with pytest.raises(InputError, match="graph_max_context"):
        _llama(graph_max_context=8192.5)

def test_sglang_dp_attention_halves_the_prefill_chunk():
    # sglang 0.4.3.post2 server_args.py: 'if self.enable_dp_attention: ... self.chunked_prefill_size =
    # self.chunked_prefill_size // 2'; dstack's H200 online runs pass --enable-dp-attention, its offline runs do not
    h200 = data.hardware("H200 SXM")
    default = data.engine_defaults("SGLang 0.4.3.post2", h200)["max_num_tokens"]
    assert default == 8192
    cases = [c for c in validation.cases() if c.engine == "SGLang 0.4.3.post2"]
    adp = [c for c in cases if c.attention_data_parallel]
    assert len(adp) == 9
    for c in cases:
        want = default // 2 if c.attention_data_parallel else default
        assert validation.setup(c).max_num_tokens == want, c.name


def test_a_named_v0_release_reaches_the_answer():
    # calc.serve.serve(engine="vLLM 0.7.3"): its 8,192-token capture length through engines.engine_host, at its own
    # host work; within 8,192 tokens a V0 release's decode step is its graph step
    from calc.serve import serve

    def tpot(engine, prompt, out):
        return serve("Llama 3.1 8B", "H100 SXM5", 1, tensor=1, input_tokens=prompt, output_tokens=out, batch=1,
                     engine=engine).tpot.m_as("s")

    long_graph, long_v0 = tpot(None, 6000, 4000), tpot("vLLM 0.7.3", 6000, 4000)
    assert long_v0 > 1.15 * long_graph
    short_graph, short_v0 = tpot(None, 2000, 2000), tpot("vLLM 0.7.3", 2000, 2000)
    assert short_v0 == pytest.approx(short_graph, rel=0.01)  # the V0 host work per sequence only
