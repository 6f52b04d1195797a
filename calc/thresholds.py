"""Which regulatory lines a run or a cluster crosses, by what margin, and what it takes to reach one.

Lines come from ``data/thresholds.csv`` with their jurisdiction, dates and status (a revoked or
vetoed rule is still listed, and says so). A cluster's theoretical peak depends on the number
format it is counted in, so cluster checks report every precision the chip has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pint

from calc import data
from calc.errors import InputError, ScaleError, did_you_mean
from calc.estimate import Estimate, estimate
from calc.reader import read_chips, read_value
from calc.units import Q_, parse_quantity


@dataclass(frozen=True)
class Crossing:
    """A quantity measured against one threshold."""

    threshold: data.Threshold
    measure: str  # "compute", "cost" or "cluster peak (<precision>)"
    value: pint.Quantity
    line: pint.Quantity

    def __post_init__(self):
        v = float(self.value.m_as(self.line.units))
        if not (math.isfinite(v) and math.isfinite(v / float(self.line.magnitude))):  # never "CROSSES infx"
            raise ScaleError(("chips" if self.measure.startswith("cluster") else self.measure,),
                             f"the {self.measure} comes out beyond what a float holds; check the magnitudes given")

    @property
    def ratio(self) -> float:
        """value / line: above 1 crosses."""
        return float((self.value / self.line).m_as(""))

    @property
    def crosses(self) -> bool:
        """Whether the value is above the line: the rules say "greater than" (EO 14110 sec. 4.2(b),
        EU AI Act art. 51(2), SB 53), so a run of exactly 10^26 FLOP does not cross 10^26."""
        return self.ratio > 1


def run_crossings(compute, fine_tuning=None, cost=None, scope: str = "all models") -> list[Crossing]:
    """A training run against every training-compute threshold.

    Parameters
    ----------
    compute : Quantity or str [FLOP]
        Pre-training compute.
    fine_tuning : Quantity or str [FLOP], optional
        Later fine-tuning or modification; added for the rules that count it (California SB 53).
    cost : Quantity or str [USD], optional
        The run's cost, for rules with a cost line too (California SB 1047: both must be crossed).
    scope : str
        What the model is trained on; rules with a narrower scope (the 10^23 line for biological
        sequence data) are checked only when ``scope`` names it.

    Examples
    --------
    >>> [c.threshold.id for c in run_crossings("3.8e25 FLOP") if c.crosses]
    ['eu-ai-act-systemic']
    """
    scopes = {"all models"} | {th.applies_to for th in data.thresholds().values()}
    if scope not in scopes:
        raise InputError("scope", f"expected one of {', '.join(sorted(scopes))}; got {scope!r:.40}"
                                     f"{did_you_mean(scope, scopes)}")
    c = read_value("compute", compute)
    ft = parse_quantity(fine_tuning, "fine_tuning", "FLOP", bare_ok=True) if fine_tuning is not None else Q_(0.0, "FLOP")
    if np.ndim(ft.magnitude) or not 0 <= ft.magnitude < float("inf"):
        raise InputError("fine_tuning", f"expected zero or a positive finite quantity, got {ft:~P}")
    usd = read_value("cost", cost) if cost is not None else None
    out = []
    for t in data.thresholds().values():
        if t.compute is None or t.applies_to not in ("all models", scope):
            continue
        counted = c + ft if "fine-tuning" in t.name else c
        out.append(Crossing(t, "compute", counted.to("FLOP"), t.compute))
        if t.cost is not None and usd is not None:
            out.append(Crossing(t, "cost", usd.to("USD"), t.cost))
    return out


def cluster_crossings(chips, hardware: str) -> list[Crossing]:
    """A cluster's theoretical peak against the cluster thresholds, once per precision the chip has.

    Examples
    --------
    >>> [(c.measure, c.crosses) for c in cluster_crossings(100_000, "H100 SXM5")][:2]
    [('cluster peak (bf16)', False), ('cluster peak (fp16)', False)]
    """
    n = read_chips(chips)
    hw = data.hardware(hardware)
    out = []
    for t in data.thresholds().values():
        if t.cluster_peak is None:
            continue
        for precision, peak in hw.peaks.items():
            out.append(Crossing(t, f"cluster peak ({precision})", (n * peak).to("FLOP/s"), t.cluster_peak))
    return out


def time_to_reach(line, chips, hardware: str, utilization=None, precision: str | None = None,
                  model=None) -> Estimate:
    """The run that puts ``line`` FLOP through a cluster: its duration, chip-hours and (rental) cost.

    With ``model`` (a shape: a name of data/architectures.csv or a ``Transformer``) and no utilization, the
    utilization is the modelled MFU of its fastest layout on the cluster, as ``calc.estimate`` takes it.

    Examples
    --------
    >>> est = time_to_reach("1e26 FLOP", 100_000, "H100 SXM5", utilization=0.4)
    >>> round(est.duration.m_as("day"), 1)
    29.2
    """
    return estimate(compute=read_value("compute", line), chips=read_chips(chips), hardware=hardware,
                    utilization=utilization, precision=precision, utilization_model=model)


def runs_per_budget(budget, cost) -> float:
    """How many runs of ``cost`` a ``budget`` buys (a plain number)."""
    b = parse_quantity(budget, "budget", "USD", bare_ok=True)
    if np.ndim(b.magnitude) or not (0 < b.magnitude < float("inf")):
        raise InputError("budget", f"expected one positive finite amount of money, got {b:~P}")
    c = read_value("cost", cost)
    runs = float((b / c).m_as(""))
    if not 0 < runs < float("inf"):
        raise InputError("budget", f"{b:~P} for runs of {c:~P} is beyond what a float holds")
    return runs
