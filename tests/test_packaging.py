"""The package as installed: the library and command line without the app's packages, and a wheel's
layout (data/ and seeds/ carried inside calc/, pyproject.toml) that finds its data from anywhere.

CI builds the real wheel and runs it from outside the tree (.ci/run); these tests are the quick part.
"""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from calc.claims import claims

ROOT = Path(__file__).resolve().parents[1]
# Imports of the app's packages fail, as in an environment installed without the [app] extra.
NO_APP = "import sys; sys.modules.update(streamlit=None, altair=None); "


COMMANDS = [
    ["claims"], ["hardware"], ["backtest"], ["estimate", "--params", "7e9", "--tokens", "2e12", "--hardware", "H100 SXM5",
                                            "--chips", "64", "--utilization", "0.2..0.5", "--samples", "1000"],
    ["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--chips", "1024", "--global-batch", "1536", "--search"],
    ["cost", "--model", "GPT-3 175B", "--year", "2023"], ["thresholds", "--compute", "3.8e25"],
    ["params", "--model", "Llama 2 70B", "--json"], ["optimal", "--compute", "3.14e23"],
    # serving reads this round's data/serving_*.csv tables and data/configs/; lifetime serves and trains (fresh16)
    ["serve", "--model", "Llama 3.1 8B", "--hardware", "H100 SXM5", "--chips", "1"],
    ["serve", "--model", "DeepSeek-R1", "--hardware", "H200 SXM", "--chips", "8", "--engine", "SGLang 0.4.3.post4"],
    ["lifetime", "--model", "Llama 3 8B", "--tokens", "15e12", "--inference-tokens", "1e13"],
]


def test_the_library_and_command_line_need_no_app_package():
    # One process, as `python -m calc` runs: every command, with streamlit and altair unimportable.
    code = NO_APP + f"""
import contextlib, io
from calc.__main__ import main
for argv in {COMMANDS!r}:
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 0, argv
print(sorted(m for m in sys.modules if m.split(".")[0] in ("streamlit", "altair") and sys.modules[m]))
"""
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-1500:]
    assert r.stdout.strip() == "[]"


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


@pytest.mark.parametrize("folder,package", [("data", "calc._data"), ("seeds", "calc._seeds")])
def test_every_file_of_data_and_seeds_goes_into_the_wheel(folder, package):
    cfg = _setuptools()
    assert cfg["package-dir"][package] == folder
    for path in (ROOT / folder).rglob("*"):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(ROOT / folder)
        pkg = ".".join([package, *rel.parent.parts])
        assert pkg in cfg["packages"], f"{folder}/{rel}: the wheel has no package {pkg} for its folder"
        assert any(fnmatch.fnmatch(rel.name, pat) for pat in cfg["package-data"].get(pkg, [])), \
            f"{folder}/{rel}: not matched by pyproject.toml's package-data for {pkg}, so a wheel would lack it"


def test_every_package_of_calc_goes_into_the_wheel():
    # pyproject.toml lists the packages by name (no find): a new folder of calc/ left off the list is left out of the
    # wheel, and `python -m calc` from an installed wheel fails on its import while every test in the tree passes.
    listed = set(_setuptools()["packages"])
    for init in (ROOT / "calc").rglob("__init__.py"):
        package = ".".join(init.parent.relative_to(ROOT).parts)
        assert package in listed, f"{package}: not in pyproject.toml's [tool.setuptools] packages, so a wheel would lack it"


def test_installed_layout_finds_its_data_and_seeds(tmp_path):
    # What the wheel installs: calc/ with data/ and seeds/ inside as _data and _seeds; run elsewhere.
    site = tmp_path / "site"
    shutil.copytree(ROOT / "calc", site / "calc", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data", site / "calc" / "_data")
    shutil.copytree(ROOT / "seeds", site / "calc" / "_seeds")
    (tmp_path / "elsewhere").mkdir()
    code = NO_APP + ("import calc, calc.claims, calc.units; "
                     "print(calc.units.DATA_DIR); print(calc.claims.SEEDS_DIR); print(len(calc.claims.claims()))")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path / "elsewhere", capture_output=True, text=True,
                       env={"PYTHONPATH": str(site), "PATH": ""}, timeout=120)
    assert r.returncode == 0, r.stderr[-1500:]
    data_dir, seeds_dir, n = r.stdout.split()
    assert Path(data_dir) == site / "calc" / "_data" and Path(seeds_dir) == site / "calc" / "_seeds" and int(n) == len(claims())


def test_the_license_is_an_spdx_expression():
    # `python -m build` warned: "project.license as a TOML table is deprecated ... By 2027-Feb-18, you need to
    # update your project", and setuptools >= 77 reads the string form (PEP 639)
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert doc["project"]["license"] == "MIT" and doc["build-system"]["requires"] == ["setuptools>=77"]
