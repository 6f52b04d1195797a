"""The one unit registry of the application and the reader of quantities: the door every module
imports them through.

The registry itself is built in ``calc.unit_registry`` (from ``data/units.txt``, set as pint's
application registry); numbers as people write them are read by ``calc.numbers``, and
``parse_quantity`` (``calc.quantities``) turns any input into a Quantity of a field's dimension.
"""

from calc.numbers import count_suffix, is_plain_number, read_number
from calc.quantities import _TINY, parse_quantity
from calc.unit_registry import DATA_DIR, OWN_DIMENSION, Q_, USED_UNITS, Quantity, ureg

__all__ = ["DATA_DIR", "OWN_DIMENSION", "USED_UNITS", "Q_", "Quantity", "_TINY", "count_suffix", "is_plain_number",
           "parse_quantity", "read_number", "ureg"]
