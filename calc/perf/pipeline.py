"""Pipeline parallelism: the bubble of each schedule and the transfers between stages.

    1F1B (interleaved)  bubble (p - 1) / v micro-batch times                  [Narayanan2021] sec. 2.2
    DualPipe            (p/2 - 1)(F&B + B - 3W), with F&B = F + B (the overlap hides communication, not
                        computation), B = 2F and W = B/2: (p/2 - 1)(F + B/2)   [DeepSeekAI2024] Table 2
    transfers           activations forward and gradients back once per virtual stage: each tensor
                        rank sends its 1/t slice and the receivers all-gather it  [Narayanan2021] sec. 4.1
                        (under sequence parallelism the slice is what the next layer takes: no all-gather);
                        Megatron-LM sends one way while it receives the other (batch_isend_irecv in
                        p2p_communication.py), DeepSpeed's pipeline engine one tensor after another
                        (blocking p2p.send / p2p.recv, each a partition and its metadata: runtime/pipe/
                        engine.py, _exec_send_activations ... _exec_recv_grads), so twice the sends per
                        micro-batch and one more latency for each

p is the pipeline depth and v the virtual stages per chip, the notation of [Narayanan2021].
"""

from __future__ import annotations

from calc.perf.collectives import all_gather, send
from calc.perf.system import Chip


def bubble(schedule: str, pipeline: int, virtual_stages: int, micro_batch_time: float, backward_ratio: float) -> float:
    """Seconds per step the pipeline stands idle, from one micro-batch's time through a stage.

    Examples
    --------
    >>> bubble("1f1b", 8, 2, 1.0, 2.0)   # (p - 1) / v
    3.5
    >>> bubble("dualpipe", 8, 1, 3.0, 2.0)   # (p/2 - 1)(F + B/2) with F + B = 3
    6.0
    """
    if schedule == "dualpipe":
        return (pipeline / 2 - 1) * (1 + backward_ratio / 2) / (1 + backward_ratio) * micro_batch_time
    return (pipeline - 1) / virtual_stages * micro_batch_time


def stage_transfers(chip: Chip, activation_bytes: float, tensor: int, tensor_in_node: int, virtual_stages: int,
                    across_nodes: bool, chips: int | None = None, one_at_a_time: bool = False,
                    gathered: bool = True) -> float:
    """Seconds per micro-batch of the sends between stages, both ways, once per virtual stage: each tensor
    rank sends 1/t of the ``activation_bytes`` and the receivers all-gather them over the fast links.
    ``gathered`` False (sequence parallelism): the layers take the 1/t slice as it comes, no all-gather
    (Megatron-LM skips its scatter-gather then: p2p_communication.py, ``scatter_gather_tensors_in_pipeline
    and not sequence_parallel``; Megatron-Core sends a sequence of s/t, ``get_tensor_shapes``).
    ``one_at_a_time`` (DeepSpeed's pipeline engine): the send to one neighbour and the receive from the other
    follow one another, each after a metadata message (see the module docstring).

    Examples
    --------
    >>> from calc.perf.system import build_chip
    >>> from calc import data
    >>> a100 = build_chip(data.hardware("A100 SXM4 80GB"))
    >>> megatron = stage_transfers(a100, 67e6, 2, 2, 1, True)
    >>> deepspeed = stage_transfers(a100, 67e6, 2, 2, 1, True, one_at_a_time=True)
    >>> 1.5 < deepspeed / megatron < 2.0
    True
    """
    one_way = send(chip, activation_bytes / tensor, across_nodes, chips)
    if one_at_a_time:
        one_way = 2 * (one_way + send(chip, 0.0, across_nodes, chips))  # send and receive, each after its metadata
    gather = all_gather(chip, activation_bytes, tensor, tensor_in_node, chips) if gathered else 0.0
    return 2 * virtual_stages * (one_way + gather)
