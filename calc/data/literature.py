"""Sourced values by name (data/defaults.csv, data/facts.csv), the reference list, and the regulatory
compute thresholds (data/thresholds.csv)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pint

from calc.data.store import cache, data_dir
from calc.data.tables import Row, read_row_table, read_table
from calc.errors import DataError, InputError, nearest


@dataclass(frozen=True)
class Reference:
    """A sourced figure of a row table (``defaults.csv``, ``facts.csv``)."""

    name: str
    value: pint.Quantity
    source: str
    note: str


def _references(filename: str, note_column: str) -> dict[str, Reference]:
    rows = read_row_table(data_dir() / filename)
    return {n: Reference(n, r.quantity("value"), r["source"], r.values.get(note_column) or "") for n, r in rows.items()}


@cache
def defaults() -> dict[str, Reference]:
    """Documented default assumptions (``data/defaults.csv``)."""
    return _references("defaults.csv", "why")


@cache
def facts() -> dict[str, Reference]:
    """Sourced reference figures used by the seed claims (``data/facts.csv``)."""
    return _references("facts.csv", "meaning")


def fact(name: str) -> Reference:
    """One reference figure by name; the error lists close matches."""
    table = facts()
    if name in table:
        return table[name]
    close = nearest(name, table, n=4, cutoff=0.4)
    raise InputError("fact", f"unknown fact {name!r}; " + (f"did you mean {' or '.join(close)}?" if close else f"known: {', '.join(table)}"))


@dataclass(frozen=True)
class Threshold:
    """A regulatory line of ``data/thresholds.csv``; the measures it does not use are None."""

    id: str
    name: str
    jurisdiction: str
    applies_to: str  # "all models", or a narrower scope such as "biological sequence data"
    compute: pint.Quantity | None
    cluster_peak: pint.Quantity | None
    cluster_network: pint.Quantity | None
    cost: pint.Quantity | None
    status: str
    signed: dt.date | None
    revoked: dt.date | None
    source: str


@cache
def thresholds() -> dict[str, Threshold]:
    """All thresholds of ``data/thresholds.csv`` by id."""
    out = {}
    for r in read_table(data_dir() / "thresholds.csv", key="id"):
        if not r["applies_to"]:
            raise DataError(r.path, r.line, "applies_to", "expected the rule's scope, e.g. 'all models'")
        out[r["id"]] = Threshold(
            r["id"], r["name"], r["jurisdiction"], r["applies_to"], r.quantity("compute"), r.quantity("cluster_peak"),
            r.quantity("cluster_network"), r.quantity("cost"), r["status"], r["signed"], r["revoked"], r["source"],
        )
    return out


@cache
def references() -> dict[str, Row]:
    """The works cited as ``[Key]`` in calc's docstrings (data/references.csv), by key."""
    return {r["key"]: r for r in read_table(data_dir() / "references.csv", key="key")}
