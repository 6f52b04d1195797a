"""The one unit registry of the application, built from ``data/units.txt``.

FLOP, param, token, word, chip, bit/byte and USD are dimensions of their own, so a quoted figure
that adds or divides incompatible things fails loudly. ``ureg`` is set as pint's application
registry, so pickling, ``st.cache_data`` and pint-pandas all see the same units."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pint

# data/ sits beside calc/ in a clone; a wheel carries it inside, as calc/_data (pyproject.toml).
_HERE = Path(__file__).resolve().parent
DATA_DIR = _HERE / "_data" if (_HERE / "_data").is_dir() else _HERE.parent / "data"


# Units of a dimension of their own (data/units.txt): were one defined as a plain number, 6 N D would
# come out dimensionless and params / bytes would be a number.
OWN_DIMENSION = ("FLOP", "param", "token", "chip", "USD", "byte", "word")
USED_UNITS = OWN_DIMENSION + ("s", "hour", "day", "year", "W", "kWh", "MWh", "kg", "t", "GB", "Gbit")


def _refuse(error) -> None:
    """Raise ``error`` (a DataError of data/units.txt); at ``python -m calc`` the package is imported before the
    command line can catch anything, so print the one line it prints for bad data and exit 2, as it does."""
    import sys

    if sys.argv[:1] == ["-m"] and "calc" in getattr(sys, "orig_argv", [])[1:3]:
        print(f"calc: error: {error}", file=sys.stderr)
        raise SystemExit(2)
    raise error


def _registry(path: Path) -> pint.UnitRegistry:
    """The registry of ``path``; a malformed file is a DataError naming it (and the line pint names), at import,
    never a pint exception from deep inside whatever first uses a unit."""
    from calc.errors import DataError

    where = "data/units.txt"
    try:
        reg = pint.UnitRegistry(str(path), autoconvert_offset_to_baseunit=True)
    except FileNotFoundError:
        _refuse(DataError(where, None, None, "file not found: the calculator's units cannot be defined"))
    except Exception as exc:  # noqa: BLE001 - pint raises many kinds for a bad file; each is the file's fault
        first = " ".join(str(exc).split())[:200]
        _refuse(DataError(where, getattr(exc, "lineno", None), None,
                          f"malformed unit definitions ({type(exc).__name__}: {first})"))
    for unit in USED_UNITS:
        try:
            u = reg.parse_units(unit)
        except Exception as exc:  # noqa: BLE001
            _refuse(DataError(where, None, None, f"the unit {unit!r} the calculator uses is not defined "
                                                 f"({type(exc).__name__}: {' '.join(str(exc).split())[:120]})"))
        if unit in OWN_DIMENSION and u.dimensionless:
            _refuse(DataError(where, None, None, f"{unit!r} must be a dimension of its own, not a plain number"))
    _remember_parsed_units(reg)
    return reg


PARSED_UNITS = 4096  # unit texts remembered (a bound: a user's text is parsed afresh past it)


def _remember_parsed_units(reg: pint.UnitRegistry) -> None:
    """Remember each unit text's parse (``q.m_as("W/chip")`` parsed "W/chip" afresh on every call: two thirds of its
    84 us; 26 us remembered; pint's own cache keeps single unit names only). The parse is pint's own, once per text
    and options, in an ``lru_cache`` of ``PARSED_UNITS``; pint's UnitsContainer is immutable and the registry's
    definitions do not change after it is built, so the same text gives the same container."""
    parse = reg.parse_units_as_container
    remembered = lru_cache(maxsize=PARSED_UNITS)(parse)

    def parse_units_as_container(input_string, as_delta=None, case_sensitive=None):
        if isinstance(input_string, str):
            return remembered(input_string, as_delta, case_sensitive)
        return parse(input_string, as_delta, case_sensitive)

    reg.parse_units_as_container = parse_units_as_container


ureg = _registry(DATA_DIR / "units.txt")
ureg.formatter.default_format = "~P"
pint.set_application_registry(ureg)
Q_ = ureg.Quantity
Quantity = ureg.Quantity
