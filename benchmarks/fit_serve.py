"""Fit the serving coefficients to data/serving_calibration.csv (published before 2025) and print them.

    python -m benchmarks.fit_serve

The fit (calibration.fit: a coordinate search in log steps) is run again from its own answer until no coefficient
moves by more than 0.5%: the step and layer overheads trade against each other along a shallow valley that one
pass does not cross. The fitted values are written by hand into data/serving_coefficients.csv (with this script
named as their source), so a reader sees each one with its provenance.
"""

from calc.serve import calibration


def fixed_point(rows, start):
    """``calibration.fit`` from ``start`` run again from its own answer until no fitted coefficient moves 0.5% (at
    most 40 passes): the coefficients at the fit's fixed point on ``rows``."""
    k = start
    for _ in range(40):
        after = calibration.fit(rows, k)
        moved = max(abs(getattr(after, n) / getattr(k, n) - 1) for n in calibration.FITTED)
        k = after
        if moved < 0.005:
            break
    return k


def main() -> None:
    rows = calibration.published()
    start = calibration.phases.coefficients()
    k = fixed_point(rows, start)
    for name in calibration.FITTED:
        print(f"{name} = {getattr(k, name):.4g}")
    print(f"median error before {calibration._median_error(rows, start):.1%}, "
          f"after {calibration._median_error(rows, k):.1%}")


if __name__ == "__main__":
    main()
