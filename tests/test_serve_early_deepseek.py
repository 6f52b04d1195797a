"""Serving: DeepSeek-R1 on the early-2025 engine builds of dstack's benchmark (dstackai/benchmarks Deepseek-R1), as those
releases ran it from their own source: TensorRT-LLM at 9b931c0f without CUDA graphs (PyTorchConfig use_cuda_graph
False), vLLM 0.7.3.dev (ROCm, 21f6ca217) and 0.7.4.dev (f35f8e22) without chunked prefill under MLA at a budget of
max(max_model_len, 2048), vLLM's and SGLang's experts split by tensor parallelism (no expert parallelism by default);
and the sizes of benchmarks.early_deepseek_paths (paths the model cannot state)."""

from dataclasses import replace

import pytest

from benchmarks import early_deepseek_paths as paths
from calc.architecture import lookup
from calc.serve import load, validation


def _dstack(part: str) -> list:
    return [c for c in validation.cases() if c.name.startswith("dstack-") and part in c.name]


def test_trtllm_rows_run_without_graphs_and_their_step_waits_for_the_host():
    rows = _dstack("trtllm017dev")
    assert len(rows) == 9
    assert all(load.published_engine(c.name).get("eager") for c in rows)
    c4 = next(c for c in rows if c.name.endswith("-c4"))
    s = validation.setup(c4)
    assert s.eager and s.layout.expert == 4  # --ep_size 4, as launched
    eager = load.closed_loop(s, c4.concurrency)["tpot"]
    graphed = load.closed_loop(replace(s, eager=False), c4.concurrency)["tpot"]
    # at 4 clients the host's dispatch of 61 layers outlasts the GPU's step: eager is the longer (dstack measured 55 ms)
    assert eager > 1.5 * graphed


@pytest.mark.parametrize("part, budget", [("mi300x-deepseek-r1-vllm073dev", {"concurrency": 32768, "offline": 32768}),
                                          ("h200-deepseek-r1-vllm074dev", {"concurrency": 163840, "offline": 32768})])
def test_vllm_rows_run_mla_without_chunked_prefill(part, budget):
    rows = _dstack(part)
    assert len(rows) in (18, 24)
    for c in rows:
        s = validation.setup(c)
        assert not s.chunked_prefill, c.name
        # max(max_model_len, 2048): --max-model-len 32768 where given, else DeepSeek-R1's 163,840 positions
        assert s.max_num_tokens == budget[c.scenario], c.name


def test_vllm_and_sglang_rows_hold_experts_split_by_tensor_parallelism():
    for part in ("vllm07", "sglang04"):
        rows = _dstack(part)
        assert len(rows) in (42, 45)
        for c in rows:
            assert c.expert == 1 and validation.setup(c).layout.expert == 1, c.name
    # a release run with whole experts a rank stays as launched (TensorRT-LLM --ep_size 4)
    assert all(c.expert == 4 for c in _dstack("trtllm017dev"))


def test_absorbed_mla_weights_read_more_than_the_plain_ones():
    m = lookup("DeepSeek-R1")
    # W_UV_O alone is heads / 8 x kv_lora x hidden = 16 x 512 x 7168 = 58.7 M bytes a layer a rank in FP8, more than the
    # 14.7 M of W_O it replaces: the extra is positive and scales with the heads a rank holds
    extra8 = paths.absorbed_extra_bytes(m, 8)
    assert extra8 > 61 * (16 * 512 * 7168 - 16 * 128 * 7168) * 0.5
    assert paths.absorbed_extra_bytes(m, 1) == pytest.approx(8 * extra8)


def test_triton_grid_as_the_kernel_launches_it():
    # vLLM 0.7.x on ROCm: 16 heads a rank in one block of 16, 4 splits; SGLang with 128 heads (attention DP): 8 blocks
    assert paths.triton_grid(4, 16, 4) == 16
    assert paths.triton_grid(1, 128, 8) == 64
    assert paths.triton_grid(2, 8, 4) == 8  # fewer heads than the block: one block a sequence and split


def test_sglang_layer_kernels_counted_from_its_code_fall_short_of_the_step_left():
    # SGLang 0.4.3.post2's decode layer on H200, itemized from its code: 64 kernels against a dense layer's 13
    assert sum(paths.SGLANG_043_H200_KERNELS.values()) == 64
    for c in _dstack("h200-deepseek-r1-sglang043p2-tp8-fp8-3200-800-c"):
        s = validation.setup(c)
        left = c.tpot - validation.predict(c).tpot  # s a step the model leaves out
        # the counted kernels beyond the model's, at its 3 us a kernel: 7.9 ms, under a third of what is left
        assert 0.0 < paths.counted_kernels_time(s) < left / 3, c.name
