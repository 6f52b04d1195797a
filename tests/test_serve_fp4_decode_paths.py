"""benchmarks/fp4_decode_paths: the GEMM path each MLPerf v5.1 run's TensorRT engine is built with (read from its
configuration), the decode time a layer each path's runs ask for, and the kernel candidates against AIConfigurator's
tables of their own. A diagnostic: nothing it finds is set in the model."""

import numpy as np
import pytest

from benchmarks import fp4_decode_paths as fp4
from calc.serve import validation


def _case(name: str) -> validation.Case:
    return next(c for c in validation.cases() if c.name == name)


@pytest.mark.parametrize("name, path", [
    ("mlperf51-nvidia-b200-sxm-180gbx8-llama3-1-405b-server", "tensorrt + gemm-allreduce"),
    ("mlperf51-nvidia-b200-sxm-180gbx8-llama3-1-405b-interactive", "tensorrt + gemm-allreduce"),
    ("mlperf51-nvidia-gb200-nvl72-gb200-186gb-aarch64x72-llama3-1-405b-server", "tensorrt + gemm-allreduce"),
    # the one 405B build with gemm_plugin fp4 and no gemm_allreduce_plugin (configs/GB200-NVL72_..x72/Interactive)
    ("mlperf51-nvidia-gb200-nvl72-gb200-186gb-aarch64x72-llama3-1-405b-interactive", "plugin"),
    ("mlperf51-nebius-h200-sxm-141gbx8-llama3-1-405b-server", "fp8"),
    ("mlperf51-nvidia-b200-sxm-180gbx8-llama3-1-8b-server", "tensorrt"),  # no GEMM plugin in any 8B B200 build
    ("mlperf51-b200-llama2-70b-interactive", "plugin"),  # configs/B200-SXM-180GBx8/Interactive: gemm_plugin fp4
    ("mlperf51-b200-llama2-70b-server", "tensorrt"),  # configs/B200-SXM-180GBx8/Server: none
])
def test_the_gemm_path_read_from_each_runs_configuration(name, path):
    assert fp4.gemm_path(_case(name)) == path


def test_offline_runs_and_other_engines_have_no_path_here():
    offline = next(c for c in validation.cases() if c.name.startswith("mlperf51-") and c.scenario == "offline")
    assert fp4.gemm_path(offline) is None
    amd = next(c for c in validation.cases() if c.name.startswith("mlperf51-") and c.hardware == "MI325X"
               and c.scenario == "server")
    assert fp4.gemm_path(amd) is None


def test_the_405b_runs_ask_for_time_only_without_the_fp4_gemm_plugin():
    """The finding (nothing set from it): the 405B builds with TensorRT's FP4 products and the FP4 GemmAllReduce ask
    for 69-124 us a layer a step more than the model, the one with TensorRT-LLM's FP4 GEMM plugin and the H200 FP8
    builds for about none."""
    groups = fp4.by_path(fp4.asked("Llama 3.1 405B"))
    slow = [g for (path, _, _), g in groups.items() if path == "tensorrt + gemm-allreduce"]
    assert slow and all(g["solved"] == g["rows"] for g in slow)
    # one GB300 Server row asks +30 us since GB300 took its own sustained matmul rate (branch gb300share; +69 before)
    assert min(g["min"] for g in slow) > 25e-6 and min(g["median"] for g in slow) > 60e-6
    plugin = groups[("plugin", "Llama 3.1 405B", "interactive")]
    fp8 = groups[("fp8", "Llama 3.1 405B", "server")]
    assert plugin["max"] < 30e-6 and abs(fp8["median"]) < 15e-6
    assert min(g["median"] for g in slow) - max(plugin["max"], fp8["max"]) > 40e-6


def test_every_kernel_table_puts_h200_at_least_as_far_under_its_kernels_as_b200():
    """AIConfigurator's attention, all-reduce and product tables against the model: the H200 model is as far or
    further under each (measured / model), and H200 asks for no decode time, so none of them holds Blackwell's."""
    rows = fp4.kernel_rows()
    for kernel in ("attention", "all-reduce", "products"):
        ratio = {chip: np.median([r["measured"] / r["model"] for r in rows if r["kernel"] == kernel and r["chip"] == chip])
                 for chip in ("B200", "H200")}
        assert ratio["H200"] >= ratio["B200"], kernel
    # the model's attention grows with the context as its reads do: double the cached tokens, double the time
    b200 = {(r["point"], r["version"]): r["model"] for r in rows if r["kernel"] == "attention" and r["chip"] == "B200"}
    assert b200[("16 seq x 16384 tok", "1.2.0rc5")] == pytest.approx(2 * b200[("16 seq x 8192 tok", "1.2.0rc5")],
                                                                     rel=0.02)
