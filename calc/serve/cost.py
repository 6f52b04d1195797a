"""What serving costs per token: the chip-hour price (the same price data as training) and the power
drawn at the chip's load in each phase, not its TDP.

    $ per token       price per chip-hour x chip-seconds the phase spends per token
    energy per token  TDP x load power fraction (prefill, decode) x PUE x chip-seconds per token
                                                        [Patel2024] sec. III (Splitwise: power by phase)
    blend             (3 input + 1 output) / 4, Artificial Analysis's 3:1 blended price
"""

from __future__ import annotations

import numpy as np

from calc import data, prices
from calc.errors import InputError
from calc.perf.memo import IdentityMemo
from calc.reader import read_value


def chip_price(hw: data.Hardware, price=None) -> tuple[float | None, str]:
    """USD per chip-hour and where it comes from: the given ``price``, else the training default
    (``calc.prices.default_price``: the big cloud listing the chip cheapest, on demand); None with
    the reason when the chip has no public price. A price per node ("14 USD/h/node") is divided by the
    chip's server size (``calc.prices.read_price``)."""
    if price is not None:
        try:
            q, how = prices.read_price(price, hw)
        except InputError as exc:  # serving reads no chips per node: the per-chip price is the way, said so
            if "chips_per_node" not in exc.message:
                raise
            raise InputError("price", exc.message.replace("give chips_per_node (--chips-per-node)",
                                                          "give the price per chip-hour instead, e.g. "
                                                          "\"1.2 USD/chip/hour\"")) from None
        if np.ndim(q.magnitude):
            raise InputError("price", f"expected one value, got an array of {np.size(q.magnitude)}")
        return float(q.m_as("USD/chip/hour")), how
    found = _DEFAULT_PRICE.get((hw,))
    if found is None:
        found = _DEFAULT_PRICE.put((hw,), (), (_default_price(hw),))
    return found[0]


# hardware row -> ((USD per chip-hour or None, basis),): the price tables are read once, so each of a lifetime size
# curve's 287 serving searches (the same chip) asked the same; choosing the default was a twelfth of their time
_DEFAULT_PRICE = IdentityMemo(256)


def _default_price(hw: data.Hardware) -> tuple[float | None, str]:
    p = prices.default_price(hw)
    if p is None:
        return None, prices.no_price_message(hw)
    return p.price.m_as("USD/chip/hour"), prices.price_basis(p)


_TDP = IdentityMemo(256)  # hardware row -> (its TDP in W,): each layout a serving search tries reads it once


def tdp(hw: data.Hardware) -> float | None:
    """The chip's TDP in W, or None when data/hardware.csv has none; remembered for the same hardware object (a
    pint conversion was a tenth of a lifetime size curve's 287 serving searches)."""
    found = _TDP.get((hw,))
    if found is None:
        found = _TDP.put((hw,), (), (None if hw.tdp is None else hw.tdp.m_as("W/chip"),))
    return found[0]


def defaults(pue=None, carbon_intensity=None) -> tuple[float, float]:
    """PUE and grid intensity (kg CO2e per kWh), given or the project defaults (data/defaults.csv)."""
    d = data.defaults()
    p = read_value("pue", pue).m_as("") if pue is not None else d["pue"].value.m_as("")
    if carbon_intensity is not None:
        c = read_value("carbon_intensity", carbon_intensity).m_as("kg/kWh")
    else:
        c = d["carbon_intensity"].value.m_as("kg/kWh")
    if not 1 <= p <= 3:
        raise InputError("pue", f"expected a PUE from 1 to 3, got {p:g}")
    return p, c
