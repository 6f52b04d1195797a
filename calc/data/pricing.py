"""What compute costs: rental prices by date and commitment, purchase prices, ownership, electricity and
the producer price index (data/prices.csv and the tables beside it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pint

from calc.data.accelerators import check_known
from calc.data.store import cache, data_dir
from calc.data.tables import Row, read_table
from calc.errors import DataError

COMMITMENTS = ("on-demand", "1-year", "3-year")


@dataclass(frozen=True)
class Price:
    """One dated cloud price of ``data/prices.csv``, converted to USD per chip-hour."""

    hardware: str
    vendor: str
    region: str | None
    date: dt.date
    commitment: str
    price: pint.Quantity  # USD/chip/hour
    quoted: pint.Quantity  # as the vendor quoted it, per basis
    basis: str
    chips_per_basis: int
    source: str


@cache
def prices() -> tuple[Price, ...]:
    """All prices of ``data/prices.csv``, oldest first."""
    out = []
    for r in read_table(data_dir() / "prices.csv", key=None):
        for col in ("hardware", "vendor", "date", "commitment", "quoted_price", "basis", "chips_per_basis"):
            if r[col] is None:
                raise DataError(r.path, r.line, col, "expected a value, got an empty cell")
        check_known(r)
        if r["commitment"] not in COMMITMENTS:
            raise DataError(r.path, r.line, "commitment", f"expected one of {', '.join(COMMITMENTS)}, got {r['commitment']!r}")
        per = r.quantity("chips_per_basis")
        out.append(Price(
            hardware=r["hardware"], vendor=r["vendor"], region=r["region"], date=r["date"],
            commitment=r["commitment"], price=(r.quantity("quoted_price") / per).to("USD/chip/hour"),
            quoted=r.quantity("quoted_price"), basis=r["basis"], chips_per_basis=int(r["chips_per_basis"]),
            source=r["source"],
        ))
    return tuple(sorted(out, key=lambda p: p.date))


def price_in_force(hardware_name: str, commitment: str = "on-demand", when: dt.date | None = None,
                   vendor: str | None = None) -> Price | None:
    """The lowest of each vendor's newest price dated on or before ``when`` (default: the newest data);
    None when no row qualifies. A lookup only: the rule that picks the default price (one big cloud
    for every tier) is ``calc.cost.default_price``."""
    latest = {}
    for p in prices():  # oldest first, so each vendor keeps its newest row
        if (p.hardware == hardware_name and p.commitment == commitment and (vendor is None or p.vendor == vendor)
                and (when is None or p.date <= when)):
            latest[p.vendor] = p
    return min(latest.values(), key=lambda p: p.price.magnitude) if latest else None


@dataclass(frozen=True)
class PurchasePrice:
    """A dated purchase price of ``data/purchase_prices.csv``, per chip; ``level`` says whether it is
    the bare chip ("chip") or a chip's share of a whole server ("server")."""

    hardware: str
    date: dt.date
    price: pint.Quantity  # USD/chip
    level: str
    source: str


@cache
def purchase_prices() -> tuple[PurchasePrice, ...]:
    """Hardware purchase prices, oldest first."""
    out = []
    for r in read_table(data_dir() / "purchase_prices.csv", key=None):
        check_known(r)
        if r["level"] not in ("chip", "server"):
            raise DataError(r.path, r.line, "level", f"expected chip or server, got {r['level']!r}")
        if r["date"] is None or r["price"] is None:
            raise DataError(r.path, r.line, "date" if r["date"] is None else "price", "expected a value")
        out.append(PurchasePrice(r["hardware"], r["date"], r.quantity("price"), r["level"], r["source"]))
    return tuple(sorted(out, key=lambda p: p.date))


@cache
def ownership() -> dict[str, Row]:
    """Per-accelerator constants of the ownership cost model (data/ownership.csv), by hardware name."""
    rows = read_table(data_dir() / "ownership.csv", key="hardware")
    for r in rows:
        check_known(r)
        for col in ("server_cost_overhead", "server_power_per_chip_tdp", "average_load"):
            if r[col] is None:
                raise DataError(r.path, r.line, col, "expected a number, got an empty cell")
        if r["average_load"] > 1:
            raise DataError(r.path, r.line, "average_load", f"expected a fraction <= 1, got {r['average_load']}")
    return {r["hardware"]: r for r in rows}


@cache
def electricity_prices() -> dict[int, pint.Quantity]:
    """Average US industrial electricity price by year (data/electricity_prices.csv)."""
    rows = read_table(data_dir() / "electricity_prices.csv", key="year")
    out = {}
    for r in rows:
        try:
            year = int(r["year"])
        except ValueError:
            raise DataError(r.path, r.line, "year", f"expected a year, got {r['year']!r}") from None
        if r["price"] is None:
            raise DataError(r.path, r.line, "price", "expected a number, got an empty cell")
        out[year] = r.quantity("price")
    return out


@cache
def ppi() -> dict[int, float]:
    """Annual averages of the producer price index for data processing and hosting (data/ppi.csv)."""
    by_year: dict[int, list[float]] = {}
    for r in read_table(data_dir() / "ppi.csv", key="date"):
        if r["index"] is None:
            raise DataError(r.path, r.line, "index", "expected a number, got an empty cell")
        by_year.setdefault(r["date"].year, []).append(r["index"])
    return {y: sum(v) / len(v) for y, v in by_year.items()}
