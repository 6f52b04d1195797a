"""Chart conventions shared by the pages: one height, and axis labels as calc.display writes numbers.

Vega formats tick labels in the browser, so the formatter's rules are restated here as Vega
expressions: "$4.6M" and "$1.2B" (never "$0M" or "$1G"), "10²⁵" for powers of ten, "1,024"
for counts; never e-notation.
"""

from __future__ import annotations

import altair as alt
import numpy as np

from calc.display import tick_digits, ticks

HEIGHT = 280  # every chart of a page the same height, side by side or not

_DIGITS = list(zip("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))


def _superscript(expr: str) -> str:
    for d, s in _DIGITS:
        expr = f"replace({expr}, regexp('{d}', 'g'), '{s}')"
    return expr


# On a log scale Vega ticks every 1..9 of each decade: label only 1, 2 and 5 (all of them on a linear scale).
_ONE_TWO_FIVE = ("indexof([1, 2, 5], round(datum.value / pow(10, floor(log(abs(datum.value)) / LN10 + 1e-9)) * 1000) "
                 "/ 1000) >= 0")


def money_axis(title: str, log: bool = False, span: tuple[float, float] | None = None) -> alt.Axis:
    """Dollar ticks: $500k, $4.6M, $1.2B (SI's G is a billion in money). With ``span`` (low, high),
    round ticks across it written with the digits they need: $3.5M, $4M, $4.5M, $5M."""
    if span is not None:
        values = ticks(*span)
        label = f"'$' + replace(format(datum.value, '.{max(2, tick_digits(values))}~s'), 'G', 'B')"
        return alt.Axis(title=title, values=values, labelExpr=label)
    label = "'$' + replace(format(datum.value, '.2~s'), 'G', 'B')"
    return alt.Axis(title=title, labelExpr=f"{_ONE_TWO_FIVE} ? {label} : ''" if log else label)


def power_axis(title: str) -> alt.Axis:
    """Log-scale ticks at powers of ten, written 10²⁵; the ticks between them unlabelled."""
    exponent = "format(round(log(datum.value) / LN10), 'd')"
    label = f"'10' + {_superscript(exponent)}"
    return alt.Axis(title=title, labelExpr=f"abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) < 1e-6 ? "
                                           f"{label} : ''")


def plain_axis(title: str, log: bool = False, span: tuple[float, float] | None = None) -> alt.Axis:
    """Ordinary numbers: 1,024 or 14.8 or 0.35, at most three significant figures below 100. With
    ``span`` (low, high), round ticks across it, each written in full: 10.5, 11, 11.5."""
    if span is not None:
        values = ticks(*span)
        digits = max(3, tick_digits(values))
        label = f"abs(datum.value) >= 1000 ? format(datum.value, ',.0f') : format(datum.value, '.{digits}~r')"
        return alt.Axis(title=title, values=values, labelExpr=label)
    label = "abs(datum.value) >= 100 ? format(datum.value, ',.0f') : format(datum.value, '.3~r')"
    return alt.Axis(title=title, labelExpr=f"{_ONE_TWO_FIVE} ? ({label}) : ''" if log else label)


def count_axis(title: str) -> alt.Axis:
    """Counts on a log scale as articles write them: 2B, 5B, 10B, 20B (SI's G is a billion); ticks
    other than 1, 2 and 5 of each decade unlabelled."""
    return alt.Axis(title=title, labelExpr=f"{_ONE_TWO_FIVE} ? replace(format(datum.value, '~s'), 'G', 'B') : ''")


LABEL_HEIGHT = 13  # px between two labels' centres, at least (a label of 12 px, as Vega draws 11 px text)
RULE_LABEL_DY, RULE_LABEL_BELOW = -6, 8  # px: a horizontal rule's label sits above its rule, or below it


def _per_decade(low: float, high: float, height: int) -> float:
    return 0.9 * height / max(float(np.log10(high / low)), 1.0)  # the plot is about 90% of the chart's height


def rule_label_dys(value: float, rules, low: float, high: float, height: int) -> list[int]:
    """Each rule's label offset (mark_text dy, px): above its rule, unless a rule drawn at ``value`` would strike
    through it there (within a label's height above it: GPT-3's 3.15 × 10²³ FLOP over the 10²³ line's label)."""
    px = _per_decade(low, high, height)
    return [RULE_LABEL_BELOW if 0 <= float(np.log10(value / r)) * px < LABEL_HEIGHT else RULE_LABEL_DY for r in rules]


def label_offset(value: float, rules, low: float, high: float, height: int, dys=None) -> int:
    """How far below (+) or above (-) its own horizontal rule at ``value`` a label goes, in px, on a log axis from
    ``low`` to ``high`` of a chart ``height`` px tall: the first of a few offsets whose label clears the labels of
    ``rules`` (each at its ``dys``, default ``RULE_LABEL_DY``); else the one with the most room."""
    px = _per_decade(low, high, height)
    dys = [RULE_LABEL_DY] * len(rules) if dys is None else dys
    others = [float(np.log10(value / r)) * px + dy for r, dy in zip(rules, dys)]  # their centres, px below
    offsets = (12, -10, 26, -24, 40, -38)

    def room(dy: int) -> float:
        return min((abs(dy - o) for o in others), default=float("inf"))

    return next((dy for dy in offsets if room(dy) >= LABEL_HEIGHT), max(offsets, key=room))
