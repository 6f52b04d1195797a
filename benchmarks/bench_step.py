"""calc.perf against the step model it replaced (calc/step.py of commit 961100f), measured in the same run.

Run from the repository root: ``python -m benchmarks.bench_step`` (needs git: the old module is read
with ``git show 961100f:calc/step.py`` into a temporary directory, never committed). Prints median
times and the ratio new / old for one prediction (the chip and shape built, the layout's memory
cached), a prediction whose memory is computed, searches (layouts tried, time per layout and per
10,000 layouts), a budget search and the held-out runs, old and new alternating so that the load of a
shared machine falls on both. Both use today's calc.memory (the old module imports it). Not a timed
test: ratios, not seconds, carry.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from calc import data, perf
from calc.architecture import published
from calc.perf import collectives, step
from calc.perf.layer import _TERMS
from calc.perf.layout import stage_sizes
from calc.perf.memory import _layer_bytes, memory_parts, memory_per_chip
from calc.perf.step import predict_step

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "961100f"


def old_step():
    """calc/step.py as it was at ``BASELINE``, imported as a module of its own."""
    source = subprocess.run(["git", "show", f"{BASELINE}:calc/step.py"], capture_output=True, text=True, check=True,
                            cwd=ROOT).stdout
    folder = Path(tempfile.mkdtemp(prefix="bench_step_"))
    path = folder / "step_961100f.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("step_961100f", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["step_961100f"] = module
    spec.loader.exec_module(module)
    return module


def paired(new, old, repeat=15, number=200):
    """The least seconds per call of ``new`` and of ``old`` over ``repeat`` rounds, alternating (the machine's
    load falls on both; the least round is the one the load disturbed least)."""
    times = {new: [], old: []}
    for _ in range(repeat):
        for fn in (new, old):
            t = time.perf_counter()
            for _ in range(number):
                fn()
            times[fn].append((time.perf_counter() - t) / number)
    return min(times[new]), min(times[old])


def paired_once(new, old, before=lambda: None, repeat=3):
    """The least seconds of ``new`` and ``old`` over ``repeat`` alternating runs (``before`` each: clear caches),
    and ``new``'s result."""
    best = {new: float("inf"), old: float("inf")}
    out = None
    for _ in range(repeat):
        for fn in (new, old):
            before()
            t = time.perf_counter()
            result = fn()
            best[fn] = min(best[fn], time.perf_counter() - t)
            out = result if fn is new else out
    return best[new], best[old], out


def row(what, new, old, unit="us", scale=1e6, extra=""):
    print(f"  {what:<52}{new * scale:9.1f} {unit}  (old {old * scale:9.1f} {unit})  ratio {new / old:5.2f}x  {extra}")


def main() -> None:
    old = old_step()
    shapes = published()
    gpt3 = shapes["GPT-3 175B"][0]
    h100 = data.hardware("H100 SXM5")
    args = dict(tensor=8, pipeline=8, virtual_stages=2, micro_batch=1, global_batch=1536, sequence=2048)
    layout = perf.Layout(**args)
    fp8 = dict(tensor=4, pipeline=8, virtual_stages=6, micro_batch=1, global_batch=256, sequence=2048,
               precision="fp8", tp_overlap=1.0, dp_overlap=1.0)
    for fn in (lambda: perf.predict(gpt3, h100, 1024, **args), lambda: old.predict(gpt3, "H100 SXM5", 1024, **args),
               lambda: perf.predict(gpt3, h100, 128, **fp8), lambda: old.predict(gpt3, "H100 SXM5", 128, **fp8)):
        fn()  # warm the caches (data tables, the chip, memory per layout)
    print("least of 15 alternating rounds (searches: of 3); new = calc.perf, old = calc/step.py of", BASELINE)
    old_layout = old.Layout(**args)
    row("one prediction, chip and shape built, memory cached",
        *paired(lambda: predict_step(gpt3, h100, 1024, layout, True),
                lambda: old._predict(gpt3, "H100 SXM5", 1024, old_layout, True)))
    def uncached():  # the layer terms computed afresh, as for a layout no earlier prediction shares them with
        _TERMS.clear()
        step._STAGES.clear()
        return predict_step(gpt3, h100, 1024, layout, True)

    row("one prediction, layer terms computed afresh", *paired(uncached, lambda: old._predict(
        gpt3, "H100 SXM5", 1024, old_layout, True)))
    row("predict(), keywords and a chip object / name",
        *paired(lambda: perf.predict(gpt3, h100, 1024, **args), lambda: old.predict(gpt3, "H100 SXM5", 1024, **args)))
    row("predict(), FP8 layers, both overlaps",
        *paired(lambda: perf.predict(gpt3, h100, 128, **fp8), lambda: old.predict(gpt3, "H100 SXM5", 128, **fp8)))

    def cold_new():
        memory_per_chip.cache_clear()
        memory_parts.cache_clear()
        return perf.predict(gpt3, h100, 1024, **args)

    def cold_old():
        old._memory.cache_clear()
        return old.predict(gpt3, "H100 SXM5", 1024, **args)

    row("predict(), memory computed (calc.memory)", *paired(cold_new, cold_old, number=50))

    def clear():  # each search from cold caches (memory, and the new code's layer terms, collectives, stage times)
        memory_per_chip.cache_clear()
        memory_parts.cache_clear()
        old._memory.cache_clear()
        _TERMS.clear()
        for cache in (collectives._RINGS, step._STAGES, step._LOGITS, step._FLOP):
            cache.clear()
        stage_sizes.cache_clear()
        _layer_bytes.cache_clear()

    searches = [("GPT-3 175B", "H100 SXM5", 1024, 1536, 2048, True), ("Qwen3 30B-A3B", "H100 SXM5", 1024, 2048, 4096, False),
                ("Mixtral 8x7B", "H100 SXM5", 1024, 4096, 32768, False)]
    for name, hw, chips, batch, sequence, flash in searches:
        model, chip = shapes[name][0], data.hardware(hw)
        kw = dict(sequence=sequence, flash_attention=flash)
        t_new, t_old, found = paired_once(lambda m=model, c=chip, n=chips, b=batch, k=kw: perf.search(m, c, n, b, **k),
                                          lambda m=model, c=hw, n=chips, b=batch, k=kw: old.search(m, c, n, b, **k),
                                          clear)
        row(f"search, {name} on {chips:,} {hw}", t_new, t_old, "ms", 1e3,
            f"{found.tried:,} layouts; {t_new / found.tried * 1e4:.2f} s per 10,000 (old {t_old / found.tried * 1e4:.2f})")
    t_new, t_old, budget = paired_once(
        lambda: perf.budget_search(gpt3, h100, 1536, "300e9 token", "$1.5M", sequence=2048),
        lambda: old.budget_search(gpt3, "H100 SXM5", 1536, "300e9 token", "$1.5M", sequence=2048), clear, repeat=2)
    row("budget_search, GPT-3 300B tokens, $1.5M", t_new, t_old, "ms", 1e3, f"{len(budget.options)} chip counts")
    t_new, t_old, runs = paired_once(perf.heldout, old.heldout)
    row("heldout(), every held-out run", t_new, t_old, "ms", 1e3, f"{len(runs)} runs")


if __name__ == "__main__":
    main()
