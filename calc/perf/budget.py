"""The budget search: the chip count and layout that train a model fastest (or cheapest) within a budget.

For chip counts in powers of two, the fastest layout that fits (calc.perf.search) gives the run's
duration, chip-hours and cost at a price (calc.estimate's default price, or one given).
"""

from __future__ import annotations

from dataclasses import dataclass

import pint

from calc.architecture import lookup, published  # noqa: F401 (published: the doctest's)
from calc.errors import InputError, checks_keywords, did_you_mean
from calc.perf.layout import whole
from calc.perf.search import search
from calc.perf.step import Step, whole_chips  # noqa: F401 (Step: the type of Option.step)
from calc.perf.system import build_chip, resolve_hardware
from calc.units import Q_, parse_quantity

LARGEST_CLUSTER = 131_072  # chips: the default largest count tried


@dataclass(frozen=True)
class Option:
    """One chip count: its fastest layout that fits, and what the whole run then takes."""

    chips: int
    step: Step
    duration: pint.Quantity  # day
    chip_hours: pint.Quantity  # chip*hour
    cost: pint.Quantity | None  # USD, at the search's price (None: no price)
    within: bool  # within the budget


@dataclass(frozen=True)
class BudgetSearch:
    """Chip counts and their fastest layouts for a run of ``tokens``, against a budget."""

    options: list  # every chip count with a layout that fits, fewest chips first
    best: Option | None  # the fastest (or cheapest) run within the budget
    budget: pint.Quantity  # USD or chip*hour
    price: pint.Quantity | None  # USD/chip/hour
    price_source: str
    why: str
    stopped: str = "max_chips"  # why no more chips were tried: "batch", "budget", "max_chips" or "links"


GOALS = ("fastest", "cheapest")


@checks_keywords("calc.perf.budget_search")
def budget_search(model, hardware, global_batch: int, tokens, budget, *, sequence: int | None = None,
                  precision: str | None = None, flash_attention: bool = True, price=None, max_chips=None,
                  goal: str = "fastest") -> BudgetSearch:
    """The chip count and layout that train ``model`` on ``tokens`` fastest (or cheapest) within a budget.

    .. math:: \\text{cost}(n) = n \\, \\frac{D}{B s} \\, t_{step}(n) \\, \\text{price}

    For chip counts n in powers of two (up to ``max_chips``), the fastest layout that fits
    (:func:`search`; at a given chip count the fastest is also the cheapest) gives the run's
    duration, chip-hours and cost; ``goal`` picks the fastest run within the budget or the cheapest.
    Counts stop growing once two in a row are over the budget (more chips cost more chip-hours).

    Parameters
    ----------
    budget : Quantity or str
        A cost ("$2M", "2e6 USD") or chip-hours ("434k GPU-hours").
    price : Quantity or str, optional
        USD per chip-hour; default: calc.estimate's default price (calc.cost.default_price).
    max_chips : int, optional
        The largest cluster to consider (default 131,072).

    Examples
    --------
    >>> llama = published()["Llama 2 7B"][0]
    >>> r = budget_search(llama, "H100 SXM5", 1024, "2e12 token", "$1M")
    >>> r.best.within and r.best.cost.m_as("USD") <= 1e6
    True
    """
    from calc.display import counted, number

    model = lookup(model)
    global_batch = whole("global_batch", global_batch)
    sequence = model.training_sequence if sequence is None else whole("sequence", sequence)
    tokens_wanted = parse_quantity(tokens, "tokens", "token", bare_ok=True).m_as("token")
    if not tokens_wanted > 0:
        raise InputError("tokens", f"expected a positive number of training tokens, got {tokens!r}")
    money = _budget(budget)
    if goal not in GOALS:
        raise InputError("goal", f"expected one of {', '.join(GOALS)}, got {goal!r}{did_you_mean(goal, GOALS)}")
    top = LARGEST_CLUSTER if max_chips is None else whole_chips(max_chips)
    hw = resolve_hardware(hardware)
    rate, source = _price(price, hw, money)
    chip = build_chip(hw, precision)
    linked = top  # the chip counts its links allow: a node without a network figure, one chip without any
    if chip.network_bandwidth is None:
        linked = min(top, max(chip.chips_per_node, 1) if chip.intra_node_bandwidth is not None else 1)
    steps = tokens_wanted / (global_batch * sequence)
    counts = [2 ** i for i in range(top.bit_length()) if 2 ** i <= top] + ([top] if top & (top - 1) else [])
    options, over, stopped = [], 0, "max_chips" if linked == top else "links"
    counts = [n for n in counts if n <= linked]
    for chips in counts:
        found = search(model, hw, chips, global_batch, sequence=sequence, precision=precision,
                       flash_attention=flash_attention, top=1, explain=False)
        if not found.steps:
            if found.tried == 0 and chips > global_batch:
                stopped = "batch"  # more chips than the batch can spread over
                break
            continue
        fastest = found.steps[0]
        seconds = steps * fastest.seconds_per_step
        hours = Q_(chips * seconds / 3600, "chip*hour")
        cost = None if rate is None else (hours * rate).to("USD")
        spent = cost if money.check("[currency]") else hours
        within = spent.m_as(money.units) <= money.magnitude
        options.append(Option(chips, fastest, Q_(seconds, "s").to("day"), hours, cost, within))
        over = 0 if within else over + 1
        if over >= 2 and any(o.within for o in options):
            stopped = "budget"
            break
    fits = [o for o in options if o.within]
    key = (lambda o: (o.duration, o.chips)) if goal == "fastest" else (lambda o: (o.chip_hours, o.duration))
    best = min(fits, key=key) if fits else None
    why = _budget_why(best, options, money, hw.name, goal, tokens_wanted)
    if stopped == "batch" and best is options[-1] and goal == "fastest":
        why = why[:-1] + (f"; {number(2 * best.chips)} chips or more have no layout for a global batch of "
                          f"{counted(global_batch, 'sequence')}: a larger batch would use them.")
    if stopped == "links":  # the counts were limited to what the chip's links allow: said, with the figure missing
        why += (f" Chip counts stop at {number(linked)}: data/hardware.csv has no "
                + ("network bandwidth" if linked > 1 else "link bandwidth") + f" for {hw.name}"
                + (f" to lay a run beyond its node of {number(linked)}" if linked > 1 else "") + ".")
    return BudgetSearch(options, best, money, rate, source, why, stopped)


def _price(price, hw, money) -> tuple:
    """(USD per chip-hour or None, where it comes from): the price given, or calc.estimate's default by the same rule."""
    if price is not None:
        return parse_quantity(price, "price", "USD/chip/hour", bare_ok=True).to("USD/chip/hour"), "given"
    from calc.prices import default_price, no_price_message, price_basis

    found = default_price(hw)
    if found is None and money.check("[currency]"):
        raise InputError("price", no_price_message(hw) + "; or give the budget in chip-hours")
    return (None, "none") if found is None else (found.price.to("USD/chip/hour"), price_basis(found))


def _budget(value) -> pint.Quantity:
    expected = 'a cost in USD ("$2M", "2e6 USD") or chip-hours ("434k GPU-hours")'
    for unit in ("USD", "chip*hour"):
        try:
            q = parse_quantity(value, "budget", unit, bare_ok=False)
        except InputError:
            continue
        if not q.magnitude > 0:
            raise InputError("budget", f"expected {expected} above zero, got {value!r}")
        return q.to(unit)
    try:  # a bare number ("0", "-5", "2e6") was told only the units, not that it must be above zero
        float(str(value).replace(",", ""))
    except ValueError:
        raise InputError("budget", f"expected {expected}, got {value!r}") from None
    raise InputError("budget", f"expected {expected} above zero, got {value!r}: a number with no unit")


def _budget_why(best, options, money, chip, goal, tokens) -> str:
    from calc.display import number, show

    def run(o):
        cost = "" if o.cost is None else f", {show('cost', o.cost)}"
        return (f"{number(o.chips)} {chip} ({o.step.layout.describe()}) take {show('duration', o.duration)}, "
                f"{show('chip_hours', o.chip_hours)}{cost}")

    limit = show("cost", money) if money.check("[currency]") else show("chip_hours", money)
    what = f"{show('tokens', Q_(tokens, 'token'))}"
    if not options:
        return f"no chip count up to the largest tried has a layout that fits for {what}."
    if best is None:
        cheapest = min(options, key=lambda o: o.chip_hours)
        return f"no run fits within {limit}; the cheapest: {run(cheapest)}."
    text = f"For {what}: {run(best)}, the {goal} within {limit}"
    if goal == "fastest":
        faster = [o for o in options if o.duration < best.duration and not o.within]
        if faster:
            nxt = min(faster, key=lambda o: o.chips)
            text += f"; {run(nxt)}, over the budget"
    else:
        faster = [o for o in options if o.within and o.duration < best.duration]
        if faster:
            text += f"; the fastest within it, {run(min(faster, key=lambda o: o.duration))}"
    return text + "."
