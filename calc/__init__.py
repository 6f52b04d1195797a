"""calc: recompute the compute, time, cost and energy of training runs, with units.

>>> import calc
>>> est = calc.estimate(params="175e9 param", tokens="300e9 token", hardware="V100 SXM2",
...                     chips=10_000, utilization=0.2)
>>> round(est.duration.to("day").magnitude, 1)
14.6

Quantities come from the one registry ``calc.ureg`` (``calc.Q_``); the names of a training run
are in ``calc.vocabulary``. Data comes from ``data/`` through ``calc.data`` only.

Modules, one idea each: ``estimate`` (the model of a run), ``uncertainty`` (ranges, sensitivity,
sweeps), ``architecture`` (shapes, parameters, FLOP per token), ``memory`` (bytes per chip),
``perf`` (step time and utilization from a parallel layout, a package of its terms), ``finetuning`` (FLOP
per token of full, LoRA and QLoRA fine-tuning), ``serve`` (serving latency, throughput and cost per token, a
package), ``scaling`` (scaling laws), ``lifetime`` (training + serving optimum at one quality),
``service_life`` (one model's training and serving in dollars, day by day), ``serving_figures`` (published
serving figures by the serving model), ``cost`` (cloud, ownership, acquisition, inflation), ``prices``
(rental, purchase and electricity prices, a price per node), ``thresholds`` (regulatory lines), ``claims``
(the seed articles recomputed), ``backtest`` (published runs), ``compare`` (one run on many chips),
``dataset`` (bytes to tokens), ``scenario`` (scenario files), ``reader`` (the input reader), ``display``
(readable text), ``errors``, ``units``, ``data``.

``calc.estimate``, ``calc.lifetime`` and ``calc.serve`` are packages that are also their one function:
``calc.serve(...)`` calls ``calc.serve.serve``, and ``import calc.serve as s`` binds the package (``s.frontier``),
as ``calc.callable_package`` explains (made callable rather than renamed: both spellings keep working).
"""

from calc import estimate, lifetime, serve  # the packages, each callable as its function (calc.callable_package)
from calc.errors import ConflictError, DataError, InputError, ScaleError, Undetermined, UnknownKeyword
from calc.estimate import Estimate, Item
from calc.lifetime import Lifetime
from calc.units import Q_, parse_quantity, ureg
from calc.vocabulary import QUANTITIES, TERMS

__all__ = [
    "ureg", "Q_", "parse_quantity", "estimate", "Estimate", "Item", "lifetime", "Lifetime", "serve",
    "InputError", "ConflictError", "ScaleError", "DataError", "Undetermined", "UnknownKeyword", "TERMS", "QUANTITIES",
]
