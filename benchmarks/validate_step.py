"""Leave-one-source-out validation of the step model: prints the table of calc.perf.validation.

    python -m benchmarks.validate_step [--rows]   (--rows: every run's ratio, worst first)
"""

import sys
import time

from calc.perf import validation


def main() -> None:
    start = time.perf_counter()
    rep = validation.report()
    print(validation.table(rep))
    print(f"\n{time.perf_counter() - start:.1f} s")
    print("\nFLOP per token a source's TFLOP/s or MFU implies / the PaLM count (min, median, max):")
    for family, (low, mid, high) in validation.flop_conventions().items():
        print(f"  {family:18s} {low:.3f} {mid:.3f} {high:.3f}")
    if "--rows" in sys.argv:
        preds, refused = validation.predictions()
        for p in sorted(preds, key=lambda p: -abs(p.ratio - 1)):
            print(f"{p.ratio:6.3f}  {p.family:18s} {p.name}")
        for name, family, kind, why in refused:
            print(f"refused {family:18s} {name}: {kind}: {why}")


if __name__ == "__main__":
    main()
