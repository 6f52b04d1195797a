"""``parse_quantity``, the one reader of every door: any input (a string, a number, an array, a Quantity)
into a Quantity of the field's dimension, its unit text checked before pint parses it, or an ``InputError``
naming the field, what was expected and what was read."""

from __future__ import annotations

import math
import re
from functools import cache, lru_cache

import numpy as np
import pint

from calc.errors import InputError
from calc.numbers import _example, _quote, _units, count_suffix, read_number
from calc.unit_registry import Q_, ureg

# Unit exponents people write (m**2, 1/s**2); anything larger is a typo or an attack.
_MAX_UNIT_POWER = 4

# Entries kept by the caches keyed by user text (ours and pint's): bounded, so no input grows memory.
_CACHE_SIZE = 1024

_UNIT_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-zµμ%$_][A-Za-z0-9µμ_]*)|(?:\*\*|\^)\s*(?P<pow>[+-]?\d+)|(?P<op>[*/()·]))")


def _check_unit_text(text: str, field: str, original: str) -> None:
    """Only names, * / ( ) and small integer powers reach pint: its parser then does bounded work."""
    pos, depth = 0, 0
    while pos < len(text):
        m = _UNIT_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            if text[pos:].strip()[:1].isdigit():
                raise InputError(field, f"expected one number followed by a unit, got {_quote(original)}"
                                        + _second_number_hint(text[:pos], original))
            raise InputError(field, f"unexpected {text[pos:].strip()[:12]!r} in the unit of {_quote(original)}")
        if m.group("pow") is not None and abs(int(m.group("pow"))) > _MAX_UNIT_POWER:
            raise InputError(field, f"a unit power above {_MAX_UNIT_POWER} is not a unit people use, in {_quote(original)}")
        op = m.group("op")
        depth += op == "("
        depth -= op == ")"
        if depth > 4:
            raise InputError(field, f"too deeply nested: {_quote(original)}")
        pos = m.end()


_RANGE_WORDS = re.compile(r"^\s*(?:between\s+)?(?P<low>.+?)\s+(?:to|and|through|until)\s+(?P<high>.+?)\s*$", re.I)


def _second_number_hint(before: str, original: str) -> str:
    """What to say of a second number in the unit text ``before`` it: a range in words ("60e9 to 80e9 param",
    "between 60B and 80B") is written low..high; an operator before it (1/2, (5)) is arithmetic; else nothing.

    >>> _second_number_hint("to ", "60e9 to 80e9 param"), _second_number_hint("/", "1/2")
    ('; a range is written low..high (60e9..80e9 param)', ': arithmetic such as 1/2 or (5) is not read; write the number itself')
    """
    words = _RANGE_WORDS.match(original)
    if words and re.search(r"(?:^|\s)(?:between|to|and|through|until)\s*$", before, re.I):
        return f"; a range is written low..high ({words['low']}..{words['high']})"
    if re.search(r"[*/()·]\s*$", before):
        return ": arithmetic such as 1/2 or (5) is not read; write the number itself"
    return ""


def parse_quantity(value, field: str, unit: str, *, bare_ok: bool, shown_in: str | None = None) -> pint.Quantity:
    """Turn an input into a Quantity of ``unit``'s dimension, or raise ``InputError``.

    The one reader of every door (Python, command line, app, URL, scenario files): a string
    goes through ``read_number`` (numbers read by us, bounded) and a checked unit expression.

    Parameters
    ----------
    value : pint.Quantity, str, float, int, sequence or numpy array
        A Quantity; a string such as ``"300e9 token"`` or ``"14.8 day"``; or, only where
        ``bare_ok``, a plain number or array read in ``unit``.
    field : str
        The input's name, for the error message.
    unit : str
        The canonical unit; the value must have its dimension.
    bare_ok : bool
        Whether a plain number is unambiguous for this field.
    shown_in : str, optional
        The unit people use for this field (the vocabulary's display unit; "ms" for a time per token),
        for the example of a refused plain number: "40 ms", not "40 day".

    Returns
    -------
    pint.Quantity
        In the caller's unit (not converted); magnitudes are float or float arrays.

    Raises
    ------
    InputError
        Naming ``field``, what was expected and what was read.

    Examples
    --------
    >>> parse_quantity("14.8 day", "duration", "s", bare_ok=False)
    <Quantity(14.8, 'day')>
    >>> parse_quantity("1000..2000 chip", "chips", "chip", bare_ok=True)
    Traceback (most recent call last):
    ...
    calc.errors.InputError: chips: a range ('1000..2000 chip') is not accepted here; give one value (ranges such as 0.2..0.5 are read by calc estimate, calc.uncertainty.simulate and the app's Estimate page)
    """
    expected = _units(unit)
    shown = _quote(value) if isinstance(value, str) else None
    if isinstance(value, str):
        number, text = read_number(value, field, unit)
        if not text:
            if not bare_ok and not _is_dimensionless(expected):
                raise InputError(field, f"a plain number is ambiguous here; give a unit, e.g. \"{_example(unit, value.strip(), shown_in)}\"")
            value = Q_(number, expected)  # a plain number is read in the canonical unit
        else:
            try:
                value = _literal_or_count(number, text, field, unit, expected, bare_ok, value)
            except UnknownUnit as exc:  # said with the whole input and an example in the unit people use
                example = _example(unit, _typed_number(value, exc.text) or (f"{number:g}" if np.isscalar(number)
                                                                             else "1"), shown_in)
                # "1,024 H100s" as articles write it: the count here, the chip's name in its own field
                named = " (give the chip's model apart, as the hardware)" if unit == "chip" and \
                    any(c.isdigit() for c in exc.text) and any(c.isalpha() for c in exc.text) else ""
                raise InputError(field, f"{exc.message}, e.g. \"{example}\"{named}; got {shown}") from None
        _no_milli_count(value, field, shown)
    elif isinstance(value, pint.Quantity):
        if not isinstance(value, ureg.Quantity):
            value = parse_quantity(f"{value.magnitude} {value.units:~C}", field, unit, bare_ok=bare_ok)
    elif isinstance(value, (bool, dict, set, bytes, bytearray, memoryview, complex)) or value is None \
            or (isinstance(value, np.ndarray) and value.dtype.kind not in "iuf"):
        raise InputError(field, f"expected a quantity in {unit or 'dimensionless'}, got {_quote(repr(value))}")
    else:
        value = _bare_number(value, field, unit, expected, bare_ok, shown_in)
    if value.dimensionality != expected.dimensionality:
        wanted = f"a quantity in {unit} ({_dims(expected.dimensionality)})" if unit else "a plain number (no unit)"
        raise InputError(
            field,
            f"expected {wanted}, got {_shown(value)} ({_dims(value.dimensionality)})"
            + _per_chip_hint(value, expected, unit) + _node_hint(value, expected) + _million_hint(value, expected),
        )
    value = _float_magnitude(value, field)
    if not isinstance(value.magnitude, np.ndarray):
        _check_scale(float(value.magnitude), value.units, expected, field, shown)
    return value



def _plain(value) -> str:
    """A plain Python number as the user wrote it (40, not 40.0), for an example; "1" for anything else."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
            and 0 < abs(value) < 1e15:  # an int of 300 digits is never made a float
        return f"{value:g}"
    return "1"


def _bare_number(value, field: str, unit: str, expected, bare_ok: bool, shown_in: str | None = None) -> pint.Quantity:
    """A number or an array without a unit, read in the canonical unit where that is unambiguous."""
    if not bare_ok and not _is_dimensionless(expected):
        raise InputError(
            field,
            f"a plain number is ambiguous here; give a quantity with units, "
            f"e.g. \"{_example(unit, _plain(value), shown_in)}\" (got {_quote(repr(value))})",
        )
    try:
        return Q_(float(value) if np.isscalar(value) else np.asarray(value, dtype=float), expected)
    except (TypeError, ValueError, OverflowError) as exc:
        kind = "a finite number" if isinstance(exc, OverflowError) else "a number or an array of numbers"
        raise InputError(field, f"expected {kind}, got {_quote(repr(value))}") from None


def _float_magnitude(value: pint.Quantity, field: str) -> pint.Quantity:
    """``value`` with a float (or float array) magnitude; a complex one refused."""
    magnitude = value.magnitude
    if isinstance(magnitude, complex) or np.iscomplexobj(magnitude):
        raise InputError(field, f"expected a real number, got {_quote(repr(magnitude))}")
    if isinstance(magnitude, (int, np.integer)):
        return Q_(float(magnitude), value.units)
    elif isinstance(magnitude, np.ndarray) and magnitude.dtype.kind != "f":
        try:
            return Q_(magnitude.astype(float), value.units)
        except (TypeError, ValueError, OverflowError):
            raise InputError(field, f"expected an array of numbers, got {_quote(repr(magnitude))}") from None
    return value


def _shown(q) -> str:
    """A value as people read it (3 × 10¹¹ m, not 300000000000.0 m), with its own unit."""
    if isinstance(q.magnitude, np.ndarray):
        return f"an array in {q.units:~P}"
    from calc.display import number

    return f"{number(float(q.magnitude))} {q.units:~P}"


def _node_hint(value, expected) -> str:
    """For a chip count given in nodes ("2 nodes", as a serving setup is said): the chips to write instead; a node's
    chips depend on the hardware, which the count's reader does not know, so it is never converted silently."""
    node = ureg.Quantity(1, "node")
    if value.dimensionality != node.dimensionality or expected.dimensionality != ureg.Quantity(1, "chip").dimensionality \
            or isinstance(value.magnitude, np.ndarray):
        return ""
    n = float(value.magnitude)
    return (f"; write the chips the nodes hold: {n:g} node{'s' * (n != 1)} of 8 GPUs (an HGX H100 or H200) "
            f"{'is' if n == 1 else 'are'} {8 * n:g} chips; data/hardware.csv gives each chip's server size")


def _per_chip_hint(value, expected, unit: str) -> str:
    """For a value that lacks only the field's "per chip" ("$2/hr" for a price per chip-hour): the
    reading it would have per chip, as a suggestion; never taken silently (an instance of eight
    GPUs is priced per hour too)."""
    per_chip = value / ureg.Quantity(1, "chip")
    if per_chip.dimensionality != expected.dimensionality or isinstance(value.magnitude, np.ndarray):
        return ""
    shown = f"{float(value.magnitude):.6g}".replace("e+", "e")
    node = (f'; for a machine of several chips, "{shown} {value.units:~C}/node" (a node of the hardware\'s server size)'
            if unit == "USD/chip/hour" else " (for a machine of several chips, divide by its chip count first)")
    return f'; if that is per chip, write "{shown} {value.units:~C}/chip"{node}'


_MILLI_COUNT = re.compile(r"(?<![A-Za-z])m(tok|tokens?|params?|chips?)(?![A-Za-z])")


def _no_milli_count(value, field: str, shown: str) -> None:
    """A count written with SI's milli ("0.6 USD/mtok": pint's m before a unit is a thousandth) is refused with the
    million it most likely meant, never read: a thousandth of a token priced $0.6 made a serving bill 10^9 too high."""
    if not isinstance(value, pint.Quantity) or not any(
            str(u).startswith("milli") and str(u)[5:] in ("token", "param", "chip") for u in value.units._units):
        return
    typed = shown.strip("'\"") if shown else ""
    fixed = _MILLI_COUNT.sub(lambda m: "M" + m.group(1), typed)
    raise InputError(field, f"m before a count is SI's milli, a thousandth; a million is M: did you mean {_quote(fixed)}?"
                            f" got {shown}")


def _million_hint(value, expected) -> str:
    """For a count (tokens, parameters, chips) read as metres or minutes ("5 m", "5 min": pint's m is the metre):
    the count in millions it most likely meant, as a suggestion; never taken silently."""
    if expected.dimensionality not in {ureg.Quantity(1, u).dimensionality for u in ("token", "param", "chip")} \
            or value.units not in (ureg.meter, ureg.minute) or isinstance(value.magnitude, np.ndarray) \
            or not 0 < float(value.magnitude) < math.inf:
        return ""
    shown = f"{float(value.magnitude):.6g}".replace("e+", "e")
    return f"; did you mean {shown}M ({shown} million)?"


def _check_scale(x: float, units, expected, field: str, shown: str | None = None) -> None:
    """A value that a float holds in its own unit may not in the canonical one (1e306 year in
    seconds): checked once, here, so no door computes with inf or a number below a float's range."""
    if x == 0 or not math.isfinite(x):
        return  # the callers' range checks name these (not positive, not finite)
    factor = _factor_to(units, expected)
    y = abs(x) * factor
    if math.isfinite(y) and y >= _TINY:
        return
    if shown is None:
        from calc.display import number

        shown = f"{number(x)} {units:~P}"
    if not math.isfinite(y):
        raise InputError(field, f"expected a finite number; {shown} is beyond what a float holds in {expected:~P}")
    raise InputError(field, f"expected a number a float holds; {shown} is below what a float holds "
                            f"in {expected:~P} (about 2.2 × 10^-308)")


_TINY = 2.2250738585072014e-308  # the smallest normal double: below it precision is lost, then the value


@lru_cache(maxsize=_CACHE_SIZE)
def _factor_to(units, expected) -> float:
    return float(Q_(1.0, units).m_as(expected))


def _literal_or_count(number: float, text: str, field: str, unit: str, expected, bare_ok: bool, original: str):
    """``number text`` read literally; if that is not a quantity of the field's kind and ``text``
    opens with a count suffix (70B, 1.4T, 100k), read as a count: bytes stay bytes where bytes
    are meant, and nothing that reads literally is ever reread."""
    try:
        _check_unit_text(text, field, original)
        q = Q_(number, _parse_units(text, field, unit))
        if q.dimensionality == expected.dimensionality:
            return q
        failure = None
    except InputError as exc:
        q, failure = None, exc
    counted = count_suffix(number, text)
    if counted is None:
        if failure is not None:
            raise failure
        return q  # the caller names the dimension mismatch
    value, rest = counted
    if not rest:
        if not bare_ok and not _is_dimensionless(expected):
            raise InputError(field, f"a count ({_quote(original)}) without a unit is ambiguous here; give a unit, "
                                    f"e.g. \"{_example(unit)}\"")
        return Q_(value, expected)
    try:
        _check_unit_text(rest, field, original)
        c, rest_failure = Q_(value, _parse_units(rest, field, unit)), None
    except InputError as exc:
        c, rest_failure = None, exc
    if c is not None and c.dimensionality == expected.dimensionality:
        return c
    if failure is not None:  # the literal reading is no quantity ("2T" is no unit): the count's is what is said
        if c is not None:
            return c  # "2T param" where tokens are asked: the caller names the kind read
        raise rest_failure  # "2T tokn": the unknown unit is 'tokn', not 'T'
    if c is not None and "[information]" in q.dimensionality and "[information]" not in c.dimensionality:
        return c  # "10B token" where tokens a day are asked: said as 10B tokens (a count), not as bytes x tokens
    return q


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_units(text: str, field: str, unit: str) -> pint.Unit:
    cache = getattr(ureg, "_cache", None)  # pint keeps every unit it has met, keyed by it: bound them too
    for table in vars(cache).values() if cache is not None else ():
        if isinstance(table, dict) and len(table) > _CACHE_SIZE:
            table.clear()
    try:
        return ureg.parse_units(text)
    except pint.UndefinedUnitError as exc:
        unknown = list(exc.unit_names) if isinstance(exc.unit_names, (list, tuple)) else [exc.unit_names]
        names = ", ".join(repr(n) for n in unknown)
        close = _close_units(str(unknown[0]), unit) if len(unknown) == 1 else []
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        raise UnknownUnit(field, f"unknown unit {names}{hint}; expected {_expected_words(unit)}", text) from None
    except Exception:  # pint's parser raises many types on garbage; all mean "not a unit"
        # said as an unknown unit is, with the whole input as typed and an example in the unit people use (fresh24b:
        # "0.6 per 1M tokens" was answered "got '/Mtokens'", a text the user never typed)
        raise UnknownUnit(field, f"cannot read {_quote(text)} as a unit; expected {_expected_words(unit)}",
                          text) from None


def _typed_number(value: str, unit_text: str) -> str | None:
    """The number of ``value`` as typed, with its count's suffix, before the unknown unit ``unit_text``: "2T" of "2T
    tokns", "7e9" of "7e9 parms" (an example said "2 token" and "7e+09 param"); None where more than that is left."""
    typed = value.strip().removesuffix(unit_text.strip()).strip()
    try:
        number, rest = read_number(typed, "value", "") if typed else (None, "?")
    except InputError:
        return None
    counted = count_suffix(number, rest) if rest and number is not None else None
    return typed if number is not None and (not rest or counted is not None and not counted[1]) else None


class UnknownUnit(InputError):
    """A unit pint does not know; ``text`` is the unit as read, for the door that shows the whole input."""

    def __init__(self, field: str, message: str, text: str):
        super().__init__(field, message)
        self.text = text


_PREFIXES = ("m", "u", "µ", "k", "M", "G", "T", "P", "E", "n")


@lru_cache(maxsize=64)
def _units_like(unit: str) -> tuple[str, ...]:
    """The registry's unit names of ``unit``'s dimension, their plurals and their prefixed symbols (ms, GB)."""
    dims = _units(unit).dimensionality
    names = []
    for name in ureg._units:
        try:
            if ureg.parse_units(name).dimensionality == dims:
                names.append(name)
        except Exception:  # a definition pint cannot read alone: no suggestion from it
            continue
    more = [n + "s" for n in names if len(n) > 2] + [p + n for n in names if len(n) <= 2 for p in _PREFIXES]
    return tuple(dict.fromkeys(names + more))


def _close_units(text: str, unit: str) -> list[str]:
    """Units of the field's dimension spelt like ``text`` (pint suggests none): "dys" -> days, "mss" -> ms."""
    from calc.errors import nearest

    if not unit:
        return []
    names = _units_like(unit)
    # "Gparmas" -> Gparams, "Ttokns" -> Ttokens: a count's prefix kept (it said params, tokens), unless the letter reads
    # better as the word's own initial ("Tokns": tokens, not Ttokens); not the small prefixes (m, u, n begin minutes, ns)
    if text[:1] in "kMGTPE" and len(text) > 3:
        rest = nearest(text[1:], names, n=2, fold=False)
        prefixed = [text[0] + r for r in rest if _is_prefixed_unit(text[0] + r)]
        own = [c for c in nearest(text[0].lower() + text[1:], names, fold=False) if c[:1] == text[0].lower()]
        if prefixed and (not own or _likeness(text[1:], rest[0]) > _likeness(text[0].lower() + text[1:], own[0])):
            return prefixed
    return nearest(text, names, n=2, fold=False)  # units are case-sensitive: ms is not Ms


def _likeness(a: str, b: str) -> float:
    import difflib

    return difflib.SequenceMatcher(None, a, b).ratio()  # calc.errors.nearest's measure


def _is_prefixed_unit(text: str) -> bool:
    try:
        ureg.parse_units(text)
    except Exception:  # pint's parser raises many types on what is not a unit
        return False
    return True


def _expected_words(unit: str) -> str:
    if not unit:
        return "a number"
    return f"{_dims(_units(unit).dimensionality)} in {unit} or a unit of the same kind"


def _is_dimensionless(u) -> bool:
    return u.dimensionality == ureg.dimensionless.dimensionality


# What a dimension is called in words, by a unit that has it (the rest: base dimensions joined).
_DIM_WORDS = {"W": "a power", "J": "an energy", "m": "a length", "kg": "a mass", "s": "a time", "m^2": "an area",
              "m^3": "a volume", "FLOP": "a compute count", "FLOP/s": "a compute rate",
              "FLOP/s/chip": "a compute rate per chip", "token": "a token count", "param": "a parameter count",
              "chip": "a chip count", "USD": "money", "USD/h": "money per hour", "USD/chip/h": "money per chip-hour",
              "W/chip": "a power per chip", "byte": "a size in bytes", "chip*h": "chip time", "kg/kWh": "a mass per energy",
              "1/s": "a rate per unit of time", "FLOP/token": "compute per token", "FLOP/param/token": "compute per parameter per token"}


@cache
def _dim_names() -> dict:
    return {ureg.parse_units(u).dimensionality: words for u, words in _DIM_WORDS.items()}


def _dims(dimensionality) -> str:
    """A dimension in words ("a power", "money per hour"), else its base dimensions written compactly."""
    if str(dimensionality) == "dimensionless":
        return "dimensionless"
    named = _dim_names().get(dimensionality)
    if named is not None:
        return named
    parts = []
    for name, exp in sorted(dimensionality.items(), key=lambda kv: -kv[1]):
        name = name.strip("[]")
        parts.append(name if exp == 1 else f"{name}^{exp}" if exp > 0 else f"/{name}" if exp == -1 else f"/{name}^{-exp}")
    return " ".join(parts).replace(" /", "/")
