"""The performance model of LLM training: step time from the parallel layout, built from named terms.

For a transformer shape, a chip, a chip count and a layout, one optimizer step is the sum of its terms,
each a small function of its own file, each from a physical rate of the chip or its links
(data/hardware.csv) and a sourced coefficient (data/step_coefficients.csv):

    layout.py       the layout, its options (recompute modes, schedules, frameworks) and its checks
    system.py       the chip at a number format: peak, matmul and attention rates, memory bandwidth,
                    links; the coefficients, typed                                   [Isaev2023]
    kernels.py      matmul time by shape (wave quantization, kernel overhead); attention core (fused,
                    Triton, unfused); memory-bound operations                       [Dao2023], [Korthikanti2022]
    collectives.py  all-reduce, all-gather, reduce-scatter, all-to-all, sends: hierarchical rings
    pipeline.py     bubbles per schedule (1F1B, interleaved, DualPipe) and stage transfers
                                                                                     [Narayanan2021], [DeepSeekAI2024]
    layer.py        one micro-batch through one layer: attention, feed-forward or experts, tensor-parallel
                    collectives, context exchange, expert all-to-all
    step.py         the sum that makes a Step with its breakdown; data parallelism and the optimizer
    memory.py       memory per chip, stage by stage: states, activations in flight, gathers, runtime
    search.py       the fastest layouts that fit; budget.py: the chip count within a budget
    utilization.py  the modelled MFU of a model's fastest layout on a chip, with its band
    calibration.py  the published runs: calibration and held-out; runs.py: data/validation_runs.csv's

Everything inside is plain floats, so one prediction takes a fraction of a millisecond; Quantities are
made at the boundary (``predict``, ``Step``'s properties).
"""

from calc.perf.budget import GOALS, BudgetSearch, Option, budget_search
from calc.perf.calibration import Calibration, HeldOut, calibration, heldout
from calc.perf.kernels import matmul_rate
from calc.perf.layout import ATTENTION_KERNELS, FRAMEWORKS, RECOMPUTE, SCHEDULES, ZERO_STAGES, Layout, layout_options
from calc.perf.search import Search, search
from calc.perf.step import PARTS, Step, predict
from calc.perf.utilization import ModelledUtilization, modelled_utilization

__all__ = ["ATTENTION_KERNELS", "FRAMEWORKS", "GOALS", "PARTS", "RECOMPUTE", "SCHEDULES", "ZERO_STAGES",
           "BudgetSearch", "Calibration", "HeldOut", "Layout", "Option", "Search", "Step", "budget_search",
           "calibration", "heldout", "layout_options", "matmul_rate", "modelled_utilization", "predict", "search",
           "ModelledUtilization"]
