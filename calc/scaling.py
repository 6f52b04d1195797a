"""Scaling laws chosen by author-year name, and the compute-optimal split of a budget.

    chinchilla form   L(N, D) = E + A / N^alpha + B / D^beta          [Hoffmann2022] eq. 2
    kaplan form       L(N, D) = ((N_c / N)^(alpha_N / alpha_D) + D_c / D)^alpha_D   [Kaplan2020] eq. 1.5

Constants are in ``data/scaling_laws.csv``: ``hoffmann2022`` (the paper's rounded eq. 10),
``besiroglu2024`` (Epoch's replication), ``kaplan2020``. For a budget C = 6 N D the optimum of
the chinchilla form is closed: N = G (C/6)^(beta/(alpha+beta)), G = (alpha A / (beta B))^(1/(alpha+beta))
[Hoffmann2022] eq. 4; the kaplan form is minimised numerically. Beware: the rounded 2022 constants
give about 87 tokens per parameter at 3.14e23 FLOP, not the famous 20; the replication gives about 19.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import pint

from calc import data
from calc.errors import InputError, nearest
from calc.reader import read_value
from calc.units import Q_


@dataclass(frozen=True)
class Law:
    """One fitted law: its form and constants."""

    name: str
    form: str
    constants: dict
    source: str

    def loss(self, params, tokens):
        """Predicted loss (nats per token) for ``params`` and ``tokens`` (Quantities or arrays of counts)."""
        n = _counts(params, "params", "param")
        d = _counts(tokens, "tokens", "token")
        c = self.constants
        if self.form == "chinchilla":
            return c["E"] + c["A"] / n ** c["alpha"] + c["B"] / d ** c["beta"]
        return ((c["N_c"] / n) ** (c["alpha_N"] / c["alpha_D"]) + c["D_c"] / d) ** c["alpha_D"]


def _counts(q, field, unit):
    """Counts of ``field`` in ``unit``, read and checked as every door reads them (arrays allowed)."""
    m = read_value(field, q, one=False).m_as(unit)
    return np.asarray(m, dtype=float) if np.ndim(m) else float(m)


@cache
def laws() -> dict[str, Law]:
    """Every law of ``data/scaling_laws.csv`` by name."""
    out = {}
    for r in data.scaling_law_rows():
        keys = ("E", "A", "B", "alpha", "beta") if r["form"] == "chinchilla" else ("N_c", "D_c", "alpha_N", "alpha_D")
        if r["form"] not in ("chinchilla", "kaplan"):
            raise data.DataError(r.path, r.line, "form", f"expected chinchilla or kaplan, got {r['form']!r}")
        for k in keys:
            if r[k] is None:
                raise data.DataError(r.path, r.line, k, "expected a number for this form")
        out[r["name"]] = Law(r["name"], r["form"], {k: float(r[k]) for k in keys}, r["source"])
    return out


def law_name(name: str) -> str:
    """The author-year name of a law as data/scaling_laws.csv spells it, from a name typed with capitals or
    spaces ("Hoffmann2022", "hoffmann 2022"; they were refused with "did you mean hoffmann2022?"); an unknown name
    raises as ``law`` does.

    >>> law_name("Hoffmann 2022")
    'hoffmann2022'
    """
    table = laws()
    if isinstance(name, str) and name not in table:
        folded = name.strip().lower().replace(" ", "").replace("-", "").replace("_", "")
        if folded in table:
            return folded
    law(name)  # raises for an unknown name, with the nearest
    return name


def law(name: str) -> Law:
    """A law by author-year name; an unknown name lists the valid ones."""
    table = laws()
    if not isinstance(name, str):
        raise InputError("law", f"expected the name of a scaling law, one of {', '.join(table)}; got {name!r:.40}")
    if name not in table:
        folded = name.strip().lower().replace(" ", "").replace("-", "").replace("_", "")
        if folded in table:  # "Hoffmann2022", "hoffmann 2022": the name, typed as people type it
            return table[folded]
        # a law as people name it: its paper's model ("chinchilla": Hoffmann et al.'s) or its first author ("kaplan")
        word = name.strip().lower().replace(" ", "").replace("-", "")
        common = {"Chinchilla": [t for t in table if table[t].source.lower().startswith("hoffmann")][:1]}
        close = (common["Chinchilla"] if word == "chinchilla" else [t for t in table if word and t.startswith(word)])
        if not close:  # a misspelt common name ('chinchila') is told by that name, as the paper's own model
            close = [f"{common[m][0]} ({m})" if m in common else m
                     for m in nearest(word, [*table, *(c for c in common if common[c])], n=2)]
        raise InputError("law", f"unknown scaling law {name!r}; expected one of {', '.join(table)}"
                         + (f" (did you mean {close[0]}?)" if close else ""))
    return table[name]


@dataclass(frozen=True)
class Optimum:
    """The compute-optimal run for a budget under one law."""

    law: str
    compute: pint.Quantity
    params: pint.Quantity
    tokens: pint.Quantity
    loss: float

    @property
    def tokens_per_param(self) -> float:
        """D / N at the optimum."""
        return float(self.tokens.m_as("token") / self.params.m_as("param"))

    @property
    def warning(self) -> str | None:
        """Said when the budget is far beyond every published run (an extrapolation of the law), else None."""
        from calc.display import number

        flop = float(self.compute.m_as("FLOP"))
        if flop < SMALLEST_FIT:  # "optimal --compute 1" answered 0.599 params, unsaid
            return (f"compute: {number(flop)} FLOP is below every budget the scaling laws were fitted on (from about "
                    f"{number(SMALLEST_FIT)} FLOP, Hoffmann et al. 2022's smallest IsoFLOP profile): they are "
                    "extrapolated there, and their splits mean little")
        top = largest_run()
        ratio = flop / top
        if ratio <= EXTRAPOLATION:
            return None
        return (f"compute: {number(self.compute.m_as('FLOP'))} FLOP is {number(ratio)} times the largest published "
                f"run ({number(top)} FLOP, data/models.csv): the scaling laws, fitted on far smaller runs, are "
                "extrapolated there, and their splits mean little")


EXTRAPOLATION = 100  # a budget beyond 100x the largest published run is an extrapolation worth a word
SMALLEST_FIT = 6e18  # FLOP: [Hoffmann2022] Fig. 3, the smallest IsoFLOP budget fitted; below it, a word too


@cache
def largest_run() -> float:
    """The largest training compute of data/models.csv, in FLOP."""
    return max(m.quantities["compute"].m_as("FLOP") for m in data.models().values() if "compute" in m.quantities)


def compute_optimal(compute, law_name: str = "besiroglu2024") -> Optimum:
    """Params and tokens minimising the loss for ``compute`` = 6 N D.

    Examples
    --------
    >>> round(compute_optimal("3.14e23 FLOP", "hoffmann2022").tokens_per_param)
    87
    >>> round(compute_optimal("3.14e23 FLOP", "besiroglu2024").tokens_per_param)
    19
    """
    c = read_value("compute", compute)
    flop = float(c.m_as("FLOP"))
    lw = law(law_name)
    k = lw.constants
    budget = flop / 6  # N D in param*token: [Kaplan2020] C = 6 N D
    if lw.form == "chinchilla":
        a, b = k["alpha"], k["beta"]
        g = (a * k["A"] / (b * k["B"])) ** (1 / (a + b))
        n = g * budget ** (b / (a + b))
    else:
        grid = np.geomspace(1e3, budget / 1e3, 4001)
        n = float(grid[np.argmin(lw.loss(grid, budget / grid))])
        for _ in range(3):  # refine around the grid's best
            grid = np.geomspace(n / 1.01, n * 1.01, 401)
            n = float(grid[np.argmin(lw.loss(grid, budget / grid))])
    d = budget / n
    with np.errstate(all="ignore"):
        loss = float(lw.loss(n, d)) if n > 0 and d > 0 else math.nan
    if not all(math.isfinite(x) and x > 0 for x in (n, d, loss)):
        raise InputError("compute", f"{law_name} cannot be evaluated at {c:~P}: the optimum comes out beyond what "
                                    "a float holds; the laws were fitted between about 10^18 and 10^26 FLOP")
    return Optimum(law_name, c.to("FLOP"), Q_(n, "param"), Q_(d, "token"), loss)


def allocation(params, tokens, law_name: str = "besiroglu2024") -> dict:
    """How far a run is from compute-optimal: its loss, the optimum's, and the size ratios."""
    n = float(read_value("params", params).m_as("param"))
    d = float(read_value("tokens", tokens).m_as("token"))
    opt = compute_optimal(Q_(6 * n * d, "FLOP"), law_name)
    return {"loss": float(law(law_name).loss(n, d)), "optimal": opt,
            "params_over_optimal": n / opt.params.m_as("param"), "tokens_over_optimal": d / opt.tokens.m_as("token"),
            "tokens_per_param": d / n}
