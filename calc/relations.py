"""The six product relations of a training run, and their solution by elimination over rationals.

Every relation is a product, so in log space the system is linear. For each set of known names we
eliminate once, exactly, over rationals (``plan``, cached), which gives every determined quantity as a
product of powers of the known ones, and every contradiction as a product that must equal 1.
``evaluate`` then computes a product with plain multiplications on float magnitudes in canonical units,
so one scenario and a numpy array of a million take the same code path. ``calc.estimate`` uses these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

import numpy as np

from calc.units import Q_
from calc.vocabulary import BY_NAME, QUANTITIES


@dataclass(frozen=True)
class Relation:
    """``lhs = product of rhs``, with the citation that justifies it."""

    lhs: str
    rhs: tuple[str, ...]
    cite: str

    @property
    def names(self) -> tuple[str, ...]:
        """Every quantity the relation ties together, left-hand side first."""
        return (self.lhs, *self.rhs)

    def solve_for(self, name: str) -> str:
        """The relation rearranged for ``name``, as text: ``duration = compute / (chips * ...)``."""
        if name == self.lhs:
            return f"{name} = " + " × ".join(self.rhs)
        others = [n for n in self.rhs if n != name]
        if not others:
            return f"{name} = {self.lhs}"
        den = others[0] if len(others) == 1 else "(" + " × ".join(others) + ")"
        return f"{name} = {self.lhs} / {den}"


RELATIONS: tuple[Relation, ...] = (
    Relation("compute", ("flop_per_param_token", "active_params", "tokens"), "[Kaplan2020] sec. 2.1"),
    Relation("compute", ("chips", "peak", "utilization", "duration"), "[Chowdhery2022] app. B"),
    Relation("chip_hours", ("chips", "duration"), "definition"),
    Relation("cost", ("chip_hours", "price"), "definition"),
    Relation("energy", ("chip_hours", "power", "pue"), "[Patterson2021] sec. 2"),
    Relation("emissions", ("energy", "carbon_intensity"), "[Patterson2021] sec. 2"),
)

# A dense model uses every parameter for every token. This relation joins the system unless both
# params and active_params are given (a mixture of experts), so that 6ND is checked either way.
DENSE = Relation("active_params", ("params",), "dense model")

_UNIT = {n: BY_NAME[n].unit for n in QUANTITIES}


@cache
def _to_base(name: str) -> float:
    """Factor from the canonical unit of ``name`` to the registry's base units."""
    return float(Q_(1.0, _UNIT[name]).to_base_units().magnitude)


def coefficient(target: str | None, exps) -> float:
    """Scalar making ``product(x_n ** e)`` of canonical magnitudes come out in ``target``'s
    canonical unit (or in base units for a check, where target is None)."""
    k = 1.0
    for n, e in exps:
        k *= _to_base(n) ** float(e)
    return k / (_to_base(target) if target else 1.0)


# ----------------------------------------------------------------- elimination over rationals

@dataclass(frozen=True)
class Plan:
    """Which unknowns the known names determine (in evaluation order), and the checks that apply."""

    order: tuple  # (name, ((input name, exponent), ...), how) in evaluation order
    checks: tuple  # ((known name, exponent), ...) that must multiply to 1
    undetermined: frozenset


@cache
def plan(known: frozenset, dense: bool) -> Plan:
    """Which unknowns the known names determine, as monomials of them, and which checks apply."""
    unknown = [n for n in QUANTITIES if n not in known]
    knowns = [n for n in QUANTITIES if n in known]
    rows = []
    for r in relations(dense):
        exps = {r.lhs: Fraction(1)}
        for n in r.rhs:
            exps[n] = exps.get(n, Fraction(0)) - 1
        # unknown part | minus known part (moved to the right-hand side)
        rows.append([Fraction(exps.get(n, 0)) for n in unknown] + [-Fraction(exps.get(n, 0)) for n in knowns])
    nu = len(unknown)
    pivots = _rref(rows, nu)
    derived, determined = {}, set()
    for i, col in enumerate(pivots):
        row = rows[i]
        if all(row[j] == 0 for j in range(nu) if j != col):
            exps = tuple((knowns[k], row[nu + k]) for k in range(len(knowns)) if row[nu + k] != 0)
            derived[unknown[col]] = exps
            determined.add(unknown[col])
    checks = []
    for row in rows[len(pivots):]:
        exps = tuple((knowns[k], -row[nu + k]) for k in range(len(knowns)) if row[nu + k] != 0)
        if exps:
            checks.append(exps)
    order = _chain(known, derived, dense)
    return Plan(order, tuple(checks), frozenset(unknown) - determined)


def _chain(known: frozenset, derived: dict, dense: bool) -> tuple:
    """An evaluation order for the determined names: one relation step each where one applies
    (so each costs a multiplication or two); where none does, the first name that only the
    relations jointly determine, straight from the known names, and then on from there."""
    order, have, todo = [], set(known), set(derived)
    while todo:
        step = _one_relation_step(have, todo, dense)
        if step is None:  # only jointly determined: e.g. chip-hours from compute, peak, utilization
            name = min(todo, key=QUANTITIES.index)
            step = (name, derived[name], f"{name} = {_monomial_text(derived[name])}  (the relations, jointly)")
        order.append(step)
        have.add(step[0])
        todo.discard(step[0])
    return tuple(order)


def _one_relation_step(have: set, todo: set, dense: bool):
    # the dense relation first: a dense model's active parameters are its parameters, never a count derived
    # through compute from other inputs (which, over-determined within the tolerance, may exceed the total)
    for r in ((DENSE,) + RELATIONS if dense else RELATIONS):
        missing = [n for n in r.names if n not in have]
        if len(missing) == 1 and missing[0] in todo:
            name = missing[0]
            if name == r.lhs:
                exps = tuple((n, Fraction(1)) for n in r.rhs)
            else:
                exps = ((r.lhs, Fraction(1)),) + tuple((n, Fraction(-1)) for n in r.rhs if n != name)
            cite = "" if r.cite == "definition" else f"  ({r.cite})" if r is DENSE else f"  {r.cite}"
            return name, exps, r.solve_for(name) + cite
    return None


def _monomial_text(exps) -> str:
    """``compute / (peak × utilization)`` for ((compute, 1), (peak, -1), (utilization, -1))."""
    def power(n, e):
        e = abs(e)
        return n if e == 1 else f"{n}^{e}"
    num = [power(n, e) for n, e in exps if e > 0] or ["1"]
    den = [power(n, e) for n, e in exps if e < 0]
    text = " × ".join(num)
    if den:
        text += " / " + (den[0] if len(den) == 1 else "(" + " × ".join(den) + ")")
    return text


def _rref(rows: list[list[Fraction]], ncols: int) -> list[int]:
    """Reduce ``rows`` in place over the first ``ncols`` columns; returns the pivot columns."""
    pivots, r = [], 0
    for c in range(ncols):
        p = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if p is None:
            continue
        rows[r], rows[p] = rows[p], rows[r]
        lead = rows[r][c]
        rows[r] = [x / lead for x in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                f = rows[i][c]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[r])]
        pivots.append(c)
        r += 1
    return pivots


def relations(dense: bool) -> tuple[Relation, ...]:
    """The six relations, and the dense one unless params and active_params are both given."""
    return RELATIONS + (DENSE,) if dense else RELATIONS


def evaluate(exps, values, coefficient: float = 1.0):
    """``coefficient * product(values[n] ** e)``, with every scalar folded into one number first,
    so that arrays see one operation per array operand. Never modifies an input in place."""
    k, arrays = coefficient, []
    for name, e in exps:
        x = values[name]
        if np.ndim(x) == 0:
            k *= float(x) ** float(e)
        elif e == 1 or e == -1:
            arrays.append((x, e))
        else:
            arrays.append((x ** float(e), 1))
    if not arrays:
        return k
    arrays.sort(key=lambda a: a[1] < 0)  # multiply before dividing
    x, e = arrays[0]
    out = (x if k == 1.0 else x * k) if e == 1 else k / x  # x alone is a read-only view (_canonical)
    owned = out is not x  # a fresh array of ours: later steps write into it instead of allocating
    for x, e in arrays[1:]:
        op = np.multiply if e == 1 else np.divide
        if owned and out.shape == np.broadcast_shapes(out.shape, np.shape(x)):
            op(out, x, out=out)
        else:
            out, owned = op(out, x), True
    return out


def log_evaluate(exps, values):
    """``log(product(values[n] ** e))`` with the unit factors, in log space (no overflow)."""
    total = math.log(coefficient(None, exps)) if coefficient(None, exps) > 0 else 0.0
    for name, e in exps:
        total = total + float(e) * np.log(np.asarray(values[name], dtype=float))
    return np.asarray(total)
