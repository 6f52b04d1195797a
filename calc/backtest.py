"""The back-test: published runs recomputed from their reported inputs, compared with their outputs.

Each run of ``data/runs.csv`` is recomputed by every method whose inputs it reports, each method
using only the run's own figures (never a default):

    operation counting  compute = 6 N D                                  [Kaplan2020] sec. 2.1
    hardware-time       compute = chip-hours x peak x utilization        [Chowdhery2022] app. B
    energy              energy = chip-hours x power x PUE;
                        emissions = energy x grid intensity             [Patterson2021] sec. 2
    cost                cost = chip-hours x price
    time                duration = chip-hours / chips
    modelled utilization  utilization and chip-hours from the run's published parallel layout
                        (data/run_layouts.csv) through the step-time model (calc.perf)

Runs of Epoch AI's models database with hardware, chips, hours and MFU (data/epoch_runs.csv) are
checked by hardware-time too, as a separate group: Epoch sometimes derives MFU from the same compute and hours, so their
agreement is a consistency check of the database, not an independent test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median

from calc import data
from calc.estimate import estimate
from calc.units import Q_

# method -> (inputs it may use, {output: inputs that must all be reported, as alternatives})
METHODS = {
    "operation counting": (("params", "active_params", "tokens"),
                           {"compute": [("params", "tokens")]}),
    "hardware-time": (("hardware", "chips", "duration", "chip_hours", "utilization"),
                      {"compute": [("hardware", "utilization", "chip_hours"),
                                   ("hardware", "utilization", "chips", "duration")]}),
    "energy": (("chips", "duration", "chip_hours", "power", "pue", "carbon_intensity"),
               {"energy": [("power", "pue", "chip_hours"), ("power", "pue", "chips", "duration")],
                "emissions": [("power", "pue", "carbon_intensity", "chip_hours"),
                              ("power", "pue", "carbon_intensity", "chips", "duration")]}),
    "cost": (("chips", "duration", "chip_hours", "price"),
             {"cost": [("price", "chip_hours"), ("price", "chips", "duration")]}),
    "time": (("chips", "chip_hours"), {"duration": [("chips", "chip_hours")]}),
}
_REPORTED = {"compute": "compute_reported", "energy": "energy_reported", "emissions": "emissions_reported",
             "cost": "cost_reported", "duration": "duration_reported"}


@dataclass(frozen=True)
class Check:
    """One reported output of one run, recomputed by one method."""

    run: str
    group: str  # "published" (data/runs.csv) or "Epoch AI"
    method: str
    output: str
    reported: object  # Quantity
    recomputed: object  # Quantity
    tolerance: float
    caveat: str

    @property
    def ratio(self) -> float:
        """recomputed / reported."""
        return float(self.recomputed.m_as(self.reported.units) / self.reported.magnitude)

    @property
    def note(self) -> str:
        """Why this check lands outside its tolerance (data/backtest_notes.csv), or ''."""
        r = data.backtest_notes().get((self.group, self.run, self.method, self.output))
        return "" if r is None else f"{r['category']}: {r['reason']}"

    @property
    def within(self) -> bool:
        """Whether the ratio is inside the run's stated tolerance."""
        return abs(math.log(self.ratio)) <= math.log1p(self.tolerance) + 1e-12

    def to_dict(self) -> dict:
        """The JSON form of ``python -m calc backtest --json``."""
        unit = f"{self.reported.units:~C}"
        return {"run": self.run, "group": self.group, "method": self.method, "output": self.output,
                "reported": {"value": float(self.reported.magnitude), "unit": unit},
                "recomputed": {"value": float(self.recomputed.m_as(self.reported.units)), "unit": unit},
                "ratio": self.ratio, "tolerance": self.tolerance, "within": self.within, "caveat": self.caveat,
                "why_outside": self.note}


def published_checks() -> list[Check]:
    """Every applicable (run, method, output) of ``data/runs.csv``."""
    out = []
    for row in data.runs():
        present = {k for k, v in row.values.items() if v is not None}
        for method, (names, outputs) in METHODS.items():
            todo = [o for o, needs in outputs.items()
                    if _REPORTED[o] in present and any(set(n) <= present for n in needs)]
            if not todo:
                continue
            known = {n: (row[n] if n == "hardware" else row.quantity(n)) for n in names if n in present}
            est = estimate(**known)
            for o in todo:
                out.append(Check(row["name"], "published", method, o, row.quantity(_REPORTED[o]), est[o].value,
                                 row["tolerance"], row["caveat"] or ""))
    return out


def modelled_checks() -> list[Check]:
    """Runs whose parallel layout is published: the utilization and chip-hours the step-time model
    predicts from that layout, against the reported ones. An interleaving whose count the paper does not state
    (virtual_stages "interleaved") is the fastest count, by the step validation's rule
    (calc.perf.runs.fastest_interleaving); a blank is no interleaving; memory is reported by the step model but
    not enforced (calc.memory's estimate can exceed what a team made fit)."""
    from calc import perf
    from calc.architecture import published
    from calc.perf.utilization import published_layout

    runs = {r["name"]: r for r in data.runs()}
    out = []
    for name, lay in data.run_layouts().items():
        row = runs[name]
        if lay["shape"] not in published():
            continue  # a shape data/architectures.csv does not hold (yet): nothing to model
        model = published()[lay["shape"]][0]
        base = published_layout(lay)
        chips = int(row.quantity("chips").m_as("chip"))
        best = perf.predict(model, data.hardware(row["hardware"]), chips, base, check_memory=False)
        caveat = f"{lay['caveat']} ({best.layout.describe()})"
        if row["utilization"] is not None:
            out.append(Check(name, "published", "modelled utilization", "utilization", row.quantity("utilization"),
                             Q_(best.mfu, ""), lay["tolerance"], caveat))
        if row["chip_hours"] is not None and row["tokens"] is not None:
            hours = (best.duration(row.quantity("tokens")) * row.quantity("chips")).to("chip*hour")
            out.append(Check(name, "published", "modelled utilization", "chip_hours", row.quantity("chip_hours"),
                             hours, lay["tolerance"], caveat))
    return out


def epoch_checks() -> tuple[list[Check], list[str]]:
    """Hardware-time checks of Epoch AI's runs (data/epoch_runs.csv), and the rows excluded with reasons."""
    runs, problems = data.epoch_runs()
    out = []
    for r in runs:
        est = estimate(hardware=r.hardware, chips=r.chips, duration=r.duration, utilization=r.utilization)
        out.append(Check(r.name, "Epoch AI", "hardware-time", "compute", r.compute, est.compute, 0.20,
                         f"data/epoch_runs.csv row {r.line}; dense peak of {r.hardware} at its default precision"))
    return out, problems


def summary(checks: list[Check]) -> list[dict]:
    """Per group, method and output: count, median and worst |log ratio| (as a factor), shares within 5%, 20%, 2x."""
    groups = {}
    for c in checks:
        groups.setdefault((c.group, c.method, c.output), []).append(abs(math.log(c.ratio)))
    rows = []
    for (group, method, output), errs in groups.items():
        rows.append({
            "group": group, "method": method, "output": output, "runs": len(errs),
            "median_factor": math.exp(median(errs)), "worst_factor": math.exp(max(errs)),
            "within_5%": sum(e <= math.log(1.05) for e in errs) / len(errs),
            "within_20%": sum(e <= math.log(1.20) for e in errs) / len(errs),
            "within_2x": sum(e <= math.log(2) for e in errs) / len(errs),
        })
    return rows
