"""Predicted against measured: the serving model on published serving rows (before 2025), and a
fit of its efficiencies to a user's own measurements.

    rows       data/serving_calibration.csv: TensorRT-LLM's published throughput and first-token
               latency tables of 2023 (v0.5, v0.6.1: static batches on H100, H200, A100), its
               saturating in-flight-batching throughput of December 2024 (v0.15.0: H100, A100), and
               MLPerf Inference v4.0 and v4.1 (2024) Llama 2 70B Offline runs (TensorRT-LLM on H100 and
               H200, vLLM on MI300X), each with its setup
    compare    the model's figure for each row, the ratio predicted / measured
    calibrate  least squares in log(predicted / measured) over the fitted efficiencies (decode
               bandwidth share, per-step and per-layer decode overheads, prefill matmul share),
               by coordinate search on a log grid (the bandwidth share at most 0.9, the
               HBM efficiency Calculon measures for large transfers, so that fixed costs do not
               pose as bandwidth); says how far each moved and the error before
               and after. A user's CSV has the columns of data/serving_calibration.csv (without a
               units row: throughput_per_chip in token/s/chip, ttft and tpot in s; a units row, as
               that file's, may give another unit of each kind, "ms", converted); model, hardware,
               chips, input_tokens, output_tokens, batch or concurrency, and one measured figure
               are required (neither batch nor concurrency: the saturating throughput, as a
               throughput benchmark runs).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from calc import data
from calc.errors import InputError
from calc.reader import read_file
from calc.serve import engines, load, phases
from calc.units import ureg

# A user's measurements are a few rows (the project's own file: 44 kB); a file far beyond is not one, and is not read.
MAX_BYTES = 1 << 20
# The distinct setups (model, chip, chips, engine, formats, layout, input and output tokens: ``_setup_key``) a file may
# hold. Each costs the fit one ``load.evaluate`` of its runs a trial (about 0.6 ms; some 40 to 100 trials): 300 setups
# take some 10 to 30 s on a loaded 2-core machine. Rows that share a setup (other batches, concurrencies or request
# rates) cost almost nothing more, as many as MAX_BYTES holds.
MAX_SETUPS = 300

FITTED = ("decode_bandwidth_efficiency", "decode_step_overhead", "decode_layer_overhead", "prefill_matmul_efficiency")
BOUNDS = {"decode_bandwidth_efficiency": (0.3, 0.9), "decode_step_overhead": (1e-5, 0.05),
          "decode_layer_overhead": (1e-7, 1e-3), "prefill_matmul_efficiency": (0.2, 1.0)}
METRICS = {"throughput_per_chip": "token/s/chip", "ttft": "s", "tpot": "s"}


@dataclass(frozen=True)
class Measurement:
    """One measured figure of a serving setup (plain values: a row of a calibration table)."""

    name: str
    model: str
    hardware: str
    chips: int
    engine: str
    precision: str | None
    kv_precision: str | None
    tensor: int
    pipeline: int
    expert: int | None
    input_tokens: int
    output_tokens: int
    batch: int | None
    concurrency: int | None
    attention_kernel: str  # "grouped" or "per-head" (calc.serve.load.ATTENTION_KERNELS)
    metric: str  # a key of METRICS
    measured: float  # in METRICS[metric]
    request_rate: float | None = None  # requests/s offered open-loop (a serving benchmark's Poisson rate)


@dataclass(frozen=True)
class Comparison:
    """A measurement and the model's figure for it."""

    row: Measurement
    predicted: float

    @property
    def ratio(self) -> float:
        """Predicted / measured."""
        return self.predicted / self.row.measured


def published() -> list[Measurement]:
    """The measurements of data/serving_calibration.csv, one per measured figure."""
    out = []
    for r in data.serving_calibration():
        out += _measurements(r.values, f"{r.path}, row {r.line}")
    return out


def _measurements(v: dict, where: str) -> list[Measurement]:
    def whole(col, default=None):
        x = v.get(col)
        if x in (None, ""):
            if default is _REQUIRED:
                raise InputError("file", f"{where}: column {col} is required")
            return default
        try:
            f = float(x)
        except ValueError:
            raise InputError("file", f"{where}: column {col}: expected a whole number, got {x!r:.30}") from None
        if not (math.isfinite(f) and f == int(f) and f >= 1):
            raise InputError("file", f"{where}: column {col}: expected a whole number >= 1, got {x!r:.30}")
        return int(f)

    base = dict(name=v.get("name") or where, model=v.get("model") or "", hardware=v.get("hardware") or "",
                chips=whole("chips", _REQUIRED), engine=v.get("engine") or "", precision=v.get("precision") or None,
                kv_precision=v.get("kv_precision") or None, tensor=whole("tensor", 1), pipeline=whole("pipeline", 1),
                expert=whole("expert"), input_tokens=whole("input_tokens", _REQUIRED),
                output_tokens=whole("output_tokens", _REQUIRED), batch=whole("batch"), concurrency=whole("concurrency"),
                attention_kernel=v.get("attention_kernel") or "grouped", request_rate=_positive(v, "request_rate", where, "requests per second"))
    if not base["model"] or not base["hardware"]:
        raise InputError("file", f"{where}: columns model and hardware are required")
    if sum(base[k] is not None for k in ("batch", "concurrency", "request_rate")) > 1:
        raise InputError("file", f"{where}: give one of batch, concurrency or request_rate (or none: saturating)")
    out = []
    for metric in METRICS:
        f = _positive(v, metric, where, "a number")
        if f is not None:
            out.append(Measurement(**base, metric=metric, measured=f))
    if not out:
        raise InputError("file", f"{where}: no measured figure (throughput_per_chip, ttft or tpot)")
    return out


_REQUIRED = object()


def _positive(v: dict, column: str, where: str, expected: str) -> float | None:
    """A positive finite number from the row's ``column`` (a measured figure, a request rate), or None when empty."""
    x = v.get(column)
    if x in (None, ""):
        return None
    try:
        f = float(x)
    except ValueError:
        raise InputError("file", f"{where}: column {column}: expected {expected}, got {x!r:.30}") from None
    if not (math.isfinite(f) and f > 0):
        raise InputError("file", f"{where}: column {column}: expected a positive number, got {x!r:.30}")
    return f


def predict(m: Measurement) -> float:
    """The model's figure for measurement ``m`` (in METRICS[m.metric])."""
    return _figures(_setup(m), m)[m.metric]


def _setup(m: Measurement) -> load.Setup:
    """The setup of measurement ``m``'s run: its model, chip, layout, engine and request lengths (the same for every
    figure measured of one run, and for every trial of the fit: no fitted coefficient enters it)."""
    return load.setup(m.model, m.hardware, m.chips, tensor=m.tensor, pipeline=m.pipeline, expert=m.expert,
                      precision=m.precision, kv_precision=m.kv_precision, input_tokens=m.input_tokens,
                      output_tokens=m.output_tokens, attention_kernel=m.attention_kernel,
                      **load.published_engine(m.name), **load.published_host(m.engine, m.hardware, m.name),
                      **load.published_workload(m.name))


def _setup_key(m: Measurement) -> tuple:
    """What ``_setup`` reads of ``m``: measurements of one key share one setup."""
    tables = (load.published_engine(m.name), load.published_host(m.engine, m.hardware, m.name),
              load.published_workload(m.name))
    return (m.model, m.hardware, m.chips, m.engine, m.tensor, m.pipeline, m.expert, m.precision, m.kv_precision,
            m.input_tokens, m.output_tokens, m.attention_kernel, *(tuple(sorted(t.items())) for t in tables))


def _load(s: load.Setup, m: Measurement) -> int:
    """The sequences in flight that measurement ``m`` fixes on setup ``s`` (its batch or concurrency, else the most the
    memory holds), checked to leave room for one sequence a replica."""
    n = m.batch if m.batch is not None else m.concurrency if m.concurrency is not None else s.max_concurrency()
    if (s.max_concurrency() if m.request_rate is not None else n) < s.replicas:
        raise InputError("file", f"{m.name}: the weights of {m.model} leave no room for a sequence on {m.chips} "
                                 f"{m.hardware} with tensor {m.tensor}")
    return n


def _figures(s: load.Setup, m: Measurement, n: int | None = None, grid: tuple | None = None) -> dict:
    """Every measurable figure (METRICS) of ``m``'s run on setup ``s``; ``n``: its ``_load``, ``grid``: the setup's
    ``load.rate_grid`` under the coefficients in force, where known."""
    n = _load(s, m) if n is None else n
    if m.request_rate is not None:
        try:
            r = load.rate_on(s, m.request_rate, load.rate_grid(s) if grid is None else grid)[1]
        except InputError as exc:
            raise InputError("file", f"{m.name}: column request_rate: {exc.message}") from None
    else:
        r = load.evaluate(s, n, "batch" if m.batch is not None else "continuous")
    return {"throughput_per_chip": float(r["per_chip"]), "ttft": float(r["ttft"]), "tpot": float(r["tpot"])}


class _Plan:
    """``rows`` set up once for many trials of the coefficients: each distinct setup built once (``_setup_key``), each
    run (a setup and its load) evaluated once a trial for all the figures measured of it, the request rates of one setup
    solved on one ``load.rate_grid``; the figures under each set of coefficients kept (the fit asks again for its start
    and its answer)."""

    def __init__(self, rows: list[Measurement]):
        setups, runs, self.index, self.error, self.memo = {}, {}, [], None, {}
        for m in rows:
            key = _setup_key(m)
            if key not in setups:
                setups[key] = _setup(m)
            s = setups[key]
            run = (key, m.batch, m.concurrency, m.request_rate)
            if run not in runs:
                try:
                    n = _load(s, m)  # no fitted coefficient enters it: once
                except InputError as exc:
                    self.error = self.error or exc
                    n = None
                runs[run] = (len(runs), s, m, n)
            self.index.append((runs[run][0], m.metric))
        self.runs = [v[1:] for v in runs.values()]
        self.measured = np.array([m.measured for m in rows])

    def predictions(self) -> np.ndarray:
        """The model's figure for each row under the coefficients in force (``phases.fitted``): the runs of one setup
        and mode in one ``load.evaluate`` over the array of their loads (fixed loads: elementwise the same numbers as
        one by one), or of their request rates (``load.rate_on`` over the array of a setup's rates on its one
        ``load.rate_grid``: the same to a unit in the last place, numpy's exp where ``load.step_wait`` takes math's for
        one rate)."""
        k = phases.coefficients()
        if k not in self.memo:
            self.memo[k] = self._predictions()
        return self.memo[k]

    def _predictions(self) -> np.ndarray:
        if self.error is not None:
            raise self.error
        figures, groups = [None] * len(self.runs), {}
        for i, (s, m, _) in enumerate(self.runs):
            mode = "rate" if m.request_rate is not None else "batch" if m.batch is not None else "continuous"
            groups.setdefault((id(s), mode), (s, []))[1].append(i)
        for (_, mode), (s, runs) in groups.items():
            if mode == "rate":
                grid = load.rate_grid(s)
                rates = np.array([self.runs[i][1].request_rate for i in runs])
                if not np.all(rates < grid[1]):  # no steady state at a rate: _figures says so by its row
                    i = runs[int(np.argmin(rates < grid[1]))]
                    _figures(*self.runs[i], grid)
                r = load.rate_on(s, rates, grid)[1]
            else:
                r = load.evaluate(s, np.array([self.runs[i][2] for i in runs], dtype=float), mode)
            got = {key: np.broadcast_to(r[key], (len(runs),)) for key in ("per_chip", "ttft", "tpot")}
            for j, i in enumerate(runs):
                figures[i] = {"throughput_per_chip": float(got["per_chip"][j]), "ttft": float(got["ttft"][j]),
                              "tpot": float(got["tpot"][j])}
        return np.array([figures[i][metric] for i, metric in self.index])

    def log_ratios(self) -> np.ndarray:
        """ln(predicted / measured) of each row."""
        return np.log(self.predictions() / self.measured)


def _checked(f, *args):
    """``f(*args)`` with a model's error (an unknown model, chip or layout) said as the file's, by its row and column."""
    m = args[-1]
    try:
        return f(*args)
    except InputError as exc:
        if exc.field == "file":
            raise
        raise InputError("file", f"{m.name}: column {exc.field}: {exc.message}") from None


def compare(rows: list[Measurement] | None = None) -> list[Comparison]:
    """Predicted against measured for ``rows`` (default: the published ones)."""
    return [Comparison(m, predict(m)) for m in (published() if rows is None else rows)]


def _grid(s: load.Setup, m: Measurement) -> tuple:
    """``load.rate_grid(s)`` with its error said as row ``m``'s request rate's (as ``_figures`` says it)."""
    try:
        return load.rate_grid(s)
    except InputError as exc:
        raise InputError("file", f"{m.name}: column request_rate: {exc.message}") from None


def _check(rows: list[Measurement]) -> None:
    """Raise the first of ``rows``, in the file's order, that the model cannot run (an unknown model, chip or layout, no
    room for a sequence, a request rate beyond what the layout completes), as the user's error by its row and column."""
    setups, grids = {}, {}
    for m in rows:
        key = _setup_key(m)
        if key not in setups:
            setups[key] = _checked(_setup, m)
        s = setups[key]
        if m.request_rate is not None and key not in grids:
            grids[key] = _checked(_grid, s, m)
        _checked(_figures, s, m, None, grids.get(key))


def _loss(rows, k) -> float:
    """The fit's objective: the mean squared ln(predicted / measured) over ``rows`` (a list, or a ``_Plan`` of them)
    under coefficients ``k``; inf where a row cannot be served under them."""
    with phases.fitted(k):
        try:
            plan = rows if isinstance(rows, _Plan) else _Plan(rows)
            return float(np.mean(plan.log_ratios() ** 2))
        except InputError:  # a trial whose layouts cannot serve a row's request rate (or hold its sequences)
            return math.inf


def fit(rows: list[Measurement], start: phases.Coefficients | None = None, rounds: int = 6,
        progress=None) -> phases.Coefficients:
    """The fitted efficiencies that minimise the mean squared log error over ``rows``; ``progress(done, rounds)``, where
    given, is called as each round of the search begins."""
    k = start or phases.coefficients()
    with phases.fitted(k):
        try:
            plan = rows if isinstance(rows, _Plan) else _Plan(rows)
        except InputError:  # a row no trial can set up: every trial's loss is inf, and nothing moves
            return k
    best = _loss(plan, k)
    steps = (4.0, 2.0, 1.4, 1.15, 1.05, 1.02)[:rounds]
    for done, step in enumerate(steps):
        if progress is not None:
            progress(done, len(steps))
        for name in FITTED:
            lo, hi = BOUNDS[name]
            for factor in (step, 1 / step):
                while True:
                    x = min(hi, max(lo, getattr(k, name) * factor))
                    if x == getattr(k, name):
                        break
                    trial = replace(k, **{name: x})
                    loss = _loss(plan, trial)
                    if loss >= best:
                        break
                    k, best = trial, loss
    return k


@dataclass(frozen=True)
class Fit:
    """A calibration to a user's rows: the coefficients before and after, and the errors."""

    before: phases.Coefficients
    after: phases.Coefficients
    rows: list
    error_before: float  # median |log ratio| as a fraction
    error_after: float

    def moved(self) -> dict:
        """Each fitted coefficient: (before, after)."""
        return {n: (getattr(self.before, n), getattr(self.after, n)) for n in FITTED}

    def to_dict(self) -> dict:
        """JSON-ready: rows, median errors before and after, each coefficient before, after and their ratio."""
        return {"rows": len(self.rows), "median_error_before": round(self.error_before, 4),
                "median_error_after": round(self.error_after, 4),
                "coefficients": {n: {"before": b, "after": a, "ratio": round(a / b, 4)} for n, (b, a) in self.moved().items()}}

    def describe(self) -> str:
        """The fit in a few lines of text."""
        lines = [f"fitted to {len(self.rows)} measurement{'s' * (len(self.rows) != 1)}: median error {self.error_before:.0%} before, "
                 f"{self.error_after:.0%} after"]
        for n, (b, a) in self.moved().items():
            lines.append(f"  {n:<28} {b:.4g} -> {a:.4g}  ({a / b:.2f}x)")
        if len(self.rows) < len(FITTED):
            lines.append(f"  note: {len(self.rows)} measurement{'s' * (len(self.rows) != 1)} for {len(FITTED)} coefficients: the fit is not unique; "
                         "rows at small and large batches and short and long prompts pin it down")
        return "\n".join(lines)


def _median_error(rows, k) -> float:
    with phases.fitted(k):
        plan = rows if isinstance(rows, _Plan) else _Plan(rows)
        return float(np.median(np.abs(plan.log_ratios())))


NEEDED = ("model", "hardware", "chips", "input_tokens", "output_tokens")  # a measurements table's own columns
MEASURED = tuple(METRICS)  # one of them measured per row


def read_rows(path) -> list[Measurement]:
    """The measurements of a user's CSV (see the module docstring)."""
    p = Path(path)
    try:
        text = read_file(path, "file", MAX_BYTES, "a CSV file of measurements").decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("file", f"{str(path)!r} is not a text CSV file") from None
    reader = csv.DictReader(text.splitlines())
    header = [(k or "").strip() for k in (reader.fieldnames or [])]
    twice = [c for i, c in enumerate(header) if c and c in header[:i]]
    if twice:  # csv.DictReader keeps the last column of a name: two ttft columns were one, without a word (fresh17)
        raise InputError("file", f"{p.name[:60]!r}, row 1: column {twice[0][:30]!r} appears twice in the header; "
                                 "keep one")
    missing = [c for c in NEEDED if c not in header]
    if missing:  # not a measurements table at all (a config.json, another CSV): said so, not row by row
        first = ", ".join(repr(k[:30]) for k in header[:4]) or "nothing"
        raise InputError("file", f"{p.name[:60]!r} is not a table of serving measurements: its first row "
                                 f"({first}{'...' if len(header) > 4 else ''}) lacks the columns "
                                 f"{', '.join(missing)}; expected a CSV whose header names {', '.join(NEEDED)}, "
                                 f"batch or concurrency, and one of {', '.join(MEASURED)}, as "
                                 "data/serving_calibration.csv")
    out, scale, known = [], {}, _known_engines()
    for i, v in enumerate(reader, start=2):
        if not any((x or "").strip() for x in v.values()):
            continue
        unnamed = not any((v.get(k) or "").strip() for k in ("name", "model", "hardware"))  # no run: units, or a slip
        if i == 2 and unnamed:
            # the units row of the project's own files (data/serving_calibration.csv): a measured column written in
            # another unit of its kind ("ms") is converted, never read as the column's own unit. Known by its empty
            # name, model and hardware (a units row with no "chip" under chips was read as a run: "chips is required")
            scale = _unit_scales({k.strip(): (x or "").strip() for k, x in v.items() if k}, f"{p.name}, row {i}")
            continue
        if unnamed:  # a units row below the first run, or a run with no model: "column chips: ... got 'chip'" said neither
            raise InputError("file", f"{p.name}, row {i}: columns model and hardware are empty: a measurement needs "
                                     "both (a units row goes right under the header, as row 2)")
        cells = {k.strip(): (x or "").strip() for k, x in v.items() if k}
        for col, factor in scale.items():
            try:
                cells[col] = repr(float(cells[col]) * factor) if cells.get(col) else cells.get(col)
            except ValueError:
                pass  # not a number: _measurements says so, by row and column
        cells["engine"] = _engine(cells.get("engine") or "", f"{p.name}, row {i}", known)
        _engine_on_chip(cells["engine"], cells.get("hardware") or "", f"{p.name}, row {i}")
        _dates(cells, f"{p.name}, row {i}")
        out += _measurements(cells, f"{p.name}, row {i}")
    if not out:
        raise InputError("file", f"{str(path)!r} has no measurement rows (a header row, then one row per setup)")
    return out


def _known_engines() -> set:
    """The engines a user's row may name as written: data/serving_host.csv's and the project's calibration rows'."""
    return {e for e, _ in data.serving_host()} | {m.engine for m in published()}


def _engine(name: str, where: str, known: set | None = None) -> str:
    """A user's engine cell as data/serving_host.csv spells it ("vllm 0.19" is "vLLM 0.19.1", as --engine reads it),
    so its host work per sequence is counted as the command line counts it, never dropped for its spelling; an engine
    of the project's own calibration rows (whose host work no table lists) as written; an unknown name refused."""
    if not name or name in (_known_engines() if known is None else known):
        return name
    try:
        return engines.engine_name(name)
    except InputError as exc:
        raise InputError("file", f"{where}: column engine: {exc.message}") from None


def _engine_on_chip(name: str, hardware: str, where: str) -> None:
    """A row's engine checked against its chip's vendor as --engine is (``engines.engine_host``, from
    data/serving_engine_chips.csv): TensorRT-LLM on an MI300X was read from a file, refused on the command line. An
    engine the table does not list, or a chip not known (``_runs`` says so by row and column), is not checked here."""
    if not name or name not in data.serving_engine_vendors():
        return
    try:
        hw = data.hardware(hardware)
    except InputError:
        return
    try:
        engines.engine_host(name, hw)
    except InputError as exc:
        if exc.field != "engine":
            raise
        raise InputError("file", f"{where}: column engine: {exc.message}") from None


def _dates(cells: dict, where: str) -> None:
    """The date columns (``date``, ``retrieved``), where given, as the project's files hold them: YYYY-MM-DD
    ("yesterday" passed unread)."""
    import datetime as dt

    for col in ("date", "retrieved"):
        x = cells.get(col) or ""
        if not x:
            continue
        try:
            dt.date.fromisoformat(x)
        except ValueError:
            raise InputError("file", f"{where}: column {col}: expected a date YYYY-MM-DD, got {x!r:.30}") from None


# The units a user's units row may give each column read as a number with a unit (the measured figures, the rate).
_COLUMN_UNITS = {**METRICS, "request_rate": "1/s"}


def _unit_scales(units: dict, where: str) -> dict:
    """The factor from the unit a units row gives each measured column (and request_rate) to the unit it is read in
    (``_COLUMN_UNITS``), for the columns whose unit differs; a unit of another kind, or none pint knows, is refused."""
    out = {}
    for col, want in _COLUMN_UNITS.items():
        unit = units.get(col) or ""
        if not unit or unit == want:
            continue
        try:
            factor = float(ureg.Quantity(1, unit).to(want).magnitude)
        except Exception:  # pint's: an unknown unit, a syntax error, another dimension
            factor = None
        if factor is None or not math.isfinite(factor) or factor <= 0:
            raise InputError("file", f"{where} (the units row): column {col}: expected a unit of {want}, got "
                                     f"{unit!r:.30}")
        out[col] = factor
    return out


def calibrate(path, progress=None) -> Fit:
    """Fit the serving efficiencies to the measurements in the CSV at ``path``; checks every row runs first, and that
    the file holds at most MAX_SETUPS setups. ``progress``: passed to ``fit``."""
    rows = read_rows(path)
    setups = len({_setup_key(m) for m in rows})
    if setups > MAX_SETUPS:
        raise InputError("file", f"{Path(path).name[:60]!r}: expected at most {MAX_SETUPS} distinct setups (model, "
                                 f"hardware, chips, engine, precision, kv_precision, tensor, pipeline, expert, "
                                 f"attention_kernel, input_tokens, output_tokens), read {setups:,}: each is evaluated "
                                 "at every trial of the fit; fit a part of the file at a time (rows that differ only "
                                 "in batch, concurrency or request_rate share a setup and cost little)")
    before = phases.coefficients()
    with phases.fitted(before):  # an unknown model, chip or layout is the user's one-line error, before any fitting
        try:
            plan = _Plan(rows)
            plan.predictions()
        except InputError:
            _check(rows)  # which row, and which column
            raise
    after = fit(plan, before, progress=progress)
    return Fit(before, after, rows, _median_error(plan, before), _median_error(plan, after))


__all__ = ["Measurement", "Comparison", "Fit", "published", "compare", "fit", "calibrate", "read_rows", "fields"]
