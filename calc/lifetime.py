"""Lifetime compute: the model size that is cheapest over training and serving at one quality.

    minimise   6 N D + 2 N T      subject to   L(N, D) = L*                    [Sardana2023]

N parameters trained on D tokens, then serving T tokens of inference demand (2 N FLOP a token:
the forward pass, [Kaplan2020] sec. 2.1). The quality L* is a loss under a scaling law of
``calc.scaling`` (chosen by author-year name). Both law forms are, at fixed loss, one shape:

    R = A' N^-a + B' D^-b     chinchilla: R = L - E,        A' = A, a = alpha, B' = B, b = beta
                              kaplan:     R = L^(1/alpha_D), A' = N_c^(alpha_N/alpha_D),
                                          a = alpha_N/alpha_D, B' = D_c, b = 1     [Kaplan2020] eq. 1.5

Write s for the parameter term's share of R: N = (A'/(R s))^(1/a), D = (B'/(R (1-s)))^(1/b).
Setting d/dN (6 N D + 2 N T) = 0 gives

    (a/b) s / (1 - s) = 1 + T / (3 D(s))

whose left side rises and right side falls in s: one root, s >= b/(a+b). At T = 0 the root is
s = b/(a+b), the compute-optimal model [Hoffmann2022] eq. 4. It is found by bisection on
log(1 - s) (a fixed 200 halvings, vectorised over arrays of loss and demand).

The dollar version prices training at USD per FLOP and serving at USD per token for a model of a
stated size (a list price, or ``calc.serve``'s cost per token), scaled by N: it is the FLOP problem
with T multiplied by (serving USD per FLOP) / (training USD per FLOP).

The compute overhead of a model k times the compute-optimal size at the same loss [DeVries2023]:

    overhead(k) = k (1 - (b/a)(k^-a - 1))^(-1/b) - 1

the same at every budget; it is unbounded at the critical size k = (1 + a/b)^(-1/a).

References: [Sardana2023] Sardana, Portes, Doubov, Frankle, Beyond Chinchilla-Optimal: Accounting
for Inference in Language Model Scaling Laws (arXiv:2401.00448), Fig. 1; [DeVries2023] H. de Vries,
Go smol or go home (2023), the k_D formula; [Hoffmann2022] and [Kaplan2020] as in ``calc.scaling``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pint

from calc.errors import InputError
from calc.scaling import law as _law
from calc.units import Q_, parse_quantity

TRAIN_FLOP = Q_(6, "FLOP/param/token")  # [Kaplan2020] sec. 2.1: forward 2 + backward 4
SERVE_FLOP = Q_(2, "FLOP/param/token")  # [Kaplan2020] sec. 2.1: the forward pass
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
    x = np.asarray(x, dtype=float).reshape(-1)
    return ", ".join(f"{v:.4g}" for v in x[:3]) + (" ..." if x.size > 3 else "")


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


# --------------------------------------------------------------------------- reading inputs


def _count(value, field: str, unit: str, zero_ok: bool = False):
    q = parse_quantity(value, field, unit, bare_ok=True)
    m = np.asarray(q.m_as(unit), dtype=float)
    if m.size == 0:
        raise InputError(field, "expected a value, got an empty array")
    if not np.all(np.isfinite(m)):
        raise InputError(field, f"expected a finite number of {unit}s, got {_few(m)}")
    if np.any(m < 0) or (not zero_ok and np.any(m == 0)):
        raise InputError(field, f"expected a {'non-negative' if zero_ok else 'positive'} number of {unit}s, got {_few(m)}")
    return m if m.ndim else float(m)


def _price(value, field: str, unit: str, example: str):
    q = parse_quantity(value, field, unit, bare_ok=False)
    m = np.asarray(q.m_as(unit), dtype=float)
    if m.size == 0 or not np.all(np.isfinite(m)) or np.any(m <= 0):
        raise InputError(field, f"expected a positive price such as {example!r}, got {_few(m) if m.size else 'nothing'}")
    return m if m.ndim else float(m)


def _loss(value):
    if isinstance(value, pint.Quantity):
        if not value.dimensionless:
            raise InputError("loss", f"expected a loss in nats per token (a plain number such as 2.0), got {value:~P}")
        value = value.m_as("")
    if isinstance(value, str):
        value = parse_quantity(value, "loss", "", bare_ok=True).m_as("")
    try:
        m = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError("loss", f"expected a loss in nats per token such as 2.0, got {value!r:.40}") from None
    if m.size == 0 or not np.all(np.isfinite(m)):
        raise InputError("loss", f"expected a finite loss in nats per token such as 2.0, got {value!r:.40}")
    return m if m.ndim else float(m)


def quality(*, loss=None, params=None, tokens=None, model=None, law: str = "hoffmann2022"):
    """The target loss (nats per token) given as a loss, as a run (params, tokens), or as a published run.

    Exactly one of ``loss``, ``params`` with ``tokens``, or ``model`` (a dense run of data/models.csv).
    Returns ``(loss, params, tokens)``, the last two None when the loss was given.

    >>> round(quality(params=70e9, tokens=1.4e12, law="hoffmann2022")[0], 4)
    1.9366
    """
    given = [name for name, v in (("loss", loss), ("params", params), ("tokens", tokens), ("model", model))
             if v is not None]
    if model is not None:
        if len(given) > 1:
            raise InputError("model", f"give model alone (it supplies the parameters and tokens), not with {given[1]}")
        from calc.data import model as published

        run = published(model)
        q = run.quantities
        if "params" not in q or "tokens" not in q:
            raise InputError("model", f"data/models.csv gives no {'params' if 'params' not in q else 'tokens'} for "
                                      f"{run.name}: give params and tokens, or the loss")
        if "active_params" in q and q["active_params"].m_as("param") < q["params"].m_as("param"):
            raise InputError("model", f"{run.name} is a mixture of experts; the dense scaling laws do not give its "
                                      "quality: give the loss instead")
        params, tokens = q["params"], q["tokens"]
    elif loss is not None:
        if len(given) > 1:
            raise InputError("loss", f"give the loss alone, or params and tokens, not both (also got {given[1]})")
        return _loss(loss), None, None
    elif params is None or tokens is None:
        if params is None and tokens is None:
            raise InputError("loss", "required: the target quality as a loss (e.g. 2.0), as params and tokens of a "
                                     "run, or as a published model")
        missing = "tokens" if tokens is None else "params"
        raise InputError(missing, f"required with {'params' if missing == 'tokens' else 'tokens'}: the run whose "
                                  "quality is the target")
    n = _count(params, "params", "param")
    d = _count(tokens, "tokens", "token")
    with np.errstate(all="ignore"):
        value = _law(law).loss(n, d)
    return value, n, d


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Plan:
    """One model at the target quality: its size, training, and lifetime compute (and cost, where priced)."""

    params: pint.Quantity
    tokens: pint.Quantity
    training_compute: pint.Quantity
    inference_compute: pint.Quantity
    lifetime_compute: pint.Quantity
    training_cost: pint.Quantity | None = None
    serving_cost: pint.Quantity | None = None

    @property
    def lifetime_cost(self) -> pint.Quantity | None:
        """Training plus serving cost, where both are priced."""
        return None if self.training_cost is None else self.training_cost + self.serving_cost

    @property
    def tokens_per_param(self):
        """D / N."""
        return self.tokens.m_as("token") / self.params.m_as("param")


def _plan(n, d, demand, train_usd_per_flop=None, serve_usd_per_token_param=None) -> Plan:
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused by _beyond, naming the input
        return _plan_of(n, d, demand, train_usd_per_flop, serve_usd_per_token_param)


def _plan_of(n, d, demand, train_usd_per_flop, serve_usd_per_token_param) -> Plan:
    n, d, demand = (x if np.ndim(x) else float(x) for x in (n, d, demand))  # one value: a plain float magnitude
    train = Q_(n * d, "param*token") * TRAIN_FLOP
    serve = Q_(n * demand, "param*token") * SERVE_FLOP
    cost = serving = None
    if train_usd_per_flop is not None:
        cost = Q_(train.m_as("FLOP") * train_usd_per_flop, "USD")
        serving = Q_(demand * n * serve_usd_per_token_param, "USD")
    return Plan(Q_(n, "param"), Q_(d, "token"), train.to("FLOP"), serve.to("FLOP"), (train + serve).to("FLOP"),
                cost, serving)


@dataclass(frozen=True)
class Lifetime:
    """The training + serving optimum at one quality and one inference demand.

    ``params``, ``tokens``, ``training_compute``, ``inference_compute`` and ``lifetime_compute`` are
    the optimum's; ``compute_optimal`` is the model of the same quality with the least training
    compute; ``saving`` is its lifetime compute minus the optimum's. ``given`` is the run the quality
    came from (None for a loss). With prices, ``cost_optimum`` minimises dollars instead.
    """

    law: str
    loss: float | np.ndarray
    inference_tokens: pint.Quantity
    optimum: Plan
    compute_optimal: Plan
    given: Plan | None
    break_even: pint.Quantity  # demand at which the run given (where smaller), else the optimum, ties compute_optimal
    cost_optimum: Plan | None = None
    compute_optimal_cost: Plan | None = None  # the compute-optimal model, priced
    given_cost: Plan | None = None

    @property
    def params(self) -> pint.Quantity:
        """Parameters of the lifetime optimum."""
        return self.optimum.params

    @property
    def tokens(self) -> pint.Quantity:
        """Training tokens of the lifetime optimum."""
        return self.optimum.tokens

    @property
    def training_compute(self) -> pint.Quantity:
        """6 N D of the lifetime optimum."""
        return self.optimum.training_compute

    @property
    def inference_compute(self) -> pint.Quantity:
        """2 N T of the lifetime optimum."""
        return self.optimum.inference_compute

    @property
    def lifetime_compute(self) -> pint.Quantity:
        """Training plus inference compute of the lifetime optimum."""
        return self.optimum.lifetime_compute

    @property
    def saving(self) -> pint.Quantity:
        """Lifetime compute of the compute-optimal model minus the optimum's (>= 0)."""
        return (self.compute_optimal.lifetime_compute - self.optimum.lifetime_compute).to("FLOP")

    @property
    def saving_fraction(self):
        """The saving as a share of the compute-optimal model's lifetime compute."""
        return (self.saving / self.compute_optimal.lifetime_compute).m_as("")

    @property
    def size_fraction(self):
        """The optimum's size as a share of the compute-optimal model's: k_N [DeVries2023]."""
        return (self.optimum.params / self.compute_optimal.params).m_as("")

    @property
    def training_overhead(self):
        """The optimum's extra training compute over the compute-optimal model's: de Vries' overhead at k_N."""
        return (self.optimum.training_compute / self.compute_optimal.training_compute).m_as("") - 1

    @property
    def cost_saving(self) -> pint.Quantity | None:
        """Lifetime cost of the compute-optimal model minus the dollar optimum's, where priced."""
        if self.cost_optimum is None:
            return None
        return (self.compute_optimal_cost.lifetime_cost - self.cost_optimum.lifetime_cost).to("USD")


def lifetime(*, loss=None, params=None, tokens=None, model=None, inference_tokens=0, law: str = "hoffmann2022",
             training_price=None, serving_price=None, serving_price_params=None, hardware=None,
             utilization=None) -> Lifetime:
    """The model size and training tokens that minimise training + inference compute at one quality.

    minimise 6 N D + 2 N T subject to L(N, D) = L*  [Sardana2023]; the root of
    (a/b) s/(1-s) = 1 + T/(3 D(s)) (module docstring).

    Parameters
    ----------
    loss : float or array, optional
        The target quality, nats per token under ``law``.
    params, tokens : Quantity or count, optional
        A run whose loss under ``law`` is the target (its own lifetime is reported in ``given``).
    model : str, optional
        A dense published run of data/models.csv, as params and tokens.
    inference_tokens : Quantity or count, default 0
        Tokens served over the model's life (input and output alike: 2 N FLOP each), >= 0.
    law : str
        A scaling law of data/scaling_laws.csv (hoffmann2022, besiroglu2024, kaplan2020, devries2023).
    training_price : Quantity [USD/FLOP] or [USD/chip/hour], optional
        What a FLOP of training costs (e.g. $2/chip-hour / (989 TFLOP/s x 40% MFU) = 1.4e-18 USD/FLOP), or a
        chip's hourly price with ``hardware`` and ``utilization`` (``training_price_per_flop``).
    serving_price : Quantity [USD/token], optional
        What a served token costs ("0.6 USD/Mtoken"), for a model of ``serving_price_params``: a list
        price, or a modelled cost per token (``calc.serve``'s blended USD per million tokens, with the
        served model's parameters as ``serving_price_params``; ``calc.service_life`` gives both prices modelled).
    serving_price_params : Quantity [param], optional
        The size that price is for; serving cost scales with N. Default: the run given, else the
        compute-optimal model of the target quality.
    hardware, utilization : str and fraction, optional
        With a training price per chip-hour: the chip (its dense peak at its 16-bit format) and the MFU.

    Returns
    -------
    Lifetime

    Raises
    ------
    InputError
        Naming the input: a loss at or below the law's floor, negative demand, missing or extra inputs.

    Examples
    --------
    Sardana et al. 2023, Fig. 1: a Chinchilla-optimal 13B model serving 2T tokens is better replaced by
    a 7B model trained longer, saving 1.7e22 FLOP (17%):

    >>> from calc.scaling import compute_optimal
    >>> o = lifetime(params=13e9, tokens=576e9, inference_tokens="2e12 token", law="devries2023")
    >>> round(o.params.m_as("Gparam"), 1), round(o.saving_fraction, 2)
    (7.0, 0.17)
    """
    target, n_run, d_run = quality(loss=loss, params=params, tokens=tokens, model=model, law=law)
    demand = _count(inference_tokens, "inference_tokens", "token", zero_ok=True)
    shape = _shape(law, target)
    s0 = shape.b / (shape.a + shape.b)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        n0, d0 = shape.params(s0), shape.tokens(s0)
        s = _root(shape, demand)
        n, d = shape.params(s), shape.tokens(s)
    _finite("inference_tokens", n, d, law)
    _finite("loss", n0, d0, law)
    demand_b = np.broadcast_to(demand, np.shape(n)) if np.ndim(n) else demand
    optimum = _plan(n, d, demand_b)
    best = _plan(n0 * np.ones_like(n) if np.ndim(n) else n0, d0 * np.ones_like(d) if np.ndim(d) else d0, demand_b)
    given = None if n_run is None else _plan(n_run, d_run, demand)
    source = "model" if model is not None else "params" if n_run is not None else "loss"
    for p in (optimum, best) + (() if given is None else (given,)):
        _beyond(p, source)
    # break-even demand of the smaller-and-longer model against the compute-optimal one: the run given where it
    # is smaller, else the optimum. 6 N D + 2 N T = 6 N0 D0 + 2 N0 T  =>  T = 3 (N D - N0 D0) / (N0 - N)
    smaller = n_run is not None and np.all(np.asarray(n_run) < np.asarray(n0) * (1 - 1e-6))
    nb, db = (np.asarray(x, dtype=float) for x in ((n_run, d_run) if smaller else (n, d)))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tie = np.where(nb < n0 * (1 - 1e-9), 3 * (nb * db - n0 * d0) / (n0 - nb), np.nan)
    break_even = Q_(tie if np.ndim(tie) else float(tie), "token")
    out = dict(law=law, loss=target, inference_tokens=Q_(demand, "token"), optimum=optimum, compute_optimal=best,
               given=given, break_even=break_even)
    if (training_price is None) != (serving_price is None):
        missing = "serving_price" if serving_price is None else "training_price"
        raise InputError(missing, "required for the dollar version: a training price in USD/FLOP and a serving "
                                  "price in USD/token (e.g. '1.4e-18 USD/FLOP' and '0.6 USD/Mtoken')")
    if training_price is not None:
        p_train = _training_price(training_price, hardware, utilization)
        p_serve = _price(serving_price, "serving_price", "USD/token", "0.6 USD/Mtoken")
        ref = (_count(serving_price_params, "serving_price_params", "param") if serving_price_params is not None
               else n_run if n_run is not None else n0)
        per_token_param = p_serve / ref  # USD per token per parameter: serving cost scales with N
        # the FLOP problem with the demand weighted by (serving USD/FLOP) / (training USD/FLOP)
        weight = (per_token_param / SERVE_FLOP.m_as("FLOP/param/token")) / p_train
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            sc = _root(shape, demand * weight)
            nc, dc = shape.params(sc), shape.tokens(sc)
        _finite("serving_price", nc, dc, law)
        out["cost_optimum"] = _plan(nc, dc, demand, p_train, per_token_param)
        out["compute_optimal_cost"] = _plan(best.params.m_as("param"), best.tokens.m_as("token"), demand, p_train,
                                            per_token_param)
        if n_run is not None:
            out["given_cost"] = _plan(n_run, d_run, demand, p_train, per_token_param)
        for key in ("cost_optimum", "compute_optimal_cost", "given_cost"):
            if out.get(key) is not None:
                _beyond(out[key], source)
    return Lifetime(**out)


def _beyond(plan: Plan, source: str) -> None:
    """Refuse a plan whose compute or cost does not fit a float, naming the input behind it."""
    def bad(q):
        return q is not None and not np.all(np.isfinite(q.magnitude))

    if bad(plan.training_compute):
        raise InputError(source, "the training compute of this quality comes out beyond what a float holds (10^308): "
                                 "the scaling laws were fitted between about 10^18 and 10^26 FLOP")
    if bad(plan.inference_compute):
        raise InputError("inference_tokens", "the serving compute comes out beyond what a float holds (10^308)")
    if bad(plan.training_cost):
        raise InputError("training_price", "the training cost comes out beyond what a float holds")
    if bad(plan.serving_cost) or bad(plan.lifetime_cost):
        raise InputError("serving_price", "the serving cost comes out beyond what a float holds")


def training_price_per_flop(price, hardware, utilization) -> pint.Quantity:
    """What a training FLOP costs on a chip rented at ``price``: price / (peak x utilization).

    The peak is the chip's dense peak at its default (16-bit) number format, data/hardware.csv.

    >>> round(training_price_per_flop("2 USD/chip/hour", "H100 SXM5", 0.4).m_as("USD/EFLOP"), 2)
    1.4
    """
    from calc.data import hardware as chip
    from calc.reader import read_value

    p = read_value("price", price)
    u = read_value("utilization", utilization)
    if u.m_as("") > 1:
        raise InputError("utilization", f"expected a fraction of peak (0.4 for 40%), got {u.m_as(''):g}")
    hw = chip(hardware) if isinstance(hardware, str) else hardware
    return (p / (hw.peak(hw.default_precision) * u)).to("USD/FLOP")


def _training_price(price, hardware, utilization):
    q = parse_quantity(price, "training_price", "USD/FLOP", bare_ok=False) if not _per_chip_hour(price) else None
    if q is None:
        if hardware is None or utilization is None:
            raise InputError("training_price", "a price per chip-hour needs the chip (hardware) and its utilization "
                                               "(MFU) to become a price per FLOP; or give USD/FLOP")
        q = training_price_per_flop(price, hardware, utilization)
    elif hardware is not None or utilization is not None:
        raise InputError("hardware" if hardware is not None else "utilization",
                         "only used with a training price per chip-hour (the price given is per FLOP)")
    return _price(q, "training_price", "USD/FLOP", "1.4e-18 USD/FLOP")


def _per_chip_hour(price) -> bool:
    try:
        parse_quantity(price, "training_price", "USD/chip/hour", bare_ok=False)
    except InputError:
        return False
    return True


def _finite(field, n, d, law_name):
    if not (np.all(np.isfinite(n)) and np.all(np.isfinite(d)) and np.all(np.asarray(n) > 0)
            and np.all(np.asarray(d) > 0)):
        raise InputError(field, f"the optimum under {law_name} comes out beyond what a float holds (a loss this close "
                                "to the floor, or a demand this large, needs more tokens than 10^308)")


def break_even(params, *, loss=None, tokens=None, law: str = "hoffmann2022") -> pint.Quantity:
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


def critical_params(loss, law: str = "hoffmann2022") -> pint.Quantity:
    """The size below which no amount of training data reaches ``loss``: (A'/R)^(1/a) [DeVries2023].

    >>> round(critical_params(2.0, "hoffmann2022").m_as("Gparam"), 2)
    1.48
    """
    shape = _shape(law, _loss(loss))
    return Q_(shape.params(1.0), "param")


def compute_overhead(size_fraction, law: str = "hoffmann2022") -> pint.Quantity:
    """Extra training compute of a model ``size_fraction`` times the compute-optimal size, at the same loss.

    overhead(k) = k (1 - (b/a)(k^-a - 1))^(-1/b) - 1   [DeVries2023], the same at every budget.

    Parameters
    ----------
    size_fraction : float, array or dimensionless Quantity
        k_N = N / N_opt, above the critical size (1 + a/b)^(-1/a) (about 0.097 under hoffmann2022).
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
        raise InputError("size_fraction", f"expected more than the critical size, {floor:.3g} of the compute-optimal "
                                          f"model under {law} (smaller models never reach its loss), got {_few(k)}")
    a, b = shape.a, shape.b
    with np.errstate(all="ignore"):
        k_d = (1 - (b / a) * (k ** -a - 1)) ** (-1 / b)
    return Q_(k * k_d - 1, "")


def critical_fraction(law: str = "hoffmann2022") -> float:
    """The critical model size as a share of the compute-optimal one: (1 + a/b)^(-1/a) [DeVries2023].

    >>> round(critical_fraction("hoffmann2022"), 3)
    0.097
    """
    shape = _shape(law, _floor_plus_one(law))
    return (1 + shape.a / shape.b) ** (-1 / shape.a)


def _floor_plus_one(law_name):
    lw = _law(law_name)
    return lw.constants.get("E", 0.0) + 1.0


def _fraction(value):
    if isinstance(value, pint.Quantity):
        if not value.dimensionless:
            raise InputError("size_fraction", f"expected a fraction such as 0.5, got {value:~P}")
        value = value.m_as("")
    elif isinstance(value, str):
        value = parse_quantity(value, "size_fraction", "", bare_ok=True).m_as("")
    try:
        m = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError("size_fraction", f"expected a fraction such as 0.5, got {value!r:.40}") from None
    if m.size == 0 or not np.all(np.isfinite(m)):
        raise InputError("size_fraction", f"expected a finite fraction such as 0.5, got {value!r:.40}")
    return m if m.ndim else float(m)


def curve(loss, inference_tokens=0, law: str = "hoffmann2022", points: int = 200) -> dict:
    """Lifetime compute against model size at one quality (the app's chart): arrays keyed
    ``params``, ``tokens``, ``training_compute``, ``lifetime_compute``, from just above the critical size
    to three times the compute-optimal size.

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
    n = np.geomspace(n_min * 1.02, max(3 * n0, n_min * 10), int(points))
    s = shape.share(n)
    d = shape.tokens(s)
    train = 6 * n * d
    return {"params": Q_(n, "param"), "tokens": Q_(d, "token"), "training_compute": Q_(train, "FLOP"),
            "lifetime_compute": Q_(train + 2 * n * demand, "FLOP")}
