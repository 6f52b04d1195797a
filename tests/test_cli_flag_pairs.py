"""A flag and its opposite given together (--x and --no-x, --untied and --tied-embeddings) are refused in one line
naming both, where the last one won silently (doors12); each alone still reads as before. Every such pair of every
command is found from the parser itself, so a new pair is checked without an edit here."""

import argparse

import pytest

from calc.__main__ import main
from calc.cli import build_parser

BASE = {
    "params": ["--model", "Llama 2 7B"],
    "memory": ["--model", "Llama 2 7B"],
    "step": ["--model", "Llama 2 7B", "--hardware", "H100 SXM5", "--chips", "8", "--global-batch", "64"],
    "serve": ["--model", "DeepSeek-R1", "--hardware", "H200 SXM", "--chips", "8"],
}


def _pairs():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command, parser in sub.choices.items():
        flags = {o for a in parser._actions for o in a.option_strings}
        for flag in sorted(flags):
            if flag.startswith("--no-") and "--" + flag[5:] in flags:
                yield command, "--" + flag[5:], flag


PAIRS = list(_pairs())


def test_the_pairs_are_found():
    assert ("serve", "--attention-data-parallel", "--no-attention-data-parallel") in PAIRS
    assert ("step", "--sequence-parallel", "--no-sequence-parallel") in PAIRS
    assert ("params", "--gated", "--no-gated") in PAIRS
    assert {c for c, *_ in PAIRS} <= set(BASE), "a command with a --x/--no-x pair: add its base arguments"


@pytest.mark.parametrize("command, on, off", PAIRS, ids=[f"{c} {on}" for c, on, _ in PAIRS])
def test_a_flag_and_its_opposite_are_refused_naming_both(capsys, command, on, off):
    for argv in ([on, off], [off, on]):
        with pytest.raises(SystemExit) as exc:
            main([command, *BASE[command], *argv])
        assert exc.value.code == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and on in err and off in err and "give one" in err, err


@pytest.mark.parametrize("command, on, off", [p for p in PAIRS if p[0] != "serve"],
                         ids=[f"{c} {on}" for c, on, _ in PAIRS if c != "serve"])
def test_each_alone_is_read(capsys, command, on, off):
    dest = on[2:].replace("-", "_")
    parser = build_parser()
    assert getattr(parser.parse_args([command, on]), dest) is True
    assert getattr(parser.parse_args([command, off]), dest) is False
    assert getattr(parser.parse_args([command, on, on]), dest) is True  # the same flag twice says one thing


def test_untied_and_tied_embeddings_are_refused(capsys):
    assert main(["params", "--model", "Llama 2 7B", "--untied", "--tied-embeddings"]) == 2
    err = capsys.readouterr().err
    assert "--untied" in err and "--tied-embeddings" in err
    assert main(["params", "--model", "Llama 2 7B", "--untied", "--no-tied-embeddings", "--json"]) == 0


def test_the_answer_names_the_flag_as_given(capsys):
    assert main(["params", "--model", "Llama 2 7B", "--no-gated", "--json"]) == 0
    assert '"Llama 2 7B, changed by --no-gated"' in capsys.readouterr().out
