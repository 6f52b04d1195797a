"""The names of a training run: one vocabulary for Python, the command line, JSON and URLs.

Each name has a canonical unit (results are converted to it) and a display unit (how the CLI and
the app show it). Plain numbers are accepted, read in the canonical unit, only where that unit is
unambiguous: counts (param, token, FLOP, chip) and fractions. Everything else needs its unit.
"""

from __future__ import annotations

from dataclasses import dataclass

RECOMPUTE = ("none", "selective", "full")  # activation recomputation modes [Korthikanti2022] sec. 5; defined only here
ZERO_STAGES = (0, 1, 2, 3)  # [Rajbhandari2020]: 1 optimizer state, 2 gradients, 3 weights split over data ranks


@dataclass(frozen=True)
class Term:
    """One name of the vocabulary."""

    name: str
    unit: str  # canonical unit; "" for dimensionless, None for text
    display: str  # unit the CLI and the app show
    meaning: str
    bare_ok: bool = False  # plain numbers accepted (read in `unit`)

    @property
    def flag(self) -> str:
        """The command-line flag: ``--kebab-case``."""
        return "--" + self.name.replace("_", "-")


TERMS: tuple[Term, ...] = (
    Term("params", "param", "param", "parameters (for a mixture of experts: total)", True),
    Term("active_params", "param", "param", "parameters used per token (default: params)", True),
    Term("tokens", "token", "token", "training tokens", True),
    Term("flop_per_param_token", "FLOP/param/token", "FLOP/param/token",
         "training FLOP per parameter per token (6: forward 2 + backward 4)", True),
    Term("compute", "FLOP", "FLOP", "training compute", True),
    Term("hardware", None, "", "accelerator name from data/hardware.csv"),
    Term("precision", None, "", "number format of the peak"),  # each door lists the formats it reads
    Term("finetune", None, "", "a fine-tuning run: full, lora or qlora (its FLOP per token, data/finetuning.csv)"),
    Term("peak", "FLOP/s/chip", "TFLOP/s/chip", "dense peak throughput per chip", False),
    Term("chips", "chip", "chip", "accelerators used", True),
    Term("utilization", "", "", "model FLOP utilization (MFU), a fraction", True),
    Term("duration", "s", "day", "wall-clock training time", False),
    Term("chip_hours", "chip*hour", "chip*hour", "chips x duration (GPU-hours)", True),  # the name says the unit
    Term("price", "USD/chip/hour", "USD/chip/hour", "rental price per chip-hour", False),
    Term("cost", "USD", "USD", "chip_hours x price", True),
    Term("power", "W/chip", "W/chip", "average power per chip", False),
    Term("pue", "", "", "data-centre power usage effectiveness (>= 1)", True),
    Term("energy", "kWh", "MWh", "chip_hours x power x pue", False),
    Term("carbon_intensity", "kg/kWh", "kg/kWh", "grid emission factor, CO2-equivalent", False),
    Term("emissions", "t", "t", "energy x carbon_intensity, tonnes CO2-equivalent", False),
)

BY_NAME: dict[str, Term] = {t.name: t for t in TERMS}
QUANTITIES: tuple[str, ...] = tuple(t.name for t in TERMS if t.unit is not None)
TEXT_FIELDS: tuple[str, ...] = tuple(t.name for t in TERMS if t.unit is None)
