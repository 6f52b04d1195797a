"""Readable text for quantities: "3.8 × 10²⁵ FLOP", "$4.6M", "14.8 days", "1.29 GWh", "38%".

The one formatter of every door (app, command line, errors, chart axes, URLs), so a figure reads
the same wherever it appears and no e-notation reaches a screen. Formatting only: the numbers
themselves are never changed here. Also the words the app labels each quantity with, and the
escaping of user text before it is shown as Markdown.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

import numpy as np
import pint

_SI = ((1e24, "Y"), (1e21, "Z"), (1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
# counts up to trillions by the short scale's letters; beyond, a power of ten: "Q" reads as quadrillion (10¹⁵) to
# some and as SI's quetta (10³⁰) to others, so it is read (calc.numbers) but never written
_COUNT = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))
_SUPER = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

# name -> (words, the unit people use for it): labels, hints, and the unit a plain number typed
# into the app is read in. The vocabulary's names stay in the API, the URL and JSON.
LABELS = {
    "params": ("Parameters", "param"),
    "active_params": ("Active parameters per token", "param"),
    "tokens": ("Training tokens", "token"),
    "dataset_size": ("Dataset size", "GB"),
    "flop_per_param_token": ("FLOP per parameter per token", "FLOP/param/token"),
    "compute": ("Training compute", "FLOP"),
    "hardware": ("Hardware", ""),
    "precision": ("Number format", ""),
    "finetune": ("Fine-tuning", ""),
    "peak": ("Peak per chip", "TFLOP/s/chip"),
    "chips": ("Chips", "chip"),
    "utilization": ("Utilization (MFU)", ""),
    "duration": ("Duration", "day"),
    "chip_hours": ("Chip-hours", "chip hour"),
    "price": ("Price per chip-hour", "USD/chip/hour"),
    "cost": ("Cost", "USD"),
    "power": ("Power per chip", "W/chip"),
    "pue": ("PUE (data-centre overhead)", ""),
    "energy": ("Energy", "MWh"),
    "carbon_intensity": ("Grid carbon intensity", "kg/kWh"),
    "emissions": ("Emissions", "t"),
}
# The unit in a label, in words: "Duration (days)".
_UNIT_WORDS = {"day": "days", "GB": "GB", "TFLOP/s/chip": "TFLOP/s", "USD/chip/hour": "USD", "USD": "USD",
               "W/chip": "W", "MWh": "MWh", "kg/kWh": "kg CO2e per kWh", "t": "tonnes CO2e", "FLOP": "FLOP"}


def label(name: str, unit: bool = True) -> str:
    """The words for vocabulary quantity ``name``, with the unit people use: ``Duration (days)``."""
    words, u = LABELS.get(name, (name.replace("_", " ").capitalize(), ""))
    return f"{words} ({_UNIT_WORDS[u]})" if unit and u in _UNIT_WORDS else words


def number(x: float, digits: int = 3) -> str:
    """``x`` with ``digits`` significant figures: ``1,024``, ``0.375``, ``3.8 × 10²⁵``; never e-notation.

    Examples
    --------
    >>> number(3.8e25), number(1e26), number(1024), number(0.0004), number(12.0)
    ('3.8 × 10²⁵', '10²⁶', '1,024', '4 × 10⁻⁴', '12')
    """
    x = float(x)
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return "∞" if x > 0 else "-∞" if x < 0 else "not a number"
    text, _, e = f"{x:.{digits - 1}e}".partition("e")  # rounded once, by the formatter: 999.9 -> 1.00e+03
    exp = int(e)
    if exp >= 6 or exp < -3:
        mantissa = _trim(text)  # from the text, not x / 10**exp: that underflows below 1e-308
        power = f"10{str(exp).translate(_SUPER)}"
        return mantissa[:-1] + power if mantissa in ("1", "-1") else f"{mantissa} × {power}"
    decimals = max(0, digits - 1 - exp)  # whole numbers keep every digit: 1,024 chips
    return _trim(f"{x:,.{decimals}f}")


def cents(x: float) -> str:
    """Dollars as prices are written: at least two decimals from a cent to $1,000, else ``number``.

    >>> cents(1.1), cents(0.3), cents(0.539), cents(6.88), cents(14.236), cents(0.0124), cents(1234.5)
    ('1.10', '0.30', '0.539', '6.88', '14.24', '0.0124', '1,234')
    """
    x = float(x)
    if not 0.01 <= abs(x) < 1000:
        return number(x)
    text = number(x)
    return text if len(text.partition(".")[2]) >= 2 else f"{x:,.2f}"


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def exact(x: float) -> str:
    """``x`` in the fewest digits that identify it, without e-notation (``1.75 × 10¹¹``, ``0.3``,
    ``1024``): for text that a person reads and the parser reads back (inputs, URLs, files)."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return number(x)
    d = Decimal(repr(x))
    exp = d.adjusted()
    if -3 <= exp < 6:
        return _trim(format(d, "f"))
    digits = "".join(map(str, d.as_tuple().digits)).rstrip("0") or "0"
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return ("-" if x < 0 else "") + f"{mantissa} × 10{str(exp).translate(_SUPER)}"


def as_text(name: str, q: pint.Quantity) -> str:
    """``q`` as the text of an input field: exact, in the unit people use, read back by the parser.

    Examples
    --------
    >>> from calc.units import Q_
    >>> as_text("params", Q_(175e9, "param")), as_text("duration", Q_(14.8, "day"))
    ('175 Gparam', '14.8 day')
    >>> as_text("compute", Q_(3.8e25, "FLOP"))
    '3.8 × 10²⁵ FLOP'
    """
    if name in ("params", "active_params", "tokens"):
        unit = LABELS[name][1]
        x = float(q.m_as(unit))
        for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M")):
            if abs(x) >= factor:
                return f"{exact(x / factor)} {prefix}{unit}"
        return f"{exact(x)} {unit}"
    if name in ("chips", "utilization", "pue"):
        return exact(q.m_as(LABELS[name][1]))
    unit = LABELS.get(name, ("", f"{q.units:~C}"))[1]
    return f"{exact(q.m_as(unit))} {unit}".strip()


def _rounded(x: float, digits: int) -> float:
    """``x`` at the ``digits`` significant figures it is shown with, before its prefix is chosen: 999.6B tokens
    read "1,000B tokens", not "1T tokens" (the prefix chosen on the value, the figures rounded after)."""
    x = float(x)
    return float(f"{x:.{digits - 1}e}") if math.isfinite(x) and x else x


def _scaled(x: float, table, digits=3) -> str:
    x = _rounded(x, digits)
    if abs(x) >= table[0][0] * 1000:  # beyond the largest suffix: a power of ten, not "2.5 × 10¹⁰Q"
        return number(x, digits)
    for factor, suffix in table:
        if abs(x) >= factor:
            return number(x / factor, digits) + suffix
    return number(x, digits)



_FIRST_NUMBER = re.compile(r"\d[\d,]*(?:\.(\d+))?")


def same_decimals(*texts: str, digits: int = 3) -> list[str]:
    """Values shown side by side (a range's two ends) in one format: where their decimals differ, each to its
    ``digits`` significant figures with the zeros ``number`` trims kept ("21%" beside "47.8%" read as two
    precisions, doors23: "21.0%"). Values in different units ("1.5B" beside "700M"), below 1 or written with a power
    of ten are left as they are; no digit is added beyond ``digits`` ("5.95 days – 95.1 days" stays).

    >>> same_decimals("21%", "47.8%"), same_decimals("$4.6M", "$12M"), same_decimals("5.95 days", "95.1 days")
    (['21.0%', '47.8%'], ['$4.60M', '$12.0M'], ['5.95 days', '95.1 days'])
    >>> same_decimals("1.5B params", "700M params")
    ['1.5B params', '700M params']
    """
    found = [_FIRST_NUMBER.search(t) for t in texts]
    if not all(found) or any("×" in t or re.search(r"10[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]", t) for t in texts) or \
            len({t[:m.start()] + "#" + t[m.end():] for t, m in zip(texts, found)}) > 1 or \
            len({len(m.group(1) or "") for m in found}) == 1:
        return list(texts)  # another unit, not another precision; or one format already
    out = []
    for t, m in zip(texts, found):
        whole, have = m.group(0).split(".")[0].replace(",", ""), len(m.group(1) or "")
        want = max(0, digits - len(whole)) if whole != "0" else have
        pad = ("" if have else ".") + "0" * (want - have) if want > have else ""
        out.append(t[:m.end()] + pad + t[m.end():])
    return out


def counted(n, noun: str, plural: str = "") -> str:
    """``n`` (``number``) and the noun it counts, singular only where the number shown is 1: the one plural of
    every door ("1 sequences in flight" was said on the Lifetime page).

    >>> counted(1, "sequence"), counted(16, "sequence"), counted(0.4, "sequence"), counted(1, "copy", "copies")
    ('1 sequence', '16 sequences', '0.4 sequences', '1 copy')
    """
    shown = number(n)
    return f"{shown} {noun if shown == '1' else plural or noun + 's'}"

def si(q: pint.Quantity, unit: str, digits: int = 3, space: str = " ") -> str:
    """``q`` in ``unit`` with an SI prefix chosen for readability: ``314 ZFLOP``."""
    x = _rounded(q.m_as(unit), digits)  # 999.7 TFLOP/s is "1 PFLOP/s", not "1,000 TFLOP/s"
    for factor, prefix in _SI:
        if abs(x) >= factor:
            return f"{number(x / factor, digits)}{space}{prefix}{unit}"
    return f"{number(x, digits)}{space}{unit}"


def _one(name: str, q: pint.Quantity, short: bool = False) -> str:
    if name in ("params", "active_params"):
        return _scaled(q.m_as("param"), _COUNT) + " params"
    if name == "tokens":
        return _scaled(q.m_as("token"), _COUNT) + " tokens"
    if name == "chips":
        n = q.m_as("chip")
        whole = 1 <= n < 1e15 and float(n).is_integer()  # every digit up to a quadrillion; beyond, 10ⁿ
        return (f"{n:,.0f}" if whole else number(n)) + (" chip" if n == 1 else " chips")
    if name == "compute":
        return number(q.m_as("FLOP")) + " FLOP" + ("" if short else f" ({number(q.m_as('PFLOP/s*day'))} PFLOP/s-days)")
    if name == "flop_per_param_token":
        return number(q.m_as("FLOP/param/token")) + " FLOP/param/token"
    if name == "peak":
        return si(q, "FLOP/s/chip")
    if name == "utilization":
        return f"{number(100 * q.m_as(''))}%"
    if name == "duration":
        days = q.m_as("day")
        if days < 1 / 24:  # 1.56 seconds, 22.4 minutes: '4.34 × 10⁻⁴ hours' and '0.374 hours' were hard to read
            return f"{number(q.m_as('minute'))} minutes" if days >= 1 / 1440 else f"{number(q.m_as('s'))} seconds"
        if days < 1:
            return f"{number(q.m_as('hour'))} hours"
        if days > 730:
            return f"{number(q.m_as('year'))} years"
        return f"{number(days)} days"
    if name == "chip_hours":
        h = q.m_as("chip*hour")
        if short:  # people count GPU-hours ("2.788M H800 GPU hours"): chip-hours, the years only beside them
            return _scaled(h, _COUNT) + " chip-hours"
        years = f" ({number(q.m_as('chip*year'))} chip-years)" if h > 1e5 else ""
        return _scaled(h, _COUNT) + " chip-hours" + years
    if name in ("price",):  # in cents, as prices are written: '$3.90/chip-h', where '$3.9/chip-h'
        return f"${cents(q.m_as('USD/chip/hour'))}/chip-" + ("h" if short else "hour")
    if name == "cost":
        return "$" + _scaled(q.m_as("USD"), _COUNT)
    if name == "power":
        return number(q.m_as("W/chip")) + " W/chip"
    if name == "pue":
        return number(q.m_as(""))
    if name == "energy":
        return si(q, "Wh")
    if name == "carbon_intensity":
        return number(q.m_as("kg/kWh")) + " kg CO2e/kWh"
    if name == "serving_price":  # as a price per token is written: "$0.679/Mtoken"
        return f"${number(q.m_as('USD/Mtoken'))}/Mtoken"
    if name in SERVING_KINDS:  # first-token and per-token times, in ms
        return f"{number(q.m_as(SERVING_KINDS[name]))} {SERVING_KINDS[name]}"
    if name == "emissions":  # below a tonne in kg: '0.989 kg CO2e', where '9.89 × 10⁻⁴ t CO2e' (LoRA on 8 H100)
        return number(q.m_as("t")) + " t CO2e" if q.m_as("t") >= 1 else number(q.m_as("kg")) + " kg CO2e"
    return f"{number(q.magnitude)} {q.units:~P}".strip()


_COUNTED = {"param": " params", "token": " tokens", "chip": " chips"}  # a count of one of these: "1.5B params"
_WORDS = {"d": "day", "yr": "year", "chip·yr": "chip-year", "chip·h": "chip-hour"}  # units said in words


def readable(q: pint.Quantity, noun: str = "") -> str:
    """A quantity of no vocabulary name (a claim's figure) as people read it: dollars and counts of parameters,
    tokens and chips as articles write them ("$4.6M", "1.5B params", "10,000 chips"; under a million, every digit:
    "$87,072"), dollar rates with the sign ("$2,048/h"), anything else as its number and unit ("400 Gbit/s",
    "355 chip-years"). ``noun``: what a unitless count counts (a claim's own, "web pages"), said as a count is:
    "8M web pages", where the bare number read "8 × 10⁶".

    >>> from calc.units import Q_
    >>> readable(Q_(4.6e6, "USD")), readable(Q_(87072, "USD")), readable(Q_(1.5e9, "param")), readable(Q_(400, "Gbit/s"))
    ('$4.6M', '$87,072', '1.5B params', '400 Gbit/s')
    >>> readable(Q_(2048, "USD/h")), readable(Q_(67.7, "day")), readable(Q_(8e6, ""), "web pages")
    ('$2,048/h', '67.7 days', '8M web pages')
    >>> readable(Q_(355, "chip*year")), readable(Q_(1, "chip*hour"))
    ('355 chip-years', '1 chip-hour')
    """
    unit = str(q.units)
    x = float(q.magnitude)
    if noun and q.dimensionless:
        return (_scaled(x, _COUNT) if abs(x) >= 1e6 else number(x)) + " " + noun
    if unit == "USD" or unit in _COUNTED:
        text = _scaled(x, _COUNT) if abs(x) >= 1e6 else number(x)
        return "$" + text if unit == "USD" else text + (_COUNTED[unit] if x != 1 else " " + unit)
    said = f"{q.units:~P}"
    if said in _WORDS:  # "67.7 days", not "67.7 d"; "355 chip-years", as estimate writes them, not "355 chip·yr"
        return f"{number(x)} {_WORDS[said]}{'' if x == 1 else 's'}"
    if said.startswith("USD/"):  # a rate in dollars: "$2,048/h", "$4.38/Mtoken"
        return f"${number(x)}/{said[4:]}"
    return f"{number(x)} {said}".strip()


SERVING_KINDS = {"ttft": "ms", "tpot": "ms", "serving_price": "USD/Mtoken"}  # show's kinds beyond the vocabulary's
# the vocabulary's quantities, each of which ``_one`` formats by name; display sits below calc.vocabulary in the floors
# (pyproject's import contract), so it names them here and tests/test_fresh18.py holds them equal to calc.QUANTITIES
QUANTITY_KINDS = ("params", "active_params", "tokens", "flop_per_param_token", "compute", "peak", "chips",
                  "utilization", "duration", "chip_hours", "price", "cost", "power", "pue", "energy",
                  "carbon_intensity", "emissions")


def show(name: str, q: pint.Quantity, short: bool = False) -> str:
    """The readable form of vocabulary quantity ``name``; arrays (samples) show their median and 90% interval.

    ``short`` drops secondary units, for narrow places such as the app's metrics. ``name`` is a vocabulary
    quantity (``calc.QUANTITIES``) or a serving figure (``SERVING_KINDS``: ttft, tpot, serving_price); any other is
    refused, naming it and the known ones: ``show("cst", ...)`` read "1 USD", the bare fallback of a name it did not
    know.

    ``q`` is a Quantity already read (``calc.Q_``, or what calc returns): a text, a bare number or a quantity of
    another dimension is refused with an ``InputError`` naming ``name``, what was expected and what came, never
    read here (this module sits below the readers: a text is read first, ``calc.reader.read_value(name, text)``,
    as the doors read it). ``show("cost", "5 kg")`` raised AttributeError ('str' object has no attribute
    'magnitude'), and a Quantity in kg pint's DimensionalityError (doors23).

    >>> show("cost", "5 kg")
    Traceback (most recent call last):
    ...
    calc.errors.InputError: cost: expected a Quantity (calc.Q_(value, unit), or a text read first by calc.reader.read_value("cost", text)), got str '5 kg'
    """
    from calc.errors import InputError, did_you_mean

    if name not in QUANTITY_KINDS and name not in SERVING_KINDS:
        known = (*QUANTITY_KINDS, *SERVING_KINDS)
        raise InputError("name", f"expected one of the kinds {', '.join(known)}, got {name!r:.40}"
                                 + did_you_mean(str(name), known))
    if not isinstance(q, pint.Quantity):
        raise InputError(name, f"expected a Quantity (calc.Q_(value, unit), or a text read first by calc.reader.read_value("
                               f"\"{name}\", text)), got {type(q).__name__} {q!r:.40}")
    try:
        m = q.magnitude
        cls = q.__class__
        if isinstance(m, np.ndarray) and m.size > 1:  # samples: the median and the 90% interval, as everywhere
            lo, mid, hi = np.percentile(m, [5, 50, 95])
            ends = same_decimals(_one(name, cls(lo, q.units), True), _one(name, cls(hi, q.units), True))
            return f"{_one(name, cls(mid, q.units), short)} (90%: {ends[0]} – {ends[1]})"
        if isinstance(m, np.ndarray):
            q = cls(float(m.reshape(-1)[0]), q.units)
        return _one(name, q, short)
    except pint.DimensionalityError as exc:
        raise InputError(name, f"expected a quantity in {exc.units2} ({exc.dim2}), got {q:~P} ({exc.dim1})") from None


def explain(est) -> list[str]:
    """The derivation of an ``Estimate`` with the numbers in: one line per derived quantity.

    ``duration = compute / (chips × peak × utilization) = 314 ZFLOP / (10,000 chips × 125 TFLOP/s/chip
    × 30%) = 9.69 days``
    """
    lines = []
    for name in est.order:
        item = est[name]
        num = [n for n, e in item.terms if e > 0]
        den = [n for n, e in item.terms if e < 0]
        symbolic = _product(num) + (f" / {_product(den, group=True)}" if den else "")
        values = _product([show(n, est[n].value, short=True) for n in num])
        if den:
            values += " / " + _product([show(n, est[n].value, short=True) for n in den], group=True)
        lines.append(f"{name} = {symbolic} = {values} = {show(name, item.value, short=True)}")
    return lines


def _product(parts: list[str], group: bool = False) -> str:
    text = " × ".join(parts) if parts else "1"
    return f"({text})" if group and len(parts) > 1 else text


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=\"'])")


_AUTOLINK = re.compile(r":(?=\\?/\\?/)|w(?=ww\\?\.)|@", re.IGNORECASE)


def escape(text, limit: int = 200) -> str:
    """User text (a URL key, a file's content, a unit string) made inert for Markdown: every
    punctuation mark backslash-escaped, newlines flattened, long text cut. Links, images,
    colour directives, maths, HTML and bare addresses then show as the characters the user typed.

    Examples
    --------
    >>> escape("[Log in](https://evil.example)")
    '\\\\[Log in\\\\]\\\\(https\\\\:\u2060//evil\\\\.example\\\\)'
    """
    text = " ".join(str(text).split())
    if len(text) > limit:
        # the suggestion at the end of a long refusal kept ('expected one of <every engine>, got 'vlm 0.11'; did you
        # mean vLLM 0.11.2?' lost its last words to the cut: fresh17), the list before it cut instead
        at = text.rfind("did you mean")
        starts = (text.rfind(", got ", 0, at), max(text.rfind("; ", 0, at), text.rfind(" (", 0, at))) if at > 0 else ()
        tail = next((text[i:] for i in starts if i > 0 and len(text) - i <= limit // 2), "")
        text = _cut(text[: len(text) - len(tail)], limit - len(tail)) + tail
    text = _MARKDOWN.sub(r"\\\1", text)
    # GFM turns bare addresses into live links even when escaped: a word joiner (U+2060, invisible)
    # inside "://", "www." and "@" stops it.
    return _AUTOLINK.sub(lambda m: m.group(0)[0] + "\u2060" + m.group(0)[1:], text)


def _cut(text: str, room: int) -> str:
    """``text`` in at most ``room`` characters: whole, or cut at a whole name of the list it ends in ("one of a, b,
    c", "known: a, b, c") with how many more there are ("expected one of params, active_params and 19 more"), else at a word with "…"; mid-word only
    when one word is longer than half the room. A list cut mid-name read "…, dura…" (doors23).

    >>> _cut("expected one of params, tokens, duration, chips", 42)
    'expected one of params, tokens and 2 more'
    >>> _cut("the file is not a scenario saved by the page", 30)
    'the file is not a scenario…'
    """
    if len(text) <= room:
        return text
    commas, depth = [], 0  # the ", " outside brackets: an engine's "(v4.1, NVIDIA)" is one name
    for i, c in enumerate(text):
        depth += (c in "([") - (c in ")]")
        if c == "," and depth == 0 and text[i + 1:i + 2] == " ":
            commas.append(i)
    listed = max(text.rfind("one of "), text.rfind("known: "))  # a list of names to the end, as calc words them
    if listed >= 0 and "; " not in text[listed:] and ". " not in text[listed:]:
        for n, at in enumerate(reversed([c for c in commas if c > listed])):
            more = f" and {n + 1} more"
            if n and at + len(more) <= room:
                return text[:at] + more
    space = text.rfind(" ", 0, room - 1)
    return (text[:space].rstrip(",;:") if room - 1 - space <= 30 else text[: room - 1]) + "…"


def ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values for a chart axis from ``lo`` to ``hi`` (both positive), about ``count`` of them.

    Over more than a decade: 1, 2 and 5 of each decade (powers of ten alone when those are too many);
    within less: steps of 1, 2, 2.5 or 5 times a power of ten, so a $3.3M-$5.3M spread gets
    $3.5M, $4M, $4.5M and $5M, not one label.

    Examples
    --------
    >>> ticks(3.3e6, 5.3e6)
    [3500000.0, 4000000.0, 4500000.0, 5000000.0]
    >>> ticks(1, 1000)
    [1.0, 10.0, 100.0, 1000.0]
    """
    lo, hi = float(min(lo, hi)), float(max(lo, hi))
    if not (lo > 0 and math.isfinite(hi)):
        return []
    if hi / lo >= 10:
        decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
        for steps in ((1, 2, 5), (1,)):
            out = [_round(s * 10.0**d) for d in decades for s in steps if lo <= s * 10.0**d * (1 + 1e-9)
                   and s * 10.0**d <= hi * (1 + 1e-9)]
            if len(out) <= count + 2:
                return out
        return out
    raw = (hi - lo) / count
    power = 10.0 ** math.floor(math.log10(raw)) if raw > 0 else 10.0 ** math.floor(math.log10(lo))
    step = next(s * power for s in (1, 2, 2.5, 5, 10) if s * power >= raw)
    first = math.ceil(lo / step - 1e-9)
    out = [_round(k * step) for k in range(first, math.floor(hi / step + 1e-9) + 1)]
    return out or [_round(lo)]


def _round(x: float) -> float:
    return float(f"{x:.12g}")  # 0.1 * 3 is 0.30000000000000004: a tick is the round number it stands for


def tick_digits(values) -> int:
    """The fewest significant figures (at least 1) that write every tick of ``values`` exactly:
    2 for $3.5M and $4M, 3 for $4.25M. The precision of a chart's tick format."""
    for digits in range(1, 16):
        if all(float(f"{v:.{digits - 1}e}") == float(v) for v in values):
            return digits
    return 15
