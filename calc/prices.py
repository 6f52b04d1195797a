"""Prices as the data lists them: rental prices in force on a date (and the one rule that picks the default
vendor), purchase prices and electricity prices; a price given per node read as a price per chip (``read_price``). Nothing is extrapolated backwards: a run that starts up to a
year before the first listed price takes that first price, and the basis says so.

``calc.cost`` turns these into the cost of a run by each method; ``calc.estimate`` takes its default price here.
Each function takes the chip as a name or a ``calc.data.Hardware`` (resolved once by ``calc.data.hardware``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pint

from calc import data
from calc.errors import InputError, did_you_mean
from calc.reader import check_value, read_chips, read_value
from calc.units import Q_, parse_quantity


def latest_year() -> int:
    """The last year a run can be priced in, one rule for a start date and for ``--year``: the year after
    the newest of today and the newest dated row (prices, producer price index). Beyond it nothing is
    known; up to it, the newest data stands in, and the basis says so."""
    newest = max([p.date.year for p in data.prices()] + list(data.ppi()) + [dt.date.today().year])
    return newest + 1


def as_date(value, field_name: str) -> dt.date:
    """``value`` (a date, a datetime or ISO text) as a date, up to the end of ``latest_year``; an
    ``InputError`` naming ``field_name`` else."""
    if isinstance(value, dt.datetime):
        when = value.date()
    elif isinstance(value, dt.date):
        when = value
    else:
        try:
            when = dt.date.fromisoformat(str(value))
        except ValueError:
            raise InputError(field_name, f"expected a date YYYY-MM-DD, got {value!r:.40}") from None
    if when.year > latest_year():
        raise InputError(field_name, f"expected a date up to {latest_year()}-12-31 (a year past the newest prices "
                                     f"and today), got {when}: nothing is known of prices then")
    return when


# The default rental price: one rule for every chip, tier and door (estimate, Cost, Thresholds, CLI).
LIST_PRICE_CLOUDS = ("Amazon Web Services", "Google Cloud", "Microsoft Azure")
DEFAULT_PRICE_RULE = ("one cloud per chip: of the three big clouds (AWS, Google Cloud, Azure), the one whose "
                      "on-demand list price in force is lowest, and its 1- and 3-year prices too; a chip that none "
                      "of them lists takes the lowest other public price, marked as such")


def _vendors_in_force(hw: data.Hardware, when: dt.date | None) -> dict[str, data.Price]:
    """Each vendor's on-demand price of ``hw`` in force on ``when`` (its newest row dated on or before)."""
    vendors = {p.vendor for p in data.prices() if p.hardware == hw.name and p.commitment == "on-demand"}
    found = {v: data.price_in_force(hw.name, "on-demand", when, v) for v in sorted(vendors)}
    return {v: p for v, p in found.items() if p is not None}


def default_vendor(hardware: str | data.Hardware, start=None) -> str | None:
    """The vendor whose prices are the default for ``hardware`` on ``start`` (default: the newest data), by
    ``DEFAULT_PRICE_RULE``; None when no on-demand price is in force.

    Examples
    --------
    >>> default_vendor("A100 SXM4 40GB", "2023-01-01")  # Google Cloud $2.93 against AWS $4.10; Lambda is not a big cloud
    'Google Cloud'
    """
    hw = data.hardware(hardware)
    when = None if start is None else as_date(start, "start")
    in_force = _vendors_in_force(hw, when)
    big = {v: p for v, p in in_force.items() if v in LIST_PRICE_CLOUDS}
    pool = big or in_force
    return min(pool, key=lambda v: pool[v].price.magnitude) if pool else None


def default_price(hardware: str | data.Hardware, commitment: str = "on-demand", start=None) -> data.Price | None:
    """The default rental price of ``hardware`` at ``commitment`` on ``start`` (default: the newest data), by
    ``DEFAULT_PRICE_RULE``; None when the default vendor lists no such price (or no vendor any)."""
    hw = data.hardware(hardware)
    vendor = default_vendor(hw, start)
    when = None if start is None else as_date(start, "start")
    return None if vendor is None else data.price_in_force(hw.name, commitment, when, vendor)


def price_basis(p: data.Price, chosen: bool = False, when: dt.date | None = None) -> str:
    """Where a rental price comes from, in words: vendor, region, date, price, and the rule that chose it.
    ``when``: the date the price is for (default: the price's own). Where a big cloud's price of the chip is in
    data/prices.csv but none is in force on that date (AWS and Google Cloud list the H100 SXM5 from 2025-03-17
    there), the words say so and name the first, not that no big cloud lists the chip."""
    where = " ".join(x for x in (p.vendor, p.region) if x)
    said = f"{where}, {p.date}: ${p.price.m_as('USD/chip/hour'):.2f} per chip-hour {p.commitment}"
    if chosen:
        return said + " (the vendor asked for)"
    if p.vendor in LIST_PRICE_CLOUDS:
        return said + (" (default: the big cloud with the lowest on-demand list price for this chip in force, each "
                       "cloud's newest listing by the date, not an older, cheaper one)")
    big = [r for r in data.prices() if r.hardware == p.hardware and r.vendor in LIST_PRICE_CLOUDS
           and r.commitment == "on-demand"]
    if big:
        first = min(big, key=lambda r: r.date)
        return said + (f" (default: data/prices.csv has no big cloud's price of the {p.hardware} in force on "
                       f"{when or p.date} (its first: {first.vendor}, {first.date}); this is the lowest other "
                       "public price)")
    return said + (f" (default: no big cloud (AWS, Google Cloud, Azure) lists the {p.hardware}; "
                   "this is the lowest other public price)")


def no_price_message(hardware: str | data.Hardware) -> str:
    """What to say when ``hardware`` has no public rental price in data/prices.csv, and how to give one."""
    hw = data.hardware(hardware)
    return (f"no public rental price for the {hw.name}: no cloud in data/prices.csv lists it. Give a price "
            "yourself (the Estimate page's Price per chip-hour field, --price \"2.5 USD/chip/hour\", or price= in Python), "
            "or add a dated, sourced row to data/prices.csv")


def rental_price(hardware: str | data.Hardware, start, commitment: str = "on-demand", vendor: str | None = None) -> data.Price:
    """The price of ``hardware`` at ``commitment`` in force on ``start``: ``vendor``'s if given, else the
    default by ``DEFAULT_PRICE_RULE``. Raises ``InputError`` saying why when there is none (no public price,
    a date before the data begins, or no such tier from the vendor); nothing is extrapolated backwards."""
    hw = data.hardware(hardware)
    when = as_date(start, "start")
    if commitment not in data.COMMITMENTS:
        raise InputError("commitment", f"expected one of {', '.join(data.COMMITMENTS)}, got {commitment!r}"
                                       f"{did_you_mean(commitment, data.COMMITMENTS)}")
    rows = [p for p in data.prices() if p.hardware == hw.name and (vendor is None or p.vendor == vendor)]
    if not rows:
        raise InputError("price", no_price_message(hw) if vendor is None else
                         f"data/prices.csv has no price for the {hw.name} from {vendor}")
    chosen = vendor or default_vendor(hw, when)
    p = None if chosen is None else data.price_in_force(hw.name, commitment, when, chosen)
    if p is None:
        first = min(r.date for r in rows)
        if when < first:  # the earliest listed price stands in, and the basis says so (``before_first_note``)
            _check_reach(when, first, f"the first price of the {hw.name} in data/prices.csv")
            return rental_price(hw, first, commitment, vendor)
        raise InputError("price", f"{chosen or 'no vendor'} lists no {commitment} price for the {hw.name} in force "
                                  f"on {when} (data/prices.csv); every tier comes from one vendor so that tiers "
                                  "compare like with like")
    return p


# How far before the first listed price a run may start and still take it: published runs start weeks before
# the first public listing of their chip (DeepSeek-V3 58 days, BLOOM-176B 31); years before, the chip
# was not on sale, and a price from then would be invented.
FIRST_PRICE_REACH = dt.timedelta(days=365)


def _check_reach(when: dt.date, first: dt.date, what: str) -> None:
    if first - when > FIRST_PRICE_REACH:
        raise InputError("start", f"{when} is more than a year before {what} ({first}); no price is "
                                  "extrapolated backwards")


def before_first_note(price_date: dt.date, when: dt.date) -> str:
    """What to add to a basis when the price used is dated after the run's start (the first price listed):
    nothing is extrapolated backwards, so the earliest listed price stands in, said with how far it is."""
    if price_date <= when:
        return ""
    days = (price_date - when).days
    return f"; the first price listed, {price_date}, {days} day{'s' if days != 1 else ''} after the run's start"


def purchase_price(hardware: str | data.Hardware, start) -> data.PurchasePrice:
    """The purchase price of ``hardware`` in force on ``start`` (the newest row dated on or before it; for a
    start up to a year before the first row, the first row, which the caller's basis says); raises
    ``InputError`` when there is no purchase price at all, or the start is further back."""
    hw = data.hardware(hardware)
    when = as_date(start, "start")
    rows = sorted((p for p in data.purchase_prices() if p.hardware == hw.name), key=lambda p: p.date)
    if not rows:
        raise InputError("hardware", f"data/purchase_prices.csv has no purchase price for the {hw.name}: "
                                     "no ownership or acquisition cost")
    before = [p for p in rows if p.date <= when]
    if not before:
        _check_reach(when, rows[0].date, f"the first purchase price of the {hw.name} in data/purchase_prices.csv")
    return before[-1] if before else rows[0]


def electricity_price(year: int) -> tuple[pint.Quantity, str]:
    """The electricity price of ``year`` and, for a year after the last row, the last year's price with a note
    saying so (a run of today is priced at the newest price known); a year before the first is refused."""
    prices = data.electricity_prices()
    if year in prices:
        return prices[year], ""
    first, last = min(prices), max(prices)
    if year < first:
        raise InputError("start", f"data/electricity_prices.csv covers {first}-{last}, not {year}; no price is "
                                  "extrapolated backwards")
    return prices[last], f"electricity at {last}'s price, the latest in data/electricity_prices.csv"


# The most chips a priced machine holds: an 8-GPU server; more is a fast-link domain (a TPU pod, an NVL72 rack),
# not what a cloud's hourly node price buys.
_MAX_NODE = 16


def node_size(hardware=None, chips_per_node=None) -> tuple[int, str]:
    """The chips in one priced machine: ``chips_per_node`` if given, else the hardware's server size of
    data/hardware.csv (8 for an HGX H100); and where it came from, in words.

    >>> node_size("H100 SXM5")[0]
    8
    """
    if chips_per_node is not None:
        n = read_chips(chips_per_node, "chips_per_node")
        return int(n.m_as("chip")), "the chips per node given"
    if not hardware:
        raise InputError("price", "a price per node needs the chips in a node: give the hardware (data/hardware.csv "
                                  "has its server size) or chips_per_node (--chips-per-node 8)")
    hw = data.hardware(hardware)
    if hw.chips_per_node is None or hw.chips_per_node > _MAX_NODE:
        domain = "" if hw.chips_per_node is None else f" (its fast-link domain is {hw.chips_per_node:,} chips, not a machine)"
        raise InputError("price", f"a price per node needs the chips in a node: data/hardware.csv gives no server size "
                                  f"for the {hw.name}{domain}; give chips_per_node (--chips-per-node)")
    return hw.chips_per_node, f"the {hw.name}'s server, data/hardware.csv"


def read_price(value, hardware=None, chips_per_node=None, name: str = "price") -> tuple[pint.Quantity, str]:
    """A rental price per chip-hour, given per chip (``"2 USD/chip/hour"``) or per node (``"14 USD/h/node"``,
    an 8-GPU machine): a node's price is divided by its chips (``node_size``). The one reader of a price at
    every door. Returns the price [USD/chip/hour] and how it was read.

    >>> read_price("14 USD/h/node", "H100 SXM5")[0]
    <Quantity(1.75, 'USD / chip / hour')>
    """
    try:
        return _read_price(value, hardware, chips_per_node)
    except InputError as exc:  # read as a price; named as the caller's field (--price-per-node)
        if name == "price" or exc.field != "price":
            raise
        raise InputError(name, exc.message) from None


def _read_price(value, hardware, chips_per_node, name: str = "price") -> tuple[pint.Quantity, str]:
    try:
        return read_value(name, value, one=False), "given"
    except InputError as exc:
        try:
            per_node = parse_quantity(value, name, "USD/hour/node", bare_ok=False)
        except InputError:
            if chips_per_node is not None:  # "14 USD/h" with the machine's size: a node's price
                try:
                    per_node = parse_quantity(value, name, "USD/hour", bare_ok=False) / Q_(1, "node")
                except InputError:
                    raise exc from None
            else:
                raise exc from None
    n, where = node_size(hardware, chips_per_node)
    q = (per_node * Q_(1, "node") / Q_(n, "chip")).to("USD/chip/hour")
    check_value(name, q)
    from calc.display import number

    m = per_node.m_as("USD/hour/node")
    shown = number(float(m)) if np.ndim(m) == 0 else "the prices"
    return q, f"given per node: ${shown} per hour for {n} chip{'s' * (n != 1)} ({where})"
