"""The command line: flags in, table or JSON out, status 2 and one line on bad input."""

import json

import pytest

from calc.__main__ import main


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_estimate_json(capsys):
    code, out, _ = run(capsys, "estimate", "--params", "175e9 param", "--tokens", "300e9", "--hardware", "V100 SXM2",
                       "--chips", "10000", "--duration", "14.8 day", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["quantities"]["utilization"]["source"] == "derived"
    assert d["quantities"]["compute"]["unit"] == "FLOP"
    assert set(d["quantities"]["chips"]) == {"value", "unit", "source"}


def test_estimate_table(capsys):
    code, out, _ = run(capsys, "estimate", "--compute", "3.14e23 FLOP", "--hardware", "V100 PCIe", "--precision",
                       "fp16-nontensor", "--utilization", "1", "--chips", "1")
    assert code == 0
    assert "352 chip-years" in out


@pytest.mark.parametrize("args, flag", [
    (["--tokens", "5 meter"], "--tokens"),
    (["--tokens", "-5"], "--tokens"),
    (["--chips", "0"], "--chips"),
    (["--chips", "nan"], "--chips"),
    (["--compute", "inf"], "--compute"),
    (["--hardware", "H100"], "--hardware"),
    (["--utilization", "400"], "--utilization"),
    (["--price", "3 USD"], "--price"),
    (["--compute", "1e23", "--params", "1e9", "--tokens", "1e9"], "--compute"),
    (["--duration", "2 furlong"], "--duration"),
    (["--rtol", "-1"], "--rtol"),
])
def test_bad_input_exits_2_with_one_line(capsys, args, flag):
    code, out, err = run(capsys, "estimate", *args)
    assert code == 2 or code is None
    assert err.count("\n") == 1 and "Traceback" not in err
    assert flag in err


def test_unrecognized_flag_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["estimate", "--nonsense", "1"])
    assert exc.value.code == 2


def test_bare_duration_is_refused_as_everywhere(capsys):
    """One rule for bare numbers at every door: a duration needs its unit (it used to read seconds here)."""
    code, out, err = run(capsys, "estimate", "--duration", "14", "--chips", "8")
    assert code == 2 and '--duration: a plain number is ambiguous here; give a unit, e.g. "14 day"' in err


def test_claims_json(capsys):
    code, out, _ = run(capsys, "claims", "--json")
    rows = json.loads(out)
    assert code == 0 and rows
    assert {r["verdict"] for r in rows} <= {"reproduced", "off", "inconsistent-units"}
    assert all(set(r) >= {"id", "article", "line", "statement", "quoted", "recomputed", "ratio", "verdict", "note"}
               for r in rows)


def test_claims_table(capsys):
    code, out, _ = run(capsys, "claims")
    assert code == 0 and "gpt2-hourly-cost" in out and "inconsistent-units" in out


def test_hardware_list(capsys):
    code, out, _ = run(capsys, "hardware")
    assert code == 0 and "TPU v3" in out


def test_range_flags_give_intervals_and_drivers(capsys):
    code, out, _ = run(capsys, "estimate", "--params", "175e9", "--tokens", "300e9", "--hardware", "V100 SXM2",
                       "--chips", "10000", "--utilization", "0.2..0.5", "--price", "lognormal:1..3 USD/chip/hour",
                       "--samples", "2000", "--json")
    d = json.loads(out)
    lo, hi = d["quantities"]["cost"]["interval90"]
    assert lo < d["quantities"]["cost"]["value"] < hi
    assert [s["input"] for s in d["sensitivity"]] == ["price", "utilization"]
    assert d["samples"] == 2000


@pytest.mark.parametrize("args, words", [
    (["--utilization", "0.5..0.2"], "low bound is above"),
    (["--utilization", "beta:0.1..0.2"], "unknown distribution"),
    (["--price", "1..3"], "ambiguous"),
    (["--chips", "8", "--params", "1e9", "--tokens", "1e10", "--utilization", "0.2..0.4", "--samples", "0"], "--samples"),
])
def test_bad_ranges_exit_2(capsys, args, words):
    code, out, err = run(capsys, "estimate", *args)
    assert code == 2 and words in err and err.count("\n") == 1
