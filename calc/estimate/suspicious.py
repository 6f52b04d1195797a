"""Suspicious inputs and results, warned about (convention 4): tiny parameter counts,
utilizations, powers, peaks, prices and carbon intensities no published run or listed chip comes near."""

from __future__ import annotations

from functools import cache

import numpy as np

from calc import data
from calc.errors import ConflictError
from calc.reader import bounds


@cache
def _top_peak() -> float:
    """The highest dense peak of any chip in data/hardware.csv, in FLOP/s/chip."""
    return max(q.m_as("FLOP/s/chip") for h in data.hardware_table().values() for q in h.peaks.values())


@cache
def _top_tdp() -> float:
    """The highest TDP of any chip in data/hardware.csv, in W/chip."""
    return max(h.tdp.m_as("W/chip") for h in data.hardware_table().values() if h.tdp is not None)


@cache
def _largest_cluster() -> tuple[float, str]:
    """The most chips of any cluster in data/facts.csv, and what it is (its row's meaning)."""
    return max((f.value.m_as("chip"), f.note) for f in data.facts().values() if f.value.check("[accelerators]"))


def chips_note(chips: float) -> str | None:
    """The warning for a chip count far beyond any cluster on record (more than data/defaults.csv's multiple of the
    largest of data/facts.csv), else None: said by every door that takes a cluster's chips (estimate, serve).

    >>> chips_note(1024) is None, chips_note(2e6)[:44]
    (True, 'chips: 2 × 10⁶ chips is far beyond any clust')
    """
    most, what = _largest_cluster()
    multiple = float(data.defaults()["chips_plausible_max_record_multiple"].value.m_as(""))
    if not chips > multiple * most:
        return None
    from calc.display import number

    return (f"chips: {number(chips)} chips is far beyond any cluster on record: more than {multiple:g}x the largest of "
            f"data/facts.csv ({number(most)}: {what}); check the number")


def compute_note(flop: float) -> str | None:
    """The warning for a training compute far beyond any run on record (more than data/defaults.csv's multiple of
    the largest of data/models.csv), else None: a params of 1e99 reached 6 x 10^198 FLOP unsaid (fresh24).

    >>> compute_note(3.14e23) is None, compute_note(6e198)[:50]
    (True, 'compute: 6 × 10¹⁹⁸ FLOP is far beyond any run on r')
    """
    from calc.scaling import largest_run

    top = largest_run()
    multiple = float(data.defaults()["compute_plausible_max_record_multiple"].value.m_as(""))
    if not flop > multiple * top:
        return None
    from calc.display import number

    return (f"compute: {number(flop)} FLOP is far beyond any run on record: {number(flop / top)} times the largest of "
            f"data/models.csv ({number(top)} FLOP); check the parameters, tokens and their units")


@cache
def _price_span() -> tuple[float, float]:
    """The lowest and highest rental price per chip-hour in data/prices.csv, in USD/chip/hour."""
    prices = [p.price.m_as("USD/chip/hour") for p in data.prices()]
    return min(prices), max(prices)


def _warn_inputs(items, warnings, extremes):
    if "params" in extremes and extremes["params"][0] < 1e5:
        n = extremes["params"][0]
        warnings.append(f"params: {n:g} parameters is tiny for a trained model; billions are written "
                        f"{n:g}B or {n:g}e9")
    if "utilization" in extremes:
        low = extremes["utilization"][0]
        floor = float(data.defaults()["utilization_plausible_min"].value.magnitude)
        if low < floor:
            warnings.append(f"utilization: {low:.3g} is below {floor:g}, far below any published run "
                            "(data/defaults.csv); is a percent divided twice?")
    if "carbon_intensity" in extremes:
        lo, hi = extremes["carbon_intensity"]
        d = data.defaults()
        floor, top = (float(d[f"carbon_intensity_plausible_{e}"].value.m_as("kg/kWh")) for e in ("min", "max"))
        if hi > top:
            warnings.append(f"carbon_intensity: {hi:.4g} kg CO2e/kWh is above coal power's (0.74-0.91, IPCC AR5; "
                            f"data/defaults.csv); did you mean {hi / 1000:.4g} kg/kWh ({hi:.4g} g/kWh)?")
        elif lo < floor:
            warnings.append(f"carbon_intensity: {lo:.3g} kg CO2e/kWh is below any source's life-cycle emissions "
                            f"(nuclear 0.0037, IPCC AR5; data/defaults.csv); did you mean {lo * 1000:.3g} kg/kWh?")
    if "power" in extremes:
        multiple = float(data.defaults()["power_plausible_max_tdp_multiple"].value.m_as(""))
        tdp = _top_tdp()
        if extremes["power"][1] > multiple * tdp:
            from calc.display import number

            warnings.append(f"power: {number(extremes['power'][1])} W per chip is above {multiple:g}x the highest TDP of "
                            f"data/hardware.csv ({tdp:,.0f} W); is it a whole server's or a rack's power?")
    if "chips" in extremes:
        note = chips_note(extremes["chips"][1])
        if note:
            warnings.append(note)
    if "peak" in extremes:
        top = _top_peak()
        if extremes["peak"][1] > top:
            warnings.append(
                f"peak: above any chip in data/hardware.csv ({top:.3g} FLOP/s/chip); "
                "is it a sparse, a whole-board or a whole-server figure?"
            )


def _warn_results(items, warnings, extremes, finetuned=False):
    if "price" in items and items["price"].source == "derived":
        from calc.display import number

        lo, hi = _price_span()
        m = items["price"].value.m_as("USD/chip/hour")
        p_lo, p_hi = float(np.min(m)), float(np.max(m))
        if p_lo < lo / 10 or p_hi > hi * 10:
            p = p_lo if p_lo < lo / 10 else p_hi
            warnings.append(f"price: the inputs imply ${number(p)} per chip-hour, far from any rental price in "
                            f"data/prices.csv (${number(lo)} to ${number(hi)}); check the cost, chips and duration")
    if "pue" in items and items["pue"].source == "derived":
        lo_b, hi_b = bounds("pue")
        m = items["pue"].value.magnitude
        lo, hi = float(np.min(m)), float(np.max(m))
        if lo < lo_b or hi > hi_b:
            from calc.display import number

            warnings.append(f"pue: the inputs imply {number(lo if lo < lo_b else hi)}, outside [{lo_b:g}, {hi_b:g}] "
                            "(facility power / IT power); check energy, power and chip-hours")
    if "utilization" in items and items["utilization"].source == "derived":
        from calc.display import number

        m = np.asarray(items["utilization"].value.magnitude)
        u = float(np.max(m))
        if u > 1 and m.ndim == 0:  # one run above its chips' peak: the inputs contradict each other (as cost's rule)
            names = tuple(n for n, _ in items["utilization"].terms)
            raise ConflictError(names, f"imply a utilization of {number(u * 100)}% of the peak: no run beats its "
                                       "chips' peak; check the units (chip-hours, not chip-days; FLOP, not FLOP/s) "
                                       "and the hardware")
        if u > 1:  # draws of ranges: the share of them above the peak, said
            warnings.append(f"utilization: {float(np.mean(m > 1)):.1%} of the draws imply more than the peak "
                            f"(up to {number(u * 100)}%); narrow the ranges that drive it")
        elif u < float(data.defaults()["utilization_plausible_min"].value.m_as("")) and m.ndim == 0:
            warnings.append(f"utilization: the inputs imply {number(u * 100)}% of the peak, far below any published "
                            "run (data/defaults.csv); check the compute and the chip time")
    if "compute" in items:
        note = compute_note(float(np.max(items["compute"].value.m_as("FLOP"))))
        if note:
            warnings.append(note)
    if "tokens" in items and "params" in items and not finetuned:  # pre-training's check: fine-tuning is short
        t, p = items["tokens"].value.magnitude, items["params"].value.magnitude
        t_lo = extremes["tokens"][0] if "tokens" in extremes else np.min(t)
        p_hi = extremes["params"][1] if "params" in extremes else np.max(p)
        if t_lo < p_hi and np.any(t < p):  # the bounds settle most sweeps without a pass
            warnings.append("tokens: fewer tokens than parameters; check the unit (tokens, not words or bytes)"
                            if items["tokens"].source == "given" or "dataset_size" in items else  # from a compute
                            "tokens: the inputs imply fewer tokens than parameters, far from any pre-training run; "
                            "check the chips, duration and compute they come from")
