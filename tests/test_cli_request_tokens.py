"""A request's tokens read alike at the command line and in Python (calc.reader.whole_text with the token unit):
a count with its unit is taken at both doors, and what one refuses the other refuses in the same words."""

import json

import pytest

import calc
from calc.__main__ import main

ARGV = ["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--json"]


def _cli(capsys, flag, text):
    try:
        code = main([*ARGV, flag, text])
    except SystemExit as exc:  # argparse's type errors exit as every usage error does
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("text, n", [("1000 token", 1000), ("1,000 tokens", 1000), ("2 ktoken", 2000), ("8,192", 8192),
                                     ("1e3", 1000)])
@pytest.mark.parametrize("name", ["input_tokens", "output_tokens"])
def test_a_token_count_with_its_unit_is_taken_at_both_doors(capsys, name, text, n):
    code, out, err = _cli(capsys, "--" + name.replace("_", "-"), text)
    assert code == 0, err
    want = calc.serve("Llama 3 8B", "H100 SXM5", **{name: n})
    got = calc.serve("Llama 3 8B", "H100 SXM5", **{name: text})
    assert got.tokens_per_second["total"] == want.tokens_per_second["total"]
    assert json.loads(out)["tokens_per_second"]["total"] == pytest.approx(want.tokens_per_second["total"].m_as("token/s"))


@pytest.mark.parametrize("text, said", [
    ("8k", "'8k' is ambiguous (8,000 or 8,192?): write the number"),
    ("8k tokens", "'8k tokens' is ambiguous (8,000 or 8,192?): write the number"),
    ("1000 GB", "expected a whole number of tokens, such as 4096 or 8,192, got '1000 GB'"),
    ("1000.5 tokens", "expected a whole number such as 4096 or 8,192, got '1000.5 tokens'"),
    ("1e30 tokens", "expected a whole number of at most 2^53 (about 9 × 10¹⁵), got '1e30 tokens'"),
    # a misspelt unit is named, with the units it resembles (it said "expected a whole number such as 4096")
    ("1000 tokns", "unknown unit 'tokns' (did you mean 'tokens' or 'toks'?); expected a token count in token or a unit "
                   "of the same kind, e.g. \"1000 token\"; got '1000 tokns'"),
    ("1000 tokens please", "unknown unit 'please'; expected a token count in token or a unit of the same kind, "
                           "e.g. \"1000 token\"; got '1000 tokens please'"),
    # fresh9: an empty count was said as a fraction's ('expected a quantity such as "0.4"'), here and in the app's links
    ("", "expected a whole number such as 4096 or 8,192, got an empty value"),
    ("  ", "expected a whole number such as 4096 or 8,192, got only spaces"),
])
def test_what_one_door_refuses_the_other_refuses_in_the_same_words(capsys, text, said):
    code, _, err = _cli(capsys, "--input-tokens", text)
    assert code == 2 and err == f"calc: error: --input-tokens: {said}\n", err
    with pytest.raises(calc.InputError) as exc:
        calc.serve("Llama 3 8B", "H100 SXM5", input_tokens=text)
    assert str(exc.value) == f"input_tokens: {said}"


@pytest.mark.parametrize("name, text, n", [("concurrency", "64", 64), ("concurrency", "1e2", 100), ("batch", "1,00", None),
                                           ("batch", "16", 16), ("tensor", "1", 1)])
def test_a_count_of_sequences_or_chips_is_read_alike_at_both_doors(capsys, name, text, n):
    # --concurrency 64 and concurrency="64" (or 64.0) are one answer; "1,00" is refused at both, in the same words
    code, out, err = _cli(capsys, "--" + name, text)
    if n is None:
        with pytest.raises(calc.InputError) as exc:
            calc.serve("Llama 3 8B", "H100 SXM5", **{name: text})
        assert code == 2 and err == f"calc: error: --{name}: {exc.value.message}\n", err
        return
    assert code == 0, err
    want = calc.serve("Llama 3 8B", "H100 SXM5", **{name: n})
    for given in (text, float(n)):
        got = calc.serve("Llama 3 8B", "H100 SXM5", **{name: given})
        assert got.tpot == want.tpot and got.concurrency == want.concurrency
    assert json.loads(out)["tpot"] == pytest.approx(want.tpot.m_as("s"))


@pytest.mark.parametrize("value", [64.5, True, "64.5", "abc"])
def test_a_count_that_is_not_whole_is_refused_by_name(value):
    with pytest.raises(calc.InputError) as exc:
        calc.serve("Llama 3 8B", "H100 SXM5", concurrency=value)
    assert exc.value.field == "concurrency" and "whole number" in exc.value.message
