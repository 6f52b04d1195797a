"""calc.serve.terms.engine_all_reduce: a serving engine's tensor-parallel all-reduce inside an NVLink node read off its
own measured kernels (data/engine_all_reduce.csv, NVIDIA AIConfigurator's tables), the release it reads, and the
engines that keep the rings (TensorRT-LLM 0.5-0.7's NCCL plugin, NVIDIA's MLPerf TensorRT engines)."""

import numpy as np
import pytest

from calc.errors import InputError
from calc.serve import load, phases, terms

KIB = 1024.0


def test_a_release_reads_its_own_table_else_the_nearest_before_it():
    assert terms.engine_all_reduce("TensorRT-LLM 1.3.0rc20", "H100 SXM5") == ("TensorRT-LLM", "1.3.0rc20")
    assert terms.engine_all_reduce("TensorRT-LLM 1.2", "H200 SXM") == ("TensorRT-LLM", "1.2.0rc5")  # 1.2.0 after rc5
    assert terms.engine_all_reduce("vLLM 0.19.1", "H100 SXM5") == ("vLLM", "0.14.0")
    assert terms.engine_all_reduce("vLLM 0.25.0", "B200") == ("vLLM", "0.24.0")
    assert terms.engine_all_reduce("SGLang 0.5.14", "B200") == ("SGLang", "0.5.14")


def test_an_older_release_reads_the_oldest_table_where_its_custom_all_reduce_runs_by_default():
    assert terms.engine_all_reduce("TensorRT-LLM 0.14.0", "H100 SXM5") == ("TensorRT-LLM", "1.2.0rc5")
    assert terms.engine_all_reduce("TensorRT-LLM 1.2.0rc1 (trtllm-serve)", "H100 SXM5") == ("TensorRT-LLM", "1.2.0rc5")
    assert terms.engine_all_reduce("vLLM 0.11.0", "B200") == ("vLLM", "0.24.0")  # B200's one vLLM table
    assert terms.engine_all_reduce("SGLang 0.4.3.post2", "H200 SXM") == ("SGLang", "0.5.9")
    assert terms.engine_all_reduce("NIM 1.8.0 (TensorRT-LLM)", "H100 SXM5") == ("TensorRT-LLM", "1.2.0rc5")
    assert terms.engine_all_reduce("MLPerf Inference v5.1 (NVIDIA PyTorch backend)", "B200") == ("TensorRT-LLM", "1.2.0rc5")


def test_releases_without_a_default_custom_all_reduce_and_other_engines_keep_the_rings():
    assert terms.engine_all_reduce("TensorRT-LLM 0.5.0", "H100 SXM5") == ()  # build.py's flag off: NCCL's plugin
    assert terms.engine_all_reduce("TensorRT-LLM 0.6.1", "H100 SXM5") == ()
    assert terms.engine_all_reduce("vLLM 0.2.7", "H100 SXM5") == ()  # before PR #2192
    # NVIDIA's MLPerf TensorRT engines (their 405B builds fuse the all-reduce into the products): no release, the rings
    assert terms.engine_all_reduce("MLPerf Inference v5.1 (NVIDIA)", "B200") == ()
    assert terms.engine_all_reduce("TensorRT-LLM (MLPerf Inference v4.0, NVIDIA)", "H100 SXM5") == ()
    assert terms.engine_all_reduce("vLLM 0.9.1 (ROCm)", "MI300X") == ()  # no table on the chip: RCCL's measured
    assert terms.engine_all_reduce(None, "H100 SXM5") == () and terms.engine_all_reduce("", "H100 SXM5") == ()


def test_the_setup_reads_the_table_inside_a_node_and_the_rings_elsewhere():
    kw = dict(tensor=8, precision="fp8", input_tokens=1000, output_tokens=1000)
    rings = load.setup("Llama 3.1 70B", "H100 SXM5", 8, **kw)
    vllm = load.setup("Llama 3.1 70B", "H100 SXM5", 8, **kw, all_reduce_engine="vLLM 0.11.0")
    assert rings.rates.all_reduce_table == () and vllm.rates.all_reduce_table == ("vLLM", "0.14.0")
    size = np.array([16 * KIB, 128 * KIB, 2048 * KIB])
    got = phases.all_reduce_time(vllm.rates, size, 8)
    assert np.allclose(got, terms.engine_all_reduce_time("H100 SXM5", ("vLLM", "0.14.0"), size, 8))
    ring = phases.all_reduce_time(rings.rates, size, 8)
    assert got[0] < 0.8 * ring[0]  # decode's 16 KiB: the engine's one-shot kernel, well under the rings' latency
    # an all-gather, and a group over two nodes, stay on the rings
    assert np.allclose(phases.all_reduce_time(vllm.rates, size, 8, factor=1.0),
                       phases.all_reduce_time(rings.rates, size, 8, factor=1.0))
    assert np.allclose(phases.all_reduce_time(vllm.rates, size, 16), phases.all_reduce_time(rings.rates, size, 16))


def test_mlperf_fused_builds_and_a_setup_without_an_engine_unchanged():
    kw = dict(tensor=4, precision="fp4", kv_precision="fp8", input_tokens=9429, output_tokens=653, fused_all_reduce=True)
    plain = load.setup("Llama 3.1 405B", "B200", 8, **kw)
    mlperf = load.setup("Llama 3.1 405B", "B200", 8, **kw, all_reduce_engine="MLPerf Inference v5.1 (NVIDIA)")
    assert mlperf.rates == plain.rates
    n, r = load.at_rate(plain, 1.9)
    n2, r2 = load.at_rate(mlperf, 1.9)
    assert n == n2 and float(r["ttft"]) == float(r2["ttft"])


def test_interpolates_between_sizes_and_extends_past_the_largest():
    table = ("TensorRT-LLM", "1.3.0rc20")
    t16 = float(terms.engine_all_reduce_time("H100 SXM5", table, 16 * KIB, 8))
    assert t16 == pytest.approx(3.6e-6, rel=0.02)
    small = float(terms.engine_all_reduce_time("H100 SXM5", table, 1.0, 8))
    assert small == float(terms.engine_all_reduce_time("H100 SXM5", table, 256.0, 8))  # the latency floor
    assert terms.engine_all_reduce_time("H100 SXM5", table, 16 * KIB, 3) is None


def test_a_bad_engine_is_refused_by_name():
    with pytest.raises(InputError, match="all_reduce_engine"):
        load.setup("Llama 3.1 8B", "H100 SXM5", 1, all_reduce_engine=3)
