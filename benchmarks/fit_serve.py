"""Fit the serving coefficients to data/serving_calibration.csv (published before 2025) and print them.

    python benchmarks/fit_serve.py

The fit (calibration.fit: a coordinate search in log steps) is run again from its own answer until no coefficient
moves by more than 0.5%: the step and layer overheads trade against each other along a shallow valley that one
pass does not cross. The fitted values are written by hand into data/serving_coefficients.csv (with this script
named as their source), so a reader sees each one with its provenance.
"""

from calc.serve import calibration

rows = calibration.published()
start = calibration.phases.coefficients()
k = start
for _ in range(40):
    after = calibration.fit(rows, k)
    moved = max(abs(getattr(after, n) / getattr(k, n) - 1) for n in calibration.FITTED)
    k = after
    if moved < 0.005:
        break
for name in calibration.FITTED:
    print(f"{name} = {getattr(k, name):.4g}")
print(f"median error before {calibration._median_error(rows, start):.1%}, after {calibration._median_error(rows, k):.1%}")
