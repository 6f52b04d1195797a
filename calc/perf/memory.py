"""Memory per chip of a training step: calc.memory's count, with what the step's layout adds to it.

calc.memory counts model states and activations for tensor, pipeline, expert and data parallelism;
the step's layout also has interleaving, which keeps (1 + (p - 1)/(p v)) more layers in flight
[Korthikanti2022] sec. 4.2.3, context ranks, which split the activations [Liu2023], and DualPipe, which
keeps two copies of each stage's weights [DeepSeekAI2024] Table 2. Cached: a search asks for the same
memory many times.
"""

from __future__ import annotations

from functools import lru_cache

from calc.units import ureg

BYTE_PER_CHIP = ureg.Unit("byte/chip")


@lru_cache(maxsize=65536)
def memory_per_chip(model, micro_batch, sequence, recompute, zero, data_parallel, tensor, pipeline, virtual_stages,
                    context, expert, sequence_parallel, flash_attention, dropout, dualpipe=False):
    """(calc.memory.Memory, its total in bytes per chip as a float) for one layout of a step."""
    from calc.memory import Memory, per_chip  # calc.memory imports the options of calc.perf.layout

    found = per_chip(model, micro_batch=micro_batch, sequence=sequence, recompute=recompute, zero=zero,
                     data_parallel=data_parallel, tensor=tensor, pipeline=pipeline, expert_parallel=expert,
                     sequence_parallel=sequence_parallel, flash_attention=flash_attention, dropout=dropout)
    parts = dict(found.parts)
    activations = parts["activations"] / context
    if virtual_stages > 1:
        activations = activations * (1 + (pipeline - 1) / (pipeline * virtual_stages))
    parts["activations"] = activations
    if dualpipe:
        parts["weights"] = parts["weights"] * 2
    return Memory(parts), sum(q.m_as(BYTE_PER_CHIP) for q in parts.values())
