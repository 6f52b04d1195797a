"""Cold `import calc` and `python -m calc COMMAND`, this tree against a baseline commit, in the same run.

Run from the repository root: ``python -m benchmarks.bench_import [BASELINE]`` (default ``7cb88b7``, the last commit
before `import calc` loaded its packages on first use; needs git: the baseline is ``git archive``d into a temporary
directory, never committed). Each snippet and command runs in a fresh interpreter, baseline and this tree
alternating so that a shared machine's load falls on both; the least CPU seconds (user + system of the child) of
``REPEAT`` runs each, and the ratio this / baseline. ``import numpy`` and ``import pint`` are the floor every
answer pays. Not a timed test: ratios, not seconds, carry.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "7cb88b7"
REPEAT = 5

SNIPPETS = {
    "python (nothing)": "pass",
    "import numpy": "import numpy",
    "import pint": "import pint",
    "import calc": "import calc",
    "import calc + registry use": "import calc; calc.Q_('1 FLOP')",
    "import calc; calc.estimate(...)": "import calc; calc.estimate(params='70e9 param', tokens='1.4e12 token', "
                                       "hardware='H100 SXM5', chips=1024)",
}
COMMANDS = {
    "calc --help": ["--help"],
    "calc hardware": ["hardware"],
    "calc estimate": ["estimate", "--params", "70e9", "--tokens", "1.4e12", "--hardware", "H100 SXM5", "--chips", "1024"],
    "calc cost": ["cost", "--model", "GPT-3 175B", "--year", "2023"],
    "calc serve": ["serve", "--model", "Llama 3 70B", "--hardware", "H100 SXM5", "--chips", "8", "--precision", "fp8"],
    "calc step --search (Mixtral 32K)": ["step", "--model", "Mixtral 8x7B", "--hardware", "H100 SXM5", "--chips", "1024",
                                         "--global-batch", "4096", "--sequence", "32768", "--search"],
}


def baseline_tree(commit: str, paths: tuple[str, ...] = ("calc", "data", "seeds")) -> Path:
    """``commit``'s ``paths`` in a temporary directory (calc/ and data/ beside each other, as in a clone)."""
    archive = subprocess.run(["git", "archive", commit, *paths], capture_output=True, check=True, cwd=ROOT).stdout
    folder = Path(tempfile.mkdtemp(prefix="bench_import_"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # removed when the benchmark ends
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder)
    return folder


def cpu(args: list[str], tree: Path) -> float:
    """CPU seconds (user + system) of ``python args`` run with ``tree`` first on the path."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    before = os.times()
    subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True, check=False)
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def paired(args: list[str], new: Path, old: Path, repeat: int = REPEAT) -> tuple[float, float]:
    """The least CPU seconds of ``args`` in ``new`` and in ``old``, alternating."""
    t_new, t_old = [], []
    for _ in range(repeat):
        t_new.append(cpu(args, new))
        t_old.append(cpu(args, old))
    return min(t_new), min(t_old)


def main() -> None:
    commit = sys.argv[1] if len(sys.argv) > 1 else BASELINE
    old = baseline_tree(commit)
    print(f"least CPU s of {REPEAT} cold runs each; baseline {commit} (sys.dont_write_bytecode={sys.dont_write_bytecode}:"
          f" {'every module compiled at each run' if sys.dont_write_bytecode else 'cached bytecode'})")
    print(f"  {'':<36}{'this':>8}{'baseline':>10}{'ratio':>8}")
    rows = [(name, ["-c", code]) for name, code in SNIPPETS.items()]
    rows += [(name, ["-m", "calc", *args]) for name, args in COMMANDS.items()]
    for name, args in rows:
        t_new, t_old = paired(args, ROOT, old)
        print(f"  {name:<36}{t_new:8.3f}{t_old:10.3f}{t_new / t_old:8.2f}", flush=True)


if __name__ == "__main__":
    main()
