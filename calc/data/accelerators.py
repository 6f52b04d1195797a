"""The accelerators of data/hardware.csv: ``Hardware``, the chip object built once, and its look-up by name."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pint

from calc.data.columns import PRECISIONS
from calc.data.store import cache, data_dir
from calc.data.tables import read_table
from calc.errors import DataError, InputError, folded, nearest


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
    memory_usable: pint.Quantity | None = None  # GB/chip the runtime reports (nvidia-smi memory.total), where known

    @property
    def capacity(self) -> pint.Quantity | None:
        """The memory a process can hold on the chip: the total its runtime reports where data/hardware.csv has it
        (``memory_usable``: nvidia-smi's memory.total, e.g. 81,559 MiB = 85.5 GB on the H100 sold as "80GB", whose
        five HBM3 stacks hold 16 GiB each), else the datasheet's ``memory``. Every fit (training memory, the KV cache
        a server holds) is checked against this; the datasheet figure is what a page names the chip by.

        >>> h100 = hardware("H100 SXM5")
        >>> round(h100.memory.m_as("GB/chip")), round(h100.capacity.m_as("GB/chip"), 1)
        (80, 85.5)
        """
        return self.memory_usable if self.memory_usable is not None else self.memory

    @property
    def capacity_text(self) -> str:
        """The capacity as a page or an error says it, with the datasheet's figure where data/hardware.csv has the
        runtime's total, so that "85.5 GB" is never read beside another page's "80 GB" as a contradiction.

        >>> hardware("H100 SXM5").capacity_text
        '85.5 GB usable, sold as "80GB"'
        >>> hardware("H200 SXM").capacity_text  # no runtime total at hand: the datasheet's
        '141 GB'
        """
        from calc.display import number

        have = number(round(self.capacity.m_as("GB/chip"), 1))
        if self.memory_usable is None or self.memory is None:
            return f"{have} GB"
        return f'{have} GB usable, sold as "{number(self.memory.m_as("GB/chip"))}GB"'

    def __hash__(self):  # one chip, one name (its peaks are a dict); a key of the step model's caches
        return hash(self.name)

    def peak(self, precision: str) -> pint.Quantity:
        """Dense peak throughput per chip at ``precision``; ``InputError`` if the chip has none."""
        if precision not in PRECISIONS:
            from calc.vocabulary import precision_hint

            raise InputError("precision", f"expected one of {', '.join(PRECISIONS)}, got {precision!r}"
                                          f"{precision_hint(precision, PRECISIONS, n=1)}")
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
    for r in read_table(data_dir() / "hardware.csv"):
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
            memory_usable=r.quantity("memory_usable"),
        )
        if r["matmul_efficiency"] is not None and r["matmul_efficiency"] > 1:
            raise DataError(r.path, r.line, "matmul_efficiency", f"expected a fraction <= 1, got {r['matmul_efficiency']}")
    return out


def check_known(r, column: str = "hardware", empty: bool = False) -> None:
    """Raise ``DataError`` at ``r``'s file, row and ``column`` unless the chip it names is a row of data/hardware.csv
    (an empty cell passes where ``empty``): the one check every table that names a chip makes of it."""
    name = r[column]
    if (name is None and empty) or name in hardware_table():
        return
    raise DataError(r.path, r.line, column, f"unknown accelerator {name!r} (not in data/hardware.csv)")


def _model_word(name: str) -> str:
    """The word of an accelerator's name that says which chip it is, folded: its first with a digit ("h100" of
    "H100 SXM5", "v4" of "TPU v4"), else its first."""
    words = [folded(w) for w in name.split()]
    return next((w for w in words if any(c.isdigit() for c in w)), words[0])


def _same_family_and_number(name: str, wanted: str) -> bool:
    """``wanted`` (folded) begins as ``name`` does and has its digits, in order: "tpu7x" (Google Cloud's name of
    Ironwood, https://docs.cloud.google.com/tpu/docs/tpu7x) of "TPU v7 Ironwood", where look-alikes of the
    letters alone would offer TPU v4, v3 and v2."""
    key = folded(name)
    digits = "".join(c for c in key if c.isdigit())
    return bool(digits) and key[:3] == wanted[:3] and digits == "".join(c for c in wanted if c.isdigit())


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
    wanted = folded(name)
    for n, h in table.items():
        if folded(n) == wanted:
            return h
    keys = {folded(n): n for n in table}
    close = [n for n in table if wanted and wanted in folded(n)]  # "A100" -> every A100; look-alikes only else
    typed = {folded(w) for w in name.split()}  # the vendor before it or the memory after it: "NVIDIA H100", "H100 80GB"
    close = close or [n for n in table if _model_word(n) in typed]  # the H100s (look-alikes put A100 80GB first)
    close = close or [n for n in table if _same_family_and_number(n, wanted)]  # "TPU7x", Google's name of TPU v7
    close = close or [keys[f] for f in nearest(wanted, keys, n=4, cutoff=0.5)]  # ("A100": no V100s)
    hint = f"did you mean {' or '.join(close[:5])}?" if close else f"known: {', '.join(table)}"
    raise InputError("hardware", f"unknown accelerator {name[:60]!r}; {hint}")


