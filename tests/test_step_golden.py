"""Every number the step-time model gave before its refactoring into calc/perf/, recomputed.

tests/golden/step_predictions.json was written by benchmarks/record_step_golden.py from the code
named in its header (calibration, held-out runs, the back-test's modelled checks, searches, budget
searches, explicit layouts with every part of their breakdown and memory, matmul rates, and the
memory of the framework golden tables). The same ``collect()`` runs on today's code; every float
must agree to 12 significant digits and every string, flag and count exactly. A deliberate change of
result is re-recorded with the script and named in the commit message.
"""

import importlib.util
import json
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = json.loads((ROOT / "tests" / "golden" / "step_predictions.json").read_text())["cases"]


def _recorder():
    spec = importlib.util.spec_from_file_location("record_step_golden", ROOT / "benchmarks" / "record_step_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def now():
    return _recorder().collect()


def _differences(old, new, where=""):
    if isinstance(old, float) or isinstance(new, float):
        if not (isinstance(new, (int, float)) and not isinstance(new, bool)
                and math.isclose(old, new, rel_tol=1e-12, abs_tol=0.0)):
            yield f"{where}: {old!r} then, {new!r} now"
    elif isinstance(old, dict):
        if not isinstance(new, dict) or list(old) != list(new):
            yield f"{where}: keys {list(old)} then, {list(new) if isinstance(new, dict) else new!r} now"
            return
        for k in old:
            yield from _differences(old[k], new[k], f"{where}/{k}")
    elif isinstance(old, list):
        if not isinstance(new, list) or len(old) != len(new):
            yield f"{where}: {len(old)} items then, {new if not isinstance(new, list) else len(new)} now"
            return
        for i, (a, b) in enumerate(zip(old, new)):
            yield from _differences(a, b, f"{where}[{i}]")
    elif old != new:
        yield f"{where}: {old!r} then, {new!r} now"


def test_the_same_cases_are_recorded(now):
    assert list(now) == list(GOLDEN)


@pytest.mark.parametrize("group", sorted({k.split("/")[0] for k in GOLDEN}))
def test_every_number_is_what_it_was(now, group):
    keys = [k for k in GOLDEN if k.split("/")[0] == group]
    found = [d for k in keys for d in _differences(GOLDEN[k], now.get(k), k)]
    assert not found, f"{len(found)} differences, first: " + "; ".join(found[:5])
