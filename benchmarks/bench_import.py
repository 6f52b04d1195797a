"""Cold `import calc` against `import numpy` and `import pint` alone, each in a fresh interpreter.

Run: python benchmarks/bench_import.py. Prints medians of 9 runs and the ratios.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

SNIPPETS = {
    "python (nothing)": "pass",
    "import numpy": "import numpy",
    "import pint": "import pint",
    "import calc": "import calc",
    "import calc + registry use": "import calc; calc.Q_('1 FLOP')",
}


def cold(code: str, repeat: int = 9) -> float:
    runs = []
    for _ in range(repeat):
        timer = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
        out = subprocess.run([sys.executable, "-c", timer], capture_output=True, text=True, check=True).stdout
        runs.append(float(out))
    return statistics.median(runs)


def main() -> None:
    times = {name: cold(code) for name, code in SNIPPETS.items()}
    pint_t = times["import pint"]
    for name, t in times.items():
        print(f"  {name:<28}{t * 1e3:8.1f} ms   {t / pint_t:5.2f}x import pint")


if __name__ == "__main__":
    main()
