"""What a training run is built from: architectures and their config files, optimizers, model-state
conventions, fine-tuning methods and scaling laws."""

from __future__ import annotations

from calc.data.checks import _display
from calc.data.store import cache, data_dir
from calc.data.tables import Row, read_table
from calc.errors import DataError


@cache
def optimizers() -> dict[str, Row]:
    """Bytes per parameter of weights, gradients and optimizer state, by optimizer (data/optimizers.csv)."""
    rows = read_table(data_dir() / "optimizers.csv")
    for r in rows:
        for col in ("weights", "gradients", "optimizer_state"):
            if r[col] is None:
                raise DataError(r.path, r.line, col, "expected a number, got an empty cell")
    return {r["name"]: r for r in rows}


@cache
def architecture_rows() -> tuple[Row, ...]:
    """Published transformer shapes with their reported parameter counts (data/architectures.csv)."""
    return tuple(read_table(data_dir() / "architectures.csv"))


@cache
def architecture_aliases() -> tuple[Row, ...]:
    """Other names of the shapes of data/architectures.csv: Hugging Face repository ids of the same architecture
    (an instruction-tuned release of a base model, its repository under an older name), each with its source
    (data/architecture_aliases.csv)."""
    return tuple(read_table(data_dir() / "architecture_aliases.csv"))


@cache
def model_states() -> dict[tuple[str, int], Row]:
    """Bytes per parameter of model states as a framework allocates them, by (name, ZeRO stage)
    (data/model_states.csv)."""
    rows = read_table(data_dir() / "model_states.csv", key=None, positive=False)
    return {(r["name"], int(r["zero"])): r for r in rows}


@cache
def finetuning() -> dict[str, Row]:
    """Bytes per parameter of frozen base and trainable adapters, and FLOP per parameter per token of each, by
    method (data/finetuning.csv)."""
    return {r["name"]: r for r in read_table(data_dir() / "finetuning.csv")}


@cache
def model_config(filename: str) -> dict:
    """A published Hugging Face config.json kept in data/configs/ (named by data/architectures.csv)."""
    import json

    path = data_dir() / "configs" / filename
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(_display(path), None, None, f"expected a readable JSON config ({exc})") from None


@cache
def scaling_law_rows() -> tuple[Row, ...]:
    """Fitted scaling-law constants by author-year name (data/scaling_laws.csv)."""
    return tuple(read_table(data_dir() / "scaling_laws.csv"))
