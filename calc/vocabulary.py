"""The names of a training run: one vocabulary for Python, the command line, JSON and URLs.

Each name has a canonical unit (results are converted to it) and a display unit (how the CLI and
the app show it). Plain numbers are accepted, read in the canonical unit, only where that unit is
unambiguous: counts (param, token, FLOP, chip) and fractions. Everything else needs its unit.
"""

from __future__ import annotations

from dataclasses import dataclass

RECOMPUTE = ("none", "selective", "full")  # activation recomputation modes [Korthikanti2022] sec. 5; defined only here
# A layout's virtual stages per pipeline rank where its source names the interleaved schedule [Narayanan2021] sec. 2.2
# but not how many (the Llama 3 paper, sec. 3.3.2: "an interleaved schedule with V pipeline stages on one pipeline
# rank"): the word a virtual_stages cell of data/run_layouts.csv and data/validation_runs.csv then holds, distinct from
# a blank cell (no interleaving, 1) and from a count; the step model takes the fastest count (calc.perf.runs.
# fastest_interleaving)
INTERLEAVED = "interleaved"
ZERO_STAGES = (0, 1, 2, 3)  # [Rajbhandari2020]: 1 optimizer state, 2 gradients, 3 weights split over data ranks

# Other names people type for a number format, each the SAME format as the calculator's name, never a near one; the
# one table every door reads a format through (``precision_name``), the answer naming the calculator's.
#   nvfp4         NVIDIA's FP4: E2M1 values with an E4M3 scale per 16, 4.5 bits, what "fp4" is here
#                 (calc.serve.footprint; calc.perf.validation reads a run's "nvfp4" as fp4) [NVIDIA2025nvfp4]
#   w4a16, awq    4-bit integer weights with 16-bit activations, dequantised in the kernel: "int4" here (weight-only,
#                 calc.serve.footprint); AWQ checkpoints are that format ("from FP16 to INT4", vLLM's AutoAWQ page,
#                 https://docs.vllm.ai/en/stable/features/quantization/auto_awq/; Lin et al. 2024, AWQ, MLSys)
#   e4m3, fp8_e4m3, float8_e4m3fn   the FP8 of served weights and activations (OCP FP8's E4M3): "fp8" here
#   bfloat16, float16, half, float32   torch's dtype names, as a config.json's torch_dtype writes them
PRECISION_ALIASES = {"nvfp4": "fp4", "w4a16": "int4", "awq": "int4", "e4m3": "fp8", "fp8_e4m3": "fp8",
                     "float8_e4m3fn": "fp8", "bfloat16": "bf16", "float16": "fp16", "half": "fp16", "float32": "fp32"}
# names near a format that are not one format: said so when refused, never read as one
PRECISION_NOT_ONE = {
    "gptq": "GPTQ quantizes to 2, 3, 4 or 8 bits: its 4-bit weights (weight-only, 16-bit activations) are int4",
    "w8a8": "8-bit weights and activations are fp8 or int8",
    "w4a4": "4-bit weights and activations are fp4 (NVFP4, a scale per 16 values) or mxfp4 (OCP's, per 32)",
    "e5m2": "FP8 E5M2 is a gradient format; served FP8 weights and activations are E4M3, fp8 here"}
# formats of served weights only, multiplied in the chip's 16-bit format: no chip has a peak of their own, so the
# doors of a chip's peak (estimate, step, compare) refuse them saying so
WEIGHT_ONLY = {"w8a16": "8-bit weights multiplied in 16 bits", "int4": "4-bit weights multiplied in 16 bits"}


def precision_name(value):
    """A number format as people type it, as the calculator names it: case and spaces aside, and each name of
    ``PRECISION_ALIASES`` read as its format; any other text returned folded, for the caller's own check.

    >>> precision_name(" NVFP4"), precision_name("w4a16"), precision_name("FP8"), precision_name("fp6")
    ('fp4', 'int4', 'fp8', 'fp6')
    """
    if not isinstance(value, str):
        return value
    folded = value.strip().lower()
    return PRECISION_ALIASES.get(folded, folded)


def precision_hint(value, known, n: int = 2) -> str:
    """The end of the error refusing ``value`` among the formats ``known``: what a name that is not one format
    means (``PRECISION_NOT_ONE``), an alias of a format this door does not take, else the ``n`` nearest names.

    >>> precision_hint("gptq", ("bf16", "int4"))
    ' (GPTQ quantizes to 2, 3, 4 or 8 bits: its 4-bit weights (weight-only, 16-bit activations) are int4)'
    >>> precision_hint("awq", ("bf16", "fp8"))
    ' (awq is int4 here, which this field does not take)'
    >>> precision_hint("W8A16", ("bf16", "fp8"))
    " (w8a16: 8-bit weights multiplied in 16 bits, a format of served weights (serve's precision) with no peak of its own)"
    """
    from calc.errors import did_you_mean

    folded = value.strip().lower() if isinstance(value, str) else value
    if folded in PRECISION_NOT_ONE:
        return f" ({PRECISION_NOT_ONE[folded]})"
    if folded in PRECISION_ALIASES and PRECISION_ALIASES[folded] not in known:
        return f" ({folded} is {PRECISION_ALIASES[folded]} here, which this field does not take)"
    if folded in WEIGHT_ONLY and folded not in known:  # fresh11: estimate --precision w8a16 was given no hint
        return f" ({folded}: {WEIGHT_ONLY[folded]}, a format of served weights (serve's precision) with no peak of its own)"
    return did_you_mean(value, known, n=n)


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
