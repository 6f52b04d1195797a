"""A negative value reaches the field's own reader, not argparse's "expected one argument" (every
command, every value flag): argparse would otherwise read "-3e25" as an unknown option."""

from __future__ import annotations

import argparse

import pytest

from calc.cli import build_parser, main


def _value_flags():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for command, sp in sub.choices.items():
        for action in sp._actions:
            if action.option_strings and action.nargs is None and not isinstance(
                    action, (argparse._StoreConstAction, argparse._HelpAction)):
                yield command, action.option_strings[-1]


@pytest.mark.parametrize("command,flag", sorted(set(_value_flags())))
@pytest.mark.parametrize("value", ["-3", "-3e25", "-.5"])
def test_negative_value_is_read_as_a_value(command, flag, value, capsys):
    try:
        build_parser().parse_args([command, flag, value])
    except SystemExit:  # refused by the flag's own type (a whole number, a choice): not as an option
        assert "expected one argument" not in capsys.readouterr().err


@pytest.mark.parametrize("argv,expected", [
    (["thresholds", "--compute", "-3e25"], "--compute: expected a positive quantity, got -3 × 10²⁵ FLOP"),
    (["estimate", "--params", "-70e9", "--tokens", "1.4e12"], "--params: expected a positive"),
])
def test_negative_value_gets_the_fields_error(argv, expected, capsys):
    assert main(argv) == 2
    assert expected in capsys.readouterr().err
