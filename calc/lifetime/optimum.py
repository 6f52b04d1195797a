"""``lifetime``: the model size and training tokens that minimise training + inference compute at one quality
[Sardana2023], and in dollars where priced."""

from __future__ import annotations

import numpy as np
import pint

from calc.errors import InputError, checks_keywords
from calc.lifetime.dollars import _fraction, _training_price
from calc.lifetime.inputs import _count, _price, quality
from calc.lifetime.plans import SERVE_FLOP, Lifetime, _beyond, _finite, _plan
from calc.lifetime.solver import DEFAULT_LAW, _few, _root, _shape
from calc.units import Q_


@checks_keywords("calc.lifetime")
def lifetime(*, loss=None, params=None, tokens=None, model=None, inference_tokens=0, law: str = DEFAULT_LAW,
             training_price=None, serving_price=None, serving_price_params=None, hardware=None,
             utilization=None, precision=None) -> Lifetime:
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
        With a training price per chip-hour: the chip (its dense peak at its 16-bit format) and the MFU. With
        no serving price, or no training price, the missing one is modelled on ``hardware`` as
        ``python -m calc lifetime --hardware H`` models it (``calc.service_life.lifetime_prices``: serving by
        ``calc.serve`` on the cheapest chip group, training at the chip's default price and MFU).
    precision : str, optional
        The served weights' format where serving is modelled on ``hardware`` (``calc.serve``'s default if None).

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
    from calc.scaling import law_name

    law = law_name(law)  # as the table spells it, whatever the case typed: the answer names it so
    target, n_run, d_run = quality(loss=loss, params=params, tokens=tokens, model=model, law=law)
    demand = _count(inference_tokens, "inference_tokens", "token", zero_ok=True)
    try:
        shape = _shape(law, target)
    except InputError as exc:  # a run's loss at the floor: the run's size is what was given, not a loss
        if loss is not None or exc.field != "loss":
            raise
        given = "model" if model is not None else "params"
        raise InputError(given, f"the run's loss under {law} comes out at the law's irreducible loss ({_few(target)} "
                                "nats per token): parameters and tokens this large are beyond what the law "
                                "separates; check their magnitudes and units") from None
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
    break_even = _break_even(n_run, d_run, n, d, n0, d0)
    out = dict(law=law, loss=target, inference_tokens=Q_(demand, "token"), optimum=optimum, compute_optimal=best,
               given=given, break_even=break_even)
    prices = _chip_prices(dict(training_price=training_price, serving_price=serving_price,
                               serving_price_params=serving_price_params, hardware=hardware, utilization=utilization),
                          dict(loss=loss, params=params, tokens=tokens, model=model, law=law), precision)
    out.update(_dollar_plans(shape, demand, law, source, best, (n_run, d_run), n0, **prices))
    return Lifetime(**out)


def _chip_prices(prices: dict, run: dict, precision) -> dict:
    """``prices`` with the one a chip alone leaves out modelled on it, as the command line's ``lifetime --hardware H``
    does (calc/cli/lifetime.py): no serving price, serving by ``calc.serve`` (and training too where no price is
    given); a serving price but no training price, training at the chip's default price and MFU. ``precision``, the
    served format, is read only where serving is modelled: refused elsewhere, never dropped."""
    hardware, words = prices["hardware"], "the served weights' format is read with hardware and no serving_price " \
                                          f"(serving modelled on the chip); got precision {precision!r}"
    if hardware is None or (prices["serving_price"] is not None and prices["training_price"] is not None):
        if precision is not None:
            raise InputError("precision", words)
        return prices
    from calc.service_life import lifetime_prices

    if prices["serving_price"] is None:
        if prices["serving_price_params"] is not None:  # read by nothing: refused, never dropped
            raise InputError("serving_price_params", "only used with a serving price (the model size that price is "
                                                     "for); give it, or leave it out")
        kw, _ = lifetime_prices(hardware, **run, precision=precision, training_price=prices["training_price"],
                                utilization=prices["utilization"])
        return {**dict(prices, hardware=None, utilization=None), **kw}
    if precision is not None:
        raise InputError("precision", words)
    kw, _ = lifetime_prices(hardware, **run, utilization=prices["utilization"])
    return dict(prices, training_price=kw["training_price"], hardware=None, utilization=None)


def _break_even(n_run, d_run, n, d, n0, d0) -> pint.Quantity:
    """Break-even demand of the smaller-and-longer model against the compute-optimal one: the run given where it
    is smaller, else the optimum. 6 N D + 2 N T = 6 N0 D0 + 2 N0 T  =>  T = 3 (N D - N0 D0) / (N0 - N)."""
    smaller = n_run is not None and np.all(np.asarray(n_run) < np.asarray(n0) * (1 - 1e-6))
    nb, db = (np.asarray(x, dtype=float) for x in ((n_run, d_run) if smaller else (n, d)))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tie = np.where(nb < n0 * (1 - 1e-9), 3 * (nb * db - n0 * d0) / (n0 - nb), np.nan)
    return Q_(tie if np.ndim(tie) else float(tie), "token")


def _dollar_plans(shape, demand, law, source, best, run, n0, *, training_price, serving_price, serving_price_params,
                  hardware, utilization) -> dict:
    """The dollar version, where both prices are given: the FLOP problem with the demand weighted by (serving
    USD/FLOP) / (training USD/FLOP); the cost optimum, the compute-optimal model and the run given, priced."""
    if (training_price is None) != (serving_price is None):
        missing = "serving_price" if serving_price is None else "training_price"
        if serving_price is not None:  # the price given read first: a bad one said before the one missing (fresh24b)
            _price(serving_price, "serving_price", "USD/token", "0.6 USD/Mtoken")
        else:
            _training_price(training_price, hardware, utilization)
        raise InputError(missing, "required for the dollar version: a training price in USD/FLOP and a serving "
                                  "price in USD/token (e.g. '1.4e-18 USD/FLOP' and '0.6 USD/Mtoken')")
    if serving_price is None and serving_price_params is not None:  # read by nothing: refused, never dropped
        raise InputError("serving_price_params", "only used with a serving price (the model size that price is for, "
                                                 "e.g. '0.6 USD/Mtoken' for 7B); give both prices, or leave it out")
    if training_price is None:
        if utilization is not None or hardware is not None:  # read by nothing: refused, never dropped
            if utilization is not None:
                _fraction(utilization)
            raise InputError("utilization" if utilization is not None else "hardware",
                             "only used with a training price per chip-hour (e.g. '$2/GPU/hour', made USD per FLOP "
                             "on the chip at this utilization); give one, or leave it out")
        return {}
    n_run, d_run = run
    p_train = _training_price(training_price, hardware, utilization)
    p_serve = _price(serving_price, "serving_price", "USD/token", "0.6 USD/Mtoken")
    ref = (_count(serving_price_params, "serving_price_params", "param") if serving_price_params is not None
           else n_run if n_run is not None else n0)
    per_token_param = p_serve / ref  # USD per token per parameter: serving cost scales with N
    weight = (per_token_param / SERVE_FLOP.m_as("FLOP/param/token")) / p_train
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        sc = _root(shape, demand * weight)
        nc, dc = shape.params(sc), shape.tokens(sc)
    _finite("serving_price", nc, dc, law)
    out = {"cost_optimum": _plan(nc, dc, demand, p_train, per_token_param),
           "compute_optimal_cost": _plan(best.params.m_as("param"), best.tokens.m_as("token"), demand, p_train,
                                         per_token_param)}
    if n_run is not None:
        out["given_cost"] = _plan(n_run, d_run, demand, p_train, per_token_param)
    for plan in out.values():
        _beyond(plan, source)
    return out
