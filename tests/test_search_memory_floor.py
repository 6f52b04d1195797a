"""calc.perf.memory.memory_floors, what the layout search skips layouts by (calc.perf.search): taken from the first
layout of a group (the same but for recomputation and ZeRO stage), the floor of each layout of the group is at most its
memory per chip, on every layout of several searches (GPUs and a TPU, dense, mixtures of experts, latent attention,
long sequences); and the search that skips the explanation (what the budget search asks) finds the same fastest."""

import pytest

from benchmarks.record_search_golden import SEARCHES, key
from calc import perf

CASES = [c for c in SEARCHES if c[0] in ("Mixtral 8x7B", "GPT-2 XL", "DeepSeek-V2-Lite", "Gemma 2 9B", "Llama 2 7B")]


@pytest.mark.parametrize("case", CASES, ids=key)
def test_memory_floor_of_a_group_holds_for_every_layout_in_it(case):
    from calc.architecture import lookup
    from calc.errors import InputError
    from calc.perf.memory import memory_floors
    from calc.perf.search import _group, candidates
    from calc.perf.step import predict_step
    from calc.perf.system import build_chip, resolve_hardware, runs_flash_attention

    name, hw, chips, batch, kw = case
    model, hardware = lookup(name), resolve_hardware(hw)
    flash = kw.get("flash_attention", True) and runs_flash_attention(hardware)
    chip = build_chip(hardware, kw.get("precision"))
    layouts = list(candidates(model, chips, batch, kw["sequence"], chip.precision, flash, chip.chips_per_node))
    members = {}
    for layout in layouts:
        members.setdefault(_group(layout), []).append(layout)
    floors, checked, above = {}, 0, 0
    for layout in layouts:
        try:
            st = predict_step(model, hardware, chips, layout, False)
        except InputError:
            continue
        group = members[_group(layout)]
        floor = floors.setdefault(_group(layout), memory_floors(st.memory_key, {x.recompute for x in group},
                                                                {x.zero for x in group}))
        least = floor[layout.recompute, layout.zero]
        assert least <= st.memory_bytes * (1 + 1e-12), layout.describe()
        checked += 1
        above += least > chip.capacity  # what the search may skip
    assert checked > 100
    if kw["sequence"] == 32768:  # most of these do not fit: the floor says so of some of them
        assert above > 100


@pytest.mark.parametrize("case", [c for c in SEARCHES if c[0] in ("Mixtral 8x7B", "GPT-3 175B", "Gemma 2 9B")],
                         ids=key)
def test_search_without_the_explanation_finds_the_same_fastest(case):
    name, hw, chips, batch, kw = case
    full, quick = perf.search(name, hw, chips, batch, top=1, **kw), perf.search(name, hw, chips, batch, top=1,
                                                                                 explain=False, **kw)
    assert [s.layout for s in quick.steps] == [s.layout for s in full.steps]
    assert [s.seconds for s in quick.steps] == [s.seconds for s in full.steps]
    assert quick.tried == full.tried and quick.refused is None and quick.why == ""
