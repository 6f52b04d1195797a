"""An empty value of a flag naming a model, a config file or a number format is refused, in one line naming the
flag (a shell variable left unset: ``--model "$MODEL"``), not taken as no flag at all: ``estimate --model ''`` and
``serve --precision ''`` answered as if the flag were not there (found by a new user's walk, fresh9)."""

from __future__ import annotations

import argparse

import pytest

from calc.cli import NAMED, build_parser, main


def _named_flags():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command, sp in sub.choices.items():
        for action in sp._actions:
            if action.dest in NAMED and action.option_strings:
                yield command, action.option_strings[-1]


FLAGS = sorted(set(_named_flags()))


def test_the_named_flags_are_found():
    assert ("estimate", "--model") in FLAGS and ("serve", "--kv-precision") in FLAGS and ("step", "--precision") in FLAGS


@pytest.mark.parametrize("command,flag", FLAGS)
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_value_is_refused_naming_the_flag(command, flag, value, capsys):
    assert main([command, flag, value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"calc: error: {flag}: expected ") and ("only spaces" if value else "an empty value") in err


@pytest.mark.parametrize("argv", [
    ["estimate", "--model", "Llama 3.1 8B", "--tokens", "15T", "--hardware", "GB300", "--chips", "8"],
    ["serve", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--hardware", "GB300", "--precision", "nvfp4"],
])
def test_the_flags_given_a_value_still_answer(argv, capsys):
    assert main(argv) == 0


def _value_flags():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command, sp in sub.choices.items():
        for action in sp._actions:
            if action.option_strings and action.nargs != 0 and action.dest != "help":
                yield command, tuple(action.option_strings)


@pytest.mark.parametrize("command,flags", sorted(set(_value_flags())))
def test_every_flag_given_an_empty_value_is_refused_naming_it(command, flags, capsys):
    # a new user's walk of a fresh clone (fresh10): cost --hardware '', optimal --law '', thresholds --chips '' and
    # step --recompute-modules '' were answered as if the flag were not there; thresholds --params '' blamed --compute
    try:
        code = main([command, flags[-1], ""])
    except SystemExit as exc:  # a flag argparse reads itself (a whole number, a choice)
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert any(line.startswith(f"calc: error: {f}") or f"argument {f}" in line for f in flags), line
    assert "empty" in line or line.endswith("got ''") or "invalid choice: ''" in line, line
