"""Record the layout search's and the budget search's answers on a few cases into tests/golden/search_results.json.

Run from the repository root: ``python -m benchmarks.record_search_golden``. The file pins what the searches return
(the ranked layouts, their step times and memory, the counts and the explanation) so that a change made for speed
(tests/test_search_golden.py) is seen to leave every answer as it was. Re-record only when the step model itself
changes (the ``re-record golden and pins`` commit), never to make the speed test pass.
"""

from __future__ import annotations

import json
from pathlib import Path

from calc import perf

PATH = Path(__file__).resolve().parent.parent / "tests" / "golden" / "search_results.json"

# model, hardware, chips, global batch, keywords of perf.search
SEARCHES = [
    ("Mixtral 8x7B", "H100 SXM5", 1024, 4096, {"sequence": 4096}),  # `python -m calc step ... --search`
    ("Mixtral 8x7B", "H100 SXM5", 1024, 4096, {"sequence": 32768, "flash_attention": False}),  # benchmarks/bench_step
    ("GPT-3 175B", "H100 SXM5", 1024, 1536, {"sequence": 2048}),
    ("Qwen3 30B-A3B", "H100 SXM5", 1024, 2048, {"sequence": 4096, "flash_attention": False}),
    ("Llama 2 7B", "A100 SXM4 80GB", 64, 512, {"sequence": 4096}),
    ("Llama 3 70B", "H100 SXM5", 512, 1024, {"sequence": 8192, "precision": "fp8"}),
    ("GPT-2 XL", "V100 SXM2", 32, 512, {"sequence": 1024}),  # Volta: attention unfused
    ("DeepSeek-V2-Lite", "H100 SXM5", 256, 1024, {"sequence": 4096}),  # latent attention, shared experts
    ("Gemma 2 9B", "TPU v5p", 256, 512, {"sequence": 8192}),  # sliding-window layers, a TPU
]

# model, hardware, global batch, tokens, budget, keywords of perf.budget_search
BUDGETS = [
    ("GPT-3 175B", "H100 SXM5", 1536, "300e9 token", "$1.5M", {"sequence": 2048}),  # benchmarks/bench_step
    ("Llama 2 7B", "H100 SXM5", 1024, "2e12 token", "$1M", {}),
    ("Mixtral 8x7B", "H100 SXM5", 4096, "1e12 token", "2e6 chip*hour", {"sequence": 4096, "goal": "cheapest"}),
]


def _step(st) -> dict:
    return {"layout": st.layout.describe(), "seconds": repr(st.seconds_per_step), "memory_bytes": repr(st.memory_bytes),
            "parts": {k: repr(v) for k, v in st.seconds.items()}}


def search_answer(case) -> dict:
    name, hw, chips, batch, kw = case
    found = perf.search(name, hw, chips, batch, **kw)
    return {"tried": found.tried, "refused": found.refused, "ties": found.ties, "why": found.why,
            "steps": [_step(st) for st in found.steps]}


def budget_answer(case) -> dict:
    name, hw, batch, tokens, budget, kw = case
    found = perf.budget_search(name, hw, batch, tokens, budget, **kw)
    return {"why": found.why, "stopped": found.stopped, "best": None if found.best is None else found.best.chips,
            "options": [{"chips": o.chips, "within": o.within, **_step(o.step)} for o in found.options]}


def key(case) -> str:
    return " | ".join(str(x) for x in case)


def main() -> None:
    golden = {"search": {key(c): search_answer(c) for c in SEARCHES},
              "budget_search": {key(c): budget_answer(c) for c in BUDGETS}}
    PATH.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
    print(f"wrote {PATH.relative_to(PATH.parent.parent.parent)}: {len(SEARCHES)} searches, {len(BUDGETS)} budget searches")


if __name__ == "__main__":
    main()
