"""The law at a fixed loss in one form, R = A' N^-a + B' D^-b, and the bisection for the lifetime optimum's
share s (the module docstring of ``calc.lifetime`` derives both)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from calc.errors import InputError
from calc.scaling import law as _law

# The scaling law a lifetime question is asked under when none is named: Chinchilla's published constants
# ([Hoffmann2022] eq. 10), defined here once and read by every function of calc.lifetime, calc.service_life,
# ``calc lifetime --law`` and the Lifetime page (devries2023, the refit of Sardana et al.'s Fig. 1, is one choice)
DEFAULT_LAW = "hoffmann2022"

_HALVINGS = 200  # bisection steps on log(1 - s): the bracket is at most 745 wide, 745 / 2^200 is far below a float's step


@dataclass(frozen=True)
class _Shape:
    """A law at a fixed loss, in the one form R = A N^-a + B D^-b."""

    R: np.ndarray | float
    A: float
    a: float
    B: float
    b: float

    def params(self, s):
        return (self.A / (self.R * s)) ** (1 / self.a)

    def tokens(self, s):
        return (self.B / (self.R * (1 - s))) ** (1 / self.b)

    def share(self, n):
        """s for a model of n parameters."""
        return self.A * n ** -self.a / self.R


def _shape(law_name: str, loss) -> _Shape:
    lw = _law(law_name)
    k = lw.constants
    loss = np.asarray(loss, dtype=float) if np.ndim(loss) else float(loss)
    if lw.form == "chinchilla":
        floor = k["E"]
        if np.any(np.asarray(loss) <= floor):
            raise InputError("loss", f"expected a loss above {law_name}'s irreducible loss E = {floor:g} nats per "
                                     f"token (no model reaches it), got {_few(loss)}")
        return _Shape(loss - floor, k["A"], k["alpha"], k["B"], k["beta"])
    a = k["alpha_N"] / k["alpha_D"]
    return _Shape(loss ** (1 / k["alpha_D"]), k["N_c"] ** a, a, k["D_c"], 1.0)


def _few(x) -> str:
    """Up to three values as an error echoes them: 4 digits, and past them as people read (-2 × 10¹², not -2e+12)."""
    from calc.display import number

    x = np.asarray(x, dtype=float).reshape(-1)
    return ", ".join(f"{v:.4g}" if v == 0 or 1e-3 <= abs(v) < 1e5 else number(v) for v in x[:3]) + (
        " ..." if x.size > 3 else "")


def _root(shape: _Shape, demand):
    """The share s at the lifetime optimum for inference demand T (tokens, >= 0)."""
    s0 = shape.b / (shape.a + shape.b)
    hi = np.full(np.broadcast(shape.R, demand).shape, math.log1p(-s0))  # t = log(1 - s): g(hi) <= 0
    lo = np.full_like(hi, -745.0)  # 1 - s = 5e-324: g > 0 there for any demand a float holds
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        for _ in range(_HALVINGS):
            t = (lo + hi) / 2
            s = -np.expm1(t)
            d = shape.tokens(s)
            g = (shape.a / shape.b) * s / np.exp(t) - 1 - demand / (3 * d)
            up = g > 0  # s too close to 1: the root lies at larger t
            lo = np.where(up, t, lo)
            hi = np.where(up, hi, t)
    s = np.where(np.asarray(demand) == 0, s0, -np.expm1((lo + hi) / 2))  # no demand: exactly compute-optimal
    return s if s.ndim else np.float64(s)  # numpy scalars: 1 / 0 is inf (caught by _finite), not an exception
