"""The layout search and the budget search give the answers recorded in tests/golden/search_results.json (written by
``python -m benchmarks.record_search_golden`` from the exhaustive search before it was made faster): the same ranked
layouts, step times and memory to the last bit, the same counts and explanation. What made them faster (cached terms,
groups of layouts whose lower bound is beyond where the walk stops left untimed) must not change an answer; the bound
is checked on every layout of four searches."""

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


@pytest.mark.parametrize("case", [c for c in SEARCHES if c[0] in ("GPT-3 175B", "Llama 2 7B", "GPT-2 XL",
                                                                  "DeepSeek-V2-Lite")], ids=key)
def test_lower_bound_of_a_group_holds_for_every_layout_in_it(case):
    """calc.perf.search.lower_bound, taken from the first layout of a group (what the search times first), is at most
    the step time of every layout of the group, and so is member_bound for the layout's own recomputation (what the
    search bounds each other layout of an opened group by): the pruning they allow cannot drop a faster layout. The
    parts the search computes without a Step (seconds_but_data_parallel, seconds_in_group) are the step's own."""
    from calc.architecture import lookup
    from calc.errors import InputError
    from calc.perf.search import _group, bound_of, candidates, lower_bound, member_bound
    from calc.perf.step import predict_step, seconds_but_data_parallel, seconds_in_group
    from calc.perf.system import build_chip, resolve_hardware, runs_flash_attention

    name, hw, chips, batch, kw = case
    model, hardware = lookup(name), resolve_hardware(hw)
    flash = kw.get("flash_attention", True) and runs_flash_attention(hardware)
    chip = build_chip(hardware, kw.get("precision"))
    bounds, firsts, checked, tighter = {}, {}, 0, 0
    for layout in candidates(model, chips, batch, kw["sequence"], chip.precision, flash, chip.chips_per_node):
        try:
            st = predict_step(model, hardware, chips, layout, False)
        except InputError:
            continue
        bound = bounds.setdefault(_group(layout), lower_bound(st))
        assert bound <= st.seconds_per_step * (1 + 1e-12), layout.describe()
        if _group(layout) not in firsts:  # the search's bound of the group, its data-parallel time not computed
            seconds, micro_batches = seconds_but_data_parallel(model, hardware, chips, layout)
            dp = "data-parallel communication"
            assert {k: v for k, v in seconds.items() if k != dp} == {k: v for k, v in st.seconds.items() if k != dp}
            assert micro_batches == st.micro_batches
            assert bound_of(seconds, layout.pipeline, micro_batches) <= bound * (1 + 1e-12)
        own = member_bound(firsts.setdefault(_group(layout), st), layout.recompute)
        assert seconds_in_group(firsts[_group(layout)], layout) == st.seconds  # the search's time of one that cannot fit
        assert bound <= own <= st.seconds_per_step * (1 + 1e-12), layout.describe()
        tighter += own > bound * (1 + 1e-9)
        checked += 1
    assert tighter > 0  # the layout's own recomputation raises some bounds
    assert checked > 100  # the search has layouts to check
