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

import importlib

from calc.errors import ConflictError, DataError, InputError, ScaleError, Undetermined, UnknownKeyword
from calc.units import Q_, parse_quantity, ureg
from calc.vocabulary import QUANTITIES, TERMS

__all__ = [
    "ureg", "Q_", "parse_quantity", "estimate", "Estimate", "Item", "lifetime", "Lifetime", "serve",
    "InputError", "ConflictError", "ScaleError", "DataError", "Undetermined", "UnknownKeyword", "TERMS", "QUANTITIES",
]

# Imported on first use (PEP 562): ``import calc`` reads the registry, not every model's package and tables, so
# ``python -m calc hardware`` does not pay for calc.serve. A name below comes from its package; any other
# ``calc.NAME`` is the submodule ``calc.NAME`` (``calc.estimate``, ``calc.serve``, ``calc.data``, ...), as the
# eager imports made every one of them an attribute before.
_FROM = {"Estimate": "calc.estimate", "Item": "calc.estimate", "Lifetime": "calc.lifetime"}


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name in _FROM:
        value = getattr(importlib.import_module(_FROM[name]), name)
        globals()[name] = value
        return value
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
