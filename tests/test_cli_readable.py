"""People read numbers with their units (convention 13): the command line's calibration of the serving
coefficients says ms and fraction, not bare floats ("decode_step_overhead 0.00276 -> 0.002334")."""

import re
from pathlib import Path

from calc.cli import main

ROWS = Path(__file__).resolve().parents[1] / "data" / "serving_calibration.csv"


def test_serve_calibrate_gives_each_coefficient_its_unit(capsys):
    assert main(["serve", "calibrate", "--file", str(ROWS)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[1:] if line.startswith("  ") and "->" in line}
    assert re.search(r"decode_step_overhead\s+1\.63 -> [\d.]+ ms", lines["decode_step_overhead"]), out
    assert lines["decode_layer_overhead"].split("->")[1].split()[1] == "ms"
    assert "(fraction)" in lines["decode_bandwidth_efficiency"] and "(fraction)" in lines["prefill_matmul_efficiency"]
