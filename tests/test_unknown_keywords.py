"""A misspelt keyword at the Python door is said with the keyword meant (calc.errors.UnknownKeyword), where Python
said "lifetime() got an unexpected keyword argument 'modle'" and calc.estimate(modle=...) listed the vocabulary's
names without ``model``, a keyword it takes."""

from __future__ import annotations

import inspect

import pytest
from hypothesis import given
from hypothesis import strategies as st

import calc
import calc.perf
import calc.service_life
from calc.errors import InputError, UnknownKeyword

DOORS = {"calc.estimate": calc.estimate, "calc.lifetime": calc.lifetime, "calc.serve": calc.serve,
         "calc.perf.predict": calc.perf.predict, "calc.perf.search": calc.perf.search,
         "calc.perf.budget_search": calc.perf.budget_search, "calc.service_life.service_life": calc.service_life.service_life}
NAMED = [(door, p.name) for door, f in DOORS.items() for p in inspect.signature(f).parameters.values()
         if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and len(p.name) > 4]


@given(st.sampled_from(NAMED), st.data())
def test_a_keyword_with_a_letter_dropped_is_told_the_keyword_meant(named, drawn):
    door, name = named
    i = drawn.draw(st.integers(0, len(name) - 1))
    typo = name[:i] + name[i + 1:]
    known = {p for f in DOORS.values() for p in inspect.signature(f).parameters}
    if typo in known or typo in calc.vocabulary.BY_NAME:
        return
    with pytest.raises(UnknownKeyword) as exc:
        DOORS[door](**{typo: 1})
    assert exc.value.field == typo and f"not a keyword of {door}; did you mean " in exc.value.message
    assert name in exc.value.message.split("did you mean ")[1]


@pytest.mark.parametrize("door, typed, meant", [
    ("calc.estimate", "param", "params"), ("calc.estimate", "modle", "model"), ("calc.lifetime", "modle", "model"),
    ("calc.serve", "tensr", "tensor"), ("calc.perf.predict", "chek_memory", "check_memory"),
    ("calc.perf.predict", "global_batc", "global_batch"),  # **fields: a layout's
])
def test_the_public_doors_name_the_keyword_meant(door, typed, meant):
    args = ("Llama 3 8B", "H100 SXM5", 8) if door in ("calc.serve", "calc.perf.predict") else ()
    with pytest.raises(UnknownKeyword) as exc:
        DOORS[door](*args, **{typed: 1})
    assert str(exc.value) == f"{typed}: not a keyword of {door}; did you mean {meant}?" or \
        str(exc.value).startswith(f"{typed}: not a keyword of {door}; did you mean {meant} or ")
    assert isinstance(exc.value, TypeError) and isinstance(exc.value, InputError)  # what Python raised, and calc's


def test_signatures_stay_the_functions_own():
    assert str(inspect.signature(calc.lifetime)) == str(inspect.signature(calc.lifetime.lifetime.__wrapped__))
    assert "tensor=None" in str(inspect.signature(calc.serve)) and "**fields" in str(inspect.signature(calc.perf.predict))
    assert "UnknownKeyword" in calc.__all__


def test_a_name_far_from_every_keyword_lists_them():
    with pytest.raises(UnknownKeyword, match=r"^zzzz: not a keyword of calc.lifetime; its keywords are loss, params, "):
        calc.lifetime(zzzz=1)


def test_a_misspelt_attribute_of_an_estimate_suggests_the_quantity():
    """est.prise raised AttributeError('prise') alone (fresh22): the quantities are looked up in __getattr__, so
    Python's own suggestion never came; the error names the nearest quantity and lists them."""
    est = calc.estimate(params=7e10, tokens=1e12)
    with pytest.raises(AttributeError, match=r"^'Estimate' has no attribute 'prise' \(did you mean price\?\); its "
                                             r"quantities are params, "):
        getattr(est, "prise")  # noqa: B009 (the attribute as a user types it)
    assert not hasattr(est, "_private") and not hasattr(est, "foo")
