"""Defaults, applied one at a time to what nothing given determines: the modelled utilization of the
fastest layout, the listed price, the chip's TDP, PUE and carbon intensity; and what would determine the rest."""

from __future__ import annotations

import numpy as np

from calc import data
from calc.estimate.inputs import _UNIT
from calc.estimate.result import DEFAULT_SOURCE, Item
from calc.relations import DENSE, RELATIONS
from calc.units import Q_

# Defaults are applied one at a time, in this order, only to quantities that nothing given
# (nor any default applied before) determines. The tokens (a named model's published run) come after the
# utilization: given chips and a duration, the tokens that fit in it are the answer, not the published ones.
LAZY_DEFAULTS = ("utilization", "tokens", "price", "power", "pue", "carbon_intensity")


def _modelled_utilization(shape, hw, values, precision):
    """(the modelled MFU of ``shape`` on ``hw`` as an Item, the search's step, why not in words), with None
    for the first two when there is none: no shape or chip (why ""), many chip counts, or nothing fits.
    The search is cached (calc.perf.utilization)."""
    from calc.perf.utilization import modelled_utilization, why_not

    if shape is None or hw is None:
        return None, None, ""
    chips = values.get("chips")
    if chips is not None:
        chips = np.asarray(chips, dtype=float)
        if chips.size != 1 or not float(chips.reshape(-1)[0]).is_integer():
            return None, None, "many chip counts, which one search does not stand for"
        chips = int(chips.reshape(-1)[0])
    found = modelled_utilization(shape, hw, chips, precision=precision)
    if found is None:
        return None, None, why_not(shape, hw, chips, precision=precision)
    return Item(Q_(found.mfu, _UNIT["utilization"] or ""), "modelled", found.how), found.step, ""


def _published_tokens(model, known: dict) -> Item | None:
    """The training tokens of the published run a model's name also names (``data.published_tokens``, as lifetime
    and thresholds read them), as an Item marked derived with the run's source; None for a shape of one's own, a
    name no run of data/models.csv reports tokens for, or a fine-tuning run (its tokens are not the pre-training's)."""
    if known.get("finetune") is not None or known.get("tokens") is not None:
        return None
    found = data.published_tokens(model)
    return None if found is None else Item(found[0].to(_UNIT["tokens"]), "derived", found[1])


def _apply_default(undetermined, values, items, hw, shape=None, precision=None, tokens=None):
    d = data.defaults()
    for name in LAZY_DEFAULTS:
        if name not in undetermined:
            continue
        if name == "tokens":
            if tokens is not None:
                return name, tokens
            continue
        if name == "utilization" and "peak" not in values:
            continue  # a default utilization without a peak would only invent a peak
        why = ""
        if name == "utilization":
            item, _, why = _modelled_utilization(shape, hw, values, precision)
            if item is not None:
                return name, item
        if name in ("utilization", "pue", "carbon_intensity"):
            ref = d[name]
            value = ref.value.to(_UNIT[name])
            # the shape was known but no layout was modelled: say why the default stands instead
            how = f"default {value.m_as(''):.0%}: {why}{DEFAULT_SOURCE}{ref.source}" if why else ref.source
            return name, Item(value, "default", how)
        if name == "price" and hw is not None:
            from calc.prices import default_price, price_basis

            p = default_price(hw)
            if p is not None:
                return name, Item(p.price.to(_UNIT["price"]), "default", price_basis(p))
        if name == "power" and hw is not None and hw.tdp is not None:
            return name, Item(hw.tdp.to(_UNIT["power"]), "default", f"TDP of {hw.name}, data/hardware.csv")
    return None


def _missing(name, items, hw) -> str:
    if name == "peak":
        return "give hardware or peak"
    if name == "price":
        if hw is None:
            return "give price"
        from calc.prices import no_price_message

        return "give price: " + no_price_message(hw)
    if name == "power":
        return "give power" + ("" if hw is None else f" (data/hardware.csv has no TDP for {hw.name})")
    for r in RELATIONS + (DENSE,):
        if name in r.names:
            need = [n for n in r.names if n != name and n not in items]
            if need:
                return "needs " + " and ".join(need)
    return "not determined by the inputs"
