"""The readers of every door: one quantity of the vocabulary (``read_value``), checked by one rule
(``check_value``: finite, positive, within its ``bounds``), a whole number (``whole``) and the chips of a
cluster (``read_chips``: a whole number of at least one); and the one guard of a user's file
(``read_file``: a regular file of bounded size, read no further).

``calc.estimate`` reads its inputs with these, and so does every module that takes one value (cost,
thresholds, scaling, the shape and the layout).
"""

from __future__ import annotations

import math
import os
import stat
from functools import lru_cache

import numpy as np
import pint

from calc import data
from calc.errors import InputError
from calc.units import _TINY, DATA_DIR, Q_, count_suffix, parse_quantity, read_number, ureg
from calc.vocabulary import BY_NAME, QUANTITIES

_UNIT = {n: BY_NAME[n].unit for n in QUANTITIES}
# The whole numbers a float holds exactly: beyond 2^53 it no longer tells one from the next (2^53 + 1 reads as 2^53),
# so "a whole number" means nothing there. Every count the model takes is bounded by it: a flag's whole number
# (whole_text), a config's counts (calc.architecture.config.MAX_COUNT) and a cluster's chips (value_range).
MAX_WHOLE = 2**53


def read_file(path, field: str, max_bytes: int, what: str) -> bytes:
    """The bytes of the regular file ``path``, refused beyond ``max_bytes`` (read no further): the one
    guard of every door that takes a file (``--config``, ``serve calibrate --file``). A device
    (/dev/zero), a FIFO or a folder is never opened. ``what`` names what the file should be ("a
    config.json"); every failure is a one-line ``InputError`` on ``field``.

    >>> read_file("/dev/zero", "file", 1024, "a CSV file")
    Traceback (most recent call last):
    ...
    calc.errors.InputError: file: '/dev/zero' is not a regular file; give the path of a CSV file
    """
    name = repr(str(path) if len(str(path)) <= 60 else str(path)[:57] + "...")
    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
        if regular:
            with open(path, "rb") as f:
                raw = f.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(field, f"cannot read {name}: {exc.strerror or exc}{_bundled(path)}") from None
    except ValueError as exc:  # an embedded NUL in the path
        raise InputError(field, f"cannot read {name}: {exc}") from None
    if not regular:
        raise InputError(field, f"{name} is not a regular file; give the path of {what}")
    if len(raw) > max_bytes:
        raise InputError(field, f"{name} is larger than {max_bytes:,} bytes, too large for {what}")
    return raw


def _bundled(path) -> str:
    """Where the calculator's own copy of a missing ``data/...`` path is, when it has one: the README's examples
    (``--config data/configs/llama-2-70b.json``) name the repository's folder, which an installed wheel keeps inside
    the package (calc/_data)."""
    parts = os.path.normpath(str(path)).split(os.sep)
    if len(parts) < 2 or parts[0] != "data" or ".." in parts:
        return ""
    own = os.path.join(DATA_DIR, *parts[1:])
    return f" (the calculator's own copy is {own})" if os.path.isfile(own) else ""


def whole(name: str, value, least: int = 1) -> int:
    """``value`` when it is a whole number (an ``int``, not a bool) of at least ``least``; else an
    ``InputError`` naming ``name``: the one check of layers, widths, heads, batch sizes and layouts.

    >>> whole("layers", 96)
    96
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise InputError(name, f"expected a whole number >= {least}, got {_short(value)}")
    if value > MAX_WHOLE:  # global_batch=10**30 ran a step of 10^28 s where the command line refuses it
        raise InputError(name, f"expected a whole number of at most 2^53 (about 9 × 10¹⁵), got {_short(value)}")
    return value


def read_count(name: str, value, least: int = 1) -> int:
    """A count given at a door of Python as the command line reads one: an int, a float holding a whole number
    (8.0), text (``whole_text``: "1,024") or a dimensionless Quantity, at least ``least`` and at most 2^53; then
    checked by :func:`whole`. The one rule of a layout's counts in ``calc.perf.predict``, as its chips are read
    by ``read_chips`` (1024.0 and "1024" both taken there, and tensor=8.0 refused here, before).

    >>> read_count("tensor", 8.0), read_count("global_batch", "1,536")
    (8, 1536)
    """
    if type(value) is int:  # the common case
        return whole(name, value, least)
    if isinstance(value, str):
        try:
            value = whole_text(value)
        except InputError as exc:
            raise InputError(name, exc.message) from None
    elif isinstance(value, pint.Quantity) and value.dimensionless:
        value = value.m_as("")
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        if abs(value) > MAX_WHOLE:
            raise InputError(name, f"expected a whole number of at most 2^53 (about 9 × 10¹⁵), got {value:g}")
        value = int(value)
    elif isinstance(value, np.integer):
        value = int(value)
    return whole(name, value, least)


def whole_text(text: str, unit: str | None = None) -> int:
    """A whole number written as every other number is (8,192, 1e3, 16_384); "8k" is refused as
    ambiguous (8,000 or 8,192 tokens?), never guessed. With ``unit`` (a count's: "token"), the number may
    carry it or a unit of its kind ("1000 tokens", "8 ktoken"): the one reader of a request's tokens at
    every door (``calc.serve``, ``serve --input-tokens``). Raises ``InputError`` on field ``value``.

    >>> whole_text("8,192"), whole_text("1,000 tokens", "token")
    (8192, 1000)
    """
    if isinstance(text, str) and not text.strip():  # said as a whole number's, not a fraction's ("such as 0.4")
        raise InputError("value", f"expected a whole number such as 4096 or 8,192, got "
                                  f"{'only spaces' if text else 'an empty value'}")
    number, rest = read_number(text, "value", "")
    if rest:
        counted = count_suffix(number, rest)
        if counted is not None and rest.strip()[:1] in ("k", "K") and (
                not counted[1] or unit is not None and _is_unit(counted[1], unit)):  # 8k tokens: 8,000 or 8,192?
            raise InputError("value", f"{text!r} is ambiguous ({counted[0]:,.0f} or {number * 1024:,.0f}?): "
                                      "write the number")
        if unit is not None and _is_unit(rest, unit):
            number, rest = float(Q_(number, rest.strip()).m_as(unit)), ""
            number = round(number) if abs(number - round(number)) <= 1e-9 * abs(number) else number  # 1.1 ktoken
        elif _is_unit(rest):  # "1000 GB": a unit of another kind is never taken, nor one where none is implied
            kind = f"of {unit}s" if unit else "without a unit"
            raise InputError("value", f"expected a whole number {kind}, such as 4096 or 8,192, got {text!r}")
        else:
            if unit is not None:  # "1000 tokns": a misspelt unit is named, with the units it resembles
                try:
                    parse_quantity(text, "value", unit, bare_ok=True)
                except InputError as exc:
                    if "unknown unit" in exc.message:
                        raise InputError("value", exc.message) from None
            raise InputError("value", f"expected a whole number such as 4096 or 8,192, got {text!r}")
    if math.isfinite(number) and number == int(number) and abs(number) > MAX_WHOLE:
        raise InputError("value", f"expected a whole number of at most 2^53 (about 9 × 10¹⁵), got {text!r}")
    if not (math.isfinite(number) and number == int(number)):
        raise InputError("value", f"expected a whole number such as 4096 or 8,192, got {text!r}")
    return int(number)


def _is_unit(text: str, of: str | None = None) -> bool:
    """Whether ``text`` is a unit (of the kind of ``of``, when given)."""
    try:
        u = ureg.parse_units(text.strip())
    except Exception:  # pint's parser raises many types on what is not a unit
        return False
    return of is None or u.dimensionality == ureg.parse_units(of).dimensionality


def _short(value) -> str:
    """``repr(value)`` for a message, whatever its size (an int of 5,000 digits has no repr)."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    text = repr(value) if isinstance(value, (int, float, str, type(None))) else f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


@lru_cache(maxsize=256)  # keyed by user-chosen units: bounded
def unit_factor(units, name: str) -> float:
    """Factor from ``units`` to the canonical unit of ``name``."""
    return float(Q_(1.0, units).m_as(_UNIT[name]))


def bounds(name: str) -> tuple[float, float]:
    """The physical bounds of a quantity, as plain fractions: (0, 1] for utilization, [1, 3] for
    PUE (``data/defaults.csv``), (0, inf) for everything else. Ranges are drawn within them.

    >>> bounds("utilization")
    (0.0, 1.0)
    """
    if name == "utilization":
        return 0.0, 1.0
    if name == "pue":
        return 1.0, float(data.defaults()["pue_plausible_max"].value.magnitude)
    return 0.0, math.inf


def read_value(name: str, value, *, one: bool = True) -> pint.Quantity:
    """One quantity of the vocabulary, read and checked exactly as ``estimate`` reads it: the
    reader for every door that takes one value (cost, thresholds, scaling...); ``one=False``
    also takes an array, one scenario per element.

    >>> read_value("chips", "16384 GPU")
    <Quantity(16384.0, 'chip')>
    """
    term = BY_NAME.get(name)
    if term is None or term.unit is None:
        raise InputError(name, "not a quantity of the vocabulary")
    q = parse_quantity(value, name, term.unit, bare_ok=term.bare_ok, shown_in=term.display)
    if one and np.ndim(q.magnitude):
        raise InputError(name, f"expected one value, got an array of {np.size(q.magnitude)} "
                               "(calc.estimate and calc.uncertainty.sweep take arrays)")
    value_range(name, q)
    return q


def check_value(name: str, q: pint.Quantity) -> None:
    """Refuse a value of ``name`` that is not finite, not positive, or outside its ``bounds``:
    the one rule every door applies (``InputError`` naming ``name`` and what was read)."""
    value_range(name, q)


def value_range(name: str, q: pint.Quantity) -> tuple[float, float]:
    """The least and the most of ``q`` in its own unit, after ``check_value``'s checks."""
    m = q.magnitude
    if isinstance(m, np.ndarray):
        if m.size == 0:
            raise InputError(name, "expected a value, got an empty array")
        lo, hi = float(m.min()), float(m.max())  # NaN propagates through both: one pass each, no temporaries
    else:
        lo = hi = float(m)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise InputError(name, f"expected a finite number, got {shown(q)}")
    if lo <= 0:
        raise InputError(name, f"expected a positive quantity, got {shown(q)}")
    f = unit_factor(q.units, name)
    if not math.isfinite(hi * f) or lo * f < _TINY:  # fine in its own unit, beyond a float in the canonical one
        what = "beyond" if not math.isfinite(hi * f) else "below"
        raise InputError(name, f"expected a number a float holds; {shown(q, hi if what == 'beyond' else lo)} "
                               f"is {what} what a float holds in {_UNIT[name] or 'a plain fraction'}")
    if name == "chips" and hi * f > MAX_WHOLE:  # a count of chips is a whole number, and floats hold them up to 2^53
        raise InputError(name, f"expected a whole number of chips from 1 to 2^53 (about 9 × 10¹⁵), got {shown(q, hi)}")
    if name == "utilization":
        f = unit_factor(q.units, name)
        if hi * f > 1:  # one rule at every door: a percent is written "40 %", never clamped or guessed
            if f == 1 and 2 <= hi <= 100:
                raise InputError(name, f"expected a fraction of peak between 0 and 1; {hi:g} looks like a percent: "
                                       f"did you mean {hi / 100:.2f}? (or write \"{hi:g} %\")")
            raise InputError(name, f"expected a fraction of peak between 0 and 1 (at most 100 %), got {shown(q, hi)}")
    if name == "pue":
        f = unit_factor(q.units, name)
        if lo * f < 1:
            raise InputError(name, f"expected a PUE of at least 1 (facility power / IT power), got {shown(q, lo)}")
        top = float(data.defaults()["pue_plausible_max"].value.magnitude)
        if hi * f > top:
            hint = f"; {hi:g} looks like a percent: did you mean {hi / 100:.2f}?" if f == 1 and 100 <= hi <= 100 * top else ""
            raise InputError(name, f"expected a PUE between 1 and {top:g} (facility power / IT power), got {shown(q, hi)}{hint}")
    return lo, hi


def shown(q: pint.Quantity, value: float | None = None) -> str:
    """A value the user gave, readable, for an error message; for an array, the offending element."""
    m = q.magnitude
    unit = f"{q.units:~P}"
    if isinstance(m, np.ndarray):
        if value is None:
            bad = m[~np.isfinite(m) | (m <= 0)] if m.size else m
            value = float(bad.flat[0] if bad.size else m.flat[0])
        return f"{_figure(value, unit)} (in an array of {m.size})"
    return _figure(float(m), unit)


def _figure(value: float, unit: str) -> str:
    """``value`` in ``unit`` to 4 figures; a NaN as Python writes it, without the unit (fresh20: 'got not a number
    chip')."""
    from calc.display import number

    return "NaN" if math.isnan(value) else f"{number(value, 4)} {unit}".strip()


def read_chips(value, name: str = "chips") -> pint.Quantity:
    """A number of chips: a whole number, at least one; 1.5 chips are refused (with the nearest whole
    count suggested), never run or bought as 1.5 or 2. The one reader of a given chip count (estimate,
    step, serve, thresholds, cost, compare); a range of chips drawn by ``calc.uncertainty`` (an array)
    stays continuous.

    >>> read_chips("100k GPUs")
    <Quantity(100000.0, 'chip')>
    """
    try:
        q = read_value("chips", value)
    except InputError as exc:  # read as chips, named as the caller's field (chips_per_node)
        raise InputError(name, exc.message) from None
    n = float(q.m_as("chip"))
    if n < 1 or n != math.floor(n):
        from calc.display import number

        lo, hi = max(1.0, math.floor(n)), max(1.0, math.ceil(n))
        near = "" if n < 0.5 or not math.isfinite(n) else (
            f"; did you mean {number(lo)}" if lo == hi else f"; did you mean {number(lo)} or {number(hi)}")
        if near and round(n * 1000) == n * 1000 and round(n * 100) != n * 100 and n < 1000:
            near += f" (or {n * 1000:.0f}, a digit group)"  # 16.384: three decimals read as a thousands group
        near += "?" if near else ""
        # every digit the user gave: 16383.9 shown to 4 figures read "got 16,384 chip; did you mean 16,383 or 16,384?"
        given = f"{n:,} chip" if 1 <= n < 1e15 else shown(q)
        raise InputError(name, f"expected a whole number of chips (at least 1), got {given}{near}")
    return q
