"""step names a misspelt --precision before any layout arithmetic (fresh17): '--precision fp9' with the default
layout was told '--global-batch: 1,536 sequences do not split into micro-batches of 1 over 1,024 data-parallel
ranks', and without --global-batch that the batch is required; the format came out only once both were fixed."""

from __future__ import annotations

import pytest

from calc.cli import main


@pytest.mark.parametrize("extra", [["--global-batch", "1536"], []])
def test_a_misspelt_precision_is_said_first(capsys, extra):
    code = main(["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--chips", "1024", "--precision", "fp9",
                 *extra])
    out, err = capsys.readouterr()
    assert code == 2 and not out
    assert err.startswith("calc: error: --precision: expected one of bf16, fp16, fp8"), err
    assert "got 'fp9' (did you mean fp8?)" in err, err


def test_a_format_in_capitals_is_still_read(capsys):
    code = main(["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--chips", "1024", "--global-batch", "1536",
                 "--tensor", "8", "--pipeline", "8", "--precision", "FP8"])
    out, err = capsys.readouterr()
    assert code == 0 and "matmuls in fp8" in out, err
