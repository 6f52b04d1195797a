"""The size-quality trade-off at one loss: the demand at which a smaller model breaks even, the critical size,
the compute overhead of a smaller model [DeVries2023], and the curve the app draws."""

from __future__ import annotations

import numpy as np
import pint

from calc.errors import InputError
from calc.lifetime.inputs import _count, _fraction, _loss, quality
from calc.lifetime.solver import DEFAULT_LAW, _few, _shape
from calc.scaling import law as _law
from calc.units import Q_


def break_even(params, *, loss=None, tokens=None, law: str = DEFAULT_LAW) -> pint.Quantity:
    """Inference demand at which a model of ``params`` at the target quality ties the compute-optimal one.

    T* = 3 (N D(N) - N0 D0) / (N0 - N): below it the compute-optimal model's lifetime compute is lower,
    above it the smaller one's. The quality is ``loss``, or that of ``params`` trained on ``tokens``.
    NaN for a model at least as large as the compute-optimal one (it never catches up).

    >>> round(break_even(6.9e9, tokens=1e12, law="devries2023").m_as("Ttoken"), 2)
    0.43
    """
    n = _count(params, "params", "param")
    if tokens is not None:
        target, _, d = quality(params=n, tokens=tokens, law=law)
    elif loss is not None:
        target = _loss(loss)
        shape = _shape(law, target)
        with np.errstate(all="ignore"):
            rest = shape.R - shape.A * np.asarray(n, dtype=float) ** -shape.a
        if np.any(rest <= 0):
            raise InputError("params", f"too small to reach a loss of {_few(target)} under {law} with any number of "
                                       f"tokens: the smallest is {_few(critical_params(target, law).m_as('param'))} "
                                       "parameters")
        d = (shape.B / rest) ** (1 / shape.b)
    else:
        raise InputError("loss", "required: the target quality (a loss, or the run's tokens)")
    shape = _shape(law, target)
    s0 = shape.b / (shape.a + shape.b)
    n0, d0 = shape.params(s0), shape.tokens(s0)
    n, d = np.asarray(n, dtype=float), np.asarray(d, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        tie = np.where(n < n0 * (1 - 1e-9), 3 * (n * d - n0 * d0) / (n0 - n), np.nan)
    return Q_(tie if np.ndim(tie) else float(tie), "token")


def critical_params(loss, law: str = DEFAULT_LAW) -> pint.Quantity:
    """The size below which no amount of training data reaches ``loss``: (A'/R)^(1/a) [DeVries2023].

    >>> round(critical_params(2.0, "hoffmann2022").m_as("Gparam"), 2)
    1.48
    """
    shape = _shape(law, _loss(loss))
    return Q_(shape.params(1.0), "param")


def compute_overhead(size_fraction, law: str = DEFAULT_LAW) -> pint.Quantity:
    """Extra training compute of a model ``size_fraction`` times the compute-optimal size, at the same loss.

    overhead(k) = k (1 - (b/a)(k^-a - 1))^(-1/b) - 1   [DeVries2023], the same at every budget.

    Parameters
    ----------
    size_fraction : float, array or dimensionless Quantity
        k_N = N / N_opt, above the asymptote (1 + a/b)^(-1/a) (about 0.097 under hoffmann2022), where the
        overhead is unbounded.
    law : str
        A scaling law of data/scaling_laws.csv.

    Returns
    -------
    pint.Quantity
        Dimensionless: 0.028 for a model of 75% the size (de Vries: 2.8%).

    Examples
    --------
    >>> round(compute_overhead(0.5).m_as(""), 3)
    0.208
    """
    k = _fraction(size_fraction)
    shape = _shape(law, _floor_plus_one(law))  # the curve does not depend on the loss
    floor = critical_fraction(law)
    if np.any(np.asarray(k) <= floor):
        raise InputError("size_fraction", f"expected more than {floor:.3g} of the compute-optimal size under {law}, "
                                          f"where the overhead is unbounded (no smaller model reaches its loss; de "
                                          f"Vries' 'critical size' near 30% is where it is about 100%), got {_few(k)}")
    a, b = shape.a, shape.b
    with np.errstate(all="ignore"):
        k_d = (1 - (b / a) * (k ** -a - 1)) ** (-1 / b)
    return Q_(k * k_d - 1, "")


def critical_fraction(law: str = DEFAULT_LAW) -> float:
    """The size, as a share of the compute-optimal one, below which no amount of training reaches the loss:
    (1 + a/b)^(-1/a), where [DeVries2023]'s k_D formula diverges (the compute overhead is unbounded). De Vries'
    "critical model size" is a larger one, near 30%, where the overhead is about 100% (``compute_overhead``).

    >>> round(critical_fraction("hoffmann2022"), 3)
    0.097
    """
    shape = _shape(law, _floor_plus_one(law))
    return (1 + shape.a / shape.b) ** (-1 / shape.a)


def _floor_plus_one(law_name):
    lw = _law(law_name)
    return lw.constants.get("E", 0.0) + 1.0


def curve(loss, inference_tokens=0, law: str = DEFAULT_LAW, points: int = 200, upto=None) -> dict:
    """Lifetime compute against model size at one quality (the app's chart): arrays keyed
    ``params``, ``tokens``, ``training_compute``, ``lifetime_compute``, from just above the critical size
    to three times the compute-optimal size, or to ``upto`` [param] when larger (a run given far above the
    optimum, as GPT-3's 175B at about 12 times its compute-optimal size).

    >>> c = curve(2.0, "1e12 token")
    >>> len(c["params"])
    200
    """
    target = _loss(loss)
    if np.ndim(target):
        raise InputError("loss", "expected one loss for a curve")
    demand = _count(inference_tokens, "inference_tokens", "token", zero_ok=True)
    if np.ndim(demand):
        raise InputError("inference_tokens", "expected one demand for a curve")
    shape = _shape(law, target)
    s0 = shape.b / (shape.a + shape.b)
    n0 = shape.params(s0)
    n_min = shape.params(1.0)
    last = 0.0 if upto is None else float(_count(upto, "upto", "param"))
    n = np.geomspace(n_min * 1.02, max(3 * n0, n_min * 10, last), int(points))
    s = shape.share(n)
    d = shape.tokens(s)
    train = 6 * n * d
    return {"params": Q_(n, "param"), "tokens": Q_(d, "token"), "training_compute": Q_(train, "FLOP"),
            "lifetime_compute": Q_(train + 2 * n * demand, "FLOP")}
