"""The floors of calc (pyproject.toml, [tool.importlinter]): no import circle, nothing imported from a floor
above, no streamlit, altair or argparse in the model (issue 18). Checked by import-linter's ``lint-imports``."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> list[str]:
    pytest.importorskip("importlinter", reason="import-linter is in the test extra: pip install -e '.[test]'")
    beside = Path(sys.executable).with_name("lint-imports")
    script = str(beside) if beside.exists() else shutil.which("lint-imports")
    if script is None:
        pytest.skip("lint-imports is not on the path")
    return [script, "--config", str(ROOT / "pyproject.toml"), "--no-cache"]


def test_calc_keeps_its_floors():
    run = subprocess.run(_lint_imports(), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_a_circle_would_be_caught(tmp_path):
    # the contract can fail: a copy of calc where prices imports cost (the circle cost -> estimate -> ... -> cost)
    shutil.copytree(ROOT / "calc", tmp_path / "calc", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / "calc" / "prices.py", "a", encoding="utf-8") as f:
        f.write("\nfrom calc import cost  # noqa: E402, F401\n")
    run = subprocess.run(_lint_imports()[:1] + ["--config", str(tmp_path / "pyproject.toml"), "--no-cache"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "calc.prices is not allowed to import calc.cost" in run.stdout
