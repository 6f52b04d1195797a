"""What an estimate returns: ``Item`` (one quantity, given, derived, default or modelled, and how) and
``Estimate`` (the filled-in run)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pint

from calc import data
from calc.errors import Undetermined, UndeterminedAttribute, did_you_mean
from calc.estimate.inputs import _UNIT
from calc.vocabulary import QUANTITIES


@dataclass(frozen=True)
class Item:
    """One quantity of an estimate: its value, and whether it was given, derived or a default."""

    value: pint.Quantity
    source: str  # "given" | "derived" | "default" | "modelled" (utilization from a layout's step time)
    how: str  # the formula, lookup or citation behind it
    terms: tuple = ()  # for a derived item: (name, exponent) of the quantities it was computed from

    @property
    def why_default(self) -> str:
        """Why a default stands where a modelled value was sought ("default 37%: no layout of Llama 3 70B fits on
        3 H100 SXM5 (needs at least 9; 16 fit)"), else "" (see ``calc.perf.utilization.why_not``)."""
        if self.source != "default" or not self.how.startswith("default "):
            return ""
        return self.how.partition(DEFAULT_SOURCE)[0]


DEFAULT_SOURCE = " | the default: "  # between why a default stands and the default's own source, in ``Item.how``


class Estimate:
    """The filled-in training run: every quantity that the inputs determine.

    Attribute access returns the Quantity (``est.duration``); indexing returns the ``Item``
    with its source (``est["duration"].source``). ``undetermined`` maps each quantity that
    could not be found to what would determine it.
    """

    def __init__(self, items, hardware, precision, warnings, steps, undetermined, order=(), step=None):
        self.items: dict[str, Item] = items
        self.hardware: data.Hardware | None = hardware
        self.precision: str | None = precision
        self.warnings: tuple[str, ...] = tuple(warnings)
        self.steps: tuple[str, ...] = tuple(steps)
        self.undetermined: dict[str, str] = undetermined
        self.order: tuple[str, ...] = tuple(order)  # derived names, in the order they were computed
        self.step = step  # calc.perf.Step when utilization was predicted from a layout, else None

    def __getattr__(self, name: str) -> pint.Quantity:
        items = self.__dict__.get("items", {})
        if name in items:
            return items[name].value
        if name in QUANTITIES:
            why = self.__dict__.get("undetermined", {}).get(name, "")
            raise UndeterminedAttribute(name, "not determined by these inputs" + (f": {why}" if why else ""))
        if name.startswith("_"):  # copy, pickle and numpy probe for these: a plain miss, no suggestion
            raise AttributeError(name)
        # est.prise said only 'prise' (fresh22): the quantities are looked up here, so Python cannot suggest them
        raise AttributeError(f"'Estimate' has no attribute {name!r}{did_you_mean(name, QUANTITIES)}; its quantities "
                             f"are {', '.join(QUANTITIES)}", name=name, obj=self)

    def __getitem__(self, name: str) -> Item:
        if name not in self.items:
            raise self._undetermined(name)
        return self.items[name]

    def _undetermined(self, name: str) -> Undetermined:
        if name not in QUANTITIES:
            return Undetermined(name, f"not a quantity of the vocabulary; known: {', '.join(QUANTITIES)}")
        why = self.__dict__.get("undetermined", {}).get(name, "")
        return Undetermined(name, "not determined by these inputs" + (f": {why}" if why else ""))

    def __contains__(self, name: str) -> bool:
        return name in self.items

    def __iter__(self):
        return iter(self.items)

    def source(self, name: str) -> str:
        """``"given"``, ``"derived"`` or ``"default"``."""
        return self[name].source

    def to_dict(self) -> dict:
        """The JSON form shared by the CLI and the app (values as numbers or lists)."""
        q = {}
        for name, item in self.items.items():
            m = item.value.magnitude
            q[name] = {
                "value": m.tolist() if isinstance(m, np.ndarray) else float(m),
                "unit": _UNIT[name] or "dimensionless",
                "source": item.source,
            }
        return {
            "quantities": q,
            "hardware": None if self.hardware is None else {"name": self.hardware.name, "precision": self.precision},
            "warnings": list(self.warnings),
            "undetermined": dict(self.undetermined),
        }

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v.value:.4g~P} ({v.source})" for k, v in self.items.items())
        return f"Estimate({body})"
