"""Ranges instead of guesses: inputs as distributions, sampled through the one ``calc.estimate``.

A range is written the same way in Python, on the command line and in the app:

    "0.2..0.5"                          log-uniform between the bounds (the default: every
                                        quantity here is positive and multiplicative)
    "uniform:0.2..0.5"                  uniform
    "lognormal:1..3 USD/chip/hour"      lognormal whose 90% interval is [1, 3]
    "triangular:100..300..1000 Gtoken"  triangular with low, mode, high
    "300 Gtoken..3 Ttoken"              each bound may carry its own unit

Samples are drawn with a seeded ``numpy.random.Generator`` and passed to ``calc.estimate`` as
arrays: no per-sample Python loop, no second implementation of the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pint

from calc.errors import InputError, did_you_mean
from calc.estimate import Estimate, estimate
from calc.reader import bounds, check_value
from calc.units import Q_, is_plain_number, parse_quantity, read_number
from calc.vocabulary import BY_NAME, QUANTITIES

KINDS = ("loguniform", "uniform", "lognormal", "triangular")
_Z95 = NormalDist().inv_cdf(0.95)  # a 90% interval spans +-1.645 standard deviations
# Largest sweep grid: a million scenarios take about 30 ms through calc.estimate, and a DataFrame of them
# about 200 MB; beyond that a sweep is a mistake, not a question.
MAX_GRID = 1_000_000
# Largest share of a lognormal above a physical bound that is truncated (with a note) rather than refused.
_MAX_TAIL = 0.01


@dataclass(frozen=True)
class Distribution:
    """An uncertain input: ``kind`` over [low, high] (``mode`` for triangular), in one unit."""

    kind: str
    low: float
    high: float
    unit: str
    mode: float | None = None
    cap: float = math.inf  # physical upper bound in ``unit`` (utilization 1): a lognormal's tail is redrawn below it

    def sample(self, rng: np.random.Generator, n: int) -> pint.Quantity:
        """``n`` draws as a Quantity array; a degenerate range (low == high) is its one value.
        Draws above ``cap`` (only a lognormal's tail can reach it) are redrawn: the distribution
        is truncated there, as ``tail_above_cap`` says."""
        lo, hi = self.low, self.high
        if lo == hi:
            return Q_(lo, self.unit)  # a point: the estimate is then exactly the point estimate
        x = self._draw(rng, n)
        for _ in range(100):  # the tail is at most 1% (parse_range refuses more): this ends at once
            over = x > self.cap
            if not over.any():
                break
            x[over] = self._draw(rng, int(over.sum()))
        return Q_(x, self.unit)

    def tail_above_cap(self) -> float:
        """The share of the untruncated distribution above ``cap`` (0 except for a lognormal)."""
        if self.kind != "lognormal" or not math.isfinite(self.cap) or self.low == self.high:
            return 0.0
        mu, sigma = (math.log(self.low) + math.log(self.high)) / 2, (math.log(self.high) - math.log(self.low)) / (2 * _Z95)
        if sigma == 0:  # ends a few ulps apart, equal in logs: a point, none of it above cap (low <= cap)
            return 0.0
        return 1 - NormalDist(mu, sigma).cdf(math.log(self.cap))

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        lo, hi = self.low, self.high
        if self.kind == "loguniform":
            x = np.exp(rng.uniform(math.log(lo), math.log(hi), n))
        elif self.kind == "uniform":
            x = rng.uniform(lo, hi, n)
        elif self.kind == "lognormal":
            mu, sigma = (math.log(lo) + math.log(hi)) / 2, (math.log(hi) - math.log(lo)) / (2 * _Z95)
            x = rng.lognormal(mu, sigma, n)
        else:
            x = rng.triangular(lo, self.mode, hi, n)
        return x

    def quantile(self, p: float) -> pint.Quantity:
        """The ``p`` quantile (0 <= p <= 1) of the distribution as ``sample`` draws it, in closed form (used
        for the sensitivity analysis). A lognormal is truncated at ``cap`` as its draws are; its 0 and 1
        quantiles are the ends of its support (0, and ``cap`` or infinity).

        >>> Distribution("lognormal", 1.0, 3.0, "").quantile(0).magnitude
        0.0
        """
        try:
            ok = not isinstance(p, bool) and 0 <= float(p) <= 1
        except (TypeError, ValueError, OverflowError):
            ok = False
        if not ok:
            raise InputError("p", f"expected a probability between 0 and 1, got {p!r:.40}")
        p = float(p)
        lo, hi = self.low, self.high
        if lo == hi:
            return Q_(lo, self.unit)
        if self.kind in ("loguniform", "uniform"):  # within [lo, hi] whatever the rounding: hi at p = 1, exactly
            x = lo * (hi / lo) ** p if self.kind == "loguniform" else lo + p * (hi - lo)
            x = min(max(x, lo), hi)
        elif self.kind == "lognormal":
            mu, sigma = (math.log(lo) + math.log(hi)) / 2, (math.log(hi) - math.log(lo)) / (2 * _Z95)
            p *= 1 - self.tail_above_cap()  # the draws above cap are redrawn: the quantiles of what is left
            x = 0.0 if p == 0 else self.cap if p >= 1 - self.tail_above_cap() and math.isfinite(self.cap) else (
                math.inf if p == 1 else math.exp(mu + sigma * _normal_ppf(p)))
            x = min(x, self.cap)  # exp's rounding a ulp past cap, where no draw lies (draws above it are redrawn)
        else:
            c = (self.mode - lo) / (hi - lo)
            x = lo + math.sqrt(p * (hi - lo) * (self.mode - lo)) if p < c else hi - math.sqrt((1 - p) * (hi - lo) * (hi - self.mode))
        return Q_(x, self.unit)


def _normal_ppf(p: float) -> float:
    return NormalDist().inv_cdf(p)


def parse_range(text: str, field: str) -> Distribution | None:
    """A range string as a Distribution of ``field``'s dimension, or None if ``text`` is a plain value."""
    if not isinstance(text, str) or ".." not in text:
        return None
    kind = "loguniform"
    body = text.strip()
    if ":" in body.split("..")[0]:
        kind, _, body = body.partition(":")
        kind = kind.strip().lower()
        if kind not in KINDS:
            raise InputError(field, f"unknown distribution {kind[:20]!r}; expected one of {', '.join(KINDS)}"
                                    f"{did_you_mean(kind, KINDS)}")
    parts = [p.strip() for p in body.split("..")]
    want = 3 if kind == "triangular" else 2
    if len(parts) != want or not all(parts):
        shape = "low..mode..high" if kind == "triangular" else "low..high"
        raise InputError(field, f"expected a range {shape}, got {text[:60]!r}")
    term = BY_NAME.get(field)
    if term is None or term.unit is None:
        raise InputError(field, "only quantities can be given as ranges")
    last = parse_quantity(parts[-1], field, term.unit, bare_ok=term.bare_ok)
    unit = f"{last.units:~C}" if not last.dimensionless or term.unit == "" else term.unit
    values = []
    for p in parts:
        if is_plain_number(p):  # "1..3 USD/chip/hour": a bare bound takes the last bound's unit
            q = Q_(read_number(p, field)[0], last.units)
        else:
            q = parse_quantity(p, field, term.unit, bare_ok=term.bare_ok)
        m = float(q.m_as(last.units))
        if not math.isfinite(m):
            raise InputError(field, f"expected finite bounds, got {p!r}")
        if m <= 0:
            raise InputError(field, f"expected positive bounds, got {p!r}")
        values.append(m)
    lo, hi = values[0], values[-1]
    if lo > hi:
        raise InputError(field, f"the range's low bound is above its high bound ({parts[0]} > {parts[-1]})")
    mode = values[1] if kind == "triangular" else None
    if mode is not None and not lo <= mode <= hi:
        raise InputError(field, f"the mode {parts[1]} is outside [{parts[0]}, {parts[-1]}]")
    for m in (lo, hi):
        check_value(field, Q_(m, last.units))  # the rule of every door: utilization <= 1, PUE in [1, 3]...
    cap = bounds(field)[1]
    if math.isfinite(cap) and term.unit == "":
        cap /= float(Q_(1, last.units).m_as(""))
    d = Distribution(kind, lo, hi, unit, mode, cap)
    tail = d.tail_above_cap()
    if tail > _MAX_TAIL:
        raise InputError(field, f"a lognormal {parts[0]}..{parts[-1]} puts {tail:.1%} of its draws above "
                                f"{_bound(d)}, the most {field} can be; give uniform: or loguniform, or a lower high bound")
    return d


def _bound(d: Distribution) -> str:
    return f"{d.cap:g} {d.unit}".strip()



@dataclass(frozen=True)
class Simulation:
    """The outcome of pushing sampled inputs through ``calc.estimate``."""

    estimate: Estimate  # every quantity as an array of samples (or a scalar if certain)
    ranges: dict  # input name -> Distribution
    fixed: dict  # the certain inputs
    samples: int
    seed: int
    notes: tuple = ()  # what the sampling did that a reader should know (a truncated tail)

    def interval(self, name: str, level: float = 0.9) -> tuple[pint.Quantity, pint.Quantity, pint.Quantity]:
        """(low, median, high) of ``name``: the central ``level`` interval and the median. A quantity the
        inputs leave undetermined raises ``calc.Undetermined`` (an InputError) saying what would determine it."""
        try:
            ok = not isinstance(level, bool) and 0 <= float(level) <= 1
        except (TypeError, ValueError, OverflowError):
            ok = False
        if not ok:
            raise InputError("level", f"expected a probability between 0 and 1 (0.9 for 90%), got {level!r:.40}")
        q = self.estimate[name].value
        m = np.asarray(q.magnitude, dtype=float)
        a = (1 - level) / 2
        lo, mid, hi = (float(x) for x in np.quantile(m, [a, 0.5, 1 - a])) if m.ndim else (float(m),) * 3
        return Q_(lo, q.units), Q_(mid, q.units), Q_(hi, q.units)

    def sensitivity(self, output: str) -> list[tuple[str, pint.Quantity, pint.Quantity]]:
        """Tornado data: ``output`` when each uncertain input alone moves from its 5% to its 95%
        quantile, the others held at their medians; widest first."""
        medians = {k: d.quantile(0.5) for k, d in self.ranges.items()}
        rows = []
        for name, d in self.ranges.items():
            swing = Q_(np.array([d.quantile(0.05).magnitude, d.quantile(0.95).magnitude]), d.unit)
            est = estimate(**{**self.fixed, **medians, name: swing})
            if output not in est:
                continue
            lo, hi = np.broadcast_to(est[output].value.magnitude, (2,))  # an input the output ignores: no swing
            u = est[output].value.units
            rows.append((name, Q_(float(min(lo, hi)), u), Q_(float(max(lo, hi)), u)))
        return sorted(rows, key=lambda r: -abs(math.log(r[2].magnitude / r[1].magnitude)))


def simulate(*, samples: int = 10_000, seed: int = 0, **known) -> Simulation:
    """Sample every range among ``known`` and run the estimate on the samples.

    Parameters
    ----------
    samples : int
        Number of draws (1 to 10,000,000).
    seed : int
        Seed of the ``numpy.random.Generator``; the same seed gives the same result.
    **known
        As for ``calc.estimate``; any quantity may instead be a range string (module docstring)
        or a ``Distribution``.

    Examples
    --------
    >>> sim = simulate(compute="3.14e23 FLOP", hardware="V100 SXM2", chips=10_000, utilization="0.2..0.5")
    >>> low, mid, high = sim.interval("duration")
    >>> round(mid.m_as("day"), 1)
    9.2
    """
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or not 1 <= samples <= 10_000_000:
        raise InputError("samples", f"expected a whole number from 1 to 10,000,000, got {samples!r:.40}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise InputError("seed", f"expected a whole number from 0 to 2^63 - 1, got {seed!r:.40}")
    ranges, fixed = {}, {}
    for name, value in known.items():
        d = value if isinstance(value, Distribution) else parse_range(value, name) if name in QUANTITIES else None
        if d is None:
            fixed[name] = value
        else:
            ranges[name] = d
    rng = np.random.default_rng(seed)
    drawn = {name: d.sample(rng, samples) for name, d in ranges.items()}
    notes = tuple(f"{name}: the lognormal's tail above {_bound(d)} ({100 * d.tail_above_cap():.2g}% of it) is "
                  f"redrawn below {_bound(d)}, the most {name} can be" for name, d in ranges.items() if d.tail_above_cap() > 0)
    return Simulation(estimate(**fixed, **drawn), ranges, fixed, samples, seed, notes)


def sweep(over: dict, **known):
    """A grid over one or two inputs, as a pandas DataFrame with the unit in each column name.

    Parameters
    ----------
    over : dict
        Input name -> sequence of values (numbers in the canonical unit, or a Quantity array).
    **known
        The other inputs, as for ``calc.estimate``.

    Examples
    --------
    >>> df = sweep({"chips": [512, 1024], "utilization": [0.3, 0.5]}, params=7e9, tokens=2e12, hardware="H100 SXM5")
    >>> list(df.columns)[:3]
    ['chips [chip]', 'utilization', 'params [param]']
    """
    import pandas as pd

    if not isinstance(over, dict) or not 1 <= len(over) <= 2:
        raise InputError("over", f"expected a dict of one or two inputs to sweep, got {over!r:.60}")
    axes = []
    for name, values in over.items():
        term = BY_NAME.get(name)
        if term is None or term.unit is None:
            swept = [n for n, t in BY_NAME.items() if t.unit is not None]
            raise InputError(str(name), "only quantities of the vocabulary can be swept"
                                        + (did_you_mean(str(name), swept) or f": {', '.join(swept)}"))
        if name in known:
            raise InputError(name, "is both swept and given; give it in one place")
        if isinstance(values, (list, tuple)) and any(isinstance(v, (str, pint.Quantity)) for v in values):
            values = Q_([parse_quantity(v, name, term.unit, bare_ok=term.bare_ok).m_as(term.unit) for v in values],
                        term.unit)  # "1 kchip", Q_(2, "day"): each read, then one array in the canonical unit
        try:
            shape_ok = not isinstance(values, str) and np.ndim(values) == 1 and len(values) > 0
        except (TypeError, ValueError):
            shape_ok = False
        if not shape_ok:
            raise InputError(name, f"expected a non-empty sequence of values to sweep, got {values!r:.60}")
        q = parse_quantity(values, name, term.unit, bare_ok=term.bare_ok)  # bare numbers: the one rule
        check_value(name, q)
        axes.append((name, q))
    size = math.prod(np.size(q.magnitude) for _, q in axes)
    if size > MAX_GRID:
        raise InputError(next(iter(over)), f"a grid of {size:,} points is more than {MAX_GRID:,}; sweep fewer values")
    grids = np.meshgrid(*[q.magnitude for _, q in axes], indexing="ij")
    inputs = {name: Q_(g.ravel(), q.units) for (name, q), g in zip(axes, grids)}
    est = estimate(**known, **inputs)
    n = grids[0].size
    columns = {}
    for name in [*over, *(k for k in est.items if k not in over)]:
        item = est[name]
        unit = BY_NAME[name].unit
        label = f"{name} [{unit}]" if unit else name
        columns[label] = np.broadcast_to(np.asarray(item.value.magnitude, dtype=float), (n,))
    return pd.DataFrame(columns)
