"""The number reader: a number as people write it (``1e9``, ``16,384``, ``3.8 × 10²⁵``, ``70B``, ``$4.6M``)
split from its unit text, read by us within what a float holds, every ambiguous form refused with its reading."""

from __future__ import annotations

import math
import re
from functools import cache

import pint

from calc.errors import InputError
from calc.unit_registry import ureg

# Longest text we read as one quantity: guards against pathological input.
_MAX_TEXT = 200

# The largest power of ten a double holds (1.8e308); an exponent beyond it is refused, not computed.
_MAX_EXP10 = 308

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")

_SPACES = "\u00a0\u2009\u202f\u2007\u2002\u2003"  # no-break, thin, narrow, figure, en and em spaces

_NUMBER = re.compile(r"[+-]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

_POWER = re.compile(r"\s*(?:\*\*|\^)\s*([+-]?\d+)")

_TIMES_TEN = re.compile(r"\s*[×x*·]\s*10\s*(?:\*\*|\^)\s*([+-]?\d+)")

_SUPER_RUN = re.compile(r"([⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+)")

_DIGIT_GROUPS = re.compile(r"[+-]?\d{1,3}(?:[ ,]\d{3})+(?:\.\d+)?")


def read_number(text: str, field: str, unit: str = "") -> tuple[float, str]:
    """Split ``text`` into its number and its unit expression, reading the number ourselves.

    Accepted numbers: ``1e9``, ``16384``, ``16_384``, ``.5``, ``10**26``, ``10^26``,
    ``3.8 × 10^25``, ``3.8×10²⁵`` (what ``calc.display`` prints). One exponent only, within what a
    float holds, so no input can make the parser compute for long. Thousands separators are read
    as the calculator prints them (``16,384``); so are count suffixes where the literal reading does
    not fit (``70B`` parameters, ``1.4T``, ``100k``; see ``count_suffix``) and dollars (``$4.6M``); a count
    after "per" or "/" is the next unit's prefix (``$0.6 per million tokens``, ``$0.6/1M tokens``: 0.6 USD/Mtoken).
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
                                "(ranges such as 0.2..0.5 are read by calc estimate, calc.uncertainty.simulate and the app's Estimate page)")
    if text.split(" ")[0].lower().lstrip("+-") in ("nan", "inf", "infinity"):
        raise InputError(field, f"expected a finite number, got {_quote(original)}")
    text = _join_digit_groups(text, field)
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
    stripped = _after_number(text[pos:], value, mantissa, p is not None, t is not None, field, unit,
                             original)
    if currency:  # after a dollar sign a suffix can only be a count: $4.6M is 4.6 million dollars
        value, stripped = count_suffix(value, stripped) or (value, stripped)
        if not re.match(r"(USD|usd|dollars?)(?![A-Za-z])", stripped):  # "$2.5 USD/chip/hour" says it twice
            stripped = "USD" + ("" if not stripped else stripped if stripped.startswith("/") else " " + stripped)
    return value, stripped



def _join_digit_groups(text: str, field: str) -> str:
    """"16,384" and "1,234.5" as one number (thousands separators, as we print them); "16 384" refused."""
    groups = _DIGIT_GROUPS.match(text)
    if groups and (len(text) == groups.end() or text[groups.end()] not in "0123456789,"):
        joined = groups.group().replace(" ", "").replace(",", "")
        rest = text[groups.end():].strip()
        if " " in groups.group():  # "16 384 GPU": one number or two? (spaces multiply in pint)
            raise InputError(field, "digit groups separated by spaces are ambiguous; "
                                    f"did you mean \"{(joined + ' ' + rest).strip()}\"?")
        text = joined + text[groups.end():]
    return text


def _after_number(rest: str, value: float, mantissa: str, powered: bool, scaled: bool, field: str, unit: str,
                  original: str) -> str:
    """The unit text after the number, once what follows it (a second exponent, a second number, a
    range, a comma) and the number itself (finite, not below a float's range) are checked."""
    if re.match(r"\s*(?:\*\*|\^)", rest):
        if powered or scaled and re.match(r"\s*(?:\*\*|\^)\s*[+-]?\d", rest):
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
    return stripped


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
    # "t CO2e", "kg CO2e/kWh", "gCO2/kWh", "tCO2e", "g CO₂-eq/kWh": a label of the mass, not a unit (glued to the mass
    # unit as grid operators and Electricity Maps write it, gCO2eq/kWh, it was read as a unit 'gCO2' and refused)
    text = re.sub(r"(?<![A-Za-z])([kMGm]?g|[kMG]?t)CO[2\u2082](?:-?eq|-?e)?\b", r"\1", text)
    text = re.sub(r"\s*\bCO[2\u2082](?:-?eq|-?e)?\b", "", text)
    # "$0.6 per million tokens", "$0.6 per 1M tokens", "$0.6/1M tokens", as price pages write them: a count after
    # "per" or "/" is the unit's prefix (/Mtoken); "unknown unit 'million'" refused what "0.6 USD/Mtoken" reads
    text = _PER_COUNT.sub(lambda m: "/" + _PER_PREFIX[(m.group(1) or m.group(2)).lower()] + m.group(3), text)
    # "$2 per GPU hour", "$2/GPU hour": one unit after "per" or "/", as "GPU-hour" is; pint reads a space after a
    # division as a product beside it, and "$2 per GPU hour" was refused as 2 USD·h/chip
    text = re.sub(r"(?:\bper\s+|/\s*)(?!per\b)([A-Za-z]+)\s+(?!per\b)([A-Za-z]+)\b", r"/(\1*\2)", text)
    text = _flops(text, field, unit)
    return _SUPER_RUN.sub(lambda s: "^" + s.group(1).translate(_SUPERSCRIPTS), text)


_PER_COUNT = re.compile(r"(?:\bper\s+|/\s*)(?:(?:1\s+)?(thousand|million|billion|trillion)|1\s*([kMBT]))\s+([A-Za-z]+)\b", re.I)
_PER_PREFIX = {"thousand": "k", "million": "M", "billion": "G", "trillion": "T", "k": "k", "m": "M", "b": "G", "t": "T"}

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


def _quote(text: str) -> str:
    """User text, shortened and quoted, safe to show anywhere."""
    text = str(text)
    return repr(text if len(text) <= 60 else text[:57] + "...")


@cache
def _units(unit: str) -> pint.Unit:
    return ureg.parse_units(unit) if unit else ureg.dimensionless


def is_plain_number(text: str) -> bool:
    """Whether ``text`` is a bare number such as ``"1e9"`` or ``"10^26"`` (no unit, no range)."""
    try:
        return not read_number(text, "value")[1]
    except InputError:
        return False


def _example(unit: str, value: str = "1", shown_in: str | None = None) -> str:
    """An example of a valid input in the unit people use for it (``shown_in``; else days, not seconds)."""
    people = shown_in or {"s": "day", "kWh": "MWh", "W/chip": "W/chip", "USD/token": "USD/Mtoken"}.get(unit, unit)  # a token price: per million
    if people == "ms" and unit == "s":  # a latency written below 1 is seconds ("0.04" for 40 ms), never "0.04 ms"
        try:
            people = "s" if 0 < float(value) < 1 else people
        except ValueError:
            pass
    if people == "kg/kWh":  # a grid's intensity written in grams ("400": coal is 0.91 kg/kWh), never "400 kg/kWh"
        try:
            people = "g/kWh" if abs(float(value)) > 3 else people
        except ValueError:
            pass
    return f"{value.lstrip('-')} {people}" if unit else "0.4"  # an example is a valid input: never negative
