"""The only code that reads ``data/``: validated on load, cached, returned as Quantities.

Column tables (hardware, prices, models, thresholds) have a header row of names, a row of units,
then values; row tables (defaults, facts) carry a ``unit`` column instead. Every row has a
``source`` and a ``retrieved`` date. A bad cell raises ``DataError`` naming file, row and column
(rows are numbered as in a text editor: the header is row 1).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import difflib
import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import pint

from calc.errors import DataError, InputError
from calc.units import DATA_DIR, Q_, ureg
from calc.vocabulary import RECOMPUTE

PRECISIONS = ("bf16", "fp16", "fp8", "tf32", "fp32", "int8", "fp16-nontensor")
COMMITMENTS = ("on-demand", "1-year", "3-year")
_TEXT_UNITS = ("",)  # an empty unit cell marks a text column


# --------------------------------------------------------------------------- shared, read-only


class ReadOnlyDict(dict):
    """A dict that refuses changes. Tables are cached and shared by every caller (and every app
    session), so a caller who changed one would change everyone's results; ``dict(t)`` copies."""

    def _refuse(self, *args, **kwargs):
        """Refused: the table is shared (raises TypeError)."""
        raise TypeError("tables from calc.data are shared and read-only; copy one with dict(...) to change it")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __reduce_ex__(self, protocol):  # pickling (st.cache_data) and deepcopy rebuild without __setitem__
        return ReadOnlyDict, (dict(self),)


def _freeze(obj):
    """``obj`` with every dict in it (also inside frozen dataclasses and tuples) made read-only."""
    if isinstance(obj, dict) and not isinstance(obj, ReadOnlyDict):
        return ReadOnlyDict({k: _freeze(v) for k, v in obj.items()})
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return tuple(_freeze(v) for v in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            v = getattr(obj, f.name)
            if isinstance(v, dict) and not isinstance(v, ReadOnlyDict):
                object.__setattr__(obj, f.name, _freeze(v))
    return obj


def cache(fn):
    """``functools.cache`` whose results are made read-only once, when first computed."""
    return functools.cache(functools.wraps(fn)(lambda *args, **kwargs: _freeze(fn(*args, **kwargs))))


# --------------------------------------------------------------------------- generic reading


@dataclass(frozen=True)
class Row:
    """One validated row: ``values`` maps column to float, str, date or None; ``line`` is 1-based."""

    path: str
    line: int
    values: dict
    units: dict

    def quantity(self, column: str) -> pint.Quantity | None:
        """The cell as a Quantity in the column's unit, or None when empty."""
        v = self[column]
        return None if v is None else Q_(v, self.units[column])

    def __getitem__(self, column):
        if column not in self.values:  # a renamed or deleted column: the file's fault, said as such
            raise DataError(self.path, 1, column, "required column is missing from the header (renamed or deleted?)")
        return self.values[column]


def read_table(path: Path | str, *, key: str | None = "name", positive: bool = True) -> list[Row]:
    """Read and validate a column table (header row, units row, values).

    Parameters
    ----------
    path : path of the CSV file.
    key : column whose values must be present and unique, or None.
    positive : numeric cells must be > 0 (every quantity in our tables is).

    Raises
    ------
    DataError
        On the first malformed cell, naming file, row and column.
    """
    path = Path(path)
    name = _display(path)
    rows = _read_csv(path)
    if len(rows) < 2:
        raise DataError(name, None, None, "expected a header row and a units row")
    header, unit_row = rows[0], rows[1]
    _check_header(name, header, ("source", "retrieved"))
    if len(unit_row) != len(header):
        raise DataError(name, 2, None, f"units row has {len(unit_row)} cells, header has {len(header)}")
    units = {}
    for col, unit in zip(header, unit_row):
        unit = unit.strip()
        if unit not in ("", "date", "1"):
            try:
                ureg.parse_units(unit)
            except Exception:
                raise DataError(name, 2, col, f"unknown unit {unit!r}") from None
        units[col] = "" if unit == "1" else unit
        if unit == "":
            units[col] = None  # text column
    _check_columns(name, path.name, header, unit_row)
    out, seen = [], {}
    for line, cells in enumerate(rows[2:], start=3):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise DataError(name, line, None, f"expected {len(header)} cells, got {len(cells)}")
        values = {}
        for col, cell in zip(header, cells):
            values[col] = _cell(name, line, col, cell.strip(), units[col], positive)
            _check_plausible(name, line, col, col, values[col], units[col])
            if col in WHOLE_COLUMNS and isinstance(values[col], float) and not values[col].is_integer():
                raise DataError(name, line, col, f"expected a whole number (a count), got {cell.strip()!r}")
        _check_provenance(name, line, values)
        if key is not None:
            k = values.get(key)
            if not k:
                raise DataError(name, line, key, "expected a name, got an empty cell")
            if k in seen:
                raise DataError(name, line, key, f"duplicate of row {seen[k]} ({k!r})")
            seen[k] = line
        out.append(Row(name, line, values, units))
    return out


def read_row_table(path: Path | str) -> dict[str, Row]:
    """Read a row table (columns name, value, unit, source, retrieved...): one quantity per row."""
    path = Path(path)
    name = _display(path)
    rows = _read_csv(path)
    if not rows:
        raise DataError(name, None, None, "empty file")
    header = rows[0]
    _check_header(name, header, ("name", "value", "unit", "source", "retrieved"))
    out = {}
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise DataError(name, line, None, f"expected {len(header)} cells, got {len(cells)}")
        raw = dict(zip(header, (c.strip() for c in cells)))
        unit = raw["unit"]
        try:
            ureg.parse_units(unit) if unit else None
        except Exception:
            raise DataError(name, line, "unit", f"unknown unit {unit!r}") from None
        values = {c: raw[c] for c in header}
        expected = ROW_UNITS.get(path.name, {}).get(raw["name"])
        if expected is not None and unit != expected:  # before the value: a wrong unit explains a wrong-looking value
            raise DataError(name, line, "unit", f"expected {expected or 'no unit (a plain number)'!r} for "
                                                f"{raw['name']}, got {unit!r}; the code reads it in {expected!r}")
        values["value"] = _cell(name, line, "value", raw["value"], unit, True)
        _check_plausible(name, line, "value", raw["name"], values["value"], unit, by_unit=False)
        if values["value"] is None:
            raise DataError(name, line, "value", "expected a number, got an empty cell")
        values["retrieved"] = _cell(name, line, "retrieved", raw["retrieved"], "date", True)
        _check_provenance(name, line, values)
        if not values["name"]:
            raise DataError(name, line, "name", "expected a name, got an empty cell")
        if values["name"] in out:
            raise DataError(name, line, "name", f"duplicate of row {out[values['name']].line}")
        out[values["name"]] = Row(name, line, values, {"value": unit})
    missing = [n for n in ROW_UNITS.get(path.name, {}) if n not in out]
    if missing:
        raise DataError(name, None, "name", f"required row {missing[0]!r} is missing (the code reads it)")
    return out


# The units rows the code reads each table in (column -> unit, exactly as the units row writes it; "1" a
# plain number). A units row in another dimension would fail far from the file; one that converts
# (USD/day for USD/hour) would be read as if it were the expected unit by code that takes magnitudes:
# both are refused here, by file, row and column. Tables and columns not listed are not checked.
COLUMN_UNITS = {
    "architectures.csv": {c: "1" for c in ("layers", "d_model", "heads", "kv_heads", "d_ff", "vocab", "context",
                                           "experts", "experts_per_token", "shared_experts", "expert_d_ff",
                                           "dense_layers", "q_lora_rank", "kv_lora_rank", "qk_nope_head_dim",
                                           "qk_rope_head_dim", "v_head_dim", "count_tolerance")}
    | {"reported_params": "param", "reported_active_params": "param"},
    "electricity_prices.csv": {"price": "USD/kWh"},
    "finetuning.csv": {"base_weights": "byte/param", "adapter_weights": "byte/param", "adapter_gradients": "byte/param",
                       "adapter_optimizer_state": "byte/param", "base_flop": "FLOP/param/token",
                       "adapter_flop": "FLOP/param/token"},
    "hardware.csv": {**{f"peak_{p.replace('-', '_')}": "FLOP/s/chip" for p in PRECISIONS},
                     "memory": "GB/chip", "memory_bandwidth": "GB/s/chip", "tdp": "W/chip", "chips_per_board": "chip",
                     "cores_per_chip": "1", "chips_per_node": "chip", "intra_node_bandwidth": "GB/s/chip",
                     "network_bandwidth": "GB/s/chip", "matmul_efficiency": "1", "matmul_efficiency_fp8": "1",
                     "compute_units": "1"},
    "model_states.csv": {"zero": "1", "weights": "byte/param", "gradients": "byte/param",
                         "optimizer_state": "byte/param", "gathered": "byte/param"},
    "models.csv": {"params": "param", "active_params": "param", "tokens": "token", "compute": "FLOP", "chips": "chip",
                   "duration": "day", "utilization": "1", "chip_hours": "chip*hour", "power": "W/chip", "energy": "MWh",
                   "emissions": "t", "dataset_size": "GB"},
    "notable_compute.csv": {"compute": "FLOP"},
    "optimizers.csv": {"weights": "byte/param", "gradients": "byte/param", "optimizer_state": "byte/param"},
    "ownership.csv": {"server_cost_overhead": "1", "server_power_per_chip_tdp": "1", "average_load": "1"},
    "ppi.csv": {"index": "1"},
    "prices.csv": {"quoted_price": "USD/hour", "chips_per_basis": "chip"},
    "purchase_prices.csv": {"price": "USD/chip"},
    "run_layouts.csv": {c: "1" for c in ("tensor", "pipeline", "context", "expert", "virtual_stages", "micro_batch",
                                         "global_batch", "sequence", "tolerance")},
    "runs.csv": {"params": "param", "active_params": "param", "tokens": "token", "chips": "chip", "duration": "day",
                 "chip_hours": "chip*hour", "utilization": "1", "power": "W/chip", "pue": "1",
                 "carbon_intensity": "kg/kWh", "price": "USD/chip/hour", "compute_reported": "FLOP",
                 "energy_reported": "MWh", "emissions_reported": "t", "cost_reported": "USD",
                 "duration_reported": "day", "tolerance": "1"},
    "scaling_laws.csv": {"E": "1", "A": "1", "B": "1", "alpha": "1", "beta": "1", "N_c": "param", "D_c": "token",
                         "alpha_N": "1", "alpha_D": "1"},
    "thresholds.csv": {"compute": "FLOP", "cluster_peak": "FLOP/s", "cluster_network": "Gbit/s", "cost": "USD"},
    "step_calibration.csv": {**{c: "1" for c in ("layers", "d_model", "heads", "vocab", "sequence", "tensor", "pipeline",
                                                 "virtual_stages", "micro_batch", "global_batch", "published_mfu",
                                                 "published_hfu")},
                             "chips": "chip", "published_throughput": "TFLOP/s/chip", "published_step_time": "s"},
    "step_heldout.csv": {**{c: "1" for c in ("layers", "d_model", "heads", "vocab", "sequence", "tensor", "pipeline",
                                             "context", "virtual_stages", "micro_batch", "global_batch", "zero",
                                             "dp_overlap", "tp_overlap", "published_mfu")},
                         "chips": "chip", "published_tokens_per_second": "token/s/chip"},
    "serving_calibration.csv": {**{c: "1" for c in ("tensor", "pipeline", "expert", "input_tokens", "output_tokens",
                                                    "batch", "concurrency")},
                                "chips": "chip", "throughput_per_chip": "token/s/chip", "ttft": "s", "tpot": "s"},
    "epoch_runs.csv": {"chips": "chip", "duration": "hour", "mfu": "1", "compute": "FLOP"},
    # validation_runs.csv and the per-term measurement tables: checked by their own readers (tests/test_validation_data.py)
}
ROW_UNITS = {  # row tables: the rows the code reads, with their units ("" a plain number)
    "defaults.csv": {"flop_per_param_token": "FLOP/param/token", "utilization": "", "pue": "",
                     "carbon_intensity": "kg/kWh", "consistency_rtol": "", "price_performance_ooms_per_year": "1/year",
                     "cluster_interconnect_fraction": "", "utilization_plausible_min": "", "pue_plausible_max": "",
                     "carbon_intensity_plausible_min": "kg/kWh", "carbon_intensity_plausible_max": "kg/kWh",
                     "power_plausible_max_tdp_multiple": ""},
    "serving_coefficients.csv": {**{n: "" for n in ("decode_bandwidth_efficiency", "prefill_matmul_efficiency",
                                                    "kv_memory_fraction", "load_power_fraction_prefill",
                                                    "load_power_fraction_decode", "blend_input_per_output")},
                                 "decode_step_overhead": "s", "decode_layer_overhead": "s"},
}
# Counts: a fractional cell (1.5 chips per board) is a slip, never truncated.
WHOLE_COLUMNS = frozenset({
    "layers", "d_model", "heads", "kv_heads", "d_ff", "vocab", "context", "experts", "experts_per_token",
    "shared_experts", "expert_d_ff", "dense_layers", "q_lora_rank", "kv_lora_rank", "qk_nope_head_dim",
    "qk_rope_head_dim", "v_head_dim", "chips_per_board", "cores_per_chip", "chips_per_node", "compute_units", "zero",
    "tensor", "pipeline", "expert", "virtual_stages", "micro_batch", "global_batch", "sequence", "chips_per_basis",
    "chips"})


def _check_columns(name: str, filename: str, header: list, unit_row: list) -> None:
    """The header has every column the code reads, each in the unit it reads it in (``COLUMN_UNITS``)."""
    written = {c: u.strip() for c, u in zip(header, unit_row)}
    for col, unit in COLUMN_UNITS.get(filename, {}).items():
        if col not in written:
            raise DataError(name, 1, col, "required column is missing from the header (renamed or deleted?)")
        if written[col] != unit:
            got = None if written[col] in ("", "date") else ureg.dimensionless if written[col] == "1" else \
                ureg.parse_units(written[col])
            want = ureg.dimensionless if unit == "1" else ureg.parse_units(unit)
            same = got is not None and got.dimensionality == want.dimensionality
            why = (f"{written[col]!r} converts, but the code reads the numbers as {unit!r}: convert the column"
                   if same else f"got {written[col] or 'no unit (a text column)'!r}, another dimension")
            raise DataError(name, 2, col, f"expected the unit {unit!r}; {why}")


def _read_csv(path: Path) -> list[list[str]]:
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.reader(f))
    except FileNotFoundError:
        raise DataError(_display(path), None, None, "file not found") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError(_display(path), None, None, f"not a readable UTF-8 CSV file ({exc})") from None


def _check_header(name, header, required):
    missing = [c for c in required if c not in header]
    if missing:
        raise DataError(name, 1, missing[0], "required column is missing")
    dup = {c for c in header if header.count(c) > 1}
    if dup:
        raise DataError(name, 1, sorted(dup)[0], "column appears twice")


def _cell(name, line, col, cell, unit, positive):
    if cell == "":
        return None
    if unit is None:
        return cell
    if unit == "date":
        try:
            return dt.date.fromisoformat(cell)
        except ValueError:
            raise DataError(name, line, col, f"expected a date YYYY-MM-DD, got {cell!r}") from None
    try:
        x = float(cell)
    except ValueError:
        raise DataError(name, line, col, f"expected a number in {unit or 'dimensionless'}, got {cell!r}") from None
    if not math.isfinite(x):
        raise DataError(name, line, col, f"expected a finite number, got {cell!r}")
    if positive and x <= 0:
        raise DataError(name, line, col, f"expected a positive number, got {cell!r}")
    return x


# What a column's values may be, by the dimension its units row declares (and, for fractions, by
# its name): a value outside is a slip of the units row (FLOP/s/chip -> TFLOP/s/chip scales every
# peak by 1e12) or of a cell (utilization 38 for 0.38), reported by file, row and column. The
# bounds are wide: the least and the most of anything the calculator can meet, with margin.
_PLAUSIBLE_BY_UNIT = {
    "FLOP/s/chip": (1e9, 1e18),  # a 2010s GPU's fp32 to beyond a 2026 board's fp4
    "FLOP/s": (1e9, 1e23),  # one chip to a 10 EFLOP/s cluster and more
    "FLOP": (1, 1e30),  # Theseus (1950) used 40 FLOP
    "GB/chip": (0.1, 1e4),
    "GB/s/chip": (0.1, 1e5),
    "Gbit/s": (1, 1e7),
    "W/chip": (5, 1e4),
    "param": (1e3, 1e15),
    "token": (1e3, 1e16),
    "chip": (1, 1e7),
    "chip*hour": (1e-2, 1e10),
    "USD/hour": (1e-3, 1e4),
    "USD/chip/hour": (1e-3, 1e3),
    "USD/chip": (1e2, 1e7),
    "USD/kWh": (1e-3, 10),
    "MWh": (1e-6, 1e7),
    "t": (1e-6, 1e8),
    "kg/kWh": (1e-3, 2),
    "byte/param": (0.1, 64),
}
_PLAUSIBLE_BY_NAME = {  # columns and rows of row tables, by name: (unit, low, high)
    "utilization": ("", 1e-3, 1.0),
    "utilization_plausible_min": ("", 1e-3, 1.0),
    "pue": ("", 1.0, 10.0),
    "consistency_rtol": ("", 1e-6, 1.0),
    "carbon_intensity": ("kg/kWh", 1e-3, 2.0),
    "flop_per_param_token": ("FLOP/param/token", 1.0, 100.0),
    "duration": ("day", 1e-3, 3e3),  # a training run: minutes to years (times of a step are another column)
}


@cache
def _plausible_for(unit: str):
    """(factor to the reference unit, low, high, reference unit) for a column of ``unit``, or None."""
    u = ureg.parse_units(unit)
    for ref, (lo, hi) in _PLAUSIBLE_BY_UNIT.items():
        r = ureg.parse_units(ref)
        if u.dimensionality == r.dimensionality:
            return float(Q_(1.0, u).m_as(r)), lo, hi, ref
    return None


def _check_plausible(name, line, col, what, x, unit, by_unit=True):
    """Refuse a cell outside the plausible range of its name or, in column tables, of its unit."""
    if not isinstance(x, float) or unit in (None, "date"):
        return
    named = _PLAUSIBLE_BY_NAME.get(what)
    if named is not None:
        ref, lo, hi = named
        try:
            v = float(Q_(x, unit).m_as(ref))
        except pint.DimensionalityError:
            raise DataError(name, line, col, f"{what} must be in {ref or 'a plain fraction'}, "
                                             f"the units say {unit or 'dimensionless'}") from None
        if not lo <= v <= hi:
            raise DataError(name, line, col, f"{what} {x:g} {unit} is outside the plausible range "
                                             f"[{lo:g}, {hi:g}] {ref}".rstrip() + (" (a percent for a fraction?)" if not ref else ""))
        return
    rule = _plausible_for(unit) if by_unit and unit else None
    if rule is None:
        return
    factor, lo, hi, ref = rule
    v = x * factor
    if not lo <= v <= hi:
        raise DataError(name, line, col, f"{x:g} {unit} (= {v:.3g} {ref}) is outside the plausible range "
                                         f"[{lo:g}, {hi:g}] {ref} for this column; is the units row or the cell wrong?")


def _check_provenance(name, line, values):
    if not values.get("source"):
        raise DataError(name, line, "source", "every row needs a source")
    if not isinstance(values.get("retrieved"), dt.date):
        raise DataError(name, line, "retrieved", "every row needs the date it was read (YYYY-MM-DD)")


def _display(path: Path) -> str:
    """``data/...`` for a file of data/ (wherever it is installed), else the path as given."""
    try:
        return "data/" + path.resolve().relative_to(DATA_DIR.resolve()).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- domain tables


@dataclass(frozen=True)
class Hardware:
    """One accelerator of ``data/hardware.csv``; ``peaks`` maps precision to dense FLOP/s/chip."""

    name: str
    vendor: str
    release_date: dt.date | None
    peaks: dict = field(repr=False)
    memory: pint.Quantity | None
    memory_bandwidth: pint.Quantity | None
    tdp: pint.Quantity | None
    chips_per_board: int
    cores_per_chip: int
    source: str
    # The system it sits in (None where data/hardware.csv has no figure): the fast-link domain
    # (NVLink, Infinity Fabric, ICI), each chip's bandwidth into it and into the network, one way.
    chips_per_node: int | None = None
    intra_node_bandwidth: pint.Quantity | None = None  # GB/s/chip
    network_bandwidth: pint.Quantity | None = None  # GB/s/chip
    matmul_efficiency: float | None = None  # measured best matmul rate / dense peak
    matmul_efficiency_fp8: float | None = None  # the same with 8-bit (FP8) inputs / dense FP8 peak
    compute_units: int | None = None  # SMs or CUs: matmul tiles run in waves of this many

    def __hash__(self):  # one chip, one name (its peaks are a dict); a key of the step model's caches
        return hash(self.name)

    def peak(self, precision: str) -> pint.Quantity:
        """Dense peak throughput per chip at ``precision``; ``InputError`` if the chip has none."""
        if precision not in PRECISIONS:
            raise InputError("precision", f"expected one of {', '.join(PRECISIONS)}, got {precision!r}")
        q = self.peaks.get(precision)
        if q is None:
            known = ", ".join(p for p in PRECISIONS if p in self.peaks)
            raise InputError("precision", f"{self.name} has no {precision} peak in data/hardware.csv; it has: {known}")
        return q

    @property
    def default_precision(self) -> str:
        """bf16 where the chip has it, else fp16 (the V100 has no bf16)."""
        return "bf16" if "bf16" in self.peaks else "fp16" if "fp16" in self.peaks else next(iter(self.peaks))


@cache
def hardware_table() -> dict[str, Hardware]:
    """All accelerators of ``data/hardware.csv`` by name."""
    out = {}
    for r in read_table(DATA_DIR / "hardware.csv"):
        peaks = {p: r.quantity("peak_" + p.replace("-", "_")) for p in PRECISIONS}
        peaks = {p: q for p, q in peaks.items() if q is not None}
        if not peaks:
            raise DataError(r.path, r.line, "peak_bf16", "expected at least one peak figure")
        out[r["name"]] = Hardware(
            name=r["name"], vendor=r["vendor"], release_date=r["release_date"], peaks=peaks,
            memory=r.quantity("memory"), memory_bandwidth=r.quantity("memory_bandwidth"),
            tdp=r.quantity("tdp"), chips_per_board=int(r["chips_per_board"] or 1),
            cores_per_chip=int(r["cores_per_chip"] or 1), source=r["source"],
            chips_per_node=None if r["chips_per_node"] is None else int(r["chips_per_node"]),
            intra_node_bandwidth=r.quantity("intra_node_bandwidth"), network_bandwidth=r.quantity("network_bandwidth"),
            matmul_efficiency=r["matmul_efficiency"], matmul_efficiency_fp8=r["matmul_efficiency_fp8"],
            compute_units=None if r["compute_units"] is None else int(r["compute_units"]),
        )
        if r["matmul_efficiency"] is not None and r["matmul_efficiency"] > 1:
            raise DataError(r.path, r.line, "matmul_efficiency", f"expected a fraction <= 1, got {r['matmul_efficiency']}")
    return out


def hardware(name: str | Hardware) -> Hardware:
    """The accelerator a user named (case and spacing ignored; the error lists close matches), or ``name``
    itself when it is a ``Hardware`` already: public functions resolve their ``hardware`` argument with this
    once, where it arrives, and pass the object down.

    >>> h100 = hardware("h100 sxm5")
    >>> hardware(h100) is h100, h100.name
    (True, 'H100 SXM5')
    """
    if isinstance(name, Hardware):
        return name
    table = hardware_table()
    if not isinstance(name, str) or not name.strip():
        raise InputError("hardware", f"expected an accelerator name, got {name!r}; known: {', '.join(table)}")
    wanted = _fold(name)
    for n, h in table.items():
        if _fold(n) == wanted:
            return h
    folded = {_fold(n): n for n in table}
    close = [n for n in table if wanted and wanted in _fold(n)]  # "A100" -> every A100, before look-alikes
    close += [folded[f] for f in difflib.get_close_matches(wanted, folded, n=4, cutoff=0.5) if folded[f] not in close]
    hint = f"did you mean {' or '.join(close[:5])}?" if close else f"known: {', '.join(table)}"
    raise InputError("hardware", f"unknown accelerator {name[:60]!r}; {hint}")


def _fold(s: str) -> str:
    return "".join(c for c in s.lower() if c.isalnum())


@cache
def step_coefficients() -> dict[str, pint.Quantity]:
    """Coefficients of the step-time model, sourced, by name (data/step_coefficients.csv)."""
    return {n: r.quantity("value") for n, r in read_row_table(DATA_DIR / "step_coefficients.csv").items()}


@cache
def run_layouts() -> dict[str, Row]:
    """Published parallel layouts of runs of data/runs.csv, for the modelled-utilization back-test
    (data/run_layouts.csv), by run name."""
    rows = read_table(DATA_DIR / "run_layouts.csv", key="run")
    runs_ = {r["name"] for r in runs()}
    for r in rows:
        if r["run"] not in runs_:
            raise DataError(r.path, r.line, "run", f"not a run of data/runs.csv: {r['run']!r}")
        if r["tolerance"] is None or not r["tolerance_reason"]:
            raise DataError(r.path, r.line, "tolerance", "every run needs a tolerance and its reason")
    return {r["run"]: r for r in rows}


@cache
def step_calibration() -> tuple[Row, ...]:
    """Published measured throughputs with their layouts, for the step-time model (data/step_calibration.csv)."""
    rows = tuple(read_table(DATA_DIR / "step_calibration.csv"))
    known = hardware_table()
    for r in rows:
        if r["hardware"] not in known:
            raise DataError(r.path, r.line, "hardware", f"unknown accelerator {r['hardware']!r} (not in data/hardware.csv)")
        if (r["published_throughput"] is None) == (r["published_step_time"] is None):
            raise DataError(r.path, r.line, "published_throughput", "expected a throughput or a step time (one of them)")
        if r["recompute"] not in RECOMPUTE:
            raise DataError(r.path, r.line, "recompute", f"expected none, selective or full, got {r['recompute']!r}")
    return rows


@cache
def step_heldout() -> tuple[Row, ...]:
    """Published measured throughputs with their layouts that the step-time model was not calibrated
    on, to check it (data/step_heldout.csv)."""
    rows = tuple(read_table(DATA_DIR / "step_heldout.csv"))
    known = hardware_table()
    for r in rows:
        if r["hardware"] not in known:
            raise DataError(r.path, r.line, "hardware", f"unknown accelerator {r['hardware']!r} (not in data/hardware.csv)")
        if r["recompute"] not in RECOMPUTE:
            raise DataError(r.path, r.line, "recompute", f"expected none, selective or full, got {r['recompute']!r}")
        if not r["shape"] and r["layers"] is None:
            raise DataError(r.path, r.line, "shape", "expected a shape of data/architectures.csv or layers, d_model, heads, vocab")
    return rows


# --------------------------------------------------------------------------- validation and per-term measurements

_RECOMPUTE = (None, "none", "selective", "full")
_SHARDING = (None, "zero1", "zero2", "zero3", "fsdp")
_RUN_PRECISIONS = ("bf16", "fp16", "fp8", "mxfp8", "nvfp4")
_MEASURED = ("measured_step_time", "measured_tokens_per_second", "measured_model_tflops", "measured_mfu")


def _check_chips(rows, column="chip"):
    known = hardware_table()
    for r in rows:
        if r[column] is not None and r[column] not in known:
            raise DataError(r.path, r.line, column, f"unknown accelerator {r[column]!r} (not in data/hardware.csv)")


def _check_choice(r, column, allowed):
    if r[column] not in allowed:
        shown = ", ".join(a for a in allowed if a) + (" or empty" if None in allowed else "")
        raise DataError(r.path, r.line, column, f"expected {shown}, got {r[column]!r}")


@cache
def validation_runs() -> tuple[Row, ...]:
    """Published training runs with their layouts and a measured step time, throughput or MFU, none of
    them used to fit the step model (data/validation_runs.csv). ``source_family`` groups a publisher's
    table family (all releases of one benchmark page) for leave-one-source-out validation;
    ``source_id`` names the release within it."""
    rows = tuple(read_table(DATA_DIR / "validation_runs.csv"))
    _check_chips(rows)
    for r in rows:
        for column in ("source_id", "source_family", "publisher", "model", "framework"):
            if not r[column]:
                raise DataError(r.path, r.line, column, "expected a name, got an empty cell")
        _check_choice(r, "recompute", _RECOMPUTE)
        _check_choice(r, "sharding", _SHARDING)
        _check_choice(r, "precision", _RUN_PRECISIONS)
        if all(r[c] is None for c in _MEASURED):
            raise DataError(r.path, r.line, "measured_tokens_per_second", f"expected one measurement of {', '.join(_MEASURED)}")
        if r["measured_mfu"] is not None and r["measured_mfu"] > 1:
            raise DataError(r.path, r.line, "measured_mfu", f"expected a fraction, got {r['measured_mfu']:g} (a percent?)")
        if r["family"] in ("moe", "hybrid-moe") and (r["experts"] is None or r["experts_per_token"] is None):
            raise DataError(r.path, r.line, "experts", "a mixture-of-experts run needs experts and experts_per_token")
    return rows


def _measurement_table(filename: str, required: tuple[str, ...]) -> tuple[Row, ...]:
    rows = tuple(read_table(DATA_DIR / filename, key=None))
    for r in rows:
        for column in required:
            if r[column] is None:
                raise DataError(r.path, r.line, column, "expected a value, got an empty cell")
    return rows


@cache
def matmul_efficiency() -> tuple[Row, ...]:
    """Measured GEMM throughput by shape (M, N, K), precision and chip (data/matmul_efficiency.csv)."""
    rows = _measurement_table("matmul_efficiency.csv", ("chip", "precision", "measured_tflops"))
    _check_chips(rows)
    return rows


@cache
def collective_bandwidth() -> tuple[Row, ...]:
    """Measured collective bus bandwidth, and NCCL's own latency and bandwidth constants, by operation,
    message size, ranks and fabric (data/collective_bandwidth.csv)."""
    rows = _measurement_table("collective_bandwidth.csv", ("kind", "operation"))
    _check_chips(rows)
    return rows


@cache
def attention_kernels() -> tuple[Row, ...]:
    """FlashAttention forward/backward throughput by sequence length, head size, causal mask and chip
    (data/attention_kernels.csv)."""
    rows = _measurement_table("attention_kernels.csv", ("kernel", "chip", "sequence", "head_dim"))
    _check_chips(rows)
    for r in rows:
        if r["measured_time"] is None and r["measured_tflops"] is None:
            raise DataError(r.path, r.line, "measured_time", "expected a measured time or a throughput")
    return rows


@cache
def expert_dispatch() -> tuple[Row, ...]:
    """DeepEP's published dispatch and combine bandwidths by kernel, expert-parallel size and fabric
    (data/expert_dispatch.csv)."""
    rows = _measurement_table("expert_dispatch.csv", ("kernel", "operation", "expert_parallel", "bandwidth"))
    _check_chips(rows)
    return rows


@dataclass(frozen=True)
class Price:
    """One dated cloud price of ``data/prices.csv``, converted to USD per chip-hour."""

    hardware: str
    vendor: str
    region: str | None
    date: dt.date
    commitment: str
    price: pint.Quantity  # USD/chip/hour
    quoted: pint.Quantity  # as the vendor quoted it, per basis
    basis: str
    chips_per_basis: int
    source: str


@cache
def prices() -> tuple[Price, ...]:
    """All prices of ``data/prices.csv``, oldest first."""
    known = hardware_table()
    out = []
    for r in read_table(DATA_DIR / "prices.csv", key=None):
        for col in ("hardware", "vendor", "date", "commitment", "quoted_price", "basis", "chips_per_basis"):
            if r[col] is None:
                raise DataError(r.path, r.line, col, "expected a value, got an empty cell")
        if r["hardware"] not in known:
            raise DataError(r.path, r.line, "hardware", f"unknown accelerator {r['hardware']!r} (not in data/hardware.csv)")
        if r["commitment"] not in COMMITMENTS:
            raise DataError(r.path, r.line, "commitment", f"expected one of {', '.join(COMMITMENTS)}, got {r['commitment']!r}")
        per = r.quantity("chips_per_basis")
        out.append(Price(
            hardware=r["hardware"], vendor=r["vendor"], region=r["region"], date=r["date"],
            commitment=r["commitment"], price=(r.quantity("quoted_price") / per).to("USD/chip/hour"),
            quoted=r.quantity("quoted_price"), basis=r["basis"], chips_per_basis=int(r["chips_per_basis"]),
            source=r["source"],
        ))
    return tuple(sorted(out, key=lambda p: p.date))


def price_in_force(hardware_name: str, commitment: str = "on-demand", when: dt.date | None = None,
                   vendor: str | None = None) -> Price | None:
    """The lowest of each vendor's newest price dated on or before ``when`` (default: the newest data);
    None when no row qualifies. A lookup only: the rule that picks the default price (one big cloud
    for every tier) is ``calc.cost.default_price``."""
    latest = {}
    for p in prices():  # oldest first, so each vendor keeps its newest row
        if (p.hardware == hardware_name and p.commitment == commitment and (vendor is None or p.vendor == vendor)
                and (when is None or p.date <= when)):
            latest[p.vendor] = p
    return min(latest.values(), key=lambda p: p.price.magnitude) if latest else None


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
    known = hardware_table()
    out = {}
    for r in read_table(DATA_DIR / "models.csv"):
        if r["hardware"] is not None and r["hardware"] not in known:
            raise DataError(r.path, r.line, "hardware", f"unknown accelerator {r['hardware']!r} (not in data/hardware.csv)")
        u = r["utilization"]
        if u is not None and u > 1:
            raise DataError(r.path, r.line, "utilization", f"expected a fraction <= 1, got {u} (a percent?)")
        qs = {c: r.quantity(c) for c in _MODEL_QUANTITIES if r[c] is not None}
        out[r["name"]] = Model(r["name"], r["organization"], r["date"], qs, r["hardware"], r["source"])
    return out


def model(name: str) -> Model:
    """Look up a published run by name; the error lists close matches."""
    table = models()
    if name in table:
        return table[name]
    close = difflib.get_close_matches(name, table, n=4, cutoff=0.4)
    hint = f"did you mean {' or '.join(close)}?" if close else f"known: {', '.join(table)}"
    raise InputError("model", f"unknown model {name!r}; {hint}")


@dataclass(frozen=True)
class Reference:
    """A sourced figure of a row table (``defaults.csv``, ``facts.csv``)."""

    name: str
    value: pint.Quantity
    source: str
    note: str


def _references(filename: str, note_column: str) -> dict[str, Reference]:
    rows = read_row_table(DATA_DIR / filename)
    return {n: Reference(n, r.quantity("value"), r["source"], r.values.get(note_column) or "") for n, r in rows.items()}


@cache
def defaults() -> dict[str, Reference]:
    """Documented default assumptions (``data/defaults.csv``)."""
    return _references("defaults.csv", "why")


@cache
def facts() -> dict[str, Reference]:
    """Sourced reference figures used by the seed claims (``data/facts.csv``)."""
    return _references("facts.csv", "meaning")


def fact(name: str) -> Reference:
    """One reference figure by name; the error lists close matches."""
    table = facts()
    if name in table:
        return table[name]
    close = difflib.get_close_matches(name, table, n=4, cutoff=0.4)
    raise InputError("fact", f"unknown fact {name!r}; " + (f"did you mean {' or '.join(close)}?" if close else f"known: {', '.join(table)}"))


@dataclass(frozen=True)
class Threshold:
    """A regulatory line of ``data/thresholds.csv``; the measures it does not use are None."""

    id: str
    name: str
    jurisdiction: str
    applies_to: str  # "all models", or a narrower scope such as "biological sequence data"
    compute: pint.Quantity | None
    cluster_peak: pint.Quantity | None
    cluster_network: pint.Quantity | None
    cost: pint.Quantity | None
    status: str
    signed: dt.date | None
    revoked: dt.date | None
    source: str


@cache
def thresholds() -> dict[str, Threshold]:
    """All thresholds of ``data/thresholds.csv`` by id."""
    out = {}
    for r in read_table(DATA_DIR / "thresholds.csv", key="id"):
        if not r["applies_to"]:
            raise DataError(r.path, r.line, "applies_to", "expected the rule's scope, e.g. 'all models'")
        out[r["id"]] = Threshold(
            r["id"], r["name"], r["jurisdiction"], r["applies_to"], r.quantity("compute"), r.quantity("cluster_peak"),
            r.quantity("cluster_network"), r.quantity("cost"), r["status"], r["signed"], r["revoked"], r["source"],
        )
    return out


@cache
def notable_compute() -> tuple[tuple[str, dt.date, pint.Quantity], ...]:
    """(name, publication date, training compute) of notable models, from Epoch AI's database.

    ``data/notable_compute.csv`` holds the factual columns of Epoch AI's Notable AI Models
    (https://epoch.ai/data, CC BY 4.0); rows are oldest first.
    """
    rows = read_table(DATA_DIR / "notable_compute.csv")
    for r in rows:
        if r["date"] is None or r["compute"] is None:
            raise DataError(r.path, r.line, "date" if r["date"] is None else "compute", "expected a value")
    return tuple((r["name"], r["date"], r.quantity("compute")) for r in rows)


@cache
def runs() -> tuple[Row, ...]:
    """Published training runs with reported inputs and outputs, for the back-test (data/runs.csv)."""
    rows = read_table(DATA_DIR / "runs.csv")
    known = hardware_table()
    for r in rows:
        if r["hardware"] is not None and r["hardware"] not in known:
            raise DataError(r.path, r.line, "hardware", f"unknown accelerator {r['hardware']!r} (not in data/hardware.csv)")
        if r["tolerance"] is None or not r["tolerance_reason"]:
            raise DataError(r.path, r.line, "tolerance", "every run needs a tolerance and its reason")
        if r["utilization"] is not None and r["utilization"] > 1:
            raise DataError(r.path, r.line, "utilization", f"expected a fraction <= 1, got {r['utilization']}")
    return tuple(rows)


@cache
def backtest_notes() -> dict[tuple[str, str, str, str], Row]:
    """Why a back-test check lands outside its tolerance, keyed by (group, run, method, output)."""
    rows = read_table(DATA_DIR / "backtest_notes.csv", key=None)
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
    fraction is meant, as Epoch's table has once) is reported by file, row and column and the
    row excluded, never silently used.
    """
    rows = read_table(Path(path) if path else DATA_DIR / "epoch_runs.csv", key=None)
    known = hardware_table()
    used, problems = [], []
    for r in rows:
        if r["hardware"] not in known:
            raise DataError(r.path, r.line, "hardware", f"unknown accelerator {r['hardware']!r} (not in data/hardware.csv)")
        if r["mfu"] is not None and r["mfu"] > 1:
            problems.append(f"{r.path}, row {r.line}, column 'mfu': {r['mfu']:g} is not a fraction (a percent?); row excluded")
            continue
        if any(r[c] is None for c in ("chips", "duration", "mfu", "compute")):
            continue  # incomplete: not comparable
        used.append(EpochRun(r["name"], r.line, r["hardware"], r.quantity("chips"), r.quantity("duration"),
                             r.quantity("mfu"), r.quantity("compute")))
    return used, problems


@dataclass(frozen=True)
class PurchasePrice:
    """A dated purchase price of ``data/purchase_prices.csv``, per chip; ``level`` says whether it is
    the bare chip ("chip") or a chip's share of a whole server ("server")."""

    hardware: str
    date: dt.date
    price: pint.Quantity  # USD/chip
    level: str
    source: str


@cache
def purchase_prices() -> tuple[PurchasePrice, ...]:
    """Hardware purchase prices, oldest first."""
    known = hardware_table()
    out = []
    for r in read_table(DATA_DIR / "purchase_prices.csv", key=None):
        if r["hardware"] not in known:
            raise DataError(r.path, r.line, "hardware", f"unknown accelerator {r['hardware']!r}")
        if r["level"] not in ("chip", "server"):
            raise DataError(r.path, r.line, "level", f"expected chip or server, got {r['level']!r}")
        if r["date"] is None or r["price"] is None:
            raise DataError(r.path, r.line, "date" if r["date"] is None else "price", "expected a value")
        out.append(PurchasePrice(r["hardware"], r["date"], r.quantity("price"), r["level"], r["source"]))
    return tuple(sorted(out, key=lambda p: p.date))


@cache
def ownership() -> dict[str, Row]:
    """Per-accelerator constants of the ownership cost model (data/ownership.csv), by hardware name."""
    rows = read_table(DATA_DIR / "ownership.csv", key="hardware")
    known = hardware_table()
    for r in rows:
        if r["hardware"] not in known:
            raise DataError(r.path, r.line, "hardware", f"unknown accelerator {r['hardware']!r}")
        for col in ("server_cost_overhead", "server_power_per_chip_tdp", "average_load"):
            if r[col] is None:
                raise DataError(r.path, r.line, col, "expected a number, got an empty cell")
        if r["average_load"] > 1:
            raise DataError(r.path, r.line, "average_load", f"expected a fraction <= 1, got {r['average_load']}")
    return {r["hardware"]: r for r in rows}


@cache
def electricity_prices() -> dict[int, pint.Quantity]:
    """Average US industrial electricity price by year (data/electricity_prices.csv)."""
    rows = read_table(DATA_DIR / "electricity_prices.csv", key="year")
    out = {}
    for r in rows:
        try:
            year = int(r["year"])
        except ValueError:
            raise DataError(r.path, r.line, "year", f"expected a year, got {r['year']!r}") from None
        if r["price"] is None:
            raise DataError(r.path, r.line, "price", "expected a number, got an empty cell")
        out[year] = r.quantity("price")
    return out


@cache
def ppi() -> dict[int, float]:
    """Annual averages of the producer price index for data processing and hosting (data/ppi.csv)."""
    by_year: dict[int, list[float]] = {}
    for r in read_table(DATA_DIR / "ppi.csv", key="date"):
        if r["index"] is None:
            raise DataError(r.path, r.line, "index", "expected a number, got an empty cell")
        by_year.setdefault(r["date"].year, []).append(r["index"])
    return {y: sum(v) / len(v) for y, v in by_year.items()}


@cache
def references() -> dict[str, Row]:
    """The works cited as ``[Key]`` in calc's docstrings (data/references.csv), by key."""
    return {r["key"]: r for r in read_table(DATA_DIR / "references.csv", key="key")}


@cache
def optimizers() -> dict[str, Row]:
    """Bytes per parameter of weights, gradients and optimizer state, by optimizer (data/optimizers.csv)."""
    rows = read_table(DATA_DIR / "optimizers.csv")
    for r in rows:
        for col in ("weights", "gradients", "optimizer_state"):
            if r[col] is None:
                raise DataError(r.path, r.line, col, "expected a number, got an empty cell")
    return {r["name"]: r for r in rows}


@cache
def architecture_rows() -> tuple[Row, ...]:
    """Published transformer shapes with their reported parameter counts (data/architectures.csv)."""
    return tuple(read_table(DATA_DIR / "architectures.csv"))


@cache
def model_states() -> dict[tuple[str, int], Row]:
    """Bytes per parameter of model states as a framework allocates them, by (name, ZeRO stage)
    (data/model_states.csv)."""
    rows = read_table(DATA_DIR / "model_states.csv", key=None, positive=False)
    return {(r["name"], int(r["zero"])): r for r in rows}


@cache
def finetuning() -> dict[str, Row]:
    """Bytes per parameter of frozen base and trainable adapters, and FLOP per parameter per token of each, by
    method (data/finetuning.csv)."""
    return {r["name"]: r for r in read_table(DATA_DIR / "finetuning.csv")}


@cache
def model_config(filename: str) -> dict:
    """A published Hugging Face config.json kept in data/configs/ (named by data/architectures.csv)."""
    import json

    path = DATA_DIR / "configs" / filename
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(_display(path), None, None, f"expected a readable JSON config ({exc})") from None


@cache
def scaling_law_rows() -> tuple[Row, ...]:
    """Fitted scaling-law constants by author-year name (data/scaling_laws.csv)."""
    return tuple(read_table(DATA_DIR / "scaling_laws.csv"))


def validate_all() -> None:
    """Load every bundled table once; raises ``DataError`` on the first bad cell."""
    hardware_table(), prices(), models(), defaults(), facts(), thresholds(), notable_compute(), runs()
    backtest_notes(), purchase_prices(), ownership(), electricity_prices(), ppi(), optimizers()
    architecture_rows(), scaling_law_rows(), references(), step_coefficients(), step_calibration(), run_layouts()
    model_states(), finetuning(), step_heldout(), serving_coefficients(), serving_calibration()
    # validation_runs() and the per-term measurement tables are checked by tests/test_validation_data.py,
    # not here: nothing the app shows reads them yet, and they would add half a second to its start


def frame(table: str):
    """A bundled table as a pandas DataFrame (pandas is imported only here, on demand).

    Numeric columns carry their unit in the column name, e.g. ``peak_bf16 [FLOP/s/chip]``.
    """
    import pandas as pd

    path = DATA_DIR / f"{table}.csv"
    if table in ("defaults", "facts"):
        rows = read_row_table(path)
        return pd.DataFrame([r.values for r in rows.values()])
    rows = read_table(path, key=None)
    if not rows:
        return pd.DataFrame()
    units = rows[0].units
    names = {c: (f"{c} [{u}]" if u else c) for c, u in units.items()}
    return pd.DataFrame([{names[c]: v for c, v in r.values.items()} for r in rows])


@cache
def serving_coefficients() -> dict[str, pint.Quantity]:
    """Coefficients of the serving model, sourced, by name (data/serving_coefficients.csv)."""
    return {n: r.quantity("value") for n, r in read_row_table(DATA_DIR / "serving_coefficients.csv").items()}


@cache
def serving_calibration() -> tuple[Row, ...]:
    """Published serving measurements from before 2025 with their setups (data/serving_calibration.csv)."""
    rows = tuple(read_table(DATA_DIR / "serving_calibration.csv"))
    known = hardware_table()
    for r in rows:
        if r["hardware"] not in known:
            raise DataError(r.path, r.line, "hardware", f"unknown accelerator {r['hardware']!r} (not in data/hardware.csv)")
        if r["date"] is None or r["date"].year >= 2025:
            raise DataError(r.path, r.line, "date", "calibration rows are published before 2025 (later ones are the test)")
    return rows
