"""Random probes at every door of calc's inputs: how many, what they found, how long the slowest took.

Run: python benchmarks/probe_inputs.py [N] [SEED]. Not a test (tests/test_inputs.py holds the
properties); this is the wide net whose counts the closing notes quote. Each probe is a random
string from the input grammar (numbers, digit groups, exponents, superscripts, units, ranges,
look-alike characters) given to one door; a probe "fails" if it raises anything but
calc.InputError (API, scenario files), exits other than 0 or 2 or prints more than one error line
(command line), or takes longer than 50 ms.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import random
import sys
import time

import calc
from calc.__main__ import main as cli
from calc.scenario import read_scenario
from calc.uncertainty import parse_range, simulate
from calc.units import parse_quantity
from calc.vocabulary import BY_NAME, QUANTITIES

ATOMS = list("0123456789.eE+-*/^() xX×·,_%$kMGTPEZYmuµ²³⁰⁹⁻:") + [
    "FLOP", "chip", "GPU", "s", "day", "hour", "USD", "token", "param", "**", "..", "10", "9", "e308", "e-320",
    " ", "\u00a0", "\u2009", "−", "–", "nan", "inf", "lognormal:", "uniform:", "triangular:", "W", "kWh", "GB",
    "t", "kg", "H100 SXM5", "١٢", "１２",
]
FLAGS = {
    "estimate": ["--params", "--tokens", "--compute", "--chips", "--utilization", "--duration", "--price", "--pue",
                 "--power", "--cost", "--chip-hours", "--energy"],
    "cost": ["--compute", "--chip-hours", "--chips", "--start"],
    "thresholds": ["--compute", "--fine-tuning", "--cost", "--chips", "--utilization", "--budget"],
    "optimal": ["--compute", "--params", "--tokens"],
    "step": ["--chips", "--tensor", "--pipeline", "--micro-batch", "--global-batch", "--sequence"],
}
SLOW_S = 0.05


def text(rng: random.Random) -> str:
    return "".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 14)))


def run(n: int, seed: int) -> dict:
    rng = random.Random(seed)
    counts, failures, slowest = collections.Counter(), [], (0.0, "")

    def probe(door, fn, shown, *args, **kwargs):
        nonlocal slowest
        counts[door] += 1
        t = time.perf_counter()
        try:
            fn(*args, **kwargs)
        except calc.InputError:
            pass
        except Exception as exc:  # noqa: BLE001 - any other exception is what we are looking for
            failures.append((door, shown, f"{type(exc).__name__}: {exc}"[:120]))
        dt = time.perf_counter() - t
        if dt > slowest[0]:
            slowest = (dt, f"{door} {shown!r}")
        if dt > SLOW_S:
            failures.append((door, shown, f"slow: {dt * 1e3:.0f} ms"))

    for _ in range(n):
        s, field = text(rng), rng.choice(QUANTITIES)
        term = BY_NAME[field]
        shown = (field, s)
        probe("parse_quantity", parse_quantity, shown, s, field, term.unit, bare_ok=term.bare_ok)
        probe("parse_range", parse_range, shown, s, field)
        probe("estimate", calc.estimate, shown, **{field: s, "hardware": "H100 SXM5"})
        probe("simulate", simulate, shown, samples=100, **{field: s, "compute": "1e24 FLOP"})
        probe("scenario file", read_scenario, shown, json.dumps({field: s}))
        command = rng.choice(list(FLAGS))
        argv = [command, rng.choice(FLAGS[command]), s]
        if command == "cost":
            argv += ["--hardware", "H100 SXM5", "--start", "2024-06-01", "--chip-hours", "1e6 chip*hour"][
                :4 if "--chip-hours" in argv else 6]
        if command == "step":
            argv += ["--model", "GPT-3 175B", "--hardware", "H100 SXM5"] + (["--chips", "64"] if "--chips" not in argv
                                                                           else [])
        counts["command line"] += 1
        out, err = io.StringIO(), io.StringIO()
        t = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli(argv)
            except SystemExit as exc:
                code = exc.code
            except Exception as exc:  # noqa: BLE001
                code = f"{type(exc).__name__}: {exc}"[:120]
        if code not in (0, 2) or (code == 2 and err.getvalue().count("\n") != 1):
            failures.append(("command line", argv, str(code) + " " + err.getvalue()[:120]))
        dt = time.perf_counter() - t
        if dt > slowest[0]:
            slowest = (dt, f"command line {argv!r}")
    return {"counts": dict(counts), "failures": failures, "slowest": slowest}


def main(n: int = 2000, seed: int = 0) -> None:
    with contextlib.redirect_stdout(io.StringIO()):  # load every table once: the probes time the reading
        for argv in (["estimate", "--compute", "1e24"], ["cost", "--hardware", "H100 SXM5", "--start", "2024-06-01",
                     "--chip-hours", "1e6 chip*hour"], ["thresholds", "--compute", "1e25"], ["optimal", "--compute", "1e24"],
                     ["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--chips", "64"]):
            with contextlib.redirect_stderr(io.StringIO()):
                cli(argv)
    t = time.perf_counter()
    result = run(n, seed)
    total = sum(result["counts"].values())
    print(f"{total:,} probes in {time.perf_counter() - t:.1f} s (seed {seed})")
    for door, c in result["counts"].items():
        bad = sum(1 for f in result["failures"] if f[0] == door)
        print(f"  {door:<16}{c:>8,} probes  {bad:>4} failures")
    print(f"  slowest: {result['slowest'][0] * 1e3:.1f} ms ({result['slowest'][1][:80]})")
    for door, shown, what in result["failures"][:20]:
        print(f"  FAIL {door}: {shown!r} -> {what}")


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 2000, int(sys.argv[2]) if len(sys.argv) > 2 else 0)
