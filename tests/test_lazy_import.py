"""`import calc` loads its packages on first use (calc/__init__'s module __getattr__), and `python -m calc COMMAND`
builds that command's parser alone: every name that worked before still works, and answers the same."""

import subprocess
import sys

import pytest

import calc
from calc.cli import COMMANDS, build_parser


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_import_calc_leaves_the_models_packages_until_used():
    out = _run("import sys, calc\n"
               "print(sorted(m for m in ('calc.serve', 'calc.perf', 'calc.estimate', 'calc.lifetime', 'calc.data')"
               " if m in sys.modules))\n"
               "calc.serve\n"
               "print('calc.serve' in sys.modules)")
    assert out.split("\n")[:2] == ["[]", "True"]


@pytest.mark.parametrize("name", calc.__all__)
def test_every_public_name_resolves(name):
    assert getattr(calc, name) is not None


def test_the_packages_are_the_modules_and_callable():
    import calc.serve as s

    assert s is calc.serve and callable(s) and callable(s.frontier)
    assert calc.Estimate is calc.estimate.Estimate and calc.Lifetime is calc.lifetime.Lifetime
    assert calc.data.hardware("H100 SXM5").name == "H100 SXM5"  # any submodule, as the eager imports made them
    assert "serve" in dir(calc) and "Estimate" in dir(calc)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        calc.nothing  # noqa: B018


def test_star_import_gives_every_public_name():
    out = _run("from calc import *\nprint(Estimate.__name__, Item.__name__, Lifetime.__name__, callable(serve))")
    assert out.strip() == "Estimate Item Lifetime True"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_one_commands_parser_is_that_command_of_the_whole(command):
    def flags(parser):
        sub = next(a for a in parser._actions if a.dest == "command").choices[command]
        return [(a.option_strings, a.dest, a.default, a.help) for a in sub._actions]

    assert flags(build_parser(command)) == flags(build_parser())
