"""The search: every layout of a model on a cluster that divides, fastest first, and the fastest that fit.

Tensor parallelism in powers of two up to a node, every pipeline depth that divides the layers and the
powers of two (their stages split unevenly, as Megatron-LM and Llama 3 do), interleaving, context parallelism for long sequences, expert parallelism for mixtures of experts,
micro-batches of 1 to 8, each recomputation and ZeRO 1 or 3 ([Narayanan2021] sec. 3.4 tunes the same
choices by hand). Memory, the slow part, is checked fastest first and only until the top layouts are found.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from calc.architecture import lookup, published  # noqa: F401 (published: the doctest's)
from calc.display import counted, number
from calc.errors import InputError, checks_keywords
from calc.perf.layout import RECOMPUTE, Layout, copied, whole
from calc.perf.memory import memory_floors
from calc.perf.step import (
    PARTS,
    Step,
    predict_step,
    recomputation_per_step,
    seconds_but_data_parallel,
    seconds_in_group,
    whole_chips,
)
from calc.perf.system import build_chip, resolve_hardware, runs_flash_attention

TENSOR_SIZES = (1, 2, 4, 8, 16, 32, 64)
CONTEXT_SIZES = (1, 2, 4, 8, 16)
LONGEST_PIECE = 4096  # context parallelism only where each rank keeps at least this many tokens
MICRO_BATCHES = (1, 2, 4, 8)
VIRTUAL_STAGES = (1, 2, 3, 4)
MOST_EXPERT_RANKS = 64


@dataclass(frozen=True)
class Search:
    """Layouts that fit, fastest first, and why the best one wins."""

    steps: list
    tried: int
    refused: int | None  # faster than the fastest that fits, but did not fit in memory (None: not counted)
    why: str
    ties: int | None = 0  # layouts left out because a simpler one listed takes the same time and memory
    least: Step | None = None  # none fits: the layout tried that needs least memory (what the answer says of it)


def divisors(x: int) -> list[int]:
    """Every whole number that divides ``x``, smallest first (pairs up to the square root: no loop over ``x``)."""
    small = [i for i in range(1, math.isqrt(x) + 1) if x % i == 0]
    return small + [x // i for i in reversed(small) if i * i != x]


def pipeline_depths(layers: int) -> list[int]:
    """Pipeline depths the search tries: every divisor of the layers, and the powers of two up to them, split
    unevenly (``calc.perf.layout.stage_sizes``), as Llama 3.1 405B's 126 layers over 16 stages."""
    powers = [2 ** k for k in range(1, layers.bit_length()) if 2 ** k <= layers]
    return sorted(set(divisors(layers)) | set(powers))


def candidates(model, chips: int, global_batch: int, sequence: int, precision: str, flash_attention: bool,
               chips_per_node: int):
    """Every layout the search tries, in its order (see the module docstring)."""
    base = Layout(global_batch=global_batch, sequence=sequence, precision=precision, flash_attention=flash_attention)
    for fields, members in candidate_groups(model, chips, global_batch, sequence, flash_attention, chips_per_node):
        for recompute, zero in members:
            yield copied(base, **fields, recompute=recompute, zero=zero)


def candidate_groups(model, chips: int, global_batch: int, sequence: int, flash_attention: bool, chips_per_node: int):
    """The search's layouts a group at a time (``_group``: the same but for recomputation and ZeRO stage), in its order:
    (the group's fields, its (recomputation, ZeRO stage) pairs), no layout built (the search builds those it times)."""
    tensors = [t for t in TENSOR_SIZES if t <= max(chips_per_node, 1) and chips % t == 0 and model.heads % t == 0
               and (model.kv % t == 0 or t % model.kv == 0)]
    contexts = [c for c in CONTEXT_SIZES if sequence % c == 0 and (c == 1 or sequence // c >= LONGEST_PIECE)]
    # fused attention already recomputes the scores: none and selective take the same time
    recomputes = RECOMPUTE[1:] if flash_attention else RECOMPUTE
    for tensor in tensors:
        for context in contexts:
            for pipeline in pipeline_depths(model.layers):
                if chips % (tensor * pipeline * context):
                    continue
                data = chips // (tensor * pipeline * context)
                experts = ([x for x in divisors(model.experts) if (data * context) % x == 0 and x <= MOST_EXPERT_RANKS]
                           if model.experts > 1 else [1])
                zeros = (1, 3) if data * context > 1 else (1,)  # ZeRO over one copy is none
                members = tuple((recompute, zero) for recompute in recomputes for zero in zeros)
                for expert in experts:
                    for virtual in (VIRTUAL_STAGES if pipeline > 1 else (1,)):
                        if model.layers < pipeline * virtual and model.layers + 2 != pipeline * virtual:
                            continue  # a chunk without a layer (only the embedding or the loss may stand alone)
                        for micro_batch in MICRO_BATCHES:
                            micro_batches = global_batch // (micro_batch * data)
                            # fewer micro-batches than stages run (layout._check_schedule) but idle (p - 1) / m of
                            # the step: the search proposes only layouts that fill the pipeline, as the modelled
                            # utilization raises its batch to (utilization._smallest_batch)
                            if (global_batch % (micro_batch * data) or micro_batches < pipeline
                                    or (virtual > 1 and micro_batches % pipeline)):
                                continue
                            yield (dict(tensor=tensor, pipeline=pipeline, context=context, expert=expert,
                                        virtual_stages=virtual, micro_batch=micro_batch), members)


@checks_keywords("calc.perf.search")
def search(model, hardware, chips, global_batch: int, *, sequence: int | None = None,
           precision: str | None = None, flash_attention: bool = True, top: int = 10, explain: bool = True) -> Search:
    """The fastest layouts of ``model`` on ``chips`` chips of ``hardware`` that fit in memory.

    A layout that takes the same time and memory as a simpler one (context ranks each holding a
    larger micro-batch of shorter pieces: the same tokens per chip; ZeRO-3 over one replica) is
    left out and counted in ``ties``. ``refused`` counts the layouts faster than the fastest that
    fits which do not fit, whatever ``top`` is. ``explain`` False (what the budget search asks): the same top
    layouts, without what takes more layouts to know: ``refused`` and ``ties`` (None) and ``why`` (empty).

    Examples
    --------
    >>> gpt3 = published()["GPT-3 175B"][0]
    >>> r = search(gpt3, "H100 SXM5", 1024, 1536, sequence=2048, top=3)
    >>> len(r.steps) == 3 and r.steps[0].step_time <= r.steps[1].step_time
    True
    """
    model = lookup(model)
    chips = whole_chips(chips)
    global_batch = whole("global_batch", global_batch)
    sequence = model.training_sequence if sequence is None else whole("sequence", sequence)
    top = whole("top", top)
    hardware = resolve_hardware(hardware)
    flash_attention = flash_attention and runs_flash_attention(hardware)  # unfused on Volta (calc.perf.step.predict_step)
    rates = build_chip(hardware, precision)
    links_needed(rates, chips)
    groups = list(candidate_groups(model, chips, global_batch, sequence, flash_attention, rates.chips_per_node))
    tried = sum(len(members) for _, members in groups)
    base = Layout(global_batch=global_batch, sequence=sequence, precision=rates.precision,
                  flash_attention=flash_attention)
    # Layouts are timed lazily, fastest bound first, and walked fastest first as soon as no layout left untimed can be
    # faster: each group (``candidate_groups``) is bounded by its first layout's step without its data-parallel time
    # (``lower_bound``; ``seconds_but_data_parallel``); a group whose bound comes up is opened, its first layout timed
    # in full and each other layout of it bounded by the group's bound plus its own
    # recomputation (``member_bound``), and timed only when that bound comes up. The walk stops at the top layouts, so
    # layouts whose bound is beyond where it stops are never timed. Once the first layout that fits is walked, one that
    # cannot fit (``memory_floors``) is of no use (``refused`` counts those before it), and is not timed (nor is any
    # before, when ``refused`` is not asked for). The answer is the exhaustive one (tests/test_search_golden.py).
    # Memory, the slow part, is checked only for the layouts walked.
    timed = []  # heap of (step seconds to 1 ns, simpler first, order of candidates, group, Step)

    def time_layout(i: int, g: int, fields: dict, recompute: str, zero: int) -> Step | None:
        try:
            st = predict_step(model, hardware, chips, copied(base, **fields, recompute=recompute, zero=zero), False)
        except InputError:
            return None
        heapq.heappush(timed, (round(st.seconds_per_step, 9), _complexity(st.layout), i, g, st))
        return st

    floors = {}  # group -> its memory floors, from the first of its layouts timed (``memory_floors``)

    def beyond(g: int, st: Step, recompute: str, zero: int) -> bool:
        """Whether the layout of group ``g`` with ``recompute`` and ``zero`` cannot fit (its floor, from ``st``'s)."""
        if g not in floors:
            members = groups[g][1]
            floors[g] = memory_floors(st.memory_key, {r for r, _ in members}, {z for _, z in members})
        return floors[g][recompute, zero] > capacity

    firsts, pending, start = [], [], 0  # pending: (bound, group), popped from the end: smallest bound first
    for g, (fields, members) in enumerate(groups):  # each group bounded by its first layout's step but its
        try:  # data-parallel time (not computed: most groups are never opened), timed in full when opened
            seconds, micro_batches = seconds_but_data_parallel(
                model, hardware, chips, copied(base, **fields, recompute=members[0][0], zero=members[0][1]))
            bound = bound_of(seconds, fields["pipeline"], micro_batches)
        except InputError:
            bound = -math.inf
        firsts.append([start, None])
        pending.append((_rounded(bound), g))
        start += len(members)
    pending.sort(reverse=True)
    capacity = math.inf if rates.capacity is None else rates.capacity * (1 + 1e-9)  # beyond the floor's rounding
    waiting = []  # heap of (bound, order of candidates, group, member): layouts of opened groups, untimed
    walk = _Walk(top, rival=explain)
    while not walk.done:
        bound = min(pending[-1][0] if pending else math.inf, waiting[0][0] if waiting else math.inf)
        if timed and timed[0][0] < bound:
            *_, g, st = heapq.heappop(timed)
            # one whose floor is beyond the chip's memory does not fit: its memory per chip is not computed
            walk.take(st, cannot_fit=st is None or (not walk.fitting and beyond(g, st, st.layout.recompute,
                                                                                st.layout.zero)))
        elif waiting and waiting[0][0] == bound:
            _, i, g, (recompute, zero) = heapq.heappop(waiting)
            fields, first = groups[g][0], firsts[g][1]
            if first is not None and beyond(g, first, recompute, zero):  # it cannot fit
                if walk.fitting or not explain:  # of no use
                    continue
                if first.layout.flash_attention == flash_attention:  # of use only to ``refused``: its time alone,
                    layout = copied(base, **fields, recompute=recompute, zero=zero)  # no Step (None)
                    seconds = seconds_in_group(first, layout)
                    heapq.heappush(timed, (round(sum(seconds.values()), 9), _complexity(layout), i, g, None))
                    continue
            time_layout(i, g, fields, recompute, zero)
        elif pending:
            g = pending.pop()[1]
            (fields, members), start = groups[g], firsts[g][0]
            first = firsts[g][1] = time_layout(start, g, fields, *members[0])
            bounds = {} if first is None else {r: _rounded(member_bound(first, r))
                                               for r in dict.fromkeys(r for r, _ in members[1:])}  # once each
            for j in range(1, len(members)):
                heapq.heappush(waiting, (bounds.get(members[j][0], -math.inf), start + j, g, members[j]))
        else:
            break
    fitting, refused, ties = walk.fitting, walk.refused, walk.ties
    if not explain:  # only the top layouts asked for: no count of what did not fit, no explanation
        return Search(fitting[:top], tried, None, "", None)
    if not tried:  # nothing divides: memory was never the question
        from calc.perf.utilization import _smallest_batch  # the one rule of which batches split (batch_for's)

        least = _smallest_batch(model, hardware, chips, global_batch, sequence, precision) if flash_attention else None
        larger = (f"a larger global batch ({number(least)} is the smallest from {number(global_batch)} up that splits "
                  f"over {number(chips)} chips), or a chip count with more factors of two," if least else
                  "a larger global batch, or a chip count and a global batch with more factors of two (1,024; "
                  "1,536; 2,048),")
        why = (f"no layout to try: no tensor x pipeline x context split of {number(chips)} chips leaves data-parallel copies "
               f"that share the global batch of {counted(global_batch, 'sequence')} evenly, with at least one micro-batch "
               f"(1 to 8 sequences) per pipeline stage (tensor: a power of two up to a node of {rates.chips_per_node} "
               f"that divides the {model.heads} heads; pipeline: a divisor of the {model.layers} layers or a power of "
               f"two); {larger} would leave layouts to try")
        return Search([], 0, 0, why, 0)
    least = None if fitting or not walk.unfit else min(walk.unfit, key=lambda st: st.memory_bytes)
    return Search(fitting[:top], tried, refused, why_fastest(fitting, walk.unfit), ties, least)


class _Walk:
    """The layouts fastest first (among equal times the simpler first): the top that fit, none with the same time and
    memory as one listed just before (``ties``), the non-fitting ones faster than the first that fits (``refused``),
    until the top are found and, with ``rival``, a rival split for the explanation (``done``)."""

    def __init__(self, top: int, rival: bool = True):
        self.top, self.rival, self.fitting, self.splits, self.refused, self.ties = top, rival, [], set(), 0, 0
        self.unfit = []  # the layouts walked that do not fit, while none does: what ``why_fastest`` says of them

    @property
    def done(self) -> bool:
        return len(self.fitting) >= self.top and (len(self.splits) > 1 or not self.rival)

    def take(self, st: Step, cannot_fit: bool = False) -> None:
        """Walk ``st``, the next fastest; ``cannot_fit``: its memory is known to exceed the chip's (not computed)."""
        if cannot_fit or not st.fits:
            self.refused += not self.fitting
            if not self.fitting and st is not None:  # None: a layout timed for ``refused`` alone (no Step built)
                self.unfit.append(st)
        elif any(same(st, f) for f in self.fitting[-8:]):
            self.ties += 1
        else:
            self.fitting.append(st)
            self.splits.add(_split(st.layout))
            self.unfit = []


def _group(layout: Layout) -> tuple:
    """Layouts that differ only in recomputation and ZeRO stage: one group of the search (``candidate_groups``')."""
    return layout.tensor, layout.context, layout.pipeline, layout.expert, layout.virtual_stages, layout.micro_batch


def lower_bound(st: Step) -> float:
    """Seconds no layout of ``st``'s group (the same but for recomputation and ZeRO stage) takes less than.

    .. math:: t - t_{DP} - t_{re} \\left(1 + \\frac{p - 1}{m}\\right)

    Within a group every part of the step is the same but the recomputation, the data-parallel communication (ZeRO)
    and the bubble, which is ``k`` micro-batch times (``k <= p - 1``: (p - 1) / v for 1F1B, less for DualPipe), the
    recomputation within them (calc.perf.step.step_seconds; the optimizer step shards over the same ranks under ZeRO 1
    and 3). The recomputation and the data-parallel time are at least zero, so the step without them, and without
    their share of the bubble, is a lower bound of every layout of the group (tests/test_search_golden.py checks it on
    every layout of several searches).
    """
    return bound_of(st.seconds, st.layout.pipeline, st.micro_batches)


def bound_of(seconds: dict, pipeline: int, micro_batches: int) -> float:
    """:func:`lower_bound` of a step's parts (``seconds``; its data-parallel part may be left at zero)."""
    return (sum(seconds.values()) - seconds["data-parallel communication"]
            - seconds["recomputation"] * (1 + (pipeline - 1) / micro_batches))


def member_bound(first: Step, recompute: str) -> float:
    """Seconds no layout of ``first``'s group (the same but for recomputation and ZeRO stage) with ``recompute`` takes
    less than: :func:`lower_bound` plus that layout's own recomputation.

    .. math:: t - t_{DP} - t_{re} \\left(1 + \\frac{p - 1}{m}\\right) + t'_{re}

    Its part "recomputation" is m times its stage's (``calc.perf.step.recomputation_per_step``, the same stage time its
    prediction reads), and what :func:`lower_bound` takes out of ``first``'s step for its own recomputation (its part
    and its share of the bubble) leaves every other part of the step at most as it is in this layout's: the bubble
    grows with the micro-batch's time, the data-parallel time is at least zero. tests/test_search_golden.py checks it
    on every layout of several searches.
    """
    own = first.seconds["recomputation"] if recompute == first.layout.recompute else recomputation_per_step(first, recompute)
    return lower_bound(first) + own


def _rounded(bound: float) -> float:
    """A bound to 1 ns as the step times are compared (``search``'s heap), lowered by a billionth of itself first: the
    bound, computed in another order than the step's sum, may round the other way."""
    return round(bound - 1e-9 * abs(bound), 9)


def links_needed(chip, chips: int) -> None:
    """Refuse ``chips`` chips that every layout would link by a bandwidth data/hardware.csv does not give: more
    than one chip with no link figure at all, or more than a node with no network figure (RTX 6000 Ada, T4 and the
    other workstation and inference cards). A cluster of them cannot be modelled, nor is it proposed: the search,
    ``step --search``, ``estimate --chips`` and the Parallel layouts page say so, as a layout given (``predict``)
    does, rather than lay pipeline stages or data-parallel copies over a network no figure describes.

    Examples
    --------
    >>> from calc.perf.system import build_chip
    >>> from calc import data
    >>> links_needed(build_chip(data.hardware("RTX 6000 Ada")), 64)
    Traceback (most recent call last):
    ...
    calc.errors.MissingLink: hardware: data/hardware.csv has no network bandwidth for RTX 6000 Ada, which 64 chips need (more than its node of 8): give 8 chips or fewer, or add the figure to data/hardware.csv
    """
    from calc.errors import MissingLink

    node = max(chip.chips_per_node, 1)
    if chips > 1 and chip.intra_node_bandwidth is None and chip.network_bandwidth is None:
        raise MissingLink("hardware", f"data/hardware.csv has no link bandwidth for {chip.name}, which {chips:,} "
                                      "chips need: give 1 chip, or add the figure to data/hardware.csv",
                          chip.name, "fast-link (intra-node)")
    if chips > node and chip.network_bandwidth is None:
        raise MissingLink("hardware", f"data/hardware.csv has no network bandwidth for {chip.name}, which {chips:,} "
                                      f"chips need (more than its node of {node:,}): give {node:,} chips or fewer, "
                                      "or add the figure to data/hardware.csv", chip.name, "network")


def no_fit(unfit: list) -> str:
    """What would fit where none of the layouts ``unfit`` (Steps) fits in memory, by the part that does not: the
    weights alone at the layout tried that holds least of them (more chips to spread them over, or a chip with more memory),
    the weights, gradients and optimizer state together (more chips to shard them over: more model parallelism or
    ZeRO-3 ranks), else the activations at the layout that needs least (a shorter sequence too). A smaller global
    batch is never the answer: it leaves fewer layouts to try, none with fewer bytes per chip (activations are a
    micro-batch's, and 1F1B holds as many in flight as there are stages whatever the batch). Nor a lower precision:
    the model states are mixed-precision Adam's bytes per parameter at any matmul precision (calc.perf.memory)."""
    if not unfit:
        return "no layout fits in memory: more chips or a chip with more memory would."
    cap = unfit[0].capacity

    def least(names):
        def size(st):
            return sum(q.m_as("byte/chip") for k, q in st.memory.parts.items() if k in names)
        best = min(unfit, key=size)
        return size(best), best

    def gb(x: float) -> str:
        return f"{x / 1e9:,.3g} GB"

    weights, at = least({"weights"})
    if weights > cap:
        return (f"no layout fits in memory: the weights alone take {gb(weights)} per chip of the chip's {gb(cap)} "
                f"at the layout tried that holds least of them ({at.layout.describe()}): more chips to spread them "
                "over, or a chip with more memory, would.")
    states, at = least({"weights", "gradients", "optimizer_state", "gathered"})
    if states > cap:
        return (f"no layout fits in memory: the weights, gradients and optimizer state take {gb(states)} per chip of "
                f"the chip's {gb(cap)} at the layout tried that holds least of them ({at.layout.describe()}): more "
                "chips to shard them over (more model parallelism or ZeRO-3 ranks), or a chip with more memory, would.")
    at = min(unfit, key=lambda st: st.memory_bytes)
    activations = at.memory.parts["activations"].m_as("byte/chip")
    return (f"no layout fits in memory: the least any needs is {gb(at.memory_bytes)} per chip of the chip's {gb(cap)} "
            f"({at.layout.describe()}), {gb(activations)} of it activations: a shorter sequence, more chips (more "
            "tensor, pipeline or context parallelism), or a chip with more memory would.")


def _split(layout: Layout) -> tuple:
    return layout.tensor, layout.pipeline, layout.context, layout.expert


def _complexity(layout: Layout) -> tuple:
    """Fewer kinds of parallelism first: context, expert, interleaving, ZeRO-3, then larger micro-batches."""
    return layout.context, layout.expert, layout.virtual_stages, layout.zero, layout.micro_batch


def same(one: Step, other: Step) -> bool:
    """The same step time and memory per chip (to 0.1%): nothing to choose between them."""
    return (abs(one.seconds_per_step - other.seconds_per_step) <= 1e-3 * other.seconds_per_step
            and abs(one.memory_bytes - other.memory_bytes) <= 1e-3 * other.memory_bytes)


def why_fastest(found: list, unfit: list = ()) -> str:
    """Why the first layout wins: its time, MFU and memory, and the parts where the best other split loses; none
    found, what would fit, by ``no_fit`` of the layouts that do not (``unfit``)."""
    if not found:
        return no_fit(unfit)
    best = found[0]
    rival = next((s for s in found[1:] if _split(s.layout) != _split(best.layout)), None)
    best_time = best.seconds_per_step
    head = (f"{best.layout.describe()} is fastest: {number(best_time)} s per step, MFU {best.mfu:.1%}, "
            f"{best.memory_per_chip.m_as('GB/chip'):.0f} GB per chip")
    if rival is None:
        return head + "; no other split of the chips fits."
    diff = {k: rival.seconds[k] - best.seconds[k] for k in PARTS}
    gains = sorted(((v, k) for k, v in diff.items() if v > 1e-4 * best_time), reverse=True)[:2]
    losses = sorted(((-v, k) for k, v in diff.items() if v < -1e-4 * best_time), reverse=True)[:1]
    rival_time = rival.seconds_per_step
    against = (f"Against the best other split, {rival.layout.describe()} ({number(rival_time)} s, "
               f"{rival_time / best_time - 1:.1%} slower)")
    if not gains:
        return f"{head}. {against}: the same time in every part."
    text = ", ".join(f"{k} {number(v)} s less" for v, k in gains)
    if losses:
        text += "; it pays " + ", ".join(f"{number(v)} s more {k}" for v, k in losses)
    return f"{head}. {against}: {text}."
