"""A flag given twice with two values is refused with both (fresh17): `estimate --params 70e9 --params 80e9`
answered for 80e9 without a word, argparse keeping the last value, where a line edited and re-run may hold both."""

from __future__ import annotations

import pytest

from calc.cli import main


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # usage errors exit through argparse, as every other one of the parser's
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv, said", [
    (["estimate", "--params", "70e9", "--params", "80e9", "--tokens", "1.4e12"],
     "calc: error: --params: given twice, '70e9' and '80e9'; give it once"),
    (["estimate", "--params", "70e9", "--params=80e9"], "calc: error: --params: given twice, '70e9' and '80e9'"),
    (["estimate", "--params", "70e9", "--param", "80e9"],  # argparse reads a flag's unique beginning as the flag
     "calc: error: --params: given twice, '70e9' and '80e9' (as --params and --param); give it once"),
    (["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--concurrency", "8", "--concurrency", "16"],
     "calc: error: --concurrency: given twice, '8' and '16'"),
])
def test_a_flag_given_twice_with_two_values_is_refused(capsys, argv, said):
    code, out, err = run(capsys, *argv)
    assert code == 2 and err.startswith(said) and not out, err
    assert len(err.strip().splitlines()) == 1


def test_the_same_value_twice_or_a_switch_twice_says_one_thing(capsys):
    code, out, err = run(capsys, "estimate", "--params", "70e9", "--params", "70e9", "--tokens", "1.4e12", "--json",
                         "--json")
    assert code == 0 and '"params"' in out, err


def test_a_flag_that_collects_its_values_still_collects_them(capsys):
    code, out, err = run(capsys, "compare", "--params", "70e9", "--tokens", "1.4e12", "--chips", "1024",
                         "--hardware", "H100 SXM5", "--hardware", "B200")
    assert code == 0 and "H100 SXM5" in out and "B200" in out, err
