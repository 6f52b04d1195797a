"""Fine-tuning compute: FLOP per token of full, LoRA and QLoRA fine-tuning (factors in data/finetuning.csv).

    full    6 N              every weight trained                                           [Kaplan2020] sec. 2.1
    lora    4 N + 6 A        forward 2 N; backward through the frozen weights for the activation
                             gradients 2 N, no weight gradients; the A adapter weights trained  [Hu2021] sec. 4.2
    qlora   4 N + 6 A        as LoRA: dequantizing the 4-bit weights is memory-bound work that
                             slows the step, not model FLOP                                  [Dettmers2023] sec. 3

N is the (active) parameters the tokens go through. With the model's shape, the count starts from the
shape's own (the PaLM count, with attention, at the sequence): its weight gradients (2 N) are taken
out for a frozen base and the adapters' 6 A added. Without it, A is not known and left out (under 1%
of the count at rank 16: 42M adapters on an 8B model). Memory is ``calc.memory.per_chip(finetune=)``.
"""

from __future__ import annotations

import pint

from calc import data
from calc.errors import InputError, did_you_mean
from calc.units import Q_


def methods() -> tuple[str, ...]:
    """The fine-tuning methods of data/finetuning.csv (full, lora, qlora)."""
    return tuple(data.finetuning())


def row(method: str) -> data.Row:
    """The row of ``method``; an unknown name lists the known ones."""
    rows = data.finetuning()
    if not isinstance(method, str) or method.strip().lower() not in rows:
        raise InputError("finetune", f"expected one of {', '.join(rows)} (data/finetuning.csv), got {method!r:.40}"
                                     f"{did_you_mean(method, rows)}")
    return rows[method.strip().lower()]


def flop_per_param_token(method: str, model=None, *, rank: int = 16, sequence: int | None = None
                         ) -> tuple[pint.Quantity, str]:
    """FLOP per (active) parameter per token of fine-tuning by ``method``, and how it was counted.

    .. math:: k = (C_{shape} - (6 - b) N + a A) / N \\quad\\text{or, without a shape,}\\quad k = b

    with ``b`` the FLOP per frozen (or trained, for full) weight and ``a`` per adapter weight of
    data/finetuning.csv, ``A`` the LoRA parameters at ``rank`` (``calc.memory.lora_params``).

    Examples
    --------
    >>> flop_per_param_token("lora")[0]
    <Quantity(4.0, 'FLOP / param / token')>
    >>> from calc.architecture import lookup
    >>> k, _ = flop_per_param_token("lora", lookup("Llama 3 8B"), sequence=4096)
    >>> round(k.m_as("FLOP/param/token"), 2)   # 4 + attention (PaLM's 12 L H Q T / N) + 6 A / N
    4.44
    """
    r = row(method)
    base, adapter = r.quantity("base_flop"), r.quantity("adapter_flop")
    cite = r["source"].split(",")[0]
    if model is None:
        left = "; the adapters (under 1% at rank 16) not counted without the model's shape" if adapter else ""
        return base.to("FLOP/param/token"), f"{r['name']} fine-tuning, data/finetuning.csv ({cite}){left}"
    from calc.architecture import lookup

    shape = lookup(model)
    n = shape.active_params()
    full = shape.flop_per_token("palm2022", sequence=sequence)  # 6 N + attention, every weight trained
    k6 = Q_(6, "FLOP/param/token")
    flop = full - (k6 - base) * n
    how = f"{r['name']} fine-tuning: the shape's PaLM count" + (", the frozen base's weight gradients taken out"
                                                             if base < k6 else "")
    if adapter is not None:
        from calc.memory import lora_params

        flop = flop + adapter * lora_params(shape, rank)
        how += f", rank-{rank} adapters added"
    return (flop / n).to("FLOP/param/token"), how + f" (data/finetuning.csv, {cite})"
