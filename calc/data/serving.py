"""The serving model's tables: its coefficients, the published serving measurements it is calibrated on,
those it is held to afterwards (published from 2025 on, never fitted), and the published latency tails
(p99 against mean) that turn a p99 limit into a limit on the modelled means."""

from __future__ import annotations

import functools

import pint

from calc.data.accelerators import check_known
from calc.data.store import cache, data_dir
from calc.data.tables import Row, read_row_table, read_table
from calc.errors import DataError


@cache
def serving_coefficients() -> dict[str, pint.Quantity]:
    """Coefficients of the serving model, sourced, by name (data/serving_coefficients.csv)."""
    return {n: r.quantity("value") for n, r in read_row_table(data_dir() / "serving_coefficients.csv").items()}


@cache
def serving_calibration() -> tuple[Row, ...]:
    """Published serving measurements from before 2025 with their setups (data/serving_calibration.csv)."""
    rows = tuple(read_table(data_dir() / "serving_calibration.csv"))
    for r in rows:
        check_known(r)
        if r["date"] is None or r["date"].year >= 2025:
            raise DataError(r.path, r.line, "date", "calibration rows are published before 2025 (later ones are the test)")
    return rows


@cache
def serving_validation() -> tuple[Row, ...]:
    """Published serving measurements from 2025 on (data/serving_validation.csv): the held-out test of the serving
    model, never used to set a coefficient. A row may name a chip or model the calculator does not know
    (``calc.serve.validation`` refuses it by class); its date must be 2025 or later, and no row repeats a
    calibration row's name."""
    rows = tuple(read_table(data_dir() / "serving_validation.csv"))
    calibration = {r["name"] for r in serving_calibration()}
    for r in rows:
        if r["date"] is None or r["date"].year < 2025:
            raise DataError(r.path, r.line, "date", "held-out rows are published from 2025 on (earlier ones calibrate)")
        if r["name"] in calibration:
            raise DataError(r.path, r.line, "name", f"{r['name']!r} is a calibration row (data/serving_calibration.csv)")
    return rows


@cache
def latency_percentiles() -> tuple[Row, ...]:
    """Published mean and p99 TTFT and TPOT of served loads from before 2025 (data/latency_percentiles.csv)."""
    rows = tuple(read_table(data_dir() / "latency_percentiles.csv"))
    for r in rows:
        check_known(r)
        if r["date"] is None or r["date"].year >= 2025:
            raise DataError(r.path, r.line, "date", "latency tails are taken from runs published before 2025 "
                                                    "(later ones are the test)")
        for x in ("ttft", "tpot"):
            if r[f"{x}_p99"] < r[f"{x}_mean"]:
                raise DataError(r.path, r.line, f"{x}_p99", f"a p99 below the mean ({r[f'{x}_p99']:g} < "
                                                            f"{r[f'{x}_mean']:g} s): the columns are swapped?")
    return rows


def _by_published_run(name: str) -> tuple:
    """The rows of data/``name``, each checked to name a published run: a row of data/serving_calibration.csv or
    data/serving_validation.csv (a stray name is reported by file, row and column)."""
    rows = tuple(read_table(data_dir() / name))
    named = {r["name"] for r in serving_calibration()} | {r["name"] for r in serving_validation()}
    for r in rows:
        if r["name"] not in named:
            raise DataError(r.path, r.line, "name", f"{r['name']!r} is no row of data/serving_calibration.csv or "
                                                    "data/serving_validation.csv")
    return rows


@cache
def serving_engine_settings() -> dict[str, dict]:
    """The engine's scheduler settings of published serving runs, by the run's name in data/serving_calibration.csv or
    data/serving_validation.csv (data/serving_engine_settings.csv), as the run's own configuration states them, as
    ``calc.serve.load.setup``'s keyword arguments: ``scheduler_steps`` (int: decode steps per scheduler run, vLLM's
    num_scheduler_steps), ``chunked_prefill`` (bool: whether prompts ride in decode steps), and where the row states
    them ``max_batch_size`` (int: sequences the engine batches, per pipeline micro-batch: TensorRT-LLM's
    max_batch_size, vLLM's max_num_seqs), ``max_num_tokens`` (int: tokens a step carries, decode and prompt chunks:
    TensorRT-LLM's max_num_tokens, vLLM's max_num_batched_tokens) and ``kv_memory_fraction`` (float: the share of
    the memory left after the weights the KV cache takes: TensorRT-LLM's kv_cache_free_gpu_mem_fraction). A run not
    listed runs one step per scheduler run with its prompts riding in decode steps, at the engine's defaults."""
    rows = _by_published_run("serving_engine_settings.csv")
    for r in rows:
        if r["kv_memory_fraction"] is not None and not 0 < r["kv_memory_fraction"] <= 1:
            raise DataError(r.path, r.line, "kv_memory_fraction",
                            f"expected a share of the free memory in (0, 1], read {r['kv_memory_fraction']:g}")
    out = {}
    for r in rows:
        s = {"scheduler_steps": int(r["scheduler_steps"]), "chunked_prefill": r.flag("chunked_prefill")}
        for c, cast in (("max_batch_size", int), ("max_num_tokens", int), ("kv_memory_fraction", float)):
            if r[c] is not None:
                s[c] = cast(r[c])
        out[r["name"]] = s
    return out


@cache
def serving_host_overlap() -> dict[str, bool]:
    """Whether a published serving run's engine ran its host work per step beside the GPU's next step, where the run
    set it otherwise than its engine's default (data/serving_host.csv's ``overlap``), by the run's name in
    data/serving_calibration.csv or data/serving_validation.csv (data/serving_host_overlap.csv: vLLM 0.10 and 0.11
    runs started with --async-scheduling, off by default in those versions), as ``calc.serve.load.setup``'s keyword
    argument ``host_overlap``. A run not listed runs as its engine does by default."""
    return {r["name"]: r.flag("overlap") for r in _by_published_run("serving_host_overlap.csv")}


@cache
def serving_clocks() -> dict[str, float]:
    """The GPU clock (MHz) a published serving run held its chips at, by the run's name in data/serving_calibration.csv
    or data/serving_validation.csv (data/serving_clocks.csv: AMD's harness sets rocm-smi --setperfdeterminism per
    chip and scenario), as ``calc.serve.load.setup``'s keyword argument ``clock``. A run not listed runs at the clock
    its chip settles at."""
    return {r["name"]: float(r["clock_mhz"]) for r in _by_published_run("serving_clocks.csv")}


@cache
def serving_adp_balance() -> dict[str, dict]:
    """The attention-data-parallel balance of a published serving run's engine, by the run's name in
    data/serving_calibration.csv or data/serving_validation.csv (data/serving_adp_balance.csv: NVIDIA's MLPerf v5.1
    harness sets TensorRT-LLM's attention_dp_config per system and scenario), as ``calc.serve.load.setup``'s keyword
    arguments ``adp_timeout_iters`` and ``adp_batching_wait_iters`` (ints: iterations). A run not listed schedules its
    prompts as they come (the engine's default: balance off)."""
    rows = _by_published_run("serving_adp_balance.csv")
    out = {}
    for r in rows:
        for c in ("timeout_iters", "batching_wait_iters"):
            if r[c] is None or r[c] < 0 or r[c] != int(r[c]):
                raise DataError(r.path, r.line, c, f"expected a whole number of iterations, read {r[c]!r:.40}")
        out[r["name"]] = {"adp_timeout_iters": int(r["timeout_iters"]),
                          "adp_batching_wait_iters": int(r["batching_wait_iters"])}
    return out


MEASUREMENT_MODES = ("time_windows", "request_count")


@cache
def serving_measurement() -> dict[str, dict]:
    """How a published closed-loop serving run's client measured it, by the run's name in data/serving_calibration.csv
    or data/serving_validation.csv (data/serving_measurement.csv: the NIM benchmarking recipe, genai-perf over
    perf_analyzer with --measurement-interval), as a dict: ``tool`` (str), ``mode`` (one of ``MEASUREMENT_MODES``),
    ``interval`` (float, s: perf_analyzer's --measurement-interval; each window lasts 1.2 times it,
    src/inference_profiler.cc), ``stability_windows`` (int: the last windows whose throughput and mean request
    latency must agree), ``stability_threshold`` (float: their largest over their least, less 1), ``max_windows``
    (int: windows measured at most), ``streaming`` and ``fixed_output`` (bool: responses streamed; every output of
    the stated length, ignore_eos). Read by the diagnostics (benchmarks.closed_loop_replay), not by the model. A run
    not listed: its client's measurement is not stated by any source at hand."""
    rows = _by_published_run("serving_measurement.csv")
    out = {}
    for r in rows:
        if r["mode"] not in MEASUREMENT_MODES:
            raise DataError(r.path, r.line, "mode", f"expected one of {', '.join(MEASUREMENT_MODES)}, "
                                                    f"read {r['mode']!r:.40}")
        for c in ("stability_windows", "max_windows"):
            if r[c] is None or r[c] < 1 or r[c] != int(r[c]):
                raise DataError(r.path, r.line, c, f"expected a whole number of windows, read {r[c]!r:.40}")
        if r["stability_windows"] > r["max_windows"]:
            raise DataError(r.path, r.line, "stability_windows",
                            f"expected at most max_windows ({r['max_windows']:g}), read {r['stability_windows']:g}")
        out[r["name"]] = {"tool": r["tool"], "mode": r["mode"], "interval": float(r["interval"]),
                          "stability_windows": int(r["stability_windows"]),
                          "stability_threshold": float(r["stability_threshold"]), "max_windows": int(r["max_windows"]),
                          "streaming": r.flag("streaming"), "fixed_output": r.flag("fixed_output")}
    return out


@cache
def serving_graph_padding() -> dict[str, tuple[int, ...]]:
    """The decode batch sizes a published serving run's engine captured CUDA graphs at and padded a step's batch up to,
    by the run's name in data/serving_calibration.csv or data/serving_validation.csv (data/serving_graph_padding.csv:
    TensorRT-LLM's cuda_graph_batch_sizes with cuda_graph_padding_enabled, as NVIDIA's MLPerf v5.1 harness and the
    DeepSeek-R1 blog's extra options set them), ascending, as ``calc.serve.load.setup``'s keyword argument
    ``graph_batch_sizes``. A run not listed is taken to run its steps at their own batch (no padding counted)."""
    out = {}
    for r in _by_published_run("serving_graph_padding.csv"):
        cells = (r["batch_sizes"] or "").split(";")
        if not all(c.strip().isdigit() and int(c) > 0 for c in cells):
            raise DataError(r.path, r.line, "batch_sizes", f"expected whole batch sizes > 0 separated by ';', read "
                                                           f"{r['batch_sizes']!r:.60}")
        sizes = tuple(int(c) for c in cells)
        if list(sizes) != sorted(set(sizes)):
            raise DataError(r.path, r.line, "batch_sizes", f"expected distinct sizes in ascending order, read "
                                                           f"{r['batch_sizes']!r:.60}")
        out[r["name"]] = sizes
    return out


@cache
def serving_expert_load() -> dict[tuple[int, int, int, int], dict]:
    """The measured spread of the routed tokens over the expert-parallel ranks of a router, by the router's shape
    (routed experts, experts a token, expert groups, groups a token; data/serving_expert_load.csv: TensorRT-LLM tech
    blog 4's load statistics of DeepSeek-R1 at 32 ranks without a load balancer): ``ranks`` (int: the ranks measured)
    and ``cv`` (the standard deviation of a rank's tokens over their mean, averaged over the MoE layers). A router not
    listed is taken as balanced."""
    out = {}
    for r in read_table(data_dir() / "serving_expert_load.csv"):
        if r.flag("eplb"):
            raise DataError(r.path, r.line, "eplb", "expected false (the spread without a load balancer), read true")
        key = tuple(int(r[c]) for c in ("experts", "top_k", "groups", "groups_per_token"))
        ranks = int(r["ranks"])
        if ranks < 2 or r["experts"] % ranks:
            raise DataError(r.path, r.line, "ranks", f"expected a number of ranks > 1 that divides the {r['experts']:g} "
                                                     f"experts, read {r['ranks']:g}")
        out[key] = {"ranks": ranks, "cv": float(r["std_tokens"] / r["mean_tokens"])}
    return out


DISPATCH_POLICIES = ("round_robin",)


@cache
def serving_dispatch() -> dict[str, str]:
    """How a published serving run's harness dealt the requests it was issued to the model's replicas, where it dealt
    them in turn, by the run's name in data/serving_calibration.csv or data/serving_validation.csv
    (data/serving_dispatch.csv: NVIDIA's MLPerf v5.1 harness, round robin in the Interactive scenario), as
    ``calc.serve.load.setup``'s keyword argument ``dispatch``. A run not listed has each replica's arrivals taken as
    random (Poisson): one replica, or a dispatch that no source at hand states."""
    rows = _by_published_run("serving_dispatch.csv")
    for r in rows:
        if r["policy"] not in DISPATCH_POLICIES:
            raise DataError(r.path, r.line, "policy", f"expected one of {', '.join(DISPATCH_POLICIES)}, "
                                                      f"read {r['policy']!r:.40}")
    return {r["name"]: r["policy"] for r in rows}


@cache
def serving_graph_capture() -> dict[str, int]:
    """The longest sequence (tokens, prompt and output so far) whose decode steps an engine replays from a CUDA graph,
    by the name of an engine release of data/serving_engines.csv (its default) or of a published run of
    data/serving_calibration.csv or data/serving_validation.csv (the run's own setting), from
    data/serving_graph_capture.csv: vLLM's V0 engine replays a graph only for a decode step whose longest sequence is
    within max_seq_len_to_capture (ModelInputForGPUBuilder._use_captured_graph; 8,192 by default, --max-seq-len-to-capture),
    and runs a step with a longer one eagerly. As ``calc.serve.load.setup``'s keyword argument ``graph_max_context``;
    an engine or run not listed is taken to capture its decode steps whatever their length."""
    rows = tuple(read_table(data_dir() / "serving_graph_capture.csv"))
    named = ({r["name"] for r in serving_calibration()} | {r["name"] for r in serving_validation()}
             | set(serving_engines()))
    out = {}
    for r in rows:
        if r["name"] not in named:
            raise DataError(r.path, r.line, "name", f"{r['name']!r} is no engine of data/serving_engines.csv nor row of "
                                                    "data/serving_calibration.csv or data/serving_validation.csv")
        value = r["max_seq_len_to_capture"]
        if value is None or float(value) != int(value) or int(value) <= 0:
            raise DataError(r.path, r.line, "max_seq_len_to_capture", f"expected a whole number of tokens > 0, read "
                                                                      f"{value!r:.40}")
        out[r["name"]] = int(value)
    return out


@cache
def serving_graphs() -> frozenset[str]:
    """The published serving runs whose engine ran without CUDA or HIP graphs (eager PyTorch: vLLM's enforce_eager), by
    the run's name in data/serving_calibration.csv or data/serving_validation.csv (data/serving_graphs.csv: AMD's
    MLPerf harnesses set enforce_eager True), as ``calc.serve.load.setup``'s keyword argument ``eager``. A run not
    listed captures its decode steps in graphs, as vLLM, SGLang and TensorRT-LLM do by default."""
    rows = _by_published_run("serving_graphs.csv")
    for r in rows:
        if r.flag("graphs"):
            raise DataError(r.path, r.line, "graphs", "expected false (only runs without graphs are listed), read true")
    return frozenset(r["name"] for r in rows)


@cache
def serving_engine_vendors() -> dict[str, tuple[str, ...]]:
    """The chip vendors (as data/hardware.csv's ``vendor`` names them) whose chips a serving engine of
    data/serving_host.csv runs on (data/serving_engine_chips.csv: TensorRT-LLM and NIM and vLLM's CUDA builds on
    NVIDIA's, vLLM's ROCm build on AMD's, SGLang on NVIDIA's and AMD's), by the engine's name, in the file's order; an
    engine not listed runs on any chip. A row's ``engine`` is one name or several separated by semicolons, each an
    engine of data/serving_host.csv; an engine on two vendors' chips has a row for each."""
    from calc.data.accelerators import hardware_table

    vendors = {h.vendor for h in hardware_table().values()}
    engines = {e for e, _ in serving_host()}
    out = {}
    for r in read_table(data_dir() / "serving_engine_chips.csv"):
        if r["vendor"] not in vendors:
            raise DataError(r.path, r.line, "vendor", f"expected a vendor of data/hardware.csv ({', '.join(sorted(vendors))}), "
                                                      f"read {r['vendor']!r}")
        for engine in (e.strip() for e in (r["engine"] or "").split(";")):
            if engine not in engines or r["vendor"] in out.get(engine, ()):
                raise DataError(r.path, r.line, "engine", f"{engine!r} is no engine of data/serving_host.csv, or is "
                                                          f"listed twice for {r['vendor']}")
            out[engine] = (*out.get(engine, ()), r["vendor"])
    return out


@cache
def serving_engines() -> dict[str, tuple[dict, ...]]:
    """A serving engine release's own defaults, by the engine's name as data/serving_host.csv names it
    (data/serving_engines.csv, each row from the release's source code at its tag or commit): per tier of chip
    memory, ``chip_memory_from`` (GB/chip, the least memory the row applies from as the runtime reports it,
    ``Hardware.capacity``; 0 for the row that holds on every chip) and ``except_chips`` (chips of data/hardware.csv
    the tier leaves to the one below: vLLM keeps an A100's defaults small whatever its memory), and the settings as
    ``calc.serve.load.setup``'s keyword arguments where the row states them: ``chunked_prefill`` (bool), ``max_batch_size`` (int: vLLM's
    max_num_seqs, TensorRT-LLM's max_batch_size) and ``max_num_tokens`` (int: vLLM's max_num_batched_tokens,
    TensorRT-LLM's max_num_tokens) where the release sets them. The tiers of an engine run from the lowest memory
    up; every engine has a row from 0 and a host row of data/serving_host.csv. ``engine_defaults`` picks a chip's."""
    from calc.data.accelerators import hardware_table

    engines = {e for e, _ in serving_host()}
    chips = set(hardware_table())
    out: dict[str, list] = {}
    for r in read_table(data_dir() / "serving_engines.csv", key=None):
        if r["name"] not in engines:
            raise DataError(r.path, r.line, "name", f"{r['name']!r} has no host row in data/serving_host.csv")
        gb = 0.0 if r["chip_memory_from"] is None else float(r["chip_memory_from"])  # GB/chip, as declared
        skip = tuple(c.strip() for c in (r["except_chips"] or "").split(";") if c.strip())
        for c in skip:
            if c not in chips:
                raise DataError(r.path, r.line, "except_chips", f"{c!r} is no chip of data/hardware.csv")
        tier = {"chip_memory_from": gb, "except_chips": skip,
                "settings": {**({"chunked_prefill": r.flag("chunked_prefill")} if r["chunked_prefill"] is not None else {}),
                             **{c: int(r[c]) for c in ("max_batch_size", "max_num_tokens") if r[c] is not None}}}
        tiers = out.setdefault(r["name"], [])
        if any(t["chip_memory_from"] == gb for t in tiers):
            raise DataError(r.path, r.line, "chip_memory_from", f"{r['name']!r} from {gb:g} GB is listed twice")
        tiers.append(tier)
    for name, tiers in out.items():
        tiers.sort(key=lambda t: t["chip_memory_from"])
        if tiers[0]["chip_memory_from"] != 0:
            raise DataError("data/serving_engines.csv", None, "chip_memory_from",
                            f"{name!r} has no row for every chip (an empty chip_memory_from)")
    return {n: tuple(t) for n, t in out.items()}


def engine_defaults(engine: str, chip) -> dict:
    """The settings ``engine`` (a name of data/serving_engines.csv) takes by default on ``chip`` (a
    ``calc.data.Hardware``): the highest tier of chip memory the chip's ``capacity`` reaches that does not leave it
    out, as ``calc.serve.load.setup``'s keyword arguments, with ``graph_max_context`` where the release replays its
    decode steps from CUDA graphs only up to a sequence length (``serving_graph_capture``: vLLM's V0 engine); {} for an
    engine not listed."""
    if engine not in serving_engines():
        return {}
    from calc.data.accelerators import hardware_table

    if hardware_table().get(chip.name) is chip:  # a chip of data/hardware.csv: its memory read once
        out = dict(_engine_tier(engine, chip.name))
    else:
        out = dict(_tier(engine, chip))
    if engine in serving_graph_capture():
        out["graph_max_context"] = serving_graph_capture()[engine]
    return out


@functools.lru_cache(maxsize=512)
def _engine_tier(engine: str, name: str) -> tuple:
    """``engine_defaults`` for a chip of data/hardware.csv, once per engine and chip (the unit conversion is slow)."""
    from calc.data.accelerators import hardware_table

    return _tier(engine, hardware_table()[name])


def _tier(engine: str, chip) -> tuple:
    """The settings, as (key, value) pairs, of ``engine``'s highest tier that ``chip`` reaches and is not left out of."""
    gb = float(chip.capacity.m_as("GB/chip"))
    fits = [t for t in serving_engines()[engine] if t["chip_memory_from"] <= gb and chip.name not in t["except_chips"]]
    return tuple(fits[-1]["settings"].items()) if fits else ()


@cache
def serving_datasets() -> dict[str, dict]:
    """The spread of a benchmark dataset's request lengths, by the dataset's name (data/serving_datasets.csv: each
    sample's prompt and output tokens as a public per-sample record counts them), as floats: ``samples``,
    ``input_mean`` and ``output_mean`` (tokens), ``output_max`` (tokens, the longest output the benchmark lets
    run), ``input_spread`` and ``output_spread`` (Var / mean^2, the squared coefficients of variation) and
    ``length_covariance`` (Cov(I, O) / (mean I x mean O)). The spreads are relative: they carry to a run whose
    means differ (its model's own outputs), ``calc.serve.load.Setup.in_flight_context``."""
    rows = tuple(read_table(data_dir() / "serving_datasets.csv", positive=False))
    out = {}
    cols = ("samples", "input_mean", "output_mean", "output_max", "input_spread", "output_spread", "length_covariance")
    for r in rows:
        for c in cols:
            if r[c] is None:
                raise DataError(r.path, r.line, c, "expected a number, got an empty cell")
        for c in ("samples", "input_mean", "output_mean", "output_max"):
            if not r[c] > 0:
                raise DataError(r.path, r.line, c, f"expected a positive number, read {r[c]:g}")
        for c in ("input_spread", "output_spread"):
            if r[c] < 0:
                raise DataError(r.path, r.line, c, f"expected a variance over a squared mean (>= 0), read {r[c]:g}")
        if r["length_covariance"] < -1:  # E[I O] >= 0 for lengths, so Cov(I, O) >= -mean I x mean O
            raise DataError(r.path, r.line, "length_covariance",
                            f"expected at least -1 (lengths are not negative), read {r['length_covariance']:g}")
        out[r["name"]] = {c: float(r[c]) for c in cols}
    return out


def _check_dataset(r, known) -> None:
    """Refuse row ``r`` whose ``dataset`` is none of data/serving_datasets.csv's (``known``), by file, row and column."""
    if r["dataset"] not in known:
        raise DataError(r.path, r.line, "dataset", f"{r['dataset']!r} is no dataset of data/serving_datasets.csv "
                                                   f"(known: {', '.join(known)})")


@cache
def serving_round_tpot() -> dict[tuple[str, int], float]:
    """loadgen's mean TPOT over a dataset's samples against the engine's mean step where the engine hands its tokens out
    once a round of n steps, by (dataset, n) (data/serving_round_tpot.csv; the dataset one of
    data/serving_datasets.csv, n >= 2 whole steps): the mean over the samples with two or more output tokens N of
    n ceil((N - 1) / n) / (N - 1), a float >= 1 (``calc.serve.percentiles.per_sample_tpot``)."""
    rows = tuple(read_table(data_dir() / "serving_round_tpot.csv", positive=False, key=None))
    known = serving_datasets()
    out = {}
    for r in rows:
        _check_dataset(r, known)
        n = r["scheduler_steps"]
        if n is None or n < 2 or n != int(n):
            raise DataError(r.path, r.line, "scheduler_steps", f"expected a whole number of steps >= 2, read {n!r:.40}")
        f = r["per_sample_tpot"]
        if f is None or not 1.0 <= f <= n:  # ceil((N - 1) / n) n / (N - 1) lies in [1, n]
            raise DataError(r.path, r.line, "per_sample_tpot", f"expected a number from 1 to {int(n)}, read {f!r:.40}")
        out[(r["dataset"], int(n))] = float(f)
    return out


@cache
def serving_workloads() -> dict[str, dict]:
    """The requests a published serving run sent, by the run's name in data/serving_calibration.csv or
    data/serving_validation.csv (data/serving_workloads.csv): ``dataset``, a dataset of data/serving_datasets.csv
    whose spread of lengths the requests had, and ``requests`` (int or None), the samples the run issued where its log
    states them (MLPerf's Offline: loadgen's generated_samples_per_query, all issued at once). A run not listed sent
    requests of its stated lengths, every one alike (trtllm-bench's tables, NIM's and AMD's)."""
    rows = _by_published_run("serving_workloads.csv")
    known = serving_datasets()
    out = {}
    for r in rows:
        _check_dataset(r, known)
        n = r["requests"]
        if n is not None and not float(n).is_integer():
            raise DataError(r.path, r.line, "requests", f"expected a whole number of requests, read {n:g}")
        out[r["name"]] = {"dataset": r["dataset"], "requests": None if n is None else int(n)}
    return out


@cache
def serving_speculative() -> dict[str, dict]:
    """The speculative decoding of published serving runs, by the run's name in data/serving_calibration.csv or
    data/serving_validation.csv (data/serving_speculative.csv), as ``calc.serve.load.setup``'s keyword arguments:
    ``draft_tokens`` (int >= 1: the draft tokens a step, TensorRT-LLM's num_nextn_predict_layers) and
    ``accepted_tokens`` (float in [1, draft_tokens + 1]: the mean tokens a sequence emits a step, as the source states
    it). A run not listed decodes one token a step."""
    out = {}
    for r in _by_published_run("serving_speculative.csv"):
        k, a = r["draft_tokens"], r["accepted_tokens"]
        if k is None or k < 1:
            raise DataError(r.path, r.line, "draft_tokens", f"expected a whole number >= 1, read {k}")
        if a is None or not 1.0 <= a <= k + 1:
            raise DataError(r.path, r.line, "accepted_tokens", f"expected a number in [1, {int(k) + 1}], read {a}")
        out[r["name"]] = {"draft_tokens": int(k), "accepted_tokens": float(a)}
    return out


HOSTS = ("Grace", "x86")


@cache
def serving_host() -> dict[tuple[str, str], dict]:
    """The engine's host work per sequence in flight and decode step (s), by (engine, host CPU) as published runs name
    their engine in data/serving_calibration.csv and data/serving_validation.csv (data/serving_host.csv, a row's
    ``engine`` one name or several separated by semicolons: the scheduler, the sampler's bookkeeping and
    the responses of each sequence, on the CPU that drives the GPU), with ``overlap`` true where the engine runs that
    work beside the GPU's next step (TensorRT-LLM's overlap scheduler) and ``host_chips``: the chips whose node has that
    host (Grace: GB200), empty for every other chip (x86). As ``calc.serve.load.setup``'s keyword arguments
    ``host_per_sequence`` (s) and ``host_overlap`` (bool)."""
    rows = tuple(read_table(data_dir() / "serving_host.csv"))
    out = {}
    for r in rows:
        if r["host"] not in HOSTS:
            raise DataError(r.path, r.line, "host", f"expected one of {', '.join(HOSTS)}, read {r['host']!r}")
        overlap = r.flag("overlap")
        for engine in (e.strip() for e in (r["engine"] or "").split(";")):
            if not engine or (engine, r["host"]) in out:
                raise DataError(r.path, r.line, "engine", f"{engine!r} on {r['host']} is empty or listed twice")
            out[(engine, r["host"])] = {"chips": tuple(c.strip() for c in (r["host_chips"] or "").split(";") if c.strip()),
                                        "host_per_sequence": float(r["per_sequence"]),
                                        "host_overlap": overlap}
    return out
