"""cost names a misspelt --hardware first (fresh17): 'cost --compute 3e23 --hardware H10O' was told that
--chip-hours is required, the chip's typo left for after the chip-hours were found."""

from __future__ import annotations

import pytest

from calc.cli import main


@pytest.mark.parametrize("argv", [["--compute", "3e23", "--hardware", "H10O"],
                                  ["--model", "GPT-3 175B", "--hardware", "H10O"]])
def test_a_misspelt_chip_is_named_first(capsys, argv):
    code = main(["cost", *argv])
    out, err = capsys.readouterr()
    assert code == 2 and not out
    assert err.startswith("calc: error: --hardware: unknown accelerator 'H10O'; did you mean") and "H100 SXM5" in err
