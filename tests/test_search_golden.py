"""The layout search and the budget search give the answers recorded in tests/golden/search_results.json (written by
``python -m benchmarks.record_search_golden`` from the exhaustive search before it was made faster): the same ranked
layouts, step times and memory to the last bit, the same counts and explanation. What made them faster (cached terms,
memory checked only as far as the walk goes) must not change an answer."""

import json
from pathlib import Path

import pytest

from benchmarks.record_search_golden import BUDGETS, SEARCHES, budget_answer, key, search_answer

GOLDEN = json.loads((Path(__file__).parent / "golden" / "search_results.json").read_text())


@pytest.mark.parametrize("case", SEARCHES, ids=key)
def test_search_as_recorded(case):
    assert search_answer(case) == GOLDEN["search"][key(case)]


@pytest.mark.parametrize("case", BUDGETS, ids=key)
def test_budget_search_as_recorded(case):
    assert budget_answer(case) == GOLDEN["budget_search"][key(case)]
