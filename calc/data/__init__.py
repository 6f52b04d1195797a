"""The only code that reads ``data/``: validated on load, cached, returned as Quantities.

Column tables (hardware, prices, models, thresholds) have a header row of names, a row of units,
then values; row tables (defaults, facts) carry a ``unit`` column instead. Every row has a
``source`` and a ``retrieved`` date. A bad cell raises ``DataError`` naming file, row and column
(rows are numbered as in a text editor: the header is row 1).

The package's files are its parts: ``tables`` (the CSV reader and ``Row``), ``columns`` (the units
each table is read in) and ``checks`` (each cell's checks), ``store`` (where the files are, and the
read-only cache); then one module per subject: ``accelerators``, ``pricing``, ``published_runs``,
``literature`` (sourced values, references, thresholds), ``training``, ``validation`` (the step
model's tables) and ``serving``. Every name is importable from ``calc.data`` itself.
"""

from __future__ import annotations

import datetime as dt  # noqa: F401  (calc.data.dt: kept for callers that dated a price with it)

from calc.data.accelerators import Hardware, hardware, hardware_table
from calc.data.columns import COLUMN_UNITS, COLUMN_WORDS, PRECISIONS, ROW_UNITS, WHOLE_COLUMNS
from calc.data.literature import Reference, Threshold, defaults, fact, facts, references, thresholds
from calc.data.pricing import (
    COMMITMENTS,
    Price,
    PurchasePrice,
    electricity_prices,
    ownership,
    ppi,
    price_in_force,
    prices,
    purchase_prices,
)
from calc.data.published_runs import (
    EpochRun,
    Model,
    backtest_notes,
    epoch_runs,
    model,
    models,
    notable_compute,
    published_tokens,
    runs,
)
from calc.data.serving import (
    DISPATCH_POLICIES,
    MEASUREMENT_MODES,
    engine_defaults,
    latency_percentiles,
    serving_adp_balance,
    serving_calibration,
    serving_clocks,
    serving_coefficients,
    serving_datasets,
    serving_dispatch,
    serving_engine_settings,
    serving_engine_vendors,
    serving_engines,
    serving_expert_load,
    serving_graph_capture,
    serving_graph_padding,
    serving_graphs,
    serving_host,
    serving_host_overlap,
    serving_measurement,
    serving_round_tpot,
    serving_speculative,
    serving_validation,
    serving_workloads,
)
from calc.data.store import ReadOnlyDict, cache
from calc.data.tables import Row, frame, read_row_table, read_table
from calc.data.training import (
    architecture_aliases,
    architecture_rows,
    finetuning,
    model_config,
    model_states,
    optimizers,
    scaling_law_rows,
)
from calc.data.validation import (
    attention_kernels,
    collective_bandwidth,
    engine_all_reduce,
    expert_dispatch,
    expert_gemm_shapes,
    hybrid_shapes,
    matmul_efficiency,
    memory_bandwidth,
    run_layouts,
    serving_gemm,
    serving_mla,
    serving_moe,
    step_calibration,
    step_coefficients,
    step_heldout,
    validation_runs,
)
from calc.errors import DataError, InputError
from calc.units import DATA_DIR

__all__ = [
    "COLUMN_UNITS", "COLUMN_WORDS", "COMMITMENTS", "DATA_DIR", "DISPATCH_POLICIES", "PRECISIONS", "ROW_UNITS", "WHOLE_COLUMNS", "DataError", "EpochRun",
    "Hardware", "InputError", "Model", "Price", "PurchasePrice", "ReadOnlyDict", "Reference", "Row", "Threshold",
    "architecture_aliases", "architecture_rows", "attention_kernels", "backtest_notes", "cache", "collective_bandwidth", "defaults",
    "electricity_prices", "epoch_runs", "expert_dispatch", "expert_gemm_shapes", "engine_all_reduce", "fact", "facts", "hybrid_shapes", "finetuning", "frame", "hardware",
    "hardware_table", "latency_percentiles", "matmul_efficiency", "memory_bandwidth", "model", "model_config", "model_states", "models", "notable_compute", "published_tokens",
    "optimizers", "ownership", "ppi", "price_in_force", "prices", "purchase_prices", "read_row_table", "read_table",
    "references", "run_layouts", "runs", "scaling_law_rows", "serving_calibration", "serving_coefficients", "serving_engine_settings",
    "serving_engine_vendors", "serving_engines", "engine_defaults",
    "serving_adp_balance", "serving_clocks", "serving_dispatch", "serving_gemm", "serving_expert_load", "serving_graph_padding", "serving_graphs", "serving_mla", "serving_moe", "serving_host", "serving_host_overlap",
    "serving_measurement", "MEASUREMENT_MODES",
    "serving_validation", "serving_datasets", "serving_round_tpot", "serving_speculative", "serving_workloads",
    "serving_graph_capture",
    "step_calibration", "step_coefficients", "step_heldout", "thresholds", "validate_all", "validation_runs",
]


def validate_all() -> None:
    """Load every bundled table once; raises ``DataError`` on the first bad cell."""
    hardware_table(), prices(), models(), defaults(), facts(), thresholds(), notable_compute(), runs()
    backtest_notes(), purchase_prices(), ownership(), electricity_prices(), ppi(), optimizers()
    architecture_rows(), architecture_aliases(), scaling_law_rows(), references(), step_coefficients(), step_calibration(), run_layouts()
    model_states(), finetuning(), step_heldout(), serving_coefficients(), serving_calibration()
    latency_percentiles(), serving_engines()
    # validation_runs() and the per-term measurement tables are checked by tests/test_validation_data.py,
    # not here: nothing the app shows reads them yet, and they would add half a second to its start
