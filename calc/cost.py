"""What a run costs by each method, in the dollars of any year, and why the methods disagree.

Methods, each from dated rows of ``data/`` (never extrapolated backwards: a run that starts up to a year before the
first listed price takes that first price, said in the basis; a price stays in force until a newer row, and a year past the last electricity price or producer price index is priced at the last
one, said in the basis):

    given        chip-hours x the price the user gave (``given_price_cost``)
    cloud        chip-hours x the rental price in force at the start date
                 (on-demand, 1-year or 3-year commitment); by default every chip's prices come
                 from one cloud chosen by one rule (``DEFAULT_PRICE_RULE``), so chips and tiers
                 compare like with like
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
from calc.errors import ConflictError, InputError
from calc.prices import (
    DEFAULT_PRICE_RULE,
    FIRST_PRICE_REACH,
    LIST_PRICE_CLOUDS,
    as_date,
    before_first_note,
    default_price,
    default_vendor,
    electricity_price,
    latest_year,
    no_price_message,
    price_basis,
    purchase_price,
    rental_price,
)
from calc.reader import read_chips, read_value
from calc.units import Q_

YEAR = Q_(1, "year")

# The price functions live in calc.prices; they are named here too, where callers have long found them.
__all__ = ["Cost", "DEFAULT_PRICE_RULE", "FIRST_PRICE_REACH", "LIST_PRICE_CLOUDS", "acquisition_cost", "all_methods",
           "amortized_cost", "before_first_note", "check_run", "cloud_cost", "default_price", "default_vendor",
           "dollars_year", "electricity_price", "given_price_cost", "in_dollars_of", "no_price_message",
           "price_basis", "published_run", "purchase_price", "reconcile", "rental_price", "scenario_start",
           "server_value"]


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


def _chip_hours(chip_hours) -> pint.Quantity:
    return read_value("chip_hours", chip_hours)


def scenario_start() -> dt.date:
    """The start of a run that has no date of its own (a scenario, a cluster): today. Its rental price is then
    the newest in force, the price ``calc.estimate`` defaults to, so one run gets one price on every page."""
    return dt.date.today()


def published_run(name: str) -> dict:
    """A published run of data/models.csv as a run to price: hardware, chip-hours, chips, compute, start.

    The start is the publication date minus the training time, in whole days counted up: the last day
    the run can have started (GPT-3: 2020-05-28 minus 14.8 days is 2020-05-13). The training time is the
    reported duration, else chip-hours / chips, else none (the publication date itself). The one rule
    for the app and the command line.
    """
    m = data.model(name)
    q = m.quantities
    if not m.hardware:
        raise InputError("model", f"data/models.csv gives no hardware for {m.name}: its cost cannot be priced")
    hours = q["chip_hours"] if "chip_hours" in q else q["chips"] * q["duration"] if {"chips", "duration"} <= set(q) \
        else None
    days = (q["duration"].m_as("day") if "duration" in q else
            (hours / q["chips"]).m_as("day") if hours is not None and "chips" in q else 0.0)
    start = None if m.date is None else m.date - dt.timedelta(days=math.ceil(days))
    return {"name": m.name, "hardware": m.hardware, "chip_hours": hours, "start": start, "chips": q.get("chips"),
            "compute": q.get("compute")}


def check_run(chip_hours, hardware: str | data.Hardware, start) -> tuple[pint.Quantity, data.Hardware, dt.date]:
    """Parse and check the inputs every method shares; raises ``InputError`` naming the bad one."""
    return _chip_hours(chip_hours), data.hardware(hardware), as_date(start, "start")


def cloud_cost(chip_hours, hardware: str | data.Hardware, start, commitment: str = "on-demand", vendor: str | None = None) -> Cost:
    """Rental cost: chip-hours x the price in force at ``start``.

    Examples
    --------
    >>> c = cloud_cost("3.552e6 chip*hour", "V100 SXM2", "2020-04-01", "3-year")
    >>> round(c.value.m_as("MUSD"), 2)
    4.3
    """
    hours = _chip_hours(chip_hours)
    p = rental_price(data.hardware(hardware), start, commitment, vendor)
    value = (hours * p.price).to("USD")
    when = as_date(start, "start")
    return Cost(f"cloud ({commitment})", value, when.year, {"rental": value},
                price_basis(p, chosen=vendor is not None, when=when) + before_first_note(p.date, when))


def given_price_cost(chip_hours, price, start, how: str = "") -> Cost:
    """Rental cost at the price the user gave: chip-hours x ``price`` [USD/chip/hour], in ``start``'s dollars.

    Examples
    --------
    >>> round(given_price_cost("1e6 chip*hour", "2 USD/chip/hour", "2026-01-01").value.m_as("MUSD"), 2)
    2.0
    """
    hours = _chip_hours(chip_hours)
    p = read_value("price", price)
    value = (hours * p).to("USD")
    said = f" ({how})" if how and how != "given" else ""  # read_price's words: "given per node: $14 per hour..."
    return Cost("your price", value, as_date(start, "start").year, {"rental": value},
                f"${p.m_as('USD/chip/hour'):,.2f} per chip-hour, the price you gave{said}")


def server_value(hardware: str | data.Hardware, start) -> tuple[pint.Quantity, data.PurchasePrice]:
    """A server's value per chip at ``start``: the purchase price in force (a bare chip's price times
    the server overhead), depreciated by hardware progress since that price's date [Cottier2024]."""
    hw = data.hardware(hardware)
    when = as_date(start, "start")
    p = purchase_price(hw, when)
    value = p.price
    if p.level == "chip":
        value = value * data.ownership()[hw.name]["server_cost_overhead"]
    years = (max((when - p.date).days, 0) * Q_(1, "day")).to("year")  # a first price after the start: as listed
    rate = data.defaults()["price_performance_ooms_per_year"].value
    return value * 10 ** (-(rate * years).m_as("")), p


def amortized_cost(chip_hours, hardware: str | data.Hardware, start, pue=None) -> Cost:
    """Ownership cost of the run's chip-hours [Cottier2024]: depreciation, interconnect and energy.

    .. math::
        C = V r h + V r h \\frac{f}{1-f} + h \\cdot TDP \\cdot k_{server} \\cdot \\ell \\cdot PUE \\cdot p_{kWh}

    with V the server value per chip at the start, r = 0.14 ln 10 per year, h the chip-hours,
    f the interconnect share, k the server power per chip TDP, l the average load.
    """
    hours = _chip_hours(chip_hours)
    hw = data.hardware(hardware)
    when = as_date(start, "start")
    value, row = server_value(hw, when)
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
    kwh, carried = electricity_price(when.year)
    pue_q = read_value("pue", pue if pue is not None else d["pue"].value)
    power = hw.tdp * own["server_power_per_chip_tdp"] * own["average_load"] * pue_q
    parts["energy"] = (hours * power * kwh).to("USD")
    total = sum(parts.values(), Q_(0.0, "USD"))
    basis = (f"server value ${value.m_as('USD/chip'):,.0f}/chip at {when} (bought {row.date} at "
             f"${row.price.m_as('USD/chip'):,.0f}, {row.level} price); PUE {pue_q.m_as(''):g}; "
             f"electricity ${kwh.m_as('USD/kWh'):.4f}/kWh ({carried or when.year})"
             + before_first_note(row.date, when).replace("price listed", "purchase price listed"))
    return Cost("amortized ownership", total, when.year, parts, basis)


def acquisition_cost(chips, hardware: str | data.Hardware, start) -> Cost:
    """The up-front price of the cluster: chips x server price per chip, plus interconnect."""
    n = read_chips(chips)  # 1.5 chips are refused, never bought as 2
    hw = data.hardware(hardware)
    when = as_date(start, "start")
    p = purchase_price(hw, when)
    overhead = data.ownership()[hw.name]["server_cost_overhead"] if p.level == "chip" else 1
    per_chip = p.price * overhead
    f = data.defaults()["cluster_interconnect_fraction"].value.m_as("")
    servers = (n * per_chip).to("USD")
    server_part = f" × {float(overhead):.3g} for the rest of the server" if p.level == "chip" else ""
    return Cost("acquisition", servers / (1 - f), when.year,
                {"servers": servers, "cluster interconnect": servers * f / (1 - f)},
                f"{n.m_as('chip'):,.0f} chip{'s' * (n.m_as('chip') != 1)} × ${p.price.m_as('USD/chip'):,.0f}/chip ({p.level} price of "
                f"{p.date}){server_part}, / (1 − {f:.0%}) for the cluster interconnect"
                + before_first_note(p.date, when).replace("price listed", "purchase price listed"))


def all_methods(chip_hours, hardware: str | data.Hardware, start) -> list:
    """Every method's cost for the same chip-hours; a method the data cannot serve gives its InputError.

    Both cloud prices are the defaults (``DEFAULT_PRICE_RULE``): one vendor, so on-demand and 3-year compare
    like with like.
    """
    hw = data.hardware(hardware)
    out = []
    for fn, kw in ((cloud_cost, {"commitment": "on-demand"}), (cloud_cost, {"commitment": "3-year"}),
                   (amortized_cost, {})):
        try:
            out.append(fn(chip_hours, hw, start, **kw))
        except InputError as exc:
            out.append(exc)
    return out


def dollars_year(year: int) -> int:
    """The year whose dollars a run starting in ``year`` is shown in by default: its own when the producer price
    index covers it, else the latest the index covers."""
    return min(year, max(data.ppi()))


def in_dollars_of(cost: Cost, year: int) -> Cost:
    """``cost`` in the dollars of ``year``, by the producer price index's annual averages.

    ``year`` must be one the index covers. A cost dated after the index's last year is taken to be in that
    last year's dollars (no inflation is invented), and its basis says so."""
    index = data.ppi()
    if isinstance(year, bool) or not isinstance(year, int):
        raise InputError("year", f"expected a whole-number year such as 2024, got {year!r:.40}")
    first, last = min(index), max(index)
    if year > latest_year():  # the rule of a start date too (calc.prices.as_date)
        raise InputError("year", f"expected a year up to {latest_year()} (a year past the newest prices and today), "
                                 f"got {year}: nothing is known of prices then")
    for y in (cost.year, year):
        if y < first:
            raise InputError("year", f"data/ppi.csv covers {first}-{last}, not {y}")
    source, target = min(cost.year, last), min(year, last)  # past the index, its last year's dollars, said
    k = index[target] / index[source]
    said = "" if source == cost.year else f"{cost.year} dollars taken as {last}'s, the latest year of data/ppi.csv"
    if target != year:
        said = (said + "; " if said else "") + f"{year} dollars taken as {last}'s, the latest year of data/ppi.csv"
    if year == cost.year:
        change = ""
    elif source == target:
        change = f"; {said}" if said else ""
    else:
        change = f"; x{k:.3f} for {source} to {year} dollars" + (f" ({said})" if said else "")
    return Cost(cost.method, cost.value * k, year, {n: v * k for n, v in cost.parts.items()}, cost.basis + change)


def implied_utilization(ideal, real, hardware: str | data.Hardware, precision: str | None = None) -> tuple[float, str]:
    """The utilization that chip-hours ``real`` imply for a run whose chip-hours at 100% of the peak are ``ideal``,
    and a note when it is implausible (below ``utilization_plausible_min`` of data/defaults.csv); above 1 is
    refused: no run puts more than the peak through (Chowdhery et al. 2022, app. B)."""
    from calc.display import number

    hw = data.hardware(hardware)
    u = float(ideal.m_as("chip*hour") / real.m_as("chip*hour"))
    at = f"the {hw.name}'s {precision or hw.default_precision} peak"
    if u > 1:
        raise ConflictError(("compute", "chip_hours"), f"imply a utilization of {number(u * 100)}% of {at}: a run "
                            f"cannot beat the peak; {number(ideal.m_as('chip*hour'))} chip-hours at least for this "
                            f"compute, {number(real.m_as('chip*hour'))} given: check the units (chip-hours, not "
                            "chip-days or chip-years), the compute or the hardware")
    floor = float(data.defaults()["utilization_plausible_min"].value.m_as(""))
    return u, ("" if u >= floor else f": implausibly low, below {floor:.0%}; check the compute and the chip-hours")


def reconcile(compute, hardware: str | data.Hardware, chip_hours, start, precision: str | None = None, year: int | None = None,
              vendor: str | None = None, whose: str = "the run's reported") -> list[tuple[str, pint.Quantity, str]]:
    """From the idealised rental estimate to ownership in constant dollars, one factor at a time.

    Steps: (1) chip-hours at 100% of the peak, at the default vendor's 3-year price (its on-demand price when
    it lists no 3-year one); (2) the run's real chip-hours; (3) on-demand instead of committed (when committed); (4) amortized ownership instead of rental;
    (5) in the dollars of ``year``. Rental prices are ``vendor``'s, else the defaults (``DEFAULT_PRICE_RULE``).
    ``whose`` names the chip-hours in step 2 ("the run's reported", "your scenario's").
    Returns (label, cost, what changed).
    """
    from calc.estimate import estimate

    hw = data.hardware(hardware)
    if compute is None:
        raise InputError("compute", "required: the reconciliation starts from the run's compute")
    ideal = estimate(compute=read_value("compute", compute), hardware=hw, precision=precision, utilization=1,
                     chips=1).chip_hours
    real = _chip_hours(chip_hours)
    when = as_date(start, "start")
    u, plausible = implied_utilization(ideal, real, hw, precision)
    from calc.display import number

    try:  # the committed price when the vendor lists one; else the steps start from on-demand, said
        cloud_cost(real, hw, when, "3-year", vendor)
        tier = "3-year"
    except InputError as exc:
        if "lists no 3-year price" not in exc.message:
            raise
        tier = "on-demand"
    steps = [
        (f"ideal hours, {tier} price", cloud_cost(ideal, hw, when, tier, vendor).value,
         f"compute at 100% of the {hw.name}'s peak: {ideal.m_as('chip*hour'):,.0f} chip-hours"),
        (f"real hours, {tier} price", cloud_cost(real, hw, when, tier, vendor).value,
         f"{whose} {real.m_as('chip*hour'):,.0f} chip-hours (utilization {number(u * 100, 2)}% of peak{plausible})"),
    ]
    if tier == "3-year":
        steps.append(("on-demand price", cloud_cost(real, hw, when, "on-demand", vendor).value,
                      "no commitment discount"))
    steps.append(("amortized ownership", amortized_cost(real, hw, when).value,
                  "owning the hardware: depreciation, interconnect and energy"))
    last = max(data.ppi())
    if year is not None and year != min(when.year, last):  # a factor of 1 is no step
        owned = in_dollars_of(amortized_cost(real, hw, when), year)
        why = (f"producer price index, {when.year} to {year}" if when.year <= last else
               f"producer price index, {last} to {year}; {when.year} dollars taken as {last}'s, the latest year of "
               "data/ppi.csv")
        steps.append((f"in {year} dollars", owned.value, why))
    return steps
