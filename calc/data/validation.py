"""The step model's tables: its coefficients, the published runs' layouts, calibration and held-out runs,
the validation runs and the per-term measurement tables (matmul, collectives, attention, expert dispatch)."""

from __future__ import annotations

import pint

from calc.data.accelerators import check_known
from calc.data.published_runs import runs
from calc.data.store import cache, data_dir
from calc.data.tables import Row, read_row_table, read_table
from calc.errors import DataError
from calc.vocabulary import RECOMPUTE


@cache
def step_coefficients() -> dict[str, pint.Quantity]:
    """Coefficients of the step-time model, sourced, by name (data/step_coefficients.csv)."""
    return {n: r.quantity("value") for n, r in read_row_table(data_dir() / "step_coefficients.csv").items()}


@cache
def run_layouts() -> dict[str, Row]:
    """Published parallel layouts of runs of data/runs.csv, for the modelled-utilization back-test
    (data/run_layouts.csv), by run name."""
    rows = read_table(data_dir() / "run_layouts.csv", key="run")
    runs_ = {r["name"] for r in runs()}
    for r in rows:
        if r["run"] not in runs_:
            raise DataError(r.path, r.line, "run", f"not a run of data/runs.csv: {r['run']!r}")
        if r["tolerance"] is None or not r["tolerance_reason"]:
            raise DataError(r.path, r.line, "tolerance", "every run needs a tolerance and its reason")
    return {r["run"]: r for r in rows}


@cache
def step_calibration() -> tuple[Row, ...]:
    """Published measured throughputs with their layouts, for the step-time model (data/step_calibration.csv)."""
    rows = tuple(read_table(data_dir() / "step_calibration.csv"))
    for r in rows:
        check_known(r)
        if (r["published_throughput"] is None) == (r["published_step_time"] is None):
            raise DataError(r.path, r.line, "published_throughput", "expected a throughput or a step time (one of them)")
        if r["recompute"] not in RECOMPUTE:
            raise DataError(r.path, r.line, "recompute", f"expected none, selective or full, got {r['recompute']!r}")
    return rows


@cache
def step_heldout() -> tuple[Row, ...]:
    """Published measured throughputs with their layouts that the step-time model was not calibrated
    on, to check it (data/step_heldout.csv)."""
    rows = tuple(read_table(data_dir() / "step_heldout.csv"))
    for r in rows:
        check_known(r)
        if r["recompute"] not in RECOMPUTE:
            raise DataError(r.path, r.line, "recompute", f"expected none, selective or full, got {r['recompute']!r}")
        if not r["shape"] and r["layers"] is None:
            raise DataError(r.path, r.line, "shape", "expected a shape of data/architectures.csv or layers, d_model, heads, vocab")
    return rows


@cache
def hybrid_shapes() -> dict[str, Row]:
    """The Mamba-2 mixer dimensions of the hybrid attention / Mamba stacks the validation rows name
    (data/hybrid_shapes.csv), by model name."""
    rows = read_table(data_dir() / "hybrid_shapes.csv")
    for r in rows:
        if set(r["layer_pattern"]) - set("M*-E"):
            raise DataError(r.path, r.line, "layer_pattern", f"expected M, *, - and E only, got {r['layer_pattern']!r}")
        if r["tied_embeddings"] not in ("true", "false"):
            raise DataError(r.path, r.line, "tied_embeddings", f"expected true or false, got {r['tied_embeddings']!r}")
    return {r["name"]: r for r in rows}


_RECOMPUTE = (None, "none", "selective", "full")

_SHARDING = (None, "zero1", "zero2", "zero3", "fsdp")

_RUN_PRECISIONS = ("bf16", "fp16", "fp8", "mxfp8", "nvfp4", "int8")  # int8: MaxText's AQT quantization=int8

_MEASURED = ("measured_step_time", "measured_tokens_per_second", "measured_model_tflops", "measured_mfu")


def _check_chips(rows, column="chip"):
    for r in rows:
        check_known(r, column, empty=True)


def _check_choice(r, column, allowed):
    if r[column] not in allowed:
        shown = ", ".join(a for a in allowed if a) + (" or empty" if None in allowed else "")
        raise DataError(r.path, r.line, column, f"expected {shown}, got {r[column]!r}")


@cache
def validation_runs() -> tuple[Row, ...]:
    """Published training runs with their layouts and a measured step time, throughput or MFU, none of
    them used to fit the step model (data/validation_runs.csv). ``source_family`` groups a publisher's
    table family (all releases of one benchmark page) for leave-one-source-out validation;
    ``source_id`` names the release within it."""
    rows = tuple(read_table(data_dir() / "validation_runs.csv"))
    _check_chips(rows)
    for r in rows:
        for column in ("source_id", "source_family", "publisher", "model", "framework"):
            if not r[column]:
                raise DataError(r.path, r.line, column, "expected a name, got an empty cell")
        _check_choice(r, "recompute", _RECOMPUTE)
        _check_choice(r, "sharding", _SHARDING)
        _check_choice(r, "precision", _RUN_PRECISIONS)
        if all(r[c] is None for c in _MEASURED):
            raise DataError(r.path, r.line, "measured_tokens_per_second", f"expected one measurement of {', '.join(_MEASURED)}")
        if r["measured_mfu"] is not None and r["measured_mfu"] > 1:
            raise DataError(r.path, r.line, "measured_mfu", f"expected a fraction, got {r['measured_mfu']:g} (a percent?)")
        if r["family"] in ("moe", "hybrid-moe") and (r["experts"] is None or r["experts_per_token"] is None):
            raise DataError(r.path, r.line, "experts", "a mixture-of-experts run needs experts and experts_per_token")
    return rows


def _measurement_table(filename: str, required: tuple[str, ...]) -> tuple[Row, ...]:
    rows = tuple(read_table(data_dir() / filename, key=None))
    for r in rows:
        for column in required:
            if r[column] is None:
                raise DataError(r.path, r.line, column, "expected a value, got an empty cell")
    return rows


@cache
def matmul_efficiency() -> tuple[Row, ...]:
    """Measured GEMM throughput by shape (M, N, K), precision and chip (data/matmul_efficiency.csv)."""
    rows = _measurement_table("matmul_efficiency.csv", ("chip", "precision", "measured_tflops"))
    _check_chips(rows)
    return rows


@cache
def memory_bandwidth() -> tuple[Row, ...]:
    """Measured streaming memory bandwidth by chip and kernel (BabelStream's copy, ...), with the peak it was measured
    against (data/memory_bandwidth.csv)."""
    rows = _measurement_table("memory_bandwidth.csv", ("chip", "kernel", "measured_tbps", "peak_tbps"))
    _check_chips(rows)
    return rows


@cache
def serving_gemm() -> tuple[Row, ...]:
    """Measured times of a dense model's products at the token counts serving runs them (decode's tens to hundreds of
    rows, prefill's thousands), by chip and precision (data/serving_gemm.csv): ``m`` tokens (rows of the result), ``n``
    output features, ``k`` the inner size, ``measured_time`` in s (``calc.serve.terms.measured_products``)."""
    rows = _measurement_table("serving_gemm.csv", ("chip", "precision", "m", "n", "k", "measured_time"))
    _check_chips(rows)
    return rows


@cache
def expert_gemm_shapes() -> tuple[Row, ...]:
    """Measured times of single GEMMs at the shapes of mixture-of-experts models' expert products (GPT-OSS 120B,
    Nemotron 3 Nano, Qwen3 30B-A3B and 235B-A22B, DeepSeek-V3: the grid shapes of the source's table nearest each) at
    2,048 to 32,768 rows, by chip and precision (data/expert_gemm_shapes.csv): ``m`` rows, ``n`` output features, ``k``
    the inner size, ``measured_time`` in s. Read by benchmarks/small_expert_gemms.py, not by the models."""
    rows = _measurement_table("expert_gemm_shapes.csv", ("chip", "precision", "m", "n", "k", "measured_time"))
    _check_chips(rows)
    return rows


@cache
def engine_all_reduce() -> tuple[Row, ...]:
    """Measured times of one serving engine's own tensor-parallel all-reduce inside one NVLink node, by chip, engine,
    release and ranks (data/engine_all_reduce.csv): ``message_size`` bytes of BF16, ``measured_time`` in s, the op as
    the engine runs it in a CUDA graph (TensorRT-LLM's AllReduce at strategy AUTO, vLLM's and SGLang's
    tensor_model_parallel_all_reduce over their one-shot/two-shot custom kernels). Read by
    benchmarks/engine_all_reduce.py, not by the models."""
    rows = _measurement_table("engine_all_reduce.csv", ("chip", "engine", "release", "ranks", "message_size",
                                                         "measured_time"))
    _check_chips(rows)
    return rows


@cache
def serving_moe() -> tuple[Row, ...]:
    """Measured times of one rank's mixture-of-experts layer at decode and prefill token counts (data/serving_moe.csv):
    the engine's fused MoE module (routing of given router logits, permutation, the two grouped GEMMs with the gated
    activation, the combine) over ``tokens`` tokens entering it, for experts of ``hidden`` x ``expert_width``, ``top_k``
    of ``experts``, on ``expert_parallel`` x ``tensor`` ranks, by chip and weight precision; ``measured_time`` in s."""
    rows = _measurement_table("serving_moe.csv", ("chip", "precision", "hidden", "expert_width", "experts", "top_k",
                                                  "tensor", "expert_parallel", "tokens", "measured_time"))
    _check_chips(rows)
    return rows


@cache
def serving_mla() -> tuple[Row, ...]:
    """Measured times of one layer's multi-head latent attention in a decode step (data/serving_mla.csv): ``batch``
    sequences of ``context`` cached tokens, ``heads`` query heads on one chip, the cache in ``kv_precision``;
    ``measured_time`` in s."""
    rows = _measurement_table("serving_mla.csv", ("chip", "kv_precision", "heads", "batch", "context", "measured_time"))
    _check_chips(rows)
    return rows


@cache
def collective_bandwidth() -> tuple[Row, ...]:
    """Measured collective bus bandwidth, and NCCL's own latency and bandwidth constants, by operation,
    message size, ranks and fabric (data/collective_bandwidth.csv)."""
    rows = _measurement_table("collective_bandwidth.csv", ("kind", "operation"))
    _check_chips(rows)
    return rows


@cache
def attention_kernels() -> tuple[Row, ...]:
    """FlashAttention forward/backward throughput by sequence length, head size, causal mask and chip
    (data/attention_kernels.csv)."""
    rows = _measurement_table("attention_kernels.csv", ("kernel", "chip", "sequence", "head_dim"))
    _check_chips(rows)
    for r in rows:
        if r["measured_time"] is None and r["measured_tflops"] is None:
            raise DataError(r.path, r.line, "measured_time", "expected a measured time or a throughput")
    return rows


@cache
def expert_dispatch() -> tuple[Row, ...]:
    """DeepEP's published dispatch and combine bandwidths by kernel, expert-parallel size and fabric
    (data/expert_dispatch.csv)."""
    rows = _measurement_table("expert_dispatch.csv", ("kernel", "operation", "expert_parallel", "bandwidth"))
    _check_chips(rows)
    return rows
