"""The dollar version's training price: USD per FLOP, given or from a chip's hourly price, its peak and the
utilization."""

from __future__ import annotations

import pint

from calc.errors import InputError
from calc.lifetime.inputs import _price
from calc.units import parse_quantity


def training_price_per_flop(price, hardware, utilization) -> pint.Quantity:
    """What a training FLOP costs on a chip rented at ``price``: price / (peak x utilization).

    The peak is the chip's dense peak at its default (16-bit) number format, data/hardware.csv.

    >>> round(training_price_per_flop("2 USD/chip/hour", "H100 SXM5", 0.4).m_as("USD/EFLOP"), 2)
    1.4
    """
    from calc.data import hardware as chip
    from calc.reader import read_value

    p = read_value("price", price)
    u = _fraction(utilization)
    hw = chip(hardware) if isinstance(hardware, str) else hardware
    return (p / (hw.peak(hw.default_precision) * u)).to("USD/FLOP")


def _fraction(utilization) -> pint.Quantity:
    """A utilization read as every door reads one: a fraction of peak, at most 1."""
    from calc.reader import read_value

    u = read_value("utilization", utilization)
    if u.m_as("") > 1:
        raise InputError("utilization", f"expected a fraction of peak (0.4 for 40%), got {u.m_as(''):g}")
    return u


def _training_price(price, hardware, utilization):
    q = parse_quantity(price, "training_price", "USD/FLOP", bare_ok=False) if not _per_chip_hour(price) else None
    if q is None:
        if hardware is not None and utilization is None:  # the chip given: it is the MFU that is missing, said so
            raise InputError("utilization", UTILIZATION_MISSING)
        if hardware is None or utilization is None:
            raise InputError("training_price", "a price per chip-hour needs the chip (hardware) and its utilization "
                                               "(MFU) to become a price per FLOP; or give USD/FLOP")
        q = training_price_per_flop(price, hardware, utilization)
    elif hardware is not None or utilization is not None:
        raise InputError("hardware" if hardware is not None else "utilization",
                         "only used with a training price per chip-hour (the price given is per FLOP)")
    return _price(q, "training_price", "USD/FLOP", "1.4e-18 USD/FLOP")


UTILIZATION_MISSING = ("required with a training price per chip-hour: the MFU that makes it a price per FLOP, e.g. "
                       "0.4; or give the training price in USD/FLOP")


def _per_chip_hour(price) -> bool:
    try:
        parse_quantity(price, "training_price", "USD/chip/hour", bare_ok=False)
    except InputError:
        return False
    return True
