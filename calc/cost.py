"""What a run costs by each method, in the dollars of any year, and why the methods disagree.

Methods, each from dated rows of ``data/`` (never extrapolated past them):

    cloud        chip-hours x the rental price in force at the start date
                 (on-demand, 1-year or 3-year commitment)
    amortized    ownership as in [Cottier2024]: the server's value at the start date,
                 depreciated by hardware progress (0.14 orders of magnitude a year) and
                 amortized at that rate over the run's chip-hours, plus cluster interconnect
                 (19% of a cluster's cost), plus energy: chip TDP x server power factor x
                 average load x PUE x the year's electricity price
    acquisition  the up-front price of the whole cluster: chips x server price / (1 - 0.19)

``in_dollars_of`` converts between years with the producer price index for data processing and
hosting (FRED PCU518210518210), as [Cottier2024] does.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pint

from calc import data
from calc.errors import InputError
from calc.units import Q_

YEAR = Q_(1, "year")


@dataclass(frozen=True)
class Cost:
    """A cost with its method, its parts and the data rows behind it."""

    method: str
    value: pint.Quantity  # USD, in the dollars of ``year``
    year: int
    parts: dict = field(default_factory=dict)  # name -> Quantity [USD]
    basis: str = ""  # the prices and assumptions used, in words

    def __post_init__(self):
        usd = float(self.value.m_as("USD"))
        if not (math.isfinite(usd) and usd > 0):  # every door's inputs are finite: only their product can overflow
            raise InputError("cost", f"the {self.method} cost comes out beyond what a float holds; "
                                     "check the magnitudes of the chips or chip-hours given")


def _date(value, field_name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(field_name, f"expected a date YYYY-MM-DD, got {value!r}") from None


def _chip_hours(chip_hours) -> pint.Quantity:
    from calc.estimate import read_value

    return read_value("chip_hours", chip_hours)


def check_run(chip_hours, hardware: str, start) -> tuple[pint.Quantity, data.Hardware, dt.date]:
    """Parse and check the inputs every method shares; raises ``InputError`` naming the bad one."""
    return _chip_hours(chip_hours), data.hardware(hardware), _date(start, "start")


def rental_price(hardware: str, start, commitment: str = "on-demand", vendor: str | None = None) -> data.Price:
    """The lowest price of ``hardware`` at ``commitment`` in force on ``start`` (the newest row of
    each vendor dated on or before it). Raises ``InputError`` for a date before the data begins."""
    hw = data.hardware(hardware)
    when = _date(start, "start")
    if commitment not in data.COMMITMENTS:
        raise InputError("commitment", f"expected one of {', '.join(data.COMMITMENTS)}, got {commitment!r}")
    first = [p for p in data.prices() if p.hardware == hw.name and p.commitment == commitment
             and (vendor is None or p.vendor == vendor)]
    if not first:
        raise InputError("price", f"data/prices.csv has no {commitment} price for {hw.name}"
                         + (f" from {vendor}" if vendor else ""))
    p = data.price_in_force(hw.name, commitment, when, vendor)
    if p is None:
        raise InputError("start", f"{when} is before the first {commitment} price of {hw.name} in "
                                  f"data/prices.csv ({first[0].date}); no price is extrapolated backwards")
    return p


def cloud_cost(chip_hours, hardware: str, start, commitment: str = "on-demand", vendor: str | None = None) -> Cost:
    """Rental cost: chip-hours x the price in force at ``start``.

    Examples
    --------
    >>> c = cloud_cost("3.552e6 chip*hour", "V100 SXM2", "2020-04-01", "3-year")
    >>> round(c.value.m_as("MUSD"), 2)
    4.3
    """
    hours = _chip_hours(chip_hours)
    p = rental_price(hardware, start, commitment, vendor)
    value = (hours * p.price).to("USD")
    return Cost(f"cloud ({commitment})", value, _date(start, "start").year, {"rental": value},
                f"{p.vendor} {p.region or ''} {p.date}: ${p.price.m_as('USD/chip/hour'):.2f}/chip-hour".replace("  ", " "))


def server_value(hardware: str, start) -> tuple[pint.Quantity, data.PurchasePrice]:
    """A server's value per chip at ``start``: the purchase price in force (a bare chip's price times
    the server overhead), depreciated by hardware progress since that price's date [Cottier2024]."""
    hw = data.hardware(hardware)
    when = _date(start, "start")
    rows = [p for p in data.purchase_prices() if p.hardware == hw.name]
    if not rows:
        raise InputError("hardware", f"data/purchase_prices.csv has no purchase price for {hw.name}")
    before = [p for p in rows if p.date <= when]
    if not before:
        raise InputError("start", f"{when} is before the first purchase price of {hw.name} in "
                                  f"data/purchase_prices.csv ({rows[0].date})")
    p = before[-1]
    value = p.price
    if p.level == "chip":
        value = value * data.ownership()[hw.name]["server_cost_overhead"]
    years = ((when - p.date).days * Q_(1, "day")).to("year")
    rate = data.defaults()["price_performance_ooms_per_year"].value
    return value * 10 ** (-(rate * years).m_as("")), p


def amortized_cost(chip_hours, hardware: str, start, pue=None) -> Cost:
    """Ownership cost of the run's chip-hours [Cottier2024]: depreciation, interconnect and energy.

    .. math::
        C = V r h + V r h \\frac{f}{1-f} + h \\cdot TDP \\cdot k_{server} \\cdot \\ell \\cdot PUE \\cdot p_{kWh}

    with V the server value per chip at the start, r = 0.14 ln 10 per year, h the chip-hours,
    f the interconnect share, k the server power per chip TDP, l the average load.
    """
    hours = _chip_hours(chip_hours)
    hw = data.hardware(hardware)
    when = _date(start, "start")
    value, row = server_value(hw.name, when)
    own = data.ownership()[hw.name]
    d = data.defaults()
    rate = d["price_performance_ooms_per_year"].value * math.log(10)
    hardware_cost = (value * rate * hours).to("USD")
    chips_part = hardware_cost / own["server_cost_overhead"]
    f = d["cluster_interconnect_fraction"].value.m_as("")
    interconnect = hardware_cost * f / (1 - f)
    parts = {"accelerators": chips_part, "other server parts": hardware_cost - chips_part,
             "cluster interconnect": interconnect}
    if hw.tdp is None:
        raise InputError("hardware", f"data/hardware.csv has no TDP for {hw.name}: the energy cost needs one")
    prices = data.electricity_prices()
    if when.year not in prices:
        raise InputError("start", f"data/electricity_prices.csv covers {min(prices)}-{max(prices)}, not {when.year}")
    from calc.estimate import read_value

    pue_q = read_value("pue", pue if pue is not None else d["pue"].value)
    power = hw.tdp * own["server_power_per_chip_tdp"] * own["average_load"] * pue_q
    parts["energy"] = (hours * power * prices[when.year]).to("USD")
    total = sum(parts.values(), Q_(0.0, "USD"))
    basis = (f"server value ${value.m_as('USD/chip'):,.0f}/chip at {when} (bought {row.date} at "
             f"${row.price.m_as('USD/chip'):,.0f}, {row.level} price); PUE {pue_q.m_as(''):g}; "
             f"electricity ${prices[when.year].m_as('USD/kWh'):.4f}/kWh ({when.year})")
    return Cost("amortized ownership", total, when.year, parts, basis)


def acquisition_cost(chips, hardware: str, start) -> Cost:
    """The up-front price of the cluster: chips x server price per chip, plus interconnect."""
    from calc.estimate import read_value

    n = read_value("chips", chips)
    hw = data.hardware(hardware)
    when = _date(start, "start")
    rows = [p for p in data.purchase_prices() if p.hardware == hw.name and p.date <= when]
    if not rows:
        raise InputError("start", f"{when} is before the first purchase price of {hw.name} in data/purchase_prices.csv")
    p = rows[-1]
    overhead = data.ownership()[hw.name]["server_cost_overhead"] if p.level == "chip" else 1
    per_chip = p.price * overhead
    f = data.defaults()["cluster_interconnect_fraction"].value.m_as("")
    servers = (n * per_chip).to("USD")
    server_part = f" × {float(overhead):.3g} for the rest of the server" if p.level == "chip" else ""
    return Cost("acquisition", servers / (1 - f), when.year,
                {"servers": servers, "cluster interconnect": servers * f / (1 - f)},
                f"{n.m_as('chip'):,.0f} chips × ${p.price.m_as('USD/chip'):,.0f}/chip ({p.level} price of "
                f"{p.date}){server_part}, / (1 − {f:.0%}) for the cluster interconnect")


def latest_covered_date(hardware: str) -> dt.date:
    """The newest date that every table behind the cost methods covers for ``hardware``: its latest
    rental and purchase prices, and the last year of electricity prices. Never later than the data."""
    hw = data.hardware(hardware)
    dates = [p.date for p in data.prices() if p.hardware == hw.name]
    dates += [p.date for p in data.purchase_prices() if p.hardware == hw.name]
    if not dates:
        raise InputError("hardware", f"no price of any kind for {hw.name} in data/")
    return min(max(dates), dt.date(max(data.electricity_prices()), 12, 31))


def committed_vendor(hardware: str, start) -> str | None:
    """The vendor of the cheapest 3-year price of ``hardware`` in force at ``start`` (None if no vendor
    has one): its on-demand price is the like-for-like comparison, since vendors' tiers differ."""
    p = data.price_in_force(data.hardware(hardware).name, "3-year", _date(start, "start"))
    if p is None or data.price_in_force(p.hardware, "on-demand", _date(start, "start"), p.vendor) is None:
        return None
    return p.vendor


def all_methods(chip_hours, hardware: str, start) -> list:
    """Every method's cost for the same chip-hours; a method the data cannot serve gives its InputError.

    Both cloud prices come from one vendor (``committed_vendor``), so on-demand and 3-year compare
    like with like; with no such vendor, the cheapest on-demand price of any vendor.
    """
    out = []
    vendor = committed_vendor(hardware, start)
    for fn, kw in ((cloud_cost, {"commitment": "on-demand", "vendor": vendor}),
                   (cloud_cost, {"commitment": "3-year", "vendor": vendor}), (amortized_cost, {})):
        try:
            out.append(fn(chip_hours, hardware, start, **kw))
        except InputError as exc:
            out.append(exc)
    return out


def in_dollars_of(cost: Cost, year: int) -> Cost:
    """``cost`` in the dollars of ``year``, by the producer price index's annual averages."""
    index = data.ppi()
    if isinstance(year, bool) or not isinstance(year, int):
        raise InputError("year", f"expected a whole-number year such as 2024, got {year!r:.40}")
    for y in (cost.year, year):
        if y not in index:
            raise InputError("year", f"data/ppi.csv covers {min(index)}-{max(index)}, not {y}")
    k = index[year] / index[cost.year]
    return Cost(cost.method, cost.value * k, year, {n: v * k for n, v in cost.parts.items()},
                cost.basis + f"; x{k:.3f} for {cost.year} to {year} dollars")


def reconcile(compute, hardware: str, chip_hours, start, precision: str | None = None, year: int | None = None) -> list[tuple[str, pint.Quantity, str]]:
    """From the idealised rental estimate to ownership in constant dollars, one factor at a time.

    Steps: (1) chip-hours at 100% of the peak, at the lowest 3-year price; (2) the run's real
    chip-hours; (3) on-demand instead of committed; (4) amortized ownership instead of rental;
    (5) in the dollars of ``year``. Returns (label, cost, what changed).
    """
    from calc.estimate import estimate, read_value

    hw = data.hardware(hardware)
    if compute is None:
        raise InputError("compute", "required: the reconciliation starts from the run's compute")
    ideal = estimate(compute=read_value("compute", compute), hardware=hw.name, precision=precision, utilization=1,
                     chips=1).chip_hours
    real = _chip_hours(chip_hours)
    when = _date(start, "start")
    steps = [
        ("ideal hours, 3-year price", cloud_cost(ideal, hw.name, when, "3-year").value,
         f"compute at 100% of the {hw.name}'s peak: {ideal.m_as('chip*hour'):,.0f} chip-hours"),
        ("real hours, 3-year price", cloud_cost(real, hw.name, when, "3-year").value,
         f"the run's reported {real.m_as('chip*hour'):,.0f} chip-hours (utilization "
         f"{ideal.m_as('chip*hour') / real.m_as('chip*hour'):.0%} of peak)"),
        ("on-demand price", cloud_cost(real, hw.name, when, "on-demand").value, "no commitment discount"),
        ("amortized ownership", amortized_cost(real, hw.name, when).value,
         "owning the hardware: depreciation, interconnect and energy"),
    ]
    if year is not None and year != when.year:
        owned = in_dollars_of(amortized_cost(real, hw.name, when), year)
        steps.append((f"in {year} dollars", owned.value, f"producer price index, {when.year} to {year}"))
    return steps
