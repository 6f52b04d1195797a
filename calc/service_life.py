"""A model's service life in dollars: its training run (``calc.estimate``), then its serving (``calc.serve``).

    training cost    chip-hours x price of the run: 6 N D / (peak x MFU) x USD per chip-hour   calc.estimate
    serving price    calc.serve's blended USD per million tokens (3 input : 1 output) on the chip count
                     (1 to 64, powers of two) that serves cheapest, at saturation or within latency limits
    cumulative cost  C(t) = training + tokens per day x t x serving price; training is the step at t = 0
    break-even       t* = training cost / (tokens per day x serving price): the day serving has cost as
                     much as training

Serving cost per token of a model with no architecture (the sizes along ``calc.lifetime``'s optimum curve)
comes from a shape of the same family scaled in width and depth (``scaled_shape``: d_model and layers in
proportion, the head width and the key-value heads kept, as the Llama 3 family grows), served by
``calc.serve``. ``calc.lifetime``'s dollar optimum needs serving cost proportional to N; ``linear_rule``
measures how far that proportional rule is off against ``calc.serve`` on published shapes of one family.
Decoding is memory-bound: a step reads the weights once and each sequence's KV cache, shared by the batch,
so cost per token ~ (weight bytes / batch + KV bytes per sequence) / bandwidth [Pope2022] sec. 3; the batch
the memory allows shrinks as the weights grow, so the cost rises faster than N once the weights fill the
chips, and slower where a larger chip group frees memory for a larger batch.

References: [Sardana2023] as in ``calc.lifetime``; [Pope2022] as in ``calc.serve``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pint

from calc.errors import InputError, MissingLink, checks_keywords
from calc.lifetime.solver import DEFAULT_LAW
from calc.units import Q_, parse_quantity

CHIP_COUNTS = (1, 2, 4, 8, 16, 32, 64)  # serving groups tried: a node of 8 and the multi-node groups of big models
DEFAULT_FAMILY = "Llama 3 70B"  # the family a size with no architecture is scaled from, unless one is given
LLAMA3 = ("Llama 3 8B", "Llama 3 70B", "Llama 3.1 405B")  # one family at three sizes: the linear rule's check


def modelled_serving(model, hardware, *, chips=None, precision=None, input_tokens=1000, output_tokens=1000,
                     ttft_limit=None, tpot_limit=None, price=None, pue=None, what="the model"):
    """``calc.serve`` of ``model`` on ``hardware`` at the chip count that serves cheapest per blended token.

    Tries ``chips`` if given, else each of ``CHIP_COUNTS`` that holds the weights; saturating throughput, or
    the best within ``ttft_limit`` / ``tpot_limit`` (p99s, as ``calc.serve`` reads them); ``price`` and ``pue`` as
    ``calc.serve``. ``what`` names the model in an error (a chip whose links the counts that hold it need).
    Returns the ``calc.serve.Serving`` answer.

    >>> s = modelled_serving("Llama 3 8B", "H100 SXM5")
    >>> s.chips, 0.05 < s.usd_per_million_tokens["blended"].m_as("USD/Mtoken") < 0.2
    (1, True)
    """
    from calc.serve import serve, time_limit

    for name, limit in (("ttft_limit", ttft_limit), ("tpot_limit", tpot_limit)):  # a limit misread ("40": which
        time_limit(name, limit)  # unit?) is said as such, not as "no group of up to 64 chips serves it"
    counts = (chips,) if chips is not None else CHIP_COUNTS
    best, last, unlinked = None, None, None
    for n in counts:  # on each count, calc.serve's best tensor x pipeline split (load.layouts)
        try:
            s = serve(model, hardware, n, precision=precision, input_tokens=input_tokens, output_tokens=output_tokens,
                      ttft_limit=ttft_limit, tpot_limit=tpot_limit, price=price, pue=pue)
        except MissingLink as exc:  # no chips were given: said for the counts tried, below
            if chips is not None:
                raise
            unlinked = unlinked or (n, exc)
            continue
        except InputError as exc:
            if exc.field not in ("chips", "tensor", "tpot_limit", "ttft_limit", "pipeline") or chips is not None:
                raise
            last = exc
            continue
        if s.usd_per_million_tokens is None:
            raise InputError("hardware", f"{s.hardware} has no public price to serve at: {s.price_basis}; give a "
                                         "price per chip-hour")
        if best is None or _blended(s) < _blended(best):
            best = s
    if best is None and unlinked is not None:  # the counts that hold it need a link the chip's row does not give
        n, exc = unlinked
        fewer = [c for c in counts if c < n]
        why = (f"its weights take more than {fewer[-1]} chip{'s' if fewer[-1] > 1 else ''}, and {n} or more need "
               "that link" if fewer and last is not None and last.field in ("chips", "tensor", "pipeline") else
               f"{n} chips or more need that link" + (f", and fewer fail: {last.message}" if last else ""))
        raise MissingLink("hardware", f"data/hardware.csv has no {exc.link} bandwidth for {exc.chip}, which serving "
                                      f"{what} needs: {why}", exc.chip, exc.link)
    if best is None:
        raise InputError(last.field if last else "chips",
                         f"no group of up to {CHIP_COUNTS[-1]} chips serves it: {last.message if last else ''}".strip())
    return best


def _chip_name(hardware) -> str:
    from calc.data import hardware as chip

    return hardware.name if hasattr(hardware, "name") else chip(hardware).name


def _blended(s) -> float:
    return float(s.usd_per_million_tokens["blended"].m_as("USD/Mtoken"))


def scaled_shape(reference, params):
    """The shape of ``reference``'s family (a dense published shape or a ``Transformer``) with ``params``.

    Width and depth scale together (d_model / layers kept, as from Llama 3 8B to 70B: 4096/32, 8192/80 are
    within 30%), the head width and key-value heads kept, d_ff in the same ratio to d_model; the vocabulary
    is the reference's. The heads come from the scale (N/N_ref)^(1/3), to a whole multiple of the key-value
    heads (multi-head attention: of 8, or of the reference's heads' largest divisor up to 8, so that a node's
    tensor group splits no head); the layers then give the count, which is linear in them.

    >>> t = scaled_shape("Llama 3 70B", "20e9 param")
    >>> abs(t.params().m_as("Gparam") / 20 - 1) < 0.05, t.kv_heads
    (True, 8)
    """
    from calc.architecture import Transformer, lookup

    ref = reference if isinstance(reference, Transformer) else lookup(reference)
    if ref.experts > 1:
        raise InputError("model", "a mixture of experts has no one-size family rule here; give a dense shape")
    target = parse_quantity(params, "params", "param", bare_ok=True).m_as("param")
    if not (np.ndim(target) == 0 and math.isfinite(target) and target > 0):
        raise InputError("params", f"expected one positive number of parameters, got {target!r:.40}")
    kv = ref.kv_heads or ref.heads  # kept: Llama 3 has 8 at 8B, 70B and 405B
    f = (target / ref.params().m_as("param")) ** (1 / 3)  # N ~ layers x d_model^2, both scaled by f
    # whole key-value groups (GQA); without them (multi-head, GPT-3's 96) a multiple of 8, as published shapes have:
    # a head count of 53 splits over no tensor group, and its serving jumped to pipeline stages from size to size
    group = kv if kv < ref.heads else math.gcd(ref.heads, 8)
    heads = max(1, round(ref.heads * f / group)) * group if ref.heads * f >= group else max(1, round(ref.heads * f))
    width = heads * ref.head_width
    d_ff = max(128, round((ref.d_ff or 4 * ref.d_model) * width / ref.d_model / 128) * 128)

    def shape(layers: int):
        kv_heads = heads if kv >= ref.heads else min(kv, heads)  # multi-head attention stays multi-head (GPT-3)
        return dataclasses.replace(ref, layers=layers, d_model=width, heads=heads, kv_heads=kv_heads, d_ff=d_ff,
                                   head_dim=ref.head_width)

    one, two = (shape(n).params().m_as("param") for n in (1, 2))  # the count is linear in the layers
    return shape(max(1, round((target - (2 * one - two)) / (two - one))))


def serving_price_at(params, hardware, *, family=DEFAULT_FAMILY, **options) -> pint.Quantity:
    """Modelled blended USD per million tokens of a model of ``params`` with no architecture: ``calc.serve``
    of ``family``'s shape scaled to that size (``scaled_shape``), on the cheapest chip group.

    >>> round(serving_price_at("70.6e9 param", "H100 SXM5").m_as("USD/Mtoken"), 2)   # Llama 3 70B itself: 0.68
    0.68
    """
    s = modelled_serving(scaled_shape(family, params), hardware, **options)
    return s.usd_per_million_tokens["blended"].to("USD/Mtoken")


def linear_rule(hardware="H100 SXM5", models=LLAMA3, anchor=None, **options) -> list[dict]:
    """How far "serving cost per token is proportional to N" is off, against ``calc.serve`` on ``models``.

    The rule takes ``anchor``'s modelled blended price (default: the middle model) and scales it by
    N / N_anchor. Returns one row per model: ``model``, ``params``, ``chips``, ``modelled`` and ``linear``
    (USD/Mtoken) and ``error`` = linear / modelled - 1.

    >>> rows = linear_rule()
    >>> [r["model"] for r in rows]
    ['Llama 3 8B', 'Llama 3 70B', 'Llama 3.1 405B']
    """
    from calc.architecture import lookup

    anchor = anchor or models[len(models) // 2]
    served = {m: modelled_serving(m, hardware, **options) for m in dict.fromkeys((*models, anchor))}
    n_anchor = lookup(anchor).params().m_as("param")
    per_param = _blended(served[anchor]) / n_anchor
    rows = []
    for m in models:
        n = lookup(m).params().m_as("param")
        modelled = _blended(served[m])
        rows.append({"model": m, "params": Q_(n, "param"), "chips": served[m].chips, "precision": served[m].layout["precision"],
                     "modelled": Q_(modelled, "USD/Mtoken"), "linear": Q_(per_param * n, "USD/Mtoken"),
                     "error": per_param * n / modelled - 1})
    return rows


@dataclass(frozen=True)
class ServiceLife:
    """One model's training run and its serving life, in dollars. ``serving`` is calc.serve's answer."""

    model: str
    hardware: str
    params: pint.Quantity
    training_tokens: pint.Quantity
    training_compute: pint.Quantity
    training_chip_hours: pint.Quantity
    training_cost: pint.Quantity
    training_basis: str  # the utilization and price behind the training cost, in words
    serving: object  # calc.serve.Serving
    serving_price: pint.Quantity  # USD/Mtoken, blended
    tokens_per_day: pint.Quantity
    days: pint.Quantity
    shape: object = None  # the served Transformer, the family other sizes are scaled from
    serve_options: dict = dataclasses.field(default_factory=dict)  # precision, tokens, limits, price as given

    @property
    def served_tokens(self) -> pint.Quantity:
        """Tokens served over the life: tokens per day x days."""
        return (self.tokens_per_day * self.days).to("token")

    @property
    def serving_cost(self) -> pint.Quantity:
        """Serving over the whole life: tokens served x the modelled price."""
        return (self.served_tokens * self.serving_price).to("USD")

    @property
    def lifetime_cost(self) -> pint.Quantity:
        """Training plus serving."""
        return (self.training_cost + self.serving_cost).to("USD")

    @property
    def break_even(self) -> pint.Quantity:
        """The day on which serving has cost as much as training: training / (tokens per day x price)."""
        return (self.training_cost / (self.tokens_per_day * self.serving_price)).to("day")

    @property
    def warning(self) -> str | None:
        """A service life beyond any hardware's, said (never clamped): longer than ``service_life_plausible_max`` of
        data/defaults.csv, the longest depreciable useful life a cloud gives its servers (Microsoft's six years, 2022).
        'lifetime.days=1e9' answered $67.9T for 2.7 million years without a word (doors22). None when within it.

        >>> service_life("Llama 3 8B", "H100 SXM5", training_tokens="15T token", tokens_per_day="1G token/day",
        ...              days="1e9 day").warning.startswith("days: 2.74 × 10⁶ years of service is beyond")
        True
        """
        from calc import data
        from calc.display import show

        top = data.defaults()["service_life_plausible_max"].value
        if self.days <= top:
            return None
        return (f"days: {show('duration', self.days)} of service is beyond any chip's life: the longest depreciable "
                f"useful life a cloud gives its servers is {show('duration', top)} (Microsoft, 2022; data/defaults.csv). "
                "The costs are computed as given; the chip, its price and the demand are unlikely to hold that long.")

    def __repr__(self) -> str:
        """What a person reads at the Python prompt (the dataclass's echoed every Quantity's floats)."""
        from calc.display import number, show

        return (f"ServiceLife({self.model} on {self.hardware}: training {show('cost', self.training_cost)} on "
                f"{show('tokens', self.training_tokens)}, serving {show('tokens', self.tokens_per_day.to('token/day') * Q_(1, 'day'))} "
                f"a day for {show('duration', self.days)} at ${number(self.serving_price.m_as('USD/Mtoken'))}/Mtoken = "
                f"{show('cost', self.serving_cost)}; serving has cost as much as training after "
                f"{show('duration', self.break_even)})")

    def cumulative(self, points: int = 100) -> dict:
        """Cost to date over the life: ``day`` (0 to the end) and ``training``, ``serving``, ``total`` (USD)."""
        t = np.linspace(0.0, float(self.days.m_as("day")), int(points))
        serving = t * float((self.tokens_per_day * self.serving_price).m_as("USD/day"))
        train = np.full_like(t, float(self.training_cost.m_as("USD")))
        return {"day": Q_(t, "day"), "training": Q_(train, "USD"), "serving": Q_(serving, "USD"),
                "total": Q_(train + serving, "USD")}

    def size_curve(self, law: str = DEFAULT_LAW, points: int = 40) -> dict:
        """Lifetime dollars against model size at this model's quality and this life's demand, two ways.

        Every size N reaches this model's loss under ``law`` with D(N) training tokens (``calc.lifetime.curve``),
        trained at this run's USD per FLOP. Serving is priced ``scaled``: ``calc.serve`` on this model's shape
        scaled to N (``scaled_shape``, the same chip, precision and load), and ``proportional``: this model's
        price x N / N_model, the rule ``calc.lifetime``'s dollar optimum assumes. Returns arrays (Quantities)
        ``params``, ``tokens``, ``training_cost``, ``serving_price`` (scaled), ``scaled`` and ``proportional``
        (lifetime USD), and the index of each one's cheapest size, ``best_scaled`` and ``best_proportional``;
        ``unserved``: the sizes whose scaled shape no group of up to 64 chips serves within the life's limits (their
        ``serving_price`` and ``scaled`` are NaN; an InputError only when no size is served).
        """
        from calc.lifetime import curve, quality

        self._dense()
        target, _, _ = quality(params=self.params, tokens=self.training_tokens, law=law)
        c = curve(target, 0, law, points)
        n, d = c["params"].m_as("param"), c["tokens"].m_as("token")
        usd_per_flop = (self.training_cost / self.training_compute).m_as("USD/FLOP")
        training = c["training_compute"].m_as("FLOP") * usd_per_flop
        served = self.served_tokens.m_as("Mtoken")
        price, last = np.full(len(n), math.nan), None
        for i, x in enumerate(n):  # a size no group of chips serves within the limits: NaN, said in ``unserved``
            try:
                price[i] = serving_price_at(Q_(x, "param"), self.hardware, family=self.shape,
                                            **self.serve_options).m_as("USD/Mtoken")
            except InputError as exc:
                if exc.field not in ("chips", "tensor", "tpot_limit", "ttft_limit", "pipeline"):
                    raise
                last = exc
        if np.isnan(price).all():
            raise last
        own = self.serving_price.m_as("USD/Mtoken") / self.params.m_as("param")
        scaled, proportional = training + served * price, training + served * own * n
        return {"params": Q_(n, "param"), "tokens": Q_(d, "token"), "training_cost": Q_(training, "USD"),
                "serving_price": Q_(price, "USD/Mtoken"), "scaled": Q_(scaled, "USD"),
                "proportional": Q_(proportional, "USD"), "best_scaled": int(np.nanargmin(scaled)),
                "best_proportional": int(np.argmin(proportional)), "unserved": Q_(n[np.isnan(price)], "param")}

    def _dense(self) -> None:
        """Refuse a mixture of experts, as ``calc lifetime --model DeepSeek-V3`` and the Lifetime page do: the dense
        scaling laws do not give its quality (its total parameters were taken as a dense model's: DeepSeek-V3's
        "optimum 140B params" at 671B)."""
        if self.shape is not None and self.shape.experts > 1:
            raise InputError("model", f"{self.model} is a mixture of experts; the dense scaling laws do not give its "
                                      "quality, so no cheaper size is found (calc.lifetime takes a loss instead)")

    def lifetime(self, law: str = DEFAULT_LAW):
        """``calc.lifetime``'s dollar optimum at this model's quality (its params and training tokens under
        ``law``) and this life's demand, priced by this scenario: training at the run's USD per FLOP, serving
        at the modelled price per token for this model's size, scaled by N (``linear_rule`` says how far)."""
        from calc.lifetime import lifetime

        self._dense()
        return lifetime(params=self.params, tokens=self.training_tokens, inference_tokens=self.served_tokens, law=law,
                        training_price=(self.training_cost / self.training_compute).to("USD/FLOP"),
                        serving_price=self.serving_price.to("USD/token"), serving_price_params=self.params)


@checks_keywords("calc.service_life.service_life")
def service_life(model, hardware, *, training_tokens, tokens_per_day, days, utilization=None, price=None,
                 serving_price=None, serving_chips=None, precision=None, input_tokens=1000, output_tokens=1000,
                 ttft_limit=None, tpot_limit=None) -> ServiceLife:
    """Train ``model`` on ``training_tokens`` and serve ``tokens_per_day`` for ``days``, both on ``hardware``.

    training cost = F N D / (peak x MFU) x price (``calc.estimate`` with the shape, as ``estimate --model``: F the
    shape's FLOP per parameter-token, the MFU its fastest layout's, the defaults where not given); its
    ``training_compute`` is lifetime's count, 6 N D, over which the cost gives the USD per FLOP of ``lifetime()``;
    serving cost = tokens per day x days x ``calc.serve``'s blended USD per token (``modelled_serving``).

    Parameters
    ----------
    model : a published shape (data/architectures.csv) or a ``Transformer``
    hardware : a chip of data/hardware.csv (name or ``calc.data.Hardware``), for training and serving
    training_tokens : Quantity [token]
    tokens_per_day : Quantity [token/day]; days : Quantity [day], the service life (plain numbers are read in
        the unit the name says: ``days=730`` is two years)
    utilization, price : the training run's MFU and USD per chip-hour (default: ``calc.estimate``'s)
    serving_price : USD per chip-hour of serving (default: the chip's default price, as training)
    serving_chips, precision, input_tokens, output_tokens, ttft_limit, tpot_limit : as ``calc.serve`` (the limits
        bound p99s: the modelled means times MLPerf v4.x's p99/mean, ``calc.serve.percentiles``)

    Examples
    --------
    >>> life = service_life("Llama 3 70B", "H100 SXM5", training_tokens="15T token",
    ...                     tokens_per_day="10G token/day", days="365 day")
    >>> round(life.break_even.m_as("day") / 365, 1)    # serving catches up with training after about 13 years
    11.2
    """
    from calc.architecture import Transformer, lookup, shape_name
    from calc.estimate import estimate

    shape = model if isinstance(model, Transformer) else lookup(model)
    # the row named (an alias, a spelling read as it), served by name: Llama 3.1 8B shares Llama 3 8B's shape, and
    # the serving answer named the shape's first row ("Llama 3 8B on 4 x L4") for the Llama 3.1 8B asked
    name = shape_name(model) if isinstance(model, str) else "custom"
    d = parse_quantity(training_tokens, "training_tokens", "token", bare_ok=True)
    # the names say the units (as chip_hours does): a plain 730 is 730 days, 10e9 is tokens a day
    per_day = parse_quantity(tokens_per_day, "tokens_per_day", "token/day", bare_ok=True)
    life = parse_quantity(days, "days", "day", bare_ok=True)
    for field, q, unit in (("training_tokens", d, "token"), ("tokens_per_day", per_day, "token/day"), ("days", life, "day")):
        m = q.m_as(unit)
        if np.ndim(m) or not (math.isfinite(m) and m > 0):
            words = {"token": "tokens", "token/day": "tokens a day", "day": "days"}[unit]
            raise InputError(field, f"expected one positive number of {words}, got "
                                    + (f"{m!r:.40}" if np.ndim(m) else f"{m:g} {words}"))
    given = {k: v for k, v in (("utilization", utilization), ("price", price)) if v is not None}
    # priced as `estimate --model` prices the run (modelled_prices alike): the shape's FLOP per token at the modelled
    # MFU of its fastest layout; its compute kept in lifetime's count, 6 N D, which its USD per FLOP prices
    est = estimate(model=shape, tokens=d, hardware=hardware, **given)
    if "cost" not in est:
        raise InputError("price", f"{_chip_name(hardware)} has no public price: give the training price per chip-hour")
    options = {k: v for k, v in (("precision", precision), ("input_tokens", input_tokens),
                                 ("output_tokens", output_tokens), ("ttft_limit", ttft_limit),
                                 ("tpot_limit", tpot_limit), ("price", serving_price)) if v is not None}
    if serving_price is None:  # the training price given, the serving one not: said by the argument that gives it
        from calc.prices import default_price  # (modelled_serving's words name the other doors' fields, and price=)

        if default_price(hardware) is None:
            raise InputError("serving_price", f"{_chip_name(hardware)} has no public price to serve at (no cloud in "
                                              "data/prices.csv lists it): give serving_price, USD per chip-hour of "
                                              "serving (price= prices the training run only)")
    try:
        s = modelled_serving(shape if name == "custom" else name, hardware, chips=serving_chips, **options)
    except InputError as e:  # calc.serve names its own keywords: say the ones given here
        renamed = {"price": "serving_price", "chips": "serving_chips"}.get(e.field)
        if renamed is None or type(e) is not InputError:
            raise
        raise InputError(renamed, e.message) from None
    from calc.lifetime.plans import TRAIN_FLOP

    what = "the shape given" if name == "custom" else f"{name}'s shape"  # as modelled_prices says its MFU
    basis = (f"MFU {est['utilization'].value.m_as(''):.0%} ({_mfu_words(est, shape, what)}), "
             f"{est['price'].value.m_as('USD/chip/hour'):.2f} USD per chip-hour ({est['price'].source})")
    return ServiceLife(model=name, hardware=s.hardware, params=shape.params(), training_tokens=d.to("token"),
                       training_compute=(TRAIN_FLOP * est["active_params"].value * d).to("FLOP"), training_chip_hours=est["chip_hours"].value.to("chip*hour"),
                       training_cost=est["cost"].value.to("USD"), training_basis=basis, serving=s,
                       serving_price=s.usd_per_million_tokens["blended"].to("USD/Mtoken"), tokens_per_day=per_day.to("token/day"),
                       days=life.to("day"), shape=shape, serve_options=options)


def _mfu_words(est, shape, what: str) -> str:
    """Where the training MFU comes from, in words: the modelled one as estimate models it, else the default."""
    u = est["utilization"]
    if u.source == "modelled" and est.step is not None:
        k = shape.flop_per_token(sequence=est.step.layout.sequence).m_as("FLOP/token") / shape.active_params().m_as("param")
        return (f"modelled: the fastest layout of {what} on {est.step.chips:,} x {est.step.hardware}, as estimate "
                f"--model models it, over its {k:.3g} FLOP per parameter-token")
    return u.source


def modelled_prices(hardware, *, params=None, model=None, utilization=None, price=None, family=DEFAULT_FAMILY,
                    precision=None, priced=False):
    """The two prices of ``calc.lifetime``'s dollar version, modelled on ``hardware`` instead of asked for.

    Training: USD per FLOP = price per chip-hour / (peak x MFU), ``calc.estimate``'s defaults where not given.
    Serving: ``calc.serve``'s blended USD per token of ``model`` (a published shape, or a Transformer of its own: a
    config.json's), else of ``family``'s shape
    scaled to ``params``, its weights at ``precision`` (``calc.serve``'s default: the checkpoint's format where the chip
    has its peak, else the chip's 16-bit format; ``calc.serve.load.default_precision``).
    Returns ``(training USD/FLOP, serving USD/token, serving params, words)``, the words a dict: ``serving`` and
    ``training`` (what each price rests on), and the served ``precision`` and ``chips``. ``priced``: the caller has a
    training price of its own, so a chip with no public price is refused for the serving price alone.

    >>> t, s, n, words = modelled_prices("H100 SXM5", params="70.6e9 param")
    >>> round(s.m_as("USD/Mtoken"), 2)
    0.68
    """
    from calc.architecture import Transformer, lookup, published
    from calc.estimate import estimate
    from calc.lifetime.plans import TRAIN_FLOP

    if isinstance(model, Transformer):  # a shape of its own (a config.json), served as it is
        shape, what = model, "the shape given"
    elif model is not None and model in published():
        shape, what = lookup(model), f"{model}'s shape"
    elif params is not None:
        shape = scaled_shape(family, params)
        what = f"{family}'s shape scaled to {shape.params().m_as('Gparam'):.3g}B parameters"
    else:
        raise InputError("model", "the modelled serving price needs a published shape (--model) or params")
    n = shape.params()
    given = {k: v for k, v in (("utilization", utilization), ("price", price)) if v is not None}
    # the run as `estimate --model` prices it: the shape's own FLOP per token (the PaLM count) at the modelled MFU of
    # its fastest layout (calc.perf.modelled_utilization, a reference cluster; about 0.1 s), not the default 37%:
    # lifetime priced Llama 3 70B's 15T-token run at $33.1M where estimate said $27.7M (train24)
    est = estimate(model=shape, tokens=Q_(20, "token/param") * n, hardware=hardware, **given)
    if "cost" not in est and not priced:
        raise InputError("hardware", f"{_chip_name(hardware)} has no public price: give a training price and a "
                                     "serving price")
    if "cost" not in est:  # the training price given: only the serving price was asked of this chip
        raise InputError("hardware", f"{_chip_name(hardware)} has no public price to serve at: give a serving price "
                                     "as well as the training price")
    # per FLOP of lifetime's count (6 N D, calc.lifetime.plans.TRAIN_FLOP): the run's cost over it, so that N D
    # tokens cost what estimate says, attention FLOP included
    counted = TRAIN_FLOP * est["active_params"].value * est["tokens"].value
    train = (est["cost"].value / counted).to("USD/FLOP")
    try:
        s = modelled_serving(shape, hardware, precision=precision, what=what)
    except MissingLink as exc:
        raise MissingLink(exc.field, f"{exc.message}; give a serving price, or a chip whose links data/hardware.csv "
                                     "gives", exc.chip, exc.link) from None
    serve_price = s.usd_per_million_tokens["blended"].to("USD/token")
    from calc.display import cents  # money as every door writes it ("$3.51"), not "3.51 USD"
    from calc.serve.load import CHIP_BASIS

    why = "" if s.precision_basis in ("given", CHIP_BASIS) else f" ({s.precision_basis})"  # the checkpoint's: said
    from calc.serve.load import multiplied_note

    note = multiplied_note(s.layout["precision"], s.hardware)  # fp4 on an H100: its fp8 products, said
    why += f" ({note})" if note else ""
    words = (f"serving: calc.serve, {what} in {s.layout['precision']}{why} on {s.chips} x {s.hardware} at saturation, "
             f"${cents(s.usd_per_million_tokens['blended'].m_as('USD/Mtoken'))} per million tokens (3:1 blend)",
             f"training: ${cents(est['price'].value.m_as('USD/chip/hour'))} per chip-hour at MFU "
             f"{est['utilization'].value.m_as(''):.0%} ({_mfu_words(est, shape, what)})")
    words = {"serving": words[0], "training": words[1], "precision": s.layout["precision"], "chips": s.chips}
    return train, serve_price, n, words


def lifetime_prices(hardware, *, loss=None, params=None, tokens=None, model=None, law=DEFAULT_LAW,
                    training_price=None, utilization=None, precision=None) -> tuple[dict, dict]:
    """``calc.lifetime``'s price arguments with serving modelled on ``hardware`` (the command line's
    ``lifetime --hardware H`` without ``--serving-price``), and what they rest on, JSON-ready.

    The served model is ``model``'s shape where it is a published one, else the run's ``params`` (or, for a
    loss alone, the compute-optimal model's) on ``DEFAULT_FAMILY``'s shape scaled to that size. The training
    price is ``training_price`` where given (per chip-hour: on ``hardware`` at ``utilization``), else modelled.
    ``precision``: the served weights' format (``calc.serve``'s default where None: ``calc.serve.load.default_precision``).

    >>> kw, why = lifetime_prices("H100 SXM5", params=13e9, tokens=576e9)
    >>> sorted(kw), why["serving"]["source"]
    (['serving_price', 'serving_price_params', 'training_price'], 'modelled')
    """
    from calc.architecture import Transformer
    from calc.architecture import shape_name as published_shape

    n = shape_name = None
    if isinstance(model, Transformer):  # a shape of its own (lifetime --config): served as it is
        shape_name = model
    elif model is not None:
        try:  # a published shape as people type it ("llama 3 70b"), as calc.lifetime reads the model
            shape_name = published_shape(model)
        except InputError:
            shape_name = None
    if model is not None and shape_name is None:
        from calc.data import model as run

        n = run(model).quantities.get("params")
    elif model is None and params is not None:
        n = params
    elif model is None and loss is not None:
        from calc.lifetime import lifetime

        n = lifetime(loss=loss, law=law).compute_optimal.params
    train, serve_price, n_serve, words = modelled_prices(hardware, params=n, model=shape_name,
                                                         utilization=None if training_price else utilization,
                                                         precision=precision, priced=training_price is not None)
    kw = {"serving_price": serve_price, "serving_price_params": n_serve}
    if training_price is None:
        kw["training_price"] = train
    else:  # the user's training price, read by calc.lifetime as before
        kw.update(training_price=training_price, hardware=hardware, utilization=utilization)
        if utilization is None:
            from calc.lifetime.dollars import UTILIZATION_MISSING, _per_chip_hour

            if _per_chip_hour(training_price):  # the chip is given: the MFU is what is missing ("needs the chip" was said)
                raise InputError("utilization", UTILIZATION_MISSING)
            kw.pop("hardware"), kw.pop("utilization")
    why = {"source": "modelled",
           "basis": f"{words['serving']}; " + (words["training"] if training_price is None else "training: the price given"),
           "serving": {"source": "modelled", "value": float(serve_price.m_as("USD/Mtoken")), "unit": "USD/Mtoken",
                       "params": float(n_serve.m_as("param")), "precision": words["precision"], "chips": words["chips"]},
           "training": ({"source": "modelled", "value": float(train.m_as("USD/EFLOP")), "unit": "USD/EFLOP"}
                        if training_price is None else {"source": "given"})}
    return kw, why
