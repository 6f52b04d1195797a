"""calc.serve.terms.measured_all_reduce_time: 8 MI300X's all-reduce read off its measured times (data/collective_bandwidth.csv,
the QuickReduce README's RCCL column, https://github.com/mk1-project/quickreduce) in place of the rings'."""

import numpy as np
import pytest

from calc import data
from calc.serve import terms

MIB = 2.0 ** 20


def test_the_measured_sizes_are_read_back():
    # the README's 8 x MI300X RCCL column: 26.39 us at 1M, 34.05 at 2M, 52.13 at 4M, 83.12 at 8M
    got = terms.measured_all_reduce_time("MI300X", np.array([1, 2, 4, 8]) * MIB, 8) * 1e6
    assert got == pytest.approx([26.39, 34.05, 52.13, 83.12], rel=1e-6)


def test_below_and_above_the_measured_sizes():
    small = float(terms.measured_all_reduce_time("MI300X", 1024.0, 8))
    assert small == pytest.approx(16.22e-6, rel=1e-6)  # the latency floor: the 32 KiB time
    # past 64 MiB the last two sizes' rate: (426.0 - 240.4) us per 32 MiB
    big = float(terms.measured_all_reduce_time("MI300X", 128 * MIB, 8))
    assert big == pytest.approx(426.0e-6 + 2 * (426.0 - 240.4) * 1e-6, rel=1e-6)


def test_the_serving_all_reduce_takes_it_only_where_measured():
    r = terms.rates(data.hardware("MI300X"), "fp8")
    at8 = float(terms.all_reduce_time(r, 2 * MIB, 8))
    assert at8 == pytest.approx(34.05e-6, rel=1e-6)
    # 1.4-2.1x the rings' time from 32 KiB to 8 MiB: the model's rings read 22.6 us at 2 MiB
    rings = float(terms.all_reduce_time(r, 2 * MIB, 4))  # tensor 4: not measured, the rings'
    assert rings < at8
    assert terms.measured_all_reduce_time("MI300X", 2 * MIB, 4) is None
    # H100 SXM5 has nccl-tests times at 8 ranks, but its engines' custom all-reduce runs decode: not read
    h = terms.rates(data.hardware("H100 SXM5"), "fp8")
    assert "H100 SXM5" not in terms.MEASURED_ALL_REDUCE_CHIPS
    assert float(terms.all_reduce_time(h, 2 * MIB, 8)) != pytest.approx(
        float(terms.measured_all_reduce_time("H100 SXM5", 2 * MIB, 8)), rel=1e-3)


def test_a_die_and_fabric_sibling_takes_the_measured_all_reduce():
    # MI325X: MI300X's CDNA 3 die (304 CUs) on the same 8-way Infinity Fabric (448 GB/s a chip), new memory only
    mi325 = terms.rates(data.hardware("MI325X"), "fp8")
    assert terms.fabric_measured("MI325X") == "MI300X"
    assert float(terms.all_reduce_time(mi325, 2 * MIB, 8)) == pytest.approx(34.05e-6, rel=1e-6)
    # MI355X (256 CUs, 537.6 GB/s links) is another die and fabric: its rings
    assert terms.fabric_measured("MI355X") is None
