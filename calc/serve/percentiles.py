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
"""

from __future__ import annotations

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


__all__ = ["STATISTICS", "p99_over_mean", "statistic", "mean_limits"]
