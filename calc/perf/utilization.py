"""The utilization a model reaches on a chip: the modelled MFU of the fastest layout that fits, with its band.

Estimate and Compare hardware take it, when the model and the chip are known and nothing else determines the
utilization, instead of one constant for every chip. The search (calc.perf.search) runs on the run's chip
count, or on ``REFERENCE_CHIPS`` where none is given, with a global batch of about ``TOKENS_PER_BATCH`` tokens;
it is cached by model, chip, chips, batch and sequence. The band is the step model's out-of-sample error
(data/defaults.csv ``step_model_error_band``, as |ln ratio|): MFU e^-band to MFU e^+band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from calc import data
from calc.errors import InputError

REFERENCE_CHIPS = 1024  # a cluster where the run gives no chip count (GPT-3's 1,024 A100 in [Narayanan2021])
TOKENS_PER_BATCH = 4 * 2**20  # about 4M tokens per step, as Llama 3 pre-trained at first ([Dubey2024] sec. 3.4.1)
LONGEST_SEQUENCE = 8192  # the pre-training sequence where a model's context is longer (Llama 3.1: 8K, then 128K)


@dataclass(frozen=True)
class ModelledUtilization:
    """The MFU of the fastest layout that fits, its band, and the search's step (``step``)."""

    mfu: float
    low: float
    high: float
    step: object  # calc.perf.Step
    chips: int
    assumed_chips: bool  # the reference cluster, not the run's

    @property
    def how(self) -> str:
        """What it is, in words, with the band and the layout."""
        s = self.step
        where = f"{self.chips:,} chips" + (" (a reference cluster; give chips for yours)" if self.assumed_chips else "")
        return (f"modelled: MFU of the fastest layout that fits on {where} of {s.hardware}, "
                f"{s.layout.describe()}, global batch {s.layout.global_batch:,} x {s.sequence:,} tokens "
                f"(calc.perf.search); band {self.low:.0%} to {self.high:.0%}, the step model's out-of-sample error")


def error_band() -> float:
    """The step model's error as |ln(predicted / measured)| (data/defaults.csv ``step_model_error_band``)."""
    return float(data.defaults()["step_model_error_band"].value.m_as(""))


def default_batch(sequence: int) -> int:
    """Sequences per step: about ``TOKENS_PER_BATCH`` tokens, a power of two."""
    return 2 ** max(0, round(math.log2(TOKENS_PER_BATCH / sequence)))


@lru_cache(maxsize=512)
def _fastest(model, hardware, chips: int, global_batch: int, sequence: int, precision) -> tuple:
    """(the fastest step that fits, or None; why none fits, or None): the one search, cached."""
    from calc.perf.search import search

    try:
        found = search(model, hardware, chips, global_batch, sequence=sequence, precision=precision, top=1)
    except InputError as exc:
        return None, exc.message
    return (found.steps[0], None) if found.steps else (None, found.why)


def modelled_utilization(model, hardware, chips: int | None = None, *, precision: str | None = None,
                         global_batch: int | None = None, sequence: int | None = None) -> ModelledUtilization | None:
    """The modelled MFU of ``model`` on ``hardware``: that of the fastest layout that fits, or None (no layout
    fits, or the chip lacks the links a layout needs).

    Examples
    --------
    >>> u = modelled_utilization("GPT-3 175B", "A100 SXM4 80GB", 1024)
    >>> 0.3 < u.mfu < 0.7 and u.low < u.mfu < u.high
    True
    """
    model, hardware, chips, assumed, global_batch, sequence = _inputs(model, hardware, chips, global_batch, sequence)
    step = _fastest(model, hardware, chips, global_batch, sequence, precision)[0]
    if step is None:
        return None
    band = error_band()
    return ModelledUtilization(step.mfu, step.mfu * math.exp(-band), step.mfu * math.exp(band), step, chips, assumed)


def unmodelled_reason(model, hardware, chips: int | None = None, *, precision: str | None = None,
                      global_batch: int | None = None, sequence: int | None = None) -> str | None:
    """Why ``modelled_utilization`` gives None for these inputs (the search's own words), else None.

    Examples
    --------
    >>> unmodelled_reason("Llama 3 70B", "TPU v3")
    'no layout fits in memory: more chips, a chip with more memory or a smaller global batch would.'
    """
    model, hardware, chips, _, global_batch, sequence = _inputs(model, hardware, chips, global_batch, sequence)
    return _fastest(model, hardware, chips, global_batch, sequence, precision)[1]


def _inputs(model, hardware, chips, global_batch, sequence) -> tuple:
    from calc.architecture import lookup
    from calc.perf.system import resolve_hardware

    model, hardware = lookup(model), resolve_hardware(hardware)
    assumed = chips is None
    chips = REFERENCE_CHIPS if assumed else int(chips)
    sequence = sequence or min(model.context, LONGEST_SEQUENCE)
    return model, hardware, chips, assumed, global_batch or default_batch(sequence), sequence
