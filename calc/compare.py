"""The same training run on several accelerators: time, chip-hours, cost and energy side by side."""

from __future__ import annotations

from calc import data
from calc.errors import InputError
from calc.estimate import Estimate, estimate

# Quantities that belong to one accelerator; a comparison re-derives them for each.
HARDWARE_SPECIFIC = ("hardware", "precision", "peak", "price", "power", "duration", "chip_hours", "cost",
                     "energy", "emissions")
DEFAULT_LINEUP = ("V100 SXM2", "A100 SXM4 80GB", "H100 SXM5", "H200 SXM", "B200", "TPU v3", "TPU v4", "TPU v5p",
                  "MI300X")


def compare_hardware(known: dict, names=DEFAULT_LINEUP, model=None) -> dict[str, Estimate | InputError]:
    """Run ``calc.estimate`` once per accelerator with the run's hardware-free inputs.

    Parameters
    ----------
    known : dict
        Inputs as for ``calc.estimate``; its hardware-specific entries (hardware, peak, price,
        power, duration...) are dropped so that each accelerator derives its own.
    names : iterable of str
        Accelerators of ``data/hardware.csv``.
    model : calc.architecture.Transformer or str, optional
        The run's shape: where nothing else sets the utilization, each accelerator gets the modelled MFU of
        its own fastest layout (``calc.perf.modelled_utilization``), not one default for every chip.

    Returns
    -------
    dict
        Accelerator name to its Estimate, or to the InputError that prevented one.

    Examples
    --------
    >>> runs = compare_hardware({"compute": "1e24 FLOP", "chips": 1024, "utilization": 0.4}, ["A100 SXM4 80GB", "H100 SXM5"])
    >>> round(runs["A100 SXM4 80GB"].duration.m_as("day") / runs["H100 SXM5"].duration.m_as("day"), 2)
    3.17
    """
    base = {k: v for k, v in known.items() if k not in HARDWARE_SPECIFIC}
    out = {}
    for name in names:
        try:
            out[name] = estimate(**base, hardware=data.hardware(name), utilization_model=model)  # resolved once
        except InputError as exc:
            out[name] = exc
    return out
