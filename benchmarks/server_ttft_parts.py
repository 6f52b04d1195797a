"""Where a latency-bound run's first token goes in the serving model: for each held-out Server or Interactive row
that states its mean TTFT (data/serving_validation.csv), the model's TTFT at the rate the run completed taken apart
(``load.at_rate``: the step that carries the prompt and its prefill, the residual of the step in progress, the
prompts queued ahead for the token budget, the attention-DP balance), beside the measured mean, the TPOT both ways,
the sequences in flight both ways (Little's law), how close the rate is to the model's own capacity
(``load.arrivals_capacity``) and to the run's measured one (its rate over its submitter's Offline run of the same
system, where the file holds one).

    python -m benchmarks.server_ttft_parts [--model NAME]

A diagnostic (branch ttftsrv), not a fit: nothing here sets a coefficient or enters a score. The last columns read
the model at the same share of its own capacity as the run's rate is of its measured Offline rate: how much of a
first-token miss is the capacity's error (a Server run sits near its knee, where the latencies carry that error many
times over; see ``validation.at_limits``) rather than a wait the model leaves out.
"""

from __future__ import annotations

import re
import sys

from calc.serve import load, validation


def _setup(c: validation.Case) -> load.Setup:
    """The model's setup of a held-out row, as ``validation.predict`` builds it."""
    return validation.setup(c)


def parts(c: validation.Case, offline: validation.Case | None) -> dict | None:
    """The model's TTFT of ``c`` at its completed rate taken apart (s), with its measured figures; None where the
    model says the layout cannot complete that rate."""
    s = _setup(c)
    rate = validation.measured_request_rate(c)
    cap = load.arrivals_capacity(s)
    if not rate < cap:
        return None
    n, r = load.at_rate(s, rate)
    per, lam = n / s.replicas, rate / s.replicas
    prompt = float(r["prefill"]["total"]) / (per / s.output_tokens)  # one prompt's prefill riding in a step
    out = {"name": c.name, "share": rate / cap, "in_flight": per,
           "in_flight_measured": validation.in_flight_at_measured_load(c) / s.replicas,
           "tpot": float(r["tpot"]), "tpot_measured": c.tpot, "ttft": float(r["ttft"]), "ttft_measured": c.ttft,
           "step_and_prefill": float(r["ttft"]) - float(r["wait"]),
           "residual": float(load._residual(s, r["tpot"], per, lam, prompt)),
           "ahead": float(load.prefill_wait(s, per, lam, float(r["decode"]["total"]), prompt)),
           "balance": float(load.adp_balance_wait(s, r["tpot"], lam)),
           "measured_share": None, "ttft_at_share": None, "tpot_at_share": None}
    if offline is not None:
        share = rate / validation.measured_request_rate(offline)
        out["measured_share"] = share
        if share < 1.0:
            _, at = load.at_rate(s, share * cap)
            out["ttft_at_share"], out["tpot_at_share"] = float(at["ttft"]), float(at["tpot"])
    return out


def server_runs(model: str | None = None):
    """Each Server and Interactive row stating its TTFT and TPOT and its layout (of ``model``; every model for None), as
    (row, its submitter's Offline row of the same system where the file holds one, else None)."""
    cases = {c.name: c for c in validation.cases()}
    for c in cases.values():
        if c.scenario not in ("server", "interactive") or c.ttft is None or c.tpot is None or c.tensor is None:
            continue
        if model is not None and c.model != model:
            continue
        yield c, cases.get(re.sub(r"-(server|interactive)$", "-offline", c.name))


def rows(model: str | None = None) -> list[dict]:
    """``parts`` of every Server and Interactive row stating its TTFT (of ``model``; every model for None), each with
    its submitter's Offline row of the same system where the file holds one."""
    found = (parts(c, offline) for c, offline in server_runs(model))
    return [f for f in found if f is not None]


def main(argv: list[str]) -> None:
    model = argv[argv.index("--model") + 1] if "--model" in argv else None
    ms = lambda x: "-" if x is None else f"{x * 1e3:.0f}"  # noqa: E731
    share = lambda x: "-" if x is None else f"{x:.2f}"  # noqa: E731
    print("| row | rate / capacity: model, measured | in flight: model, measured | TPOT ms: model, measured | "
          "TTFT ms: model = step + prefill, residual, ahead, balance | measured | model at the measured share: "
          "TTFT, TPOT |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows(model):
        print(f"| {r['name']} | {r['share']:.2f}, {share(r['measured_share'])} | {r['in_flight']:.0f}, "
              f"{r['in_flight_measured']:.0f} | {ms(r['tpot'])}, {ms(r['tpot_measured'])} | {ms(r['ttft'])} = "
              f"{ms(r['step_and_prefill'])}, {ms(r['residual'])}, {ms(r['ahead'])}, {ms(r['balance'])} | "
              f"{ms(r['ttft_measured'])} | {ms(r['ttft_at_share'])}, {ms(r['tpot_at_share'])} |")


if __name__ == "__main__":
    main(sys.argv[1:])
