"""Collective communication time from message size, rank count, ranks per node, link rates and latency.

A collective of S bytes over a group of g ranks, k of them in a node (the rest in g/k nodes), runs
as rings: inside the node over the fast links, then across nodes over the network with each of the
k ranks carrying 1/k of the message [Isaev2023] (Calculon's hierarchical collectives):

    all-reduce                  2 (k - 1)/k S / B_intra + a_intra + 2 (g/k - 1)/(g/k) (S/k) / B_net + a_net
    all-gather, reduce-scatter  half of that (S the whole gathered or reduced tensor)
    all-to-all                  the slower of S (k - 1)/g / B_intra + a_intra and S (g - k)/g / B_net + a_net
    point-to-point send         S / B + a (the pipeline's activations and gradients)

with B the achievable one-way bandwidth per chip (calc.perf.system.Chip) and a the latency per link
kind (data/step_coefficients.csv). :func:`exposed` is what is left of a collective that runs behind
computation. All sizes are bytes, all times seconds (floats).
"""

from __future__ import annotations

import math

from calc.errors import MissingLink
from calc.perf.memo import IdentityMemo
from calc.perf.system import Chip


def ranks_per_node(size: int, stride: int, chips_per_node: int) -> int:
    """Ranks of a group of ``size`` whose members sit ``stride`` chips apart that share a node.

    Megatron orders ranks tensor innermost, then context, data and pipeline [Narayanan2021] sec. 3:
    a group of stride s and size g has min(g, node / s) members per node (1 if s exceeds the node).
    """
    return max(1, min(size, chips_per_node // stride)) if chips_per_node >= stride else 1


def link_rate(chip: Chip, inside_node: bool, chips: int | None = None) -> float:
    """Achievable bytes per second of the fast links (``inside_node``) or the network; an InputError
    when data/hardware.csv lacks the one a layout needs."""
    rate = chip.intra_node_bandwidth if inside_node else chip.network_bandwidth
    if rate is None:
        what = "fast-link (intra-node)" if inside_node else "network"
        over = "" if chips is None else f" over {chips} chips"
        raise MissingLink("hardware", f"data/hardware.csv has no {what} bandwidth for {chip.name}, "
                                      f"which this layout{over} needs", chip.name, what)
    return rate


def fast_link_rate(chip: Chip, nbytes: float, chips: int | None = None) -> float:
    """Bytes per second of the fast links for a collective of ``nbytes``: the flat achievable rate, or above it the
    rate nccl-tests measures at that message size on the chip's node (``Chip.link_curve``, interpolated in ln bytes;
    the largest measured size's beyond it)."""
    curve = chip.link_curve
    if not curve or nbytes <= 0:
        return link_rate(chip, True, chips)
    x = math.log(nbytes)
    if x <= curve[0][0]:  # below the smallest size that beats the flat rate: up from the flat rate to it
        return link_rate(chip, True, chips) if x < curve[0][0] - _LN2 else _between(
            (curve[0][0] - _LN2, chip.intra_node_bandwidth), curve[0], x)
    for low, high in zip(curve, curve[1:]):
        if x <= high[0]:
            return _between(low, high, x)
    return curve[-1][1]


_LN2 = math.log(2.0)  # nccl-tests doubles the size: the flat rate holds one step below the first measured point above it


def _between(low: tuple, high: tuple, x: float) -> float:
    return low[1] + (high[1] - low[1]) * (x - low[0]) / (high[0] - low[0])


_RINGS = IdentityMemo(65536)  # (chip; bytes, ranks, in node, factor, chips) -> seconds: a search's layouts share them


def _rings(chip: Chip, nbytes: float, ranks: int, in_node: int, factor: int, chips: int | None) -> float:
    """``factor`` 2: all-reduce; 1: all-gather or reduce-scatter. See the module docstring. Remembered for the same
    chip object and arguments."""
    if ranks <= 1 or nbytes <= 0:
        return 0.0
    key = (nbytes, ranks, in_node, factor, chips)
    found = _RINGS.get((chip,), key)
    if found is not None:
        return found
    return _RINGS.put((chip,), key, _ring_seconds(chip, nbytes, ranks, in_node, factor, chips))


def _ring_seconds(chip: Chip, nbytes: float, ranks: int, in_node: int, factor: int, chips: int | None) -> float:
    seconds = 0.0
    if in_node > 1:
        seconds += factor * (in_node - 1) / in_node * nbytes / fast_link_rate(chip, nbytes, chips)
    nodes = ranks // in_node
    if nodes > 1:
        seconds += factor * (nodes - 1) / nodes * nbytes / in_node / link_rate(chip, False, chips)
    return seconds + ring_latency(chip, ranks, nodes, factor)


def ring_latency(chip: Chip, ranks: int, nodes: int, factor: int) -> float:
    """Latency of a ring collective by NCCL's own model (src/graph/tuning.cc): a start-up time and one hop time
    per ring step, 2 (g - 1) steps for an all-reduce (``factor`` 2) and g - 1 for an all-gather or reduce-scatter,
    of which 2 n (all-reduce over n > 1 nodes) or n - 1 cross the network; so it grows with the rank count.
    Inside one node it is Calculon's NVLink latency [Isaev2023].

    .. math:: a = a_0 + (s - s_{net}) a_{NVLink} + s_{net} a_{net}
    """
    coeff = chip.coefficients
    if nodes <= 1:  # inside one node: Calculon's NVLink latency, checked on Korthikanti et al.'s per-layer times
        return coeff.intra_node_latency if ranks > 1 else 0.0
    steps = factor * (ranks - 1)
    across = (2 * nodes if nodes > 1 else 0) if factor == 2 else nodes - 1
    return (coeff.nccl_ring_base_latency + (steps - across) * coeff.nccl_ring_nvlink_step_latency
            + across * coeff.nccl_ring_network_step_latency)


def all_reduce(chip: Chip, nbytes: float, ranks: int, in_node: int, chips: int | None = None) -> float:
    """Seconds to all-reduce ``nbytes`` over ``ranks`` ranks, ``in_node`` of them per node (ring, hierarchical).

    Examples
    --------
    Eight ranks in one node: 2 x 7/8 x S / B + latency.

    >>> from calc.perf.system import build_chip
    >>> from calc import data
    >>> a100 = build_chip(data.hardware("A100 SXM4 80GB"))
    >>> t = all_reduce(a100, 1e9, 8, 8)
    >>> abs(t - (2 * 7 / 8 * 1e9 / a100.intra_node_bandwidth + 1e-5)) < 1e-12
    True
    """
    return _rings(chip, nbytes, ranks, in_node, 2, chips)


def all_gather(chip: Chip, nbytes: float, ranks: int, in_node: int, chips: int | None = None) -> float:
    """Seconds to all-gather a tensor of ``nbytes`` (whole) over ``ranks``: half an all-reduce's traffic."""
    return _rings(chip, nbytes, ranks, in_node, 1, chips)


reduce_scatter = all_gather  # the same traffic the other way [Rajbhandari2020] sec. 7


def all_to_all(chip: Chip, nbytes: float, ranks: int, in_node: int, chips: int | None = None) -> float:
    """Seconds of an all-to-all of ``nbytes`` per rank: the fast-link and network shares run at once,
    the slower sets the time (the expert dispatch or combine of a mixture of experts)."""
    if ranks <= 1:
        return 0.0
    coeff = chip.coefficients
    inside = nbytes * (in_node - 1) / ranks / link_rate(chip, True, chips) + coeff.intra_node_latency if in_node > 1 else 0.0
    outside = (nbytes * (ranks - in_node) / ranks / link_rate(chip, False, chips) + coeff.network_latency
               if ranks > in_node else 0.0)
    return max(inside, outside)


def send(chip: Chip, nbytes: float, across_nodes: bool, chips: int | None = None) -> float:
    """Seconds of a point-to-point send of ``nbytes`` over the network or the fast links."""
    coeff = chip.coefficients
    return nbytes / link_rate(chip, not across_nodes, chips) + (coeff.network_latency if across_nodes
                                                                 else coeff.intra_node_latency)


def ring_exchange(chip: Chip, nbytes: float, ranks: int, inside_node: bool, chips: int | None = None) -> float:
    """Seconds for the keys and values of every other context rank to pass by once (ring attention):
    (c - 1) (S / B + a_intra) [Liu2023]."""
    return (ranks - 1) * (nbytes / link_rate(chip, inside_node, chips) + chip.coefficients.intra_node_latency)


def exposed(seconds: float, share: float, behind: float, sm_share: float) -> float:
    """Exposed seconds of a collective of which ``share`` runs behind ``behind`` seconds of computation.

    .. math:: t - h + h \\frac{s}{1 - s}, \\quad h = \\min(\\text{share} \\cdot t, t_{behind})

    No more hides than that computation lasts, and the hidden part still holds a share ``s`` of the
    compute units (the collective's kernels run on them), slowing the computation it hides behind
    (NCCL issue 1432: one NCCL kernel keeps 15% of the SMs).
    """
    hidden = min(share * seconds, behind)
    return seconds - hidden + hidden * sm_share / (1 - sm_share)
