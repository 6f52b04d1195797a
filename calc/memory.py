"""Training memory per chip: model states (ZeRO stages, parallelism) and activations.

    states      N x (weights + gradients + optimizer bytes per parameter)    [Rajbhandari2020] sec. 3.1
                split over tensor x pipeline ranks; ZeRO-1/2/3 also split optimizer state,
                gradients and weights over the data-parallel ranks
    activations per layer, with sequence parallelism over t tensor ranks     [Korthikanti2022] Table 2
                none:      s b h (34 + 5 a s / h) / t
                selective: s b h 34 / t
                full:      2 s b h / t   (each layer's input only)
                times the layers a pipeline's first stage holds in flight (all L under 1F1B)

A mixture of experts holds every expert (memory uses total parameters) but computes with the
active ones (``Transformer.active_params``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pint

from calc import data
from calc.architecture import Transformer
from calc.errors import InputError
from calc.units import Q_

RECOMPUTE = ("none", "selective", "full")


@dataclass(frozen=True)
class Memory:
    """Bytes per chip by part."""

    parts: dict  # name -> Quantity [byte/chip]

    @property
    def total(self) -> pint.Quantity:
        """All parts together, in GB/chip."""
        return sum(self.parts.values(), Q_(0.0, "byte/chip")).to("GB/chip")


def optimizer_bytes(name: str) -> dict[str, pint.Quantity]:
    """Bytes per parameter of weights, gradients and optimizer state (data/optimizers.csv)."""
    rows = data.optimizers()
    if name not in rows:
        raise InputError("optimizer", f"unknown optimizer {name!r}; expected one of {', '.join(rows)}")
    r = rows[name]
    return {k: r.quantity(k) for k in ("weights", "gradients", "optimizer_state")}


def training_memory(model: Transformer, *, micro_batch: int = 1, sequence: int | None = None,
                    recompute: str = "selective", optimizer: str = "adam-mixed", zero: int = 0,
                    data_parallel: int = 1, tensor: int = 1, pipeline: int = 1) -> Memory:
    """Memory per chip to train ``model`` with the given parallelism.

    Examples
    --------
    >>> from calc.architecture import published
    >>> gpt3 = published()["GPT-3 175B"][0]
    >>> m = training_memory(gpt3, zero=3, data_parallel=1024, tensor=8, recompute="full")
    >>> round(m.parts["weights"].m_as("GB/chip"), 3)
    0.043
    """
    for name, v in (("micro_batch", micro_batch), ("data_parallel", data_parallel), ("tensor", tensor),
                    ("pipeline", pipeline)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise InputError(name, f"expected a whole number >= 1, got {v!r}")
    if zero not in (0, 1, 2, 3):
        raise InputError("zero", f"expected a ZeRO stage 0, 1, 2 or 3, got {zero!r}")
    if recompute not in RECOMPUTE:
        raise InputError("recompute", f"expected one of {', '.join(RECOMPUTE)}, got {recompute!r}")
    if model.heads % tensor:
        raise InputError("tensor", f"{tensor} tensor ranks do not divide {model.heads} heads")
    if model.layers % pipeline:
        raise InputError("pipeline", f"{pipeline} pipeline stages do not divide {model.layers} layers")
    s = model.context if sequence is None else sequence
    if isinstance(s, bool) or not isinstance(s, int) or s < 1:
        raise InputError("sequence", f"expected a whole number >= 1, got {s!r}")
    per_rank = model.params() / (tensor * pipeline) / Q_(1, "chip")
    b = optimizer_bytes(optimizer)
    split = {"weights": 3, "gradients": 2, "optimizer_state": 1}  # the ZeRO stage from which each is split
    parts = {}
    for k, q in b.items():
        share = data_parallel if zero >= split[k] else 1
        parts[k] = (per_rank * q / share).to("byte/chip")
    h, a = model.d_model, model.heads
    per_layer = {"none": s * micro_batch * h * (34 + 5 * a * s / h),
                 "selective": s * micro_batch * h * 34,
                 "full": 2 * s * micro_batch * h}[recompute] / tensor
    parts["activations"] = Q_(per_layer * model.layers, "byte/chip")
    return Memory(parts)


def min_chips(model: Transformer, hardware: str, *, micro_batch: int = 1, recompute: str = "full",
              optimizer: str = "adam-mixed") -> tuple[pint.Quantity, int]:
    """The fewest chips of ``hardware`` that can hold the training state: ZeRO-3 across them, with the
    least tensor parallelism (1, 2, 4, 8) that fits one micro-batch's activations. Returns (chips, tensor)."""
    hw = data.hardware(hardware)
    if hw.memory is None:
        raise InputError("hardware", f"data/hardware.csv has no memory size for {hw.name}")
    cap = hw.memory.m_as("byte/chip")
    states = sum(q.m_as("byte/param") for q in optimizer_bytes(optimizer).values()) * model.params().m_as("param")
    for t in (1, 2, 4, 8):
        if model.heads % t:
            continue
        act = training_memory(model, micro_batch=micro_batch, recompute=recompute, tensor=t).parts["activations"]
        room = cap - act.m_as("byte/chip")
        if room > 0:
            n = math.ceil(states / room)
            return Q_(max(n, t), "chip"), t
    raise InputError("hardware", f"one micro-batch's activations do not fit on {hw.name} even at 8-way tensor parallelism")
