"""What the lifetime questions return: ``Plan`` (one model at the target quality, its compute and cost) and
``Lifetime`` (the optimum, the compute-optimal model and the run given), refused where a float cannot hold them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pint

from calc.errors import InputError
from calc.units import Q_

TRAIN_FLOP = Q_(6, "FLOP/param/token")  # [Kaplan2020] sec. 2.1: forward 2 + backward 4

SERVE_FLOP = Q_(2, "FLOP/param/token")  # [Kaplan2020] sec. 2.1: the forward pass


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
    def warning(self) -> str | None:
        """Said where the compute-optimal model's training budget lies outside what the scaling laws were fitted on,
        as ``calc.scaling.Optimum.warning`` says of a budget (a loss of 20 nats gives a 9.98k-parameter optimum);
        None within, or for arrays of qualities or demands."""
        from calc.scaling import Optimum

        o = self.compute_optimal
        if np.ndim(self.loss) or np.ndim(o.training_compute.magnitude):
            return None
        said = Optimum(self.law, o.training_compute, o.params, o.tokens, float(self.loss)).warning
        return None if said is None else ("loss: at this loss the compute-optimal model's training "
                                          + said.removeprefix("compute: "))

    def __repr__(self) -> str:
        """One quality's answer as a person reads it at the Python prompt (the dataclass's echoed every Quantity's
        floats); arrays of qualities or demands keep the fields' own reprs."""
        if np.ndim(self.loss) or np.ndim(self.inference_tokens.magnitude) or np.ndim(self.params.magnitude):
            return (f"Lifetime(law={self.law!r}, loss={self.loss!r}, inference_tokens={self.inference_tokens!r}, "
                    f"optimum={self.optimum!r}, compute_optimal={self.compute_optimal!r})")
        from calc.display import number, show

        text = (f"Lifetime({self.law}, loss {number(float(self.loss), 4)}, {show('tokens', self.inference_tokens)} "
                f"served: optimum {show('params', self.params)} on {show('tokens', self.tokens)}, "
                f"{number(self.lifetime_compute.m_as('FLOP'))} FLOP over its life; compute-optimal "
                f"{show('params', self.compute_optimal.params)}; saving {number(100 * float(self.saving_fraction))}%")
        if self.cost_optimum is not None:
            text += f"; cheapest {show('params', self.cost_optimum.params)}, saving {show('cost', self.cost_saving)}"
        return text + ")"

    @property
    def cost_saving(self) -> pint.Quantity | None:
        """Lifetime cost of the compute-optimal model minus the dollar optimum's, where priced."""
        if self.cost_optimum is None:
            return None
        return (self.compute_optimal_cost.lifetime_cost - self.cost_optimum.lifetime_cost).to("USD")


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


def _finite(field, n, d, law_name):
    if not (np.all(np.isfinite(n)) and np.all(np.isfinite(d)) and np.all(np.asarray(n) > 0)
            and np.all(np.asarray(d) > 0)):
        raise InputError(field, f"the optimum under {law_name} comes out beyond what a float holds (a loss this close "
                                "to the floor, or a demand this large, needs more tokens than 10^308)")
