"""The tail of a served load: how far a p99 time to first token (TTFT) and time per output token (TPOT) lie
above their means, as MLPerf Inference's Server runs publish both.

    ratio_x     median over data/latency_percentiles.csv of p99(x) / mean(x), x = TTFT, TPOT
                (MLPerf Inference v4.0 and v4.1 Server runs, 2024: Poisson arrivals at the highest rate
                whose p99s meet the limits; TTFT 1.5x to 2.4x, TPOT 1.14x to 1.38x)
    p99 limit   the serving model's TTFT and TPOT are steady-state means with no queueing tail: a p99
                limit L holds, as MLPerf's Server and Interactive scenarios judge it, when the mean
                stays within L / ratio_x; the p99 a mean implies is mean x ratio_x

The median, not a fit: seven runs on four chips and two engines, one number per statistic. A load far
below saturation queues less, and its p99 lies closer to the mean; these ratios are those of loads run
at the edge of their limits, as a best layout under limits is.

    per sample  loadgen's mean TPOT is a mean over the samples of each one's (latency - TTFT) / (N - 1), N its
                output tokens; an engine that hands its tokens out once a round of n decode steps (vLLM V0's
                num_scheduler_steps) makes it n ceil((N - 1) / n) / (N - 1) times the mean step for a sample,
                ``per_sample_tpot`` (data/serving_round_tpot.csv over MLPerf's datasets)
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pint

from calc import data
from calc.errors import InputError, did_you_mean
from calc.units import Q_

STATISTICS = ("p99", "mean")  # what a latency limit bounds: MLPerf's p99 (default), or the modelled mean


@lru_cache(maxsize=1)
def _ratios() -> tuple[float, float]:
    rows = data.latency_percentiles()
    return tuple(float(np.median([r[f"{x}_p99"] / r[f"{x}_mean"] for r in rows])) for x in ("ttft", "tpot"))


def p99_over_mean() -> dict[str, pint.Quantity]:
    """p99 over mean of TTFT and TPOT: the median over MLPerf Inference v4.x Server runs.

    .. math:: r_x = \\operatorname{median}_{runs} \\frac{p_{99}(x)}{\\bar{x}}, \\qquad x \\in \\{TTFT, TPOT\\}

    Sources: data/latency_percentiles.csv (mlcommons/inference_results_v4.0 and v4.1, mlperf_log_summary.txt).

    Returns
    -------
    dict with "ttft" and "tpot": dimensionless Quantities

    Examples
    --------
    >>> r = p99_over_mean()
    >>> 1.5 < r["ttft"].m_as("") < 2.4 and 1.1 < r["tpot"].m_as("") < 1.4
    True
    """
    ttft, tpot = _ratios()
    return {"ttft": Q_(ttft, ""), "tpot": Q_(tpot, "")}


def statistic(value) -> str:
    """The statistic a latency limit bounds: "p99" (None: the default, MLPerf's) or "mean"; else a one-line error."""
    if value is None:
        return "p99"
    if not isinstance(value, str) or value.lower() not in STATISTICS:
        raise InputError("limit_statistic", f"expected p99 or mean, got {value!r:.40}{did_you_mean(value, STATISTICS)}")
    return value.lower()


def mean_limits(ttft_max: float | None, tpot_max: float | None, stat: str) -> tuple[float | None, float | None]:
    """The limits on the modelled means (s) that limits on ``stat`` (s) imply."""
    if stat == "mean":
        return ttft_max, tpot_max
    r_ttft, r_tpot = _ratios()
    return (None if ttft_max is None else ttft_max / r_ttft), (None if tpot_max is None else tpot_max / r_tpot)


def per_sample_tpot(scheduler_steps: int, dataset: str | None = None, output_tokens: int | None = None) -> pint.Quantity:
    """The mean TPOT a loadgen summary reports over the engine's mean step time, for an engine that hands a sequence's
    tokens out once a round of n decode steps.

    .. math:: \\frac{\\overline{TPOT}}{\\tau} = E_{N \\ge 2}\\left[\\frac{n \\lceil (N - 1) / n \\rceil}{N - 1}\\right]

    loadgen records each sample's TPOT as (latency - first token latency) / (n_tokens - 1) and its summary's "Mean
    Time to Output Token" is the mean of those over the samples (mlcommons/inference loadgen/logging.cc
    AsyncLog::RecordSampleCompletion, loadgen/results.cc PerformanceSummary::ProcessTokenLatencies), not the mean
    step tau. vLLM's V0 engine under multi-step scheduling (num_scheduler_steps n > 1) returns no output until a round
    of n steps has run: LLMEngine.step skips the scheduler while the round has steps left and appends the round's
    outputs only after its last step (vllm/engine/llm_engine.py, ``_has_remaining_steps``); a prompt without chunked
    prefill runs in a one-step pass (vllm/sequence.py, ``SequenceGroup.init_multi_step_from_lookahead_slots``:
    num_steps 1 for a prefill), whose output is the first token, and its sequence then decodes in whole rounds. So a sample of N tokens
    receives its last N - 1 in ceil((N - 1) / n) rounds of n tau, one that ends within a round still waiting for the
    round's end: its TPOT is tau n ceil((N - 1) / n) / (N - 1), 1 to n times tau, most above tau where N is short.
    Over a dataset the mean is data/serving_round_tpot.csv's (the samples' own output lengths: MLPerf's Llama 2 70B
    set 1.088 at n = 9); for requests alike, of ``output_tokens`` each, it is that of N = output_tokens. One step a
    round (n = 1): 1. No constant: the lengths and n.

    Parameters
    ----------
    scheduler_steps : decode steps a round (n, whole, >= 1)
    dataset : a dataset of data/serving_datasets.csv whose samples the run sent, or None for requests alike
    output_tokens : output tokens of each request where they are alike (>= 2)

    Returns
    -------
    dimensionless Quantity, >= 1

    Examples
    --------
    >>> round(per_sample_tpot(9, "mlperf-llama2-70b").m_as(""), 3)
    1.088
    >>> per_sample_tpot(8, output_tokens=10).m_as("")  # 9 tokens after the first: 2 rounds of 8 steps
    1.7777777777777777
    >>> per_sample_tpot(1, "mlperf-llama2-70b").m_as("")
    1.0
    """
    if isinstance(scheduler_steps, bool) or not isinstance(scheduler_steps, (int, np.integer)) or scheduler_steps < 1:
        raise InputError("scheduler_steps", f"expected a whole number of decode steps >= 1, got {scheduler_steps!r:.40}")
    n = int(scheduler_steps)
    if n == 1:
        return Q_(1.0, "")
    if dataset is not None:
        table = data.serving_round_tpot()
        if (dataset, n) not in table:
            have = sorted({k for k, _ in table})
            raise InputError("dataset", f"expected a dataset with its rounds of {n} steps in data/serving_round_tpot.csv "
                                        f"({', '.join(have)}), got {dataset!r:.60}")
        return Q_(table[(dataset, n)], "")
    if isinstance(output_tokens, bool) or not isinstance(output_tokens, (int, np.integer)) or output_tokens < 2:
        raise InputError("output_tokens", f"expected a whole number of output tokens >= 2 (a TPOT needs two), got "
                                          f"{output_tokens!r:.40}")
    after = int(output_tokens) - 1
    return Q_(n * math.ceil(after / n) / after, "")


__all__ = ["STATISTICS", "p99_over_mean", "statistic", "mean_limits", "per_sample_tpot"]
