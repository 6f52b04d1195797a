"""The one unit registry of the application, built from ``data/units.txt``.

FLOP, param, token, word, chip, bit/byte and USD are dimensions of their own, so a quoted figure
that adds or divides incompatible things fails loudly. ``ureg`` is set as pint's application
registry, so pickling, ``st.cache_data`` and pint-pandas all see the same units.
"""

from __future__ import annotations

import math
import re
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pint

from calc.errors import InputError

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
    return reg


ureg = _registry(DATA_DIR / "units.txt")
ureg.formatter.default_format = "~P"
pint.set_application_registry(ureg)
Q_ = ureg.Quantity
Quantity = ureg.Quantity

# Longest text we read as one quantity: guards against pathological input.
_MAX_TEXT = 200
# The largest power of ten a double holds (1.8e308); an exponent beyond it is refused, not computed.
_MAX_EXP10 = 308
# Unit exponents people write (m**2, 1/s**2); anything larger is a typo or an attack.
_MAX_UNIT_POWER = 4
# Entries kept by the caches keyed by user text (ours and pint's): bounded, so no input grows memory.
_CACHE_SIZE = 1024

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SPACES = "\u00a0\u2009\u202f\u2007\u2002\u2003"  # no-break, thin, narrow, figure, en and em spaces
_NUMBER = re.compile(r"[+-]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_POWER = re.compile(r"\s*(?:\*\*|\^)\s*([+-]?\d+)")
_TIMES_TEN = re.compile(r"\s*[×x*·]\s*10\s*(?:\*\*|\^)\s*([+-]?\d+)")
_SUPER_RUN = re.compile(r"([⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+)")
_UNIT_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-zµμ%$_][A-Za-z0-9µμ_]*)|(?:\*\*|\^)\s*(?P<pow>[+-]?\d+)|(?P<op>[*/()·]))")
_DIGIT_GROUPS = re.compile(r"[+-]?\d{1,3}(?:[ ,]\d{3})+(?:\.\d+)?")


def read_number(text: str, field: str, unit: str = "") -> tuple[float, str]:
    """Split ``text`` into its number and its unit expression, reading the number ourselves.

    Accepted numbers: ``1e9``, ``16384``, ``16_384``, ``.5``, ``10**26``, ``10^26``,
    ``3.8 × 10^25``, ``3.8×10²⁵`` (what ``calc.display`` prints). One exponent only, within what a
    float holds, so no input can make the parser compute for long. Thousands separators are read
    as the calculator prints them (``16,384``); so are count suffixes where the literal reading does
    not fit (``70B`` parameters, ``1.4T``, ``100k``; see ``count_suffix``) and dollars (``$4.6M``).
    Refused, with the reading shown: digit groups by spaces (``16 384``), two numbers (``0.4.5``),
    a decimal comma (``1,5``), ranges (``1..2``), non-finite values.

    Returns
    -------
    (float, str)
        The number (1.0 when the text is a unit alone) and the unit text (may be empty).

    Examples
    --------
    >>> read_number("3.8 × 10²⁵ FLOP", "compute")
    (3.8e+25, 'FLOP')
    >>> read_number("16 384 GPU", "chips")
    Traceback (most recent call last):
    ...
    calc.errors.InputError: chips: digit groups separated by spaces are ambiguous; did you mean "16384 GPU"?
    """
    original = text
    text = _normalize(text, field, unit)
    currency = text.startswith(("$", "US$"))  # "$4.6M", "$2/GPU/hour": dollars, as articles write them
    if currency:
        text = text.split("$", 1)[1].lstrip()
    if ".." in text:
        raise InputError(field, f"a range ({_quote(original)}) is not accepted here; give one value "
                                "(ranges such as 0.2..0.5 are read by calc estimate, calc.uncertainty.simulate and the app)")
    if text.split(" ")[0].lower().lstrip("+-") in ("nan", "inf", "infinity"):
        raise InputError(field, f"expected a finite number, got {_quote(original)}")
    groups = _DIGIT_GROUPS.match(text)
    if groups and (len(text) == groups.end() or text[groups.end()] not in "0123456789,"):
        joined = groups.group().replace(" ", "").replace(",", "")
        rest = text[groups.end():].strip()
        if " " in groups.group():  # "16 384 GPU": one number or two? (spaces multiply in pint)
            raise InputError(field, "digit groups separated by spaces are ambiguous; "
                                    f"did you mean \"{(joined + ' ' + rest).strip()}\"?")
        text = joined + text[groups.end():]  # "16,384" and "1,234.5": thousands separators, as we print them
    m = _NUMBER.match(text)
    if m is None:
        if text and (text[0].isalpha() or text[0] in "%$µμ("):
            return 1.0, text  # a unit alone: "day" is 1 day
        raise InputError(field, f"expected a quantity (a number and a unit) such as \"{_example(unit)}\", got {_quote(original)}")
    mantissa, pos = m.group(), m.end()
    exponent, t = 0, None
    p = _POWER.match(text, pos)
    if p is not None:
        base = float(mantissa.replace("_", ""))
        if base <= 0:
            raise InputError(field, f"expected a power with a positive base, got {_quote(original)}")
        value = _power(base, int(p.group(1)), field, original)
        pos = p.end()
    else:
        value = float(mantissa.replace("_", ""))
        t = _TIMES_TEN.match(text, pos)
        if t is not None:
            exponent = int(t.group(1)) if len(t.group(1)) < 6 else 10**6
            pos = t.end()
            value = _scale(value, exponent, field, original)
    rest = text[pos:]
    if re.match(r"\s*(?:\*\*|\^)", rest):
        if p is not None or t is not None and re.match(r"\s*(?:\*\*|\^)\s*[+-]?\d", rest):
            raise InputError(field, f"only one exponent is accepted (a chain such as a**b**c is refused), got {_quote(original)}")
        raise InputError(field, f"expected a whole-number exponent after ^ or **, got {_quote(original)}")
    stripped = rest.strip()
    if stripped[:1].isdigit() or (stripped[:1] == "." and stripped[1:2].isdigit()):
        raise InputError(field, f"expected one number followed by a unit, got {_quote(original)} "
                                f"(read as {mantissa} then {stripped.split()[0]!r})")
    if re.match(r"-\s*\d", stripped):
        raise InputError(field, f"expected one number followed by a unit, got {_quote(original)}; "
                                f"a range is written low..high ({mantissa}..{stripped[1:].split()[0]})")
    if stripped[:1] in ("*", "·", "×") or (stripped[:1] == "/" and not stripped[1:].strip()):
        raise InputError(field, f"expected a quantity (a number and a unit) such as \"{_example(unit)}\", got {_quote(original)}")
    if stripped[:1] == ",":
        after = (stripped[1:].split() or [""])[0]
        raise InputError(field, "a comma is ambiguous (decimal mark or digit group?): write "
                                f"{mantissa}.{after or '5'} or the digits without separators, got {_quote(original)}")
    if not math.isfinite(value):
        raise InputError(field, f"expected a finite number; {_quote(original)} is beyond what a float holds (about 1.8 × 10^308)")
    if value == 0 and re.search(r"[1-9]", mantissa):
        raise InputError(field, f"expected a number a float holds; {_quote(original)} is below what a float holds (about 2.2 × 10^-308)")
    if currency:  # after a dollar sign a suffix can only be a count: $4.6M is 4.6 million dollars
        value, stripped = count_suffix(value, stripped) or (value, stripped)
        if not re.match(r"(USD|usd|dollars?)(?![A-Za-z])", stripped):  # "$2.5 USD/chip/hour" says it twice
            stripped = "USD" + ("" if not stripped else stripped if stripped.startswith("/") else " " + stripped)
    return value, stripped


_SUFFIX = re.compile(r"(thousand|million|billion|trillion|quadrillion|bn|k|K|M|B|b|G|T|t|Q)(?![A-Za-z0-9])\s*")
# Lower-case b and t (70b, 1.4t) and SI's G (70G) as people type them; never m (milli or million?).
_SUFFIX_FACTOR = {"k": 1e3, "K": 1e3, "thousand": 1e3, "M": 1e6, "million": 1e6, "B": 1e9, "b": 1e9, "bn": 1e9,
                  "G": 1e9, "billion": 1e9, "T": 1e12, "t": 1e12, "trillion": 1e12, "Q": 1e15, "quadrillion": 1e15}


def count_suffix(value: float, text: str) -> tuple[float, str] | None:
    """``(value x factor, rest)`` when ``text`` opens with a count suffix as articles write it
    (70B, 1.4T, 100k, 4.6M, 70 billion), else None. Used only where the literal reading is not a
    quantity of the field's kind: "40 GB" stays gigabytes, "70B" parameters is 70 billion.

    >>> count_suffix(70.0, "B"), count_suffix(434.0, "k chip*hours")
    ((70000000000.0, ''), (434000.0, 'chip*hours'))
    """
    m = _SUFFIX.match(text)
    if m is None:
        return None
    return value * _SUFFIX_FACTOR[m.group(1)], text[m.end():].strip()


def _normalize(text: str, field: str, unit: str) -> str:
    text = text.strip()
    if not text:
        raise InputError(field, f"expected a quantity such as \"{_example(unit)}\", got an empty value")
    if len(text) > _MAX_TEXT:
        raise InputError(field, f"expected a quantity such as \"{_example(unit)}\", got {len(text)} characters")
    text = text.replace("\u2212", "-")  # the minus sign people paste from documents
    if any(c in text for c in "\u2012\u2013\u2014"):
        raise InputError(field, f"a dash is ambiguous here (minus sign or range?): write - for a negative value "
                                f"or low..high for a range, got {_quote(text)}")
    for c in _SPACES:
        text = text.replace(c, " ")
    text = re.sub(r"([A-Za-z]+)-([A-Za-z]+)", r"(\1*\2)", text)  # "GPU-hours" is one unit: USD/GPU-hour
    text = re.sub(r"\s*\bCO2(?:e|eq)?\b", "", text)  # "t CO2e", "kg CO2e/kWh": a label of the mass, not a unit
    text = _flops(text, field, unit)
    return _SUPER_RUN.sub(lambda s: "^" + s.group(1).translate(_SUPERSCRIPTS), text)


_FLOPS = re.compile(r"(?<![A-Za-z])(kilo|mega|giga|tera|peta|exa|zetta|yotta|[kmgtpezy])?flops(?![A-Za-z])", re.I)
_FLOPS_PREFIX = {"k": "k", "m": "M", "g": "G", "t": "T", "p": "P", "e": "E", "z": "Z", "y": "Y"}


def _flops(text: str, field: str, unit: str) -> str:
    """"989 TFLOPS" where a rate is expected is 989 TFLOP/s (MFLOPS is mega, never milli); where a
    count is expected, "FLOPS" (capital S) is refused as ambiguous, and "FLOPs" stays a count."""
    if _FLOPS.search(text) is None:
        return text
    dims = _units(unit).dimensionality
    if dims.get("[compute]") == 1 and dims.get("[time]") == -1:
        def rate(m):
            p = m.group(1) or ""
            return (_FLOPS_PREFIX[p.lower()] if len(p) == 1 else p.lower()) + "FLOP/s"
        return _FLOPS.sub(rate, text)
    if dims == {"[compute]": 1} and any(m.group(0).endswith("FLOPS") for m in _FLOPS.finditer(text)):
        raise InputError(field, f"\"FLOPS\" is ambiguous here (a count or per second?): write FLOP for a count, "
                                f"e.g. \"1e25 FLOP\", got {_quote(text)}")
    return text


def _power(base: float, exp: int, field: str, original: str) -> float:
    if exp * math.log10(base) > _MAX_EXP10:
        raise InputError(field, f"expected a finite number; {_quote(original)} is beyond what a float holds (about 1.8 × 10^308)")
    if exp * math.log10(base) < -_MAX_EXP10:
        raise InputError(field, f"expected a number a float holds; {_quote(original)} is below what a float holds "
                                "(about 2.2 × 10^-308)")
    return math.pow(base, exp)


def _scale(mantissa: float, exponent: int, field: str, original: str) -> float:
    if exponent > _MAX_EXP10 + 15:
        raise InputError(field, f"expected a finite number; {_quote(original)} is beyond what a float holds (about 1.8 × 10^308)")
    if exponent < -_MAX_EXP10 - 15:
        raise InputError(field, f"expected a number a float holds; {_quote(original)} is below what a float holds "
                                "(about 2.2 × 10^-308)")
    try:
        return mantissa * 10.0**exponent
    except OverflowError:
        raise InputError(field, f"expected a finite number; {_quote(original)} is beyond what a float holds (about 1.8 × 10^308)") from None


def _check_unit_text(text: str, field: str, original: str) -> None:
    """Only names, * / ( ) and small integer powers reach pint: its parser then does bounded work."""
    pos, depth = 0, 0
    while pos < len(text):
        m = _UNIT_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            if text[pos:].strip()[:1].isdigit():
                raise InputError(field, f"expected one number followed by a unit, got {_quote(original)}: "
                                        "arithmetic such as 1/2 or (5) is not read; write the number itself")
            raise InputError(field, f"unexpected {text[pos:].strip()[:12]!r} in the unit of {_quote(original)}")
        if m.group("pow") is not None and abs(int(m.group("pow"))) > _MAX_UNIT_POWER:
            raise InputError(field, f"a unit power above {_MAX_UNIT_POWER} is not a unit people use, in {_quote(original)}")
        op = m.group("op")
        depth += op == "("
        depth -= op == ")"
        if depth > 4:
            raise InputError(field, f"too deeply nested: {_quote(original)}")
        pos = m.end()


def _quote(text: str) -> str:
    """User text, shortened and quoted, safe to show anywhere."""
    text = str(text)
    return repr(text if len(text) <= 60 else text[:57] + "...")


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
    calc.errors.InputError: chips: a range ('1000..2000 chip') is not accepted here; give one value (ranges such as 0.2..0.5 are read by calc estimate, calc.uncertainty.simulate and the app)
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
            value = _literal_or_count(number, text, field, unit, expected, bare_ok, value)
    elif isinstance(value, pint.Quantity):
        if not isinstance(value, ureg.Quantity):
            value = parse_quantity(f"{value.magnitude} {value.units:~C}", field, unit, bare_ok=bare_ok)
    elif isinstance(value, (bool, dict, set, bytes, bytearray, memoryview, complex)) or value is None \
            or (isinstance(value, np.ndarray) and value.dtype.kind not in "iuf"):
        raise InputError(field, f"expected a quantity in {unit or 'dimensionless'}, got {_quote(repr(value))}")
    else:
        if not bare_ok and not _is_dimensionless(expected):
            raise InputError(
                field,
                f"a plain number is ambiguous here; give a quantity with units, "
                f"e.g. \"{_example(unit, _plain(value), shown_in)}\" (got {_quote(repr(value))})",
            )
        try:
            value = Q_(float(value) if np.isscalar(value) else np.asarray(value, dtype=float), expected)
        except (TypeError, ValueError, OverflowError) as exc:
            kind = "a finite number" if isinstance(exc, OverflowError) else "a number or an array of numbers"
            raise InputError(field, f"expected {kind}, got {_quote(repr(value))}") from None
    if value.dimensionality != expected.dimensionality:
        raise InputError(
            field,
            f"expected a quantity in {unit or 'dimensionless'} "
            f"({_dims(expected.dimensionality)}), got {_shown(value)} ({_dims(value.dimensionality)})"
            + _per_chip_hint(value, expected, unit),
        )
    magnitude = value.magnitude
    if isinstance(magnitude, complex) or np.iscomplexobj(magnitude):
        raise InputError(field, f"expected a real number, got {_quote(repr(magnitude))}")
    if isinstance(magnitude, (int, np.integer)):
        value = Q_(float(magnitude), value.units)
    elif isinstance(magnitude, np.ndarray) and magnitude.dtype.kind != "f":
        try:
            value = Q_(magnitude.astype(float), value.units)
        except (TypeError, ValueError, OverflowError):
            raise InputError(field, f"expected an array of numbers, got {_quote(repr(magnitude))}") from None
    if not isinstance(value.magnitude, np.ndarray):
        _check_scale(float(value.magnitude), value.units, expected, field, shown)
    return value


def _shown(q) -> str:
    """A value as people read it (3 × 10¹¹ m, not 300000000000.0 m), with its own unit."""
    if isinstance(q.magnitude, np.ndarray):
        return f"an array in {q.units:~P}"
    from calc.display import number

    return f"{number(float(q.magnitude))} {q.units:~P}"


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
        c = Q_(value, _parse_units(rest, field, unit))
    except InputError:
        c = None
    if c is not None and c.dimensionality == expected.dimensionality:
        return c
    if failure is not None:  # neither reading fits: the literal one is what the message shows
        raise failure
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
        names = ", ".join(repr(n) for n in (exc.unit_names if isinstance(exc.unit_names, (list, tuple)) else [exc.unit_names]))
        raise InputError(field, f"unknown unit {names} in {_quote(text)}; expected {unit or 'a number'}") from None
    except Exception:  # pint's parser raises many types on garbage; all mean "not a unit"
        raise InputError(field, f"expected a unit such as \"{unit or 'percent'}\", got {_quote(text)}") from None


@cache
def _units(unit: str) -> pint.Unit:
    return ureg.parse_units(unit) if unit else ureg.dimensionless


def is_plain_number(text: str) -> bool:
    """Whether ``text`` is a bare number such as ``"1e9"`` or ``"10^26"`` (no unit, no range)."""
    try:
        return not read_number(text, "value")[1]
    except InputError:
        return False


def _is_dimensionless(u) -> bool:
    return u.dimensionality == ureg.dimensionless.dimensionality


# What a dimension is called in words, by a unit that has it (the rest: base dimensions joined).
_DIM_WORDS = {"W": "a power", "J": "an energy", "m": "a length", "kg": "a mass", "s": "a time", "m^2": "an area",
              "m^3": "a volume", "FLOP": "a compute count", "FLOP/s": "a compute rate",
              "FLOP/s/chip": "a compute rate per chip", "token": "a token count", "param": "a parameter count",
              "chip": "a chip count", "USD": "money", "USD/h": "money per hour", "USD/chip/h": "money per chip-hour",
              "W/chip": "a power per chip", "byte": "a size in bytes", "chip*h": "chip time", "kg/kWh": "a mass per energy",
              "FLOP/token": "compute per token", "FLOP/param/token": "compute per parameter per token"}


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


def _plain(value) -> str:
    """A plain Python number as the user wrote it (40, not 40.0), for an example; "1" for anything else."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
            and 0 < abs(value) < 1e15:  # an int of 300 digits is never made a float
        return f"{value:g}"
    return "1"


def _example(unit: str, value: str = "1", shown_in: str | None = None) -> str:
    """An example of a valid input in the unit people use for it (``shown_in``; else days, not seconds)."""
    people = shown_in or {"s": "day", "kWh": "MWh", "W/chip": "W/chip"}.get(unit, unit)
    return f"{value} {people}" if unit else "0.4"
