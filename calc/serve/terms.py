"""The chip's terms that serving shares with training: matmul time, collective time, achievable bandwidth.

The one door from the serving model to the performance model of the chip. Every rate here is the
training step model's (``calc.step``: the measured best matmul rate, the fused-attention rate, the
fast-link and network bandwidths at their achievable share, the latency per collective, from
``data/hardware.csv`` and ``data/step_coefficients.csv``); nothing is re-derived. When the step
model's terms move to ``calc.perf`` (kernels, collectives) this file is re-pointed there and no
other serving file changes.

The functions take numpy arrays of sizes (one per batch size of a frontier) and return arrays of
seconds, so a whole throughput-latency curve is one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from calc import data, step
from calc.errors import InputError


@dataclass(frozen=True)
class Rates:
    """A chip's rates as plain floats (FLOP/s, byte/s, s): built once per chip and precision."""

    name: str
    matmul: float  # best matmul rate at the weights' compute precision, FLOP/s
    matmul16: float  # best matmul rate at 16 bits, FLOP/s
    attention: float  # fused attention kernel rate, FLOP/s
    memory_bandwidth: float  # peak memory bandwidth, byte/s (serving applies its own achievable share)
    streaming_bandwidth: float  # what training's streaming kernels reach, byte/s
    chips_per_node: int
    intra: float | None  # achievable fast-link bandwidth per chip, one way, byte/s
    network: float | None  # achievable network bandwidth per chip, byte/s
    intra_latency: float  # s per collective on the fast links
    network_latency: float  # s per collective over the network
    kernel_overhead: float  # s per kernel launch
    capacity: float  # memory per chip, bytes


def rates(hardware: data.Hardware, precision: str) -> Rates:
    """The step model's rates of ``hardware`` with matmuls at ``precision`` (a key of the chip's peaks).

    >>> r = rates(data.hardware("H100 SXM5"), "bf16")
    >>> round(r.memory_bandwidth / 1e12, 2)
    3.35
    """
    return _rates(hardware.name, precision)


@lru_cache(maxsize=256)
def _rates(name: str, precision: str) -> Rates:
    hardware = data.hardware(name)
    chip, _ = step._chip(hardware.name, precision)
    k = step._coefficients()
    if hardware.memory is None:
        raise InputError("hardware", f"data/hardware.csv has no memory size for {hardware.name}")
    return Rates(
        name=hardware.name, matmul=chip.mm, matmul16=chip.mm16, attention=chip.attn,
        memory_bandwidth=hardware.memory_bandwidth.m_as("byte/s/chip"), streaming_bandwidth=chip.mem,
        chips_per_node=chip.per_node, intra=chip.intra, network=chip.net,
        intra_latency=k["intra_node_latency"], network_latency=k["network_latency"],
        kernel_overhead=k["kernel_overhead"], capacity=hardware.memory.m_as("byte/chip"))


def matmul_time(r: Rates, flop, nbytes, bandwidth: float, rate: float | None = None):
    """Seconds of matrix products doing ``flop`` while streaming ``nbytes``: the roofline
    max(FLOP / rate, bytes / bandwidth) [Williams2009], the rate the chip's measured best
    (``calc.step``'s), the bandwidth what the caller's kernels reach."""
    return np.maximum(flop / (rate or r.matmul), nbytes / bandwidth)


def all_reduce_time(r: Rates, nbytes, group: int, factor: float = 2.0):
    """Seconds of one all-reduce (``factor`` 2; 1 for an all-gather or reduce-scatter) of ``nbytes``
    over ``group`` chips: ring over the fast links inside a node, then across nodes,
    2 (k - 1)/k S / B_intra + 2 (g/k - 1)/(g/k) (S/k) / B_net plus a latency per link kind, as the
    training step model's collectives [Narayanan2021] sec. 3.2."""
    nbytes = np.asarray(nbytes, dtype=float)
    if group <= 1:
        return np.zeros_like(nbytes)
    inside = min(group, r.chips_per_node)
    out = np.zeros_like(nbytes)
    if inside > 1:
        out = out + factor * (inside - 1) / inside * nbytes / _link(r, "intra") + r.intra_latency
    nodes = group // inside
    if nodes > 1:
        out = out + factor * (nodes - 1) / nodes * nbytes / inside / _link(r, "network") + r.network_latency
    return out


def _link(r: Rates, kind: str) -> float:
    bw = r.intra if kind == "intra" else r.network
    if bw is None:
        what = "fast-link (intra-node)" if kind == "intra" else "network"
        raise InputError("hardware", f"data/hardware.csv has no {what} bandwidth for {r.name}, which this layout needs")
    return bw
