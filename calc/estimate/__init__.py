"""One model of a training run: six product relations, solved for whatever is not given.

The relations (each quantity in the canonical unit of ``calc.vocabulary``):

    compute    = flop_per_param_token * active_params * tokens     [Kaplan2020] sec. 2.1
    compute    = chips * peak * utilization * duration             [Chowdhery2022] app. B (MFU)
    chip_hours = chips * duration
    cost       = chip_hours * price
    energy     = chip_hours * power * pue                          [Patterson2021] sec. 2
    emissions  = energy * carbon_intensity                         [Patterson2021] sec. 2

The relations and their elimination over rationals are in ``calc.relations``; here, the inputs are read
and checked (``calc.reader``), defaults applied where nothing determines a quantity, the result marked
given, derived or default, and suspicious inputs and results warned about. The package's files are
its steps: ``inputs`` and ``shape`` (what is given), ``defaults``, ``consistency``, ``suspicious``
(the warnings), ``solve`` (``estimate`` itself) and ``result`` (``Estimate``, ``Item``).
"""

from calc.callable_package import make_callable
from calc.estimate.defaults import LAZY_DEFAULTS
from calc.estimate.result import Estimate, Item
from calc.estimate.solve import estimate
from calc.reader import bounds, check_value, read_value
from calc.relations import DENSE, RELATIONS, Relation

__all__ = ["estimate", "Estimate", "Item", "RELATIONS", "DENSE", "Relation", "bounds", "check_value", "read_value",
           "LAZY_DEFAULTS"]

# calc.estimate(...) calls estimate (and ``import calc.estimate as m`` binds this package): calc.callable_package says why
make_callable(__name__)

