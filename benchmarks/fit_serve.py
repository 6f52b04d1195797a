"""Fit the serving coefficients to data/serving_calibration.csv (published before 2025) and print them.

    python benchmarks/fit_serve.py

The fitted values are written by hand into data/serving_coefficients.csv (with this script named as
their source), so a reader sees each one with its provenance.
"""

from calc.serve import calibration

rows = calibration.published()
k = calibration.fit(rows)
for name in calibration.FITTED:
    print(f"{name} = {getattr(k, name):.4g}")
print(f"median error before {calibration._median_error(rows, calibration.phases.coefficients()):.1%}, "
      f"after {calibration._median_error(rows, k):.1%}")
