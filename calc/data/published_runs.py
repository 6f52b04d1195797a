"""Published training runs: data/models.csv, the back-test's runs and notes, Epoch AI's runs, notable compute."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pint

from calc.data.accelerators import check_known
from calc.data.store import cache, data_dir
from calc.data.tables import Row, read_table
from calc.errors import DataError, InputError, folded, nearest


@dataclass(frozen=True)
class Model:
    """A published training run of ``data/models.csv``; absent figures are None."""

    name: str
    organization: str
    date: dt.date | None
    quantities: dict  # vocabulary name -> Quantity, only the reported ones
    hardware: str | None
    source: str


_MODEL_QUANTITIES = ("params", "active_params", "tokens", "compute", "chips", "duration",
                     "utilization", "chip_hours", "power", "energy", "emissions", "dataset_size")


@cache
def models() -> dict[str, Model]:
    """All published runs of ``data/models.csv`` by name."""
    out = {}
    for r in read_table(data_dir() / "models.csv"):
        check_known(r, empty=True)
        u = r["utilization"]
        if u is not None and u > 1:
            raise DataError(r.path, r.line, "utilization", f"expected a fraction <= 1, got {u} (a percent?)")
        qs = {c: r.quantity(c) for c in _MODEL_QUANTITIES if r[c] is not None}
        out[r["name"]] = Model(r["name"], r["organization"], r["date"], qs, r["hardware"], r["source"])
    return out




def model(name: str) -> Model:
    """Look up a published run by name, read as people type it (case, spaces and dashes aside: "gpt-3 175b" is
    "GPT-3 175B", as the shapes of data/architectures.csv are read); the error lists close matches, the names that
    hold what was typed first ("GPT-3" -> GPT-3 175B).

    >>> model("llama 2 70b").name
    'Llama 2 70B'
    """
    table = models()
    if name in table:
        return table[name]
    keys = {folded(n): n for n in table} if isinstance(name, str) else {}
    wanted = folded(name) if isinstance(name, str) else ""
    if wanted in keys:
        return table[keys[wanted]]
    close = [n for f, n in keys.items() if wanted and wanted in f]
    close += [n for n in nearest(name, table, n=4, cutoff=0.6) if n not in close]
    hint = f"did you mean {' or '.join(close)}?" if close else f"known: {', '.join(table)}"
    from calc.data.training import architecture_rows

    if isinstance(name, str) and name in {r["name"] for r in architecture_rows()}:  # the other list a --model names
        hint = (f"{name!r} is a shape of data/architectures.csv (read by estimate, serve, step, params and memory), "
                f"not a published run of data/models.csv (read here); {hint}")
    raise InputError("model", f"unknown model {name!r}; {hint}")


def published_tokens(name) -> tuple[pint.Quantity, str] | None:
    """The training tokens the published run ``name`` of ``data/models.csv`` reports, and where they come from
    ("GPT-3 175B's published run, data/models.csv: Brown et al. 2020, ..."); None when no run of that name (read
    as :func:`model` reads it) reports them: estimate's default tokens for a named run (lifetime and thresholds read
    the run's row whole, its parameters or compute with its tokens).

    >>> published_tokens("gpt-3 175b")[0]
    <Quantity(3e+11, 'token')>
    """
    if not isinstance(name, str):
        return None
    try:
        run = model(name)
    except InputError:
        return None
    tokens = run.quantities.get("tokens")
    if tokens is None:
        return None
    parts = [p.strip() for p in run.source.split(";")]
    cited = next((p for p in parts if "token" in p), parts[0])  # the citation that gives the tokens
    return tokens, f"{run.name}'s published run, data/models.csv: {cited}"


@cache
def notable_compute() -> tuple[tuple[str, dt.date, pint.Quantity], ...]:
    """(name, publication date, training compute) of notable models, from Epoch AI's database.

    ``data/notable_compute.csv`` holds the factual columns of Epoch AI's Notable AI Models
    (https://epoch.ai/data, CC BY 4.0); rows are oldest first.
    """
    rows = read_table(data_dir() / "notable_compute.csv")
    for r in rows:
        if r["date"] is None or r["compute"] is None:
            raise DataError(r.path, r.line, "date" if r["date"] is None else "compute", "expected a value")
    return tuple((r["name"], r["date"], r.quantity("compute")) for r in rows)


@cache
def runs() -> tuple[Row, ...]:
    """Published training runs with reported inputs and outputs, for the back-test (data/runs.csv)."""
    rows = read_table(data_dir() / "runs.csv")
    for r in rows:
        check_known(r, empty=True)
        if r["tolerance"] is None or not r["tolerance_reason"]:
            raise DataError(r.path, r.line, "tolerance", "every run needs a tolerance and its reason")
        if r["utilization"] is not None and r["utilization"] > 1:
            raise DataError(r.path, r.line, "utilization", f"expected a fraction <= 1, got {r['utilization']}")
    return tuple(rows)


@cache
def backtest_notes() -> dict[tuple[str, str, str, str], Row]:
    """Why a back-test check lands outside its tolerance, keyed by (group, run, method, output)."""
    rows = read_table(data_dir() / "backtest_notes.csv", key=None)
    out = {}
    for r in rows:
        key = (r["group"], r["run"], r["method"], r["output"])
        if not all(key) or not r["reason"]:
            raise DataError(r.path, r.line, "reason", "expected group, run, method, output and a reason")
        if key in out:
            raise DataError(r.path, r.line, "run", f"duplicate of row {out[key].line}")
        out[key] = r
    return out


@dataclass(frozen=True)
class EpochRun:
    """A run of Epoch AI's database with hardware, chip count, training time, MFU and compute."""

    name: str
    line: int
    hardware: str
    chips: pint.Quantity
    duration: pint.Quantity
    utilization: pint.Quantity
    compute: pint.Quantity


def epoch_runs(path: Path | None = None) -> tuple[list[EpochRun], list[str]]:
    """Runs of Epoch AI's models database usable for a hardware-time back-test, and the rows left out.

    ``data/epoch_runs.csv`` holds the factual columns of the rows of Epoch AI's AI Models
    database (https://epoch.ai/data, CC BY 4.0) whose single accelerator is one of
    data/hardware.csv (``epoch_hardware`` is Epoch's own name for it). A row is used when it
    reports chip count, training hours, MFU and compute; an MFU above 1 (a percent where a
    fraction is meant) is reported by file, row and column and the row excluded, never silently
    used. Epoch's snapshot has one: GPT3-2.7B (FlashAttention-2)'s 72, held here as 0.72 with a
    ``note`` citing the paper that reports it (Dao 2023, arXiv:2307.08691: 72% MFU).
    """
    rows = read_table(Path(path) if path else data_dir() / "epoch_runs.csv", key=None)
    used, problems = [], []
    for r in rows:
        check_known(r)
        if r["mfu"] is not None and r["mfu"] > 1:
            problems.append(f"{r.path}, row {r.line}, column 'mfu': {r['mfu']:g} is not a fraction (a percent?); row excluded")
            continue
        if any(r[c] is None for c in ("chips", "duration", "mfu", "compute")):
            continue  # incomplete: not comparable
        used.append(EpochRun(r["name"], r.line, r["hardware"], r.quantity("chips"), r.quantity("duration"),
                             r.quantity("mfu"), r.quantity("compute")))
    return used, problems
