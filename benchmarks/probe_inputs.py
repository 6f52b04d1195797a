"""Random probes at every door of calc's inputs: how many, what they found, how long the slowest took.

Run: python benchmarks/probe_inputs.py [N] [SEED] [APP]. Not a test (tests/test_inputs.py holds the
properties); this is the wide net whose counts the closing notes quote. Each probe is a random
string from the input grammar (numbers, digit groups, exponents, superscripts, units, ranges,
look-alike characters) given to one door; a probe "fails" if it raises anything but
calc.InputError (API, scenario files), exits other than 0 or 2 or prints more than one error line
(command line), or takes longer than 50 ms.

Then the classes of issue #21, each probed with random members (``classes``): a quantity the inputs
leave undetermined, quantiles at the ends of [0, 1], a cluster's chip count (fractions, 10^-300,
10^400), silent answers (a run shorter than a step, a sequence past learned positions, a FLOP count
against the step's MFU, chip-hours beating the peak, "inf" or e-notation printed, a budget past every
run unflagged, a date rule that differs between --start and --year, a precision dropped, an implausible
carbon intensity or power unwarned), and data files a maintainer edits (a column renamed, a units row
in another unit, a count made fractional, a default removed or in another unit): there a probe fails
unless the answer is a DataError (never a KeyError, a DimensionalityError, or a silent reading). APP
(default 24) probes open the app's session-reading pages from random links through streamlit's AppTest;
they fail on an exception, not on time. Only public entry points are used, so the same script measures
an older checkout (run it with that checkout first on the path).
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import math
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
    "serve": ["--chips", "--tensor", "--pipeline", "--price", "--input-tokens", "--output-tokens", "--concurrency",
              "--tpot-limit", "--pue"],
    "lifetime": ["--loss", "--params", "--tokens", "--inference-tokens", "--training-price", "--serving-price"],
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
        if command == "serve":
            argv += ["--model", "Llama 2 70B", "--hardware", "H100 SXM5"]
        if command == "lifetime":
            argv += [] if "--inference-tokens" in argv else ["--inference-tokens", "2e12"]
            argv += [] if {"--loss", "--params", "--tokens"} & set(argv) else ["--loss", "2.0"]
        if command in ("serve", "lifetime") and command not in _commands():  # an older checkout: not a door yet
            continue
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


def _commands() -> set:
    """The commands of this checkout's command line."""
    from calc.__main__ import build_parser

    return set(next(a for a in build_parser()._actions if a.dest == "command").choices)


# --------------------------------------------------------------------------- the classes of issue #21

def _ok(fn, *args, **kwargs):
    """None if ``fn`` returns or raises calc.InputError; else what it raised (the failure)."""
    try:
        fn(*args, **kwargs)
    except calc.InputError:
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"[:120]
    return None


def _cli_text(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli(argv)
        except SystemExit as exc:
            code = exc.code
        except Exception as exc:  # noqa: BLE001
            code = f"{type(exc).__name__}: {exc}"[:120]
    return code, out.getvalue(), err.getvalue()


def _chips(rng):
    return rng.choice([10**400, "1e400", "10^400", 1e-300, "1e-300", 0.5, 1.5, "2.5 GPU", 7.999, 1e300,
                       rng.uniform(0, 3), rng.randint(1, 10**6), 10 ** rng.randint(0, 400), "100k GPUs"])


def classes(rng: random.Random, n: int) -> tuple[collections.Counter, list]:
    """``n`` random members of each class of issue #21; (counts by class, failures)."""
    from calc import cost, thresholds
    from calc.uncertainty import Distribution

    try:
        from calc.perf import Layout, predict
    except ImportError:  # a checkout before the step model became the package calc.perf
        from calc.step import Layout, predict

    counts, failures = collections.Counter(), []
    serve_doors = []
    if hasattr(calc, "serve"):  # a checkout with serving (calc.serve)
        serve_doors = [("serve", lambda c: calc.serve("Llama 2 70B", "H100 SXM5", c))]

    def fail(kind, shown, what):
        failures.append((kind, shown, what))

    step = predict("GPT-3 175B", "H100 SXM5", 1024, Layout(tensor=8, pipeline=8, global_batch=1536))
    base_days = step.duration("300e9 token").m_as("day")
    names = ["compute", "chips", "utilization", "hardware", "price", "params", "duration", "tokens"]
    values = {"compute": "1e24 FLOP", "chips": 1024, "utilization": "0.2..0.5", "hardware": "H100 SXM5",
              "price": "1..3 USD/chip/hour", "params": "7e9 param", "duration": "10 day", "tokens": "1e12 token"}
    for _ in range(n):
        # a quantity the inputs leave undetermined: asked of the estimate or of a simulation
        counts["undetermined"] += 1
        given = {k: values[k] for k in rng.sample(names, rng.randint(1, 3))}
        try:
            if any(isinstance(v, str) and ".." in v for v in given.values()):
                sim = simulate(samples=100, **given)
                for name in QUANTITIES:
                    if name not in sim.estimate:
                        why = _ok(sim.interval, name)
                        if why:
                            fail("undetermined", given, why)
                            break
            else:
                est = calc.estimate(**given)
                for name in QUANTITIES:
                    if name not in est:
                        why = _ok(est.__getitem__, name)
                        if why:
                            fail("undetermined", given, why)
                            break
        except calc.InputError:
            pass
        # quantiles anywhere in (and out of) [0, 1]
        counts["quantile"] += 1
        kind = rng.choice(["loguniform", "uniform", "lognormal", "triangular"])
        lo = 10 ** rng.uniform(-3, 3)
        hi = lo * rng.uniform(1, 100)
        d = Distribution(kind, lo, hi, "", (lo + hi) / 2 if kind == "triangular" else None)
        p = rng.choice([0.0, 1.0, rng.random(), -0.1, 1.1, float("nan")])
        why = _ok(d.quantile, p)
        if why:
            fail("quantile", (kind, lo, hi, p), why)
        # a cluster's chip count at every door that takes one
        counts["cluster chips"] += 1
        n_chips = _chips(rng)
        before = len(failures)
        for door, fn in (("thresholds", lambda c: thresholds.cluster_crossings(c, "H100 SXM5")),
                         ("time to reach", lambda c: thresholds.time_to_reach("1e26 FLOP", c, "H100 SXM5")),
                         ("acquisition", lambda c: cost.acquisition_cost(c, "H100 SXM5", "2024-06-01")),
                         ("step", lambda c: predict("GPT-3 175B", "H100 SXM5", c, Layout(tensor=8, global_batch=1536))),
                         *serve_doors):
            try:
                out = fn(n_chips)
            except calc.InputError:
                continue
            except Exception as exc:  # noqa: BLE001
                fail("cluster chips", (door, repr(n_chips)[:40]), f"{type(exc).__name__}: {exc}"[:120])
                continue
            whole = float(n_chips if not isinstance(n_chips, str) else calc.estimate(chips=n_chips).chips.m_as("chip"))
            if whole != int(whole) or whole < 1:  # answered for a fraction of a chip, without a word
                fail("cluster chips", (door, repr(n_chips)[:40]), "answered for a cluster of a fractional chip count")
            if door == "thresholds" and not all(math.isfinite(c.ratio) for c in out):
                fail("cluster chips", (door, repr(n_chips)[:40]), "a ratio beyond a float (inf)")
        del failures[before + 1:]  # one failure per probe: the first door that failed it
        # silent answers: each probe fails when the answer is wrong and nothing said so
        counts["silent answers"] += 1
        which = rng.randrange(10)
        if which == 0:  # a run shorter than one optimizer step
            tokens = 10 ** rng.uniform(0, 9)
            try:
                days = step.duration(f"{tokens!r} token").m_as("day")
                if days < step.step_time.m_as("day") * (1 - 1e-12):
                    fail("silent answers", ("run < one step", tokens), f"{days * 86400:.3g} s, one step takes "
                                                                        f"{step.step_time.m_as('s'):.3g} s")
            except calc.InputError:
                pass
        elif which == 1:  # a sequence past the learned positions of GPT-3 (2,048)
            seq = rng.choice([2049, 4096, 10**5, 10**6])
            try:
                predict("GPT-3 175B", "H100 SXM5", 1024, Layout(tensor=8, pipeline=8, global_batch=1536, sequence=seq),
                        check_memory=False)
                fail("silent answers", ("sequence", seq), "accepted past GPT-3's 2,048 learned positions")
            except calc.InputError:
                pass
        elif which == 2:  # a FLOP count given with a layout: the step's duration must stand
            k = rng.uniform(2, 12)
            try:
                est = calc.estimate(model="GPT-3 175B", layout=step, hardware="H100 SXM5", chips=1024,
                                    tokens="300e9 token", flop_per_param_token=k)
                if abs(est.duration.m_as("day") / base_days - 1) > 1e-6:
                    fail("silent answers", ("MFU vs FLOP count", round(k, 2)),
                         f"{est.duration.m_as('day'):.3g} days against the step's {base_days:.3g}")
            except calc.InputError:
                pass
        elif which == 3:  # chip-hours that imply more than the peak
            c, h = 10 ** rng.uniform(20, 27), 10 ** rng.uniform(0, 9)
            code, out, err = _cli_text(["cost", "--compute", f"{c:.4g}", "--chip-hours", f"{h:.4g} chip*hour",
                                        "--hardware", "H100 SXM5", "--start", "2024-06-01"])
            if c / 989.4e12 / 3600 > h * 1.001 and code == 0:
                fail("silent answers", ("cost", f"{c:.3g} FLOP", f"{h:.3g} chip-hours"),
                     "priced a utilization above 100%")
        elif which == 4:  # thresholds never print inf or e-notation
            argv = rng.choice([["thresholds", "--compute", f"1e{rng.randint(20, 308)}"],
                               ["thresholds", "--chips", f"1e{rng.randint(0, 308)}", "--hardware", "H100 SXM5"]])
            code, out, err = _cli_text(argv)
            if "inf" in out or "e+" in out or code not in (0, 2):
                fail("silent answers", argv, (str(code) + " " + (out + err).replace("\n", " "))[:120])
        elif which == 5:  # optimal: readable splits, and a word past every published run
            c = 10 ** rng.uniform(10, 308)
            code, out, err = _cli_text(["optimal", "--compute", f"{c:.4g} FLOP"])
            if code == 0 and (" 0.0 " in out or "e+" in out or "e-" in out or (c > 1e29 and not err.strip())):
                fail("silent answers", ("optimal", f"{c:.3g}"), out.replace("\n", " | ")[:120])
        elif which == 6:  # one rule for dates: --start and --year agree on a year
            y = rng.randint(2000, 3000)
            a = _cli_text(["cost", "--chip-hours", "1e6 chip*hour", "--hardware", "H100 SXM5", "--start", f"{y}-06-01"])[0]
            b = _cli_text(["cost", "--chip-hours", "1e6 chip*hour", "--hardware", "H100 SXM5", "--start",
                           "2024-06-01", "--year", str(y)])[0]
            if (a == 0) != (b == 0) and y > 2024:  # before the data, both rules refuse on their own grounds
                fail("silent answers", ("dates", y), f"--start {y} exits {a}, --year {y} exits {b}")
        elif which == 7:  # a precision with no chip to read it
            try:
                calc.estimate(compute="1e24 FLOP", chips=10, utilization=0.4, duration="10 day",
                              precision=rng.choice(["fp8", "bf16", "tf32"]))
                fail("silent answers", ("precision", "no hardware"), "the precision was dropped without a word")
            except calc.InputError:
                pass
        elif which == 8:  # carbon intensity beyond any grid
            kg = rng.choice([429.0, 1000.0, 2.0, 0.0004, 10 ** rng.uniform(-5, 3)])
            try:
                est = calc.estimate(compute="1e24 FLOP", hardware="H100 SXM5", chips=1000, utilization=0.4,
                                    carbon_intensity=f"{kg!r} kg/kWh")
                if (kg > 1.2 or kg < 0.003) and not any("carbon" in w for w in est.warnings):
                    fail("silent answers", ("carbon_intensity", kg), "no plausibility warning")
            except calc.InputError:
                pass
        else:  # power per chip beyond any chip
            w = rng.choice([10_000.0, 50_000.0, 10 ** rng.uniform(1, 6)])
            try:
                est = calc.estimate(compute="1e24 FLOP", hardware="H100 SXM5", chips=1000, utilization=0.4,
                                    power=f"{w!r} W/chip")
                if w > 2400 and not any(x.startswith("power") for x in est.warnings):
                    fail("silent answers", ("power", w), "no plausibility warning")
            except calc.InputError:
                pass
    return counts, failures


# Tables only the validation harness reads (tests/test_validation_data.py), neither the app nor the command line
VALIDATION_ONLY = {"validation_runs.csv", "matmul_efficiency.csv", "collective_bandwidth.csv", "attention_kernels.csv",
                   "expert_dispatch.csv"}


def data_file_probes(rng: random.Random, n: int) -> tuple[int, list]:
    """``n`` random edits of a data file, each read through calc.data as the app and CLI read it: a
    probe fails unless the answer is a DataError naming the file."""
    import csv
    import shutil
    import sys as _sys
    import tempfile
    from pathlib import Path

    from calc import data
    from calc.errors import DataError

    real = Path(data.DATA_DIR)
    files = {}
    for path in sorted(real.glob("*.csv")):
        rows = list(csv.reader(path.open(encoding="utf-8")))
        if "value" in rows[0] and "unit" in rows[0] or path.name in VALIDATION_ONLY:
            continue
        cols = [(c, u) for c, u in zip(rows[0], rows[1]) if u.strip() not in ("", "date")]
        if cols:
            files[path.name] = cols
    other = {"FLOP/s/chip": "TFLOP/s/chip", "USD/hour": "USD/day", "chip": "W", "1": "chip", "param": "Gparam",
             "token": "Gtoken", "FLOP": "PFLOP", "day": "hour", "chip*hour": "chip*day", "W/chip": "kW/chip",
             "MWh": "kWh", "t": "kg", "GB": "TB", "USD/kWh": "USD/MWh", "byte/param": "bit/param", "USD/chip": "W",
             "GB/chip": "TB/chip", "GB/s/chip": "TB/s/chip", "kg/kWh": "g/kWh", "USD/chip/hour": "USD/chip/day",
             "FLOP/s": "EFLOP/s", "Gbit/s": "Tbit/s", "USD": "kUSD", "FLOP/param/token": "FLOP/token"}
    counts = ("layers", "d_model", "heads", "chips_per_board", "chips_per_node", "tensor", "pipeline",
              "global_batch", "micro_batch", "sequence", "chips", "cores_per_chip", "compute_units")
    failures = []
    tmp = Path(tempfile.mkdtemp(prefix="probe-data-"))
    shutil.copytree(real, tmp / "data")

    def clear():
        for mod in [m for k, m in list(_sys.modules.items()) if k == "calc" or k.startswith("calc.")]:
            for obj in vars(mod).values():
                if callable(getattr(obj, "cache_clear", None)):
                    obj.cache_clear()

    try:
        for _ in range(n):
            kind = rng.choice(["rename", "unit", "fraction", "default"])
            if kind == "default":
                name = "defaults.csv"
                rows = list(csv.reader((real / name).open(encoding="utf-8")))
                i = rng.randrange(1, len(rows))
                if rng.random() < 0.5:
                    shown = ("default removed", rows[i][0])
                    rows.pop(i)
                else:
                    u = rows[0].index("unit")
                    shown = ("default unit", rows[i][0], rows[i][u])
                    rows[i][u] = {"": "%", "kg/kWh": "g/kWh", "1/year": "1/day"}.get(rows[i][u], "s")
            else:
                name = rng.choice(sorted(files))
                rows = list(csv.reader((real / name).open(encoding="utf-8")))
                col, unit = rng.choice(files[name])
                i = rows[0].index(col)
                if kind == "rename":
                    rows[0][i] = col + "_renamed"
                    shown = ("renamed", name, col)
                elif kind == "unit":
                    rows[1][i] = other.get(unit.strip(), "W")
                    shown = ("unit", name, col, unit, rows[1][i])
                else:
                    if col not in counts:
                        continue
                    line = next((k for k, r in enumerate(rows[2:], start=2) if r and r[i].strip()), 2)
                    rows[line][i] = str(float(rows[line][i] or 1) + 0.5)
                    shown = ("fraction", name, col)
            with (tmp / "data" / name).open("w", newline="", encoding="utf-8") as f:
                csv.writer(f, lineterminator="\n").writerows(rows)
            data.DATA_DIR = tmp / "data"
            clear()
            try:
                data.validate_all()
                if hasattr(data, "epoch_runs"):  # the back-test's table (python -m calc backtest, the Backtest page)
                    data.epoch_runs()
                calc.estimate(compute="1e24 FLOP", hardware="H100 SXM5", chips=1024)
                failures.append(("data files", shown, "read without a word"))
            except DataError:
                pass
            except Exception as exc:  # noqa: BLE001
                failures.append(("data files", shown, f"{type(exc).__name__}: {exc}"[:120]))
            finally:
                shutil.copy(real / name, tmp / "data" / name)
                data.DATA_DIR = real
                clear()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return n, failures


def app_probes(rng: random.Random, n: int) -> tuple[int, list]:
    """``n`` links to the pages that read the session's scenario, with ranges and odd chip counts."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    app = str(Path(__file__).resolve().parents[1] / "app.py")
    pages = ["app_pages/landscape.py", "app_pages/thresholds.py", "app_pages/cost.py", "app_pages/compare.py",
             "app_pages/estimate.py", "app_pages/layouts.py", "app_pages/shape.py"]
    fields = {"utilization": ["0.2..0.5", "uniform:0.3..0.4", "1e-300"], "price": ["1..3 USD/chip/hour", "14 USD/h/node"],
              "chips": ["1e-300", "0.5", "1.5", "100..1000", "1e300", "1e400", "1e15"], "hardware": ["H100 SXM5", "TPU v5p"],
              "params": ["7e9 param", "1e3..1e12 param", "1e300 param"], "tokens": ["1e12 token", "1..1e30 token"],
              "compute": ["1e24..1e26 FLOP", "1e300 FLOP", "1 FLOP"], "duration": ["1..100 day", "1e-300 day"],
              "chip_hours": ["2.664M", "1..1e12 chip*hour"], "finetune": ["lora", "full"], "precision": ["fp8"],
              "thresholds.chips": ["1e-300", "1.5", "1e300"], "thresholds.compute": ["1e300 FLOP", "0.5..2 FLOP"],
              "layouts.chips": ["1e400", "0.5", "3"], "layouts.sequence": ["1000000", "0"]}
    failures = []
    for _ in range(n):
        page = rng.choice(pages)
        query = {k: rng.choice(v) for k, v in fields.items() if rng.random() < 0.4}
        at = AppTest.from_file(app, default_timeout=60)
        for k, v in query.items():
            at.query_params[k] = v
        try:
            at.run()
            at.switch_page(page).run()
        except Exception as exc:  # noqa: BLE001
            failures.append(("app", (page, query), f"{type(exc).__name__}: {exc}"[:120]))
            continue
        if at.exception:
            failures.append(("app", (page, query), at.exception[0].message.splitlines()[-1][:120]))
    return n, failures


def main(n: int = 2000, seed: int = 0, app: int = 24) -> None:
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
    t = time.perf_counter()
    rng = random.Random(seed)
    counts, failures = classes(rng, max(1, n // 10))
    files, file_failures = data_file_probes(rng, max(1, n // 20))
    counts["data files"] = files
    failures += file_failures
    if app:
        pages, page_failures = app_probes(rng, app)
        counts["app"] = pages
        failures += page_failures
    print(f"{sum(counts.values()):,} probes of the classes of issue #21 in {time.perf_counter() - t:.1f} s (seed {seed})")
    for kind, c in counts.items():
        bad = sum(1 for f in failures if f[0] == kind)
        print(f"  {kind:<16}{c:>8,} probes  {bad:>4} failures")
    seen = set()
    for kind, shown, what in failures:
        if (kind, what[:40]) in seen:  # one example of each failure, not every draw of it
            continue
        seen.add((kind, what[:40]))
        print(f"  FAIL {kind}: {str(shown)[:90]} -> {what}")


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 2000, int(sys.argv[2]) if len(sys.argv) > 2 else 0,
         int(sys.argv[3]) if len(sys.argv) > 3 else 24)
