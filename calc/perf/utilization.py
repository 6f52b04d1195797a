"""The utilization a model reaches on a chip: the modelled MFU of the fastest layout that fits, with its band.

Estimate and Compare hardware take it, when the model and the chip are known and nothing else determines the
utilization, instead of one constant for every chip. The search (calc.perf.search) runs on the run's chip
count, or on ``REFERENCE_CHIPS`` where none is given, with the global batch of ``batch_for``: the published run's
(data/run_layouts.csv) where the shape and chip count are a published run's, else about ``TOKENS_PER_BATCH``
tokens, raised to the smallest batch that splits over the chips where that one does not; it is cached by model,
chip, chips, batch and sequence. Where the shape, chip, chip count and precision are a published run's, that run's
own layout is predicted instead (``published_step``, memory not enforced, as calc.backtest does). The band is the step model's out-of-sample error
(data/defaults.csv ``step_model_error_band``, as |ln ratio|): MFU e^-band to MFU e^+band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

from calc import data
from calc.architecture.transformer import LONGEST_SEQUENCE  # noqa: F401  (the one definition, read here too)
from calc.display import counted
from calc.errors import DataError, InputError

REFERENCE_CHIPS = 1024  # a cluster where the run gives no chip count (GPT-3's 1,024 A100 in [Narayanan2021])
TOKENS_PER_BATCH = 4 * 2**20  # about 4M tokens per step, as Llama 3 pre-trained at first ([Dubey2024] sec. 3.4.1)
MOST_BATCH_RAISE = 16  # the batch is raised to split over the chips up to 16x the usual one (64M tokens)


@dataclass(frozen=True)
class ModelledUtilization:
    """The MFU of the fastest layout that fits, its band, and the search's step (``step``)."""

    mfu: float
    low: float
    high: float
    step: object  # calc.perf.Step
    chips: int
    assumed_chips: bool  # the reference cluster, not the run's
    batch_why: str = ""  # where the global batch comes from (batch_for)
    published_run: str = ""  # the run of data/run_layouts.csv whose layout this is ("": the fastest that fits)

    @property
    def how(self) -> str:
        """What it is, in words, with the band and the layout."""
        s = self.step
        where = counted(self.chips, "chip") + (" (a reference cluster; give chips for yours)" if self.assumed_chips else "")
        if self.published_run:
            fits = "" if s.fits else f"; the memory model says it needs {s.memory_bytes / 1e9:,.1f} GB a chip: predicted anyway"
            return (f"modelled: MFU of the published layout of {self.published_run} (data/run_layouts.csv) on {where} "
                    f"of {s.hardware}, {s.layout.describe()}, global batch {counted(s.layout.global_batch, 'sequence')} x "
                    f"{s.sequence:,} tokens{fits} (calc.perf.predict); band {self.low:.0%} to {self.high:.0%}, "
                    "the step model's out-of-sample error")
        return (f"modelled: MFU of the fastest layout that fits on {where} of {s.hardware}, "
                f"{s.layout.describe()}, global batch {counted(s.layout.global_batch, 'sequence')} x {s.sequence:,} tokens"
                + (f", {self.batch_why}" if self.batch_why else "")
                + f" (calc.perf.search); band {self.low:.0%} to {self.high:.0%}, the step model's out-of-sample error")


def error_band() -> float:
    """The step model's error as |ln(predicted / measured)| (data/defaults.csv ``step_model_error_band``)."""
    return float(data.defaults()["step_model_error_band"].value.m_as(""))


def mfu_band(mfu: float) -> tuple[float, float]:
    """The band around a modelled MFU where the step model's out-of-sample error puts the run: (low, high).

    low = MFU e^-b, high = MFU e^+b, with b = ``error_band()``: the 68th percentile of |ln(predicted /
    measured)| in the step model's leave-one-source-out validation (data/defaults.csv
    ``step_model_error_band``), so about two published runs in three land inside it.

    Examples
    --------
    >>> low, high = mfu_band(0.4)
    >>> low < 0.4 < high and abs(low * high - 0.4**2) < 1e-12
    True
    """
    b = error_band()
    return mfu * math.exp(-b), mfu * math.exp(b)


def training_sequence(model) -> int:
    """The sequence a run of ``model`` (a shape or its name) pre-trains at where none is given:
    ``Transformer.training_sequence``, its context at most LONGEST_SEQUENCE, the one rule of every training door."""
    from calc.architecture import lookup

    return lookup(model).training_sequence


def default_batch(sequence: int) -> int:
    """Sequences per step: about ``TOKENS_PER_BATCH`` tokens, a power of two."""
    return 2 ** max(0, round(math.log2(TOKENS_PER_BATCH / sequence)))


@dataclass(frozen=True)
class Batch:
    """The global batch a modelled utilization searches with: sequences, their length, and why, in words."""

    sequences: int
    sequence: int
    why: str


def _published_batch(name: str, chips: int) -> Batch | None:
    """The global batch of the published run of shape ``name`` on ``chips`` chips (data/run_layouts.csv, the
    chips of data/runs.csv), or None."""
    runs = {r["name"]: r for r in data.runs()}
    for run, lay in data.run_layouts().items():
        if lay["shape"] == name and lay["global_batch"] and lay["sequence"] and runs[run]["chips"] is not None \
                and int(runs[run].quantity("chips").m_as("chip")) == chips:
            return Batch(int(lay["global_batch"]), int(lay["sequence"]),
                         f"the published run's: {run} in data/run_layouts.csv")
    return None


def _smallest_batch(model, hardware, chips: int, at_least: int, sequence: int, precision) -> int | None:
    """The smallest global batch from ``at_least`` sequences up that leaves a layout to try on ``chips`` chips: a
    multiple of the data-parallel copies of a tensor x pipeline x context group, at least one sequence per stage."""
    from calc.perf.search import CONTEXT_SIZES, TENSOR_SIZES, candidates, pipeline_depths
    from calc.perf.system import build_chip

    rates = build_chip(hardware, precision)
    sizes = set()
    for t in TENSOR_SIZES:
        for c in CONTEXT_SIZES:
            for p in pipeline_depths(model.layers):
                if chips % (t * p * c) == 0:
                    copies = chips // (t * p * c)
                    sizes.add(copies * max(p, -(-at_least // copies)))
    for size in sorted(sizes):
        if next(candidates(model, chips, size, sequence, rates.precision, True, rates.chips_per_node), None):
            return size
    return None


def batch_for(model, hardware, chips: int, *, precision: str | None = None, global_batch: int | None = None,
              sequence: int | None = None) -> Batch:
    """The global batch a modelled utilization of ``model`` on ``chips`` chips searches with, and why.

    Given, it is kept. Else the published run's, where ``model`` is the shape of a run of data/run_layouts.csv
    on ``chips`` chips (Llama 3.1 405B on 16,384 H100: 2,048 sequences of 8,192 tokens, [Dubey2024] Table 4).
    Else ``default_batch`` (about ``TOKENS_PER_BATCH`` tokens), or, where no tensor x pipeline x context split
    of the chips shares that evenly, the smallest larger batch that does.

    Examples
    --------
    >>> batch_for("Llama 3.1 405B", "H100 SXM5", 16384).sequences
    2048
    >>> batch_for("Llama 3.1 405B", "H100 SXM5", 32768).why
    'the smallest from 512 up that splits over 32,768 chips'
    """
    from calc.architecture import lookup
    from calc.perf.system import resolve_hardware

    name, model, hardware = _name(model), lookup(model), resolve_hardware(hardware)
    if global_batch:
        return Batch(int(global_batch), int(sequence or training_sequence(model)), "given")
    if not sequence:
        published_run = _published_batch(name, chips)
        if published_run is not None:
            return published_run
    sequence = int(sequence or training_sequence(model))
    usual = default_batch(sequence)
    least = _smallest_batch(model, hardware, chips, usual, sequence, precision)
    if least is None or least == usual or least > MOST_BATCH_RAISE * usual:  # not a run anyone trains
        return Batch(usual, sequence, f"about {TOKENS_PER_BATCH / 2**20:.0f}M tokens, as Llama 3 began [Dubey2024]")
    return Batch(least, sequence, f"the smallest from {usual:,} up that splits over {chips:,} chips")


@lru_cache(maxsize=64)
def published_step(name: str, model, hardware, chips: int, precision):
    """(run, step) of the published run of shape ``name`` on ``chips`` chips of ``hardware`` at its own layout
    (data/run_layouts.csv), where the precision asked is the run's (``precision`` None: the chip's 16-bit format), as
    the back-test predicts it (calc.backtest.modelled_checks: an interleaving of unstated count the fastest, by
    calc.perf.runs.fastest_interleaving, memory not enforced); else None."""
    from calc.perf.step import predict_step
    from calc.perf.system import build_chip

    found = _published_run(name, hardware, chips)
    if found is not None and found[1]["precision"] == build_chip(hardware, precision).precision:
        run, lay = found
        try:
            return run, predict_step(model, hardware, chips, published_layout(lay), False)
        except InputError:
            return None
    return None


def published_layout(lay, virtual_stages: int | None = None):
    """The layout a row of data/run_layouts.csv states: the one definition calc.backtest and ``published_step``
    predict from. Its virtual stages by calc.perf.runs.fastest_interleaving, the step validation's rule: a count as
    stated, 1 where blank, "interleaved" (a count not stated) the fastest count on the run's chips, memory not
    enforced (``virtual_stages``: the count to build an "interleaved" row at). A run measured in
    data/validation_runs.csv (column validation_run) is that row's layout as the step validation builds it
    (calc.perf.validation.build_layout: its framework, pipeline engine, sequence parallelism, kernels), so a
    published run has one layout wherever it is predicted; the columns of data/run_layouts.csv state it too
    (tests/test_backtest.py holds them to it)."""
    from calc.perf.layout import Layout
    from calc.perf.runs import fastest_interleaving
    from calc.vocabulary import INTERLEAVED

    if lay["validation_run"]:
        from calc.perf import validation

        row = _validation_row(lay["validation_run"])
        return validation.build_layout(row, validation.build_model(row), virtual_stages)
    if lay["virtual_stages"] == INTERLEAVED and virtual_stages:
        virtual = virtual_stages
    else:
        virtual = fastest_interleaving(lay["virtual_stages"], *_published_step_seconds(lay))
    return Layout(tensor=int(lay["tensor"]), pipeline=int(lay["pipeline"]), context=int(lay["context"]),
                  expert=int(lay["expert"]), virtual_stages=virtual, micro_batch=int(lay["micro_batch"]),
                  global_batch=int(lay["global_batch"]), sequence=int(lay["sequence"]),
                  recompute=lay["recompute"], precision=lay["precision"],
                  flash_attention=lay["flash_attention"] == "yes", schedule=lay["schedule"] or "1f1b",
                  recompute_modules=lay["recompute_modules"] or None)


def _published_step_seconds(lay):
    """(layers, pipeline stages, step seconds at v virtual stages) of a row of data/run_layouts.csv on its run's chips
    (data/runs.csv), for calc.perf.runs.fastest_interleaving."""
    from calc.architecture import published
    from calc.perf.step import predict_step

    model = published()[lay["shape"]][0]
    run = next(r for r in data.runs() if r["name"] == lay["run"])
    hardware, chips = data.hardware(run["hardware"]), int(run.quantity("chips").m_as("chip"))
    return model.layers, int(lay["pipeline"]), lambda v: predict_step(
        model, hardware, chips, published_layout(lay, v), False).seconds_per_step


def _validation_row(name: str):
    """The row of data/validation_runs.csv named ``name`` (a published run's measured layout)."""
    for r in data.validation_runs():
        if r["name"] == name:
            return r
    raise DataError("data/run_layouts.csv", None, "validation_run", f"not a row of data/validation_runs.csv: {name!r}")


def _published_run(name: str, hardware, chips: int) -> tuple[str, dict] | None:
    """(run, its row of data/run_layouts.csv) of the published run of shape ``name`` on ``chips`` chips of
    ``hardware``, whatever its precision; None where there is none."""
    runs = {r["name"]: r for r in data.runs()}
    for run, lay in data.run_layouts().items():
        row = runs[run]
        if (lay["shape"] == name and row["chips"] is not None and int(row.quantity("chips").m_as("chip")) == chips
                and row["hardware"] == hardware.name):
            return run, lay
    return None


@lru_cache(maxsize=512)
def _fastest(model, hardware, chips: int, global_batch: int, sequence: int, precision):
    from calc.perf.search import search

    try:
        found = search(model, hardware, chips, global_batch, sequence=sequence, precision=precision, top=1,
                       explain=False)  # the fastest only: no count of what did not fit, no explanation
    except InputError:
        return None
    return found.steps[0] if found.steps else None


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
    from calc.architecture import lookup
    from calc.perf.system import build_chip, resolve_hardware

    name, model, hardware = _name(model), lookup(model), resolve_hardware(hardware)
    assumed = chips is None
    chips = REFERENCE_CHIPS if assumed else int(chips)
    batch = batch_for(model, hardware, chips, precision=precision, global_batch=global_batch, sequence=sequence)
    if not assumed and batch.why.startswith("the published run's"):  # that run's own layout, where it ran on this chip
        published_run = published_step(name, model, hardware, chips, precision)
        if published_run is not None:
            run, step = published_run
            return ModelledUtilization(step.mfu, *mfu_band(step.mfu), step, chips, assumed, batch.why, run)
        other = _published_run(name, hardware, chips)
        ran = other[1]["precision"] if other is not None else None
        if ran is not None and ran != build_chip(hardware, precision).precision:  # said, never switched to
            batch = replace(batch, why=f"{batch.why}; {other[0]} ran in {ran}, so its own layout is not the one "
                                       f"predicted here: give precision {ran} for it")
    step = _fastest(model, hardware, chips, batch.sequences, batch.sequence, precision)
    if step is None:
        return None
    return ModelledUtilization(step.mfu, *mfu_band(step.mfu), step, chips, assumed, batch.why)


LARGEST_SEARCHED = 2**17  # why_not looks for the fewest chips that fit among powers of two up to this


def why_not(model, hardware, chips: int | None = None, *, precision: str | None = None,
            global_batch: int | None = None, sequence: int | None = None) -> str:
    """Why ``modelled_utilization`` found no layout, in words: the chip's links missing from data/hardware.csv,
    or too few chips (with the fewest power of two that fits: "needs at least 9; 16 fit"), or the search's own
    reason.

    Examples
    --------
    >>> why_not("Llama 3 70B", "H100 SXM5", 3)
    'no layout of Llama 3 70B fits on 3 H100 SXM5 (needs at least 9; 16 fit)'
    """
    from calc.architecture import lookup
    from calc.perf.search import search
    from calc.perf.system import build_chip, resolve_hardware

    name, model, hardware = _name(model), lookup(model), resolve_hardware(hardware)
    assumed = chips is None
    chips = REFERENCE_CHIPS if assumed else int(chips)
    batch = batch_for(model, hardware, chips, precision=precision, global_batch=global_batch, sequence=sequence)
    chosen = batch.why != "given"
    global_batch, sequence = batch.sequences, batch.sequence
    rates = build_chip(hardware, precision)
    if chips > 1 and rates.intra_node_bandwidth is None and rates.network_bandwidth is None:
        return f"data/hardware.csv gives {hardware.name} no link bandwidth to model its layouts"
    if chips > rates.chips_per_node and rates.network_bandwidth is None:
        return (f"data/hardware.csv gives {hardware.name} no network bandwidth to model layouts beyond its "
                f"{rates.chips_per_node}-chip node")
    where = f"{chips:,} {hardware.name}" + (" (a reference cluster; give chips for yours)" if assumed else "")
    more = 2 ** math.ceil(math.log2(chips + 1))
    while more <= LARGEST_SEARCHED and _fastest(model, hardware, more, global_batch, sequence, precision) is None:
        more *= 2
    if more <= LARGEST_SEARCHED and (rates.network_bandwidth is not None or more <= rates.chips_per_node):
        return f"no layout of {name} fits on {where} (needs at least {max(chips, more // 2) + 1:,}; {more:,} fit)"
    try:
        found = search(model, hardware, chips, global_batch, sequence=sequence, precision=precision, top=1)
    except InputError as exc:
        return f"no layout of {name} on {where}: {exc.message}"
    if found.why.startswith("no layout to try: "):
        why = found.why.removeprefix("no layout to try: ")
        if chosen:  # no batch from the usual one up splits: a larger one would not help, and no door here takes one
            why = why.split("; a larger global batch")[0] + "; a chip count with more factors of two would leave layouts to try"
        return f"no layout of {name} on {where} to try: " + why
    return f"no layout of {name} fits on {where}, nor on up to {LARGEST_SEARCHED:,}"


def _name(model) -> str:
    """A shape's name in data/architectures.csv (given, or found by equality), else "this shape"."""
    if isinstance(model, str):
        return model
    return _shape_name(model)


@lru_cache(maxsize=256)  # keyed by shapes a session builds: bounded; published() rebuilds every shape (~0.1 s)
def _shape_name(model) -> str:
    from calc.architecture import published

    return next((n for n, (t, *_) in published().items() if t == model), "this shape")
