"""Bad input at every door: the API, the command line, scenario files, data files, seed files.

Each case asserts one clear message naming the field and what was expected; the app's widgets and
URL are covered in test_app.py, the data files' cells in test_data.py.
"""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import calc
from calc import data
from calc.__main__ import main
from calc.errors import DataError
from calc.scenario import read_scenario

API = [  # (kwargs, field, words the message must contain)
    ({"tokens": -1}, "tokens", "positive"),
    ({"tokens": 0}, "tokens", "positive"),
    ({"params": float("nan")}, "params", "finite"),
    ({"chips": float("-inf")}, "chips", "finite"),
    ({"compute": "1e400 FLOP"}, "compute", "finite"),
    ({"compute": ""}, "compute", "empty"),
    ({"compute": "   "}, "compute", "empty"),
    ({"duration": "14 meter"}, "duration", "expected a quantity in s"),
    ({"duration": 14}, "duration", "ambiguous"),
    ({"price": 2.5}, "price", "ambiguous"),
    ({"power": "700 W"}, "power", "W/chip"),
    ({"tokens": "3 flurbs"}, "tokens", "unknown unit"),
    ({"tokens": "300e9 token token"}, "tokens", "token"),
    ({"hardware": "H1OO"}, "hardware", "unknown accelerator"),
    ({"hardware": 7}, "hardware", "expected a name"),
    ({"precision": "fp2"}, "precision", "expected one of"),
    ({"utilization": 250}, "utilization", "fraction"),
    ({"utilization": "-5 %"}, "utilization", "positive"),
    ({"pue": 0.5}, "pue", "at least 1"),
    ({"chips": [1, 2, "x"]}, "chips", "number"),
    ({"chips": []}, "chips", "empty"),
    ({"tokens": "__import__('os').system('ls')"}, "tokens", "expected a quantity"),
    ({"tokens": "(" * 50 + "1" + ")" * 50}, "tokens", "nested"),
    ({"tokens": "9" * 400}, "tokens", "characters"),
    ({"carbon_intensity": "0.4 kg"}, "carbon_intensity", "kg/kWh"),
    ({"energy": "5 W"}, "energy", "kWh"),
    ({"cost": "5 EUR"}, "cost", "unknown unit"),
    ({"flop_per_param_token": "6 FLOP"}, "flop_per_param_token", "FLOP/param/token"),
    ({"param": 1e9}, "param", "did you mean params"),
]


@pytest.mark.parametrize("kwargs, field, words", API, ids=[f"api-{i}" for i in range(len(API))])
def test_api(kwargs, field, words):
    with pytest.raises(calc.InputError) as exc:
        calc.estimate(**kwargs)
    assert isinstance(exc.value, ValueError)
    assert exc.value.field == field
    assert words in str(exc.value)


CLI = [
    ["estimate", "--tokens", "5 meter"], ["estimate", "--tokens", "-5"], ["estimate", "--chips", "0"],
    ["estimate", "--chips", "nan"], ["estimate", "--compute", "inf"], ["estimate", "--compute", "1e400"],
    ["estimate", "--hardware", "H100"], ["estimate", "--utilization", "400"], ["estimate", "--price", "3 USD"],
    ["estimate", "--duration", "2 furlong"], ["estimate", "--rtol", "-1"], ["estimate", "--tokens", ""],
    ["estimate", "--compute", "1e23", "--params", "1e9", "--tokens", "1e9"],
    ["estimate", "--tokens", "__import__('os')"], ["estimate", "--precision", "fp3"],
]


@pytest.mark.parametrize("argv", CLI, ids=[f"cli-{i}" for i in range(len(CLI))])
def test_cli(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("calc: error: --") and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("argv", [["estimate", "--nope", "1"], ["frobnicate"], [], ["estimate", "--chips"]])
def test_cli_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


SCENARIOS = [
    (b"not json", "scenario", "JSON object"),
    (b"[1, 2]", "scenario", "got list"),
    (b"\xff\xfe", "scenario", "JSON object"),
    (b" " * (64 * 1024 + 1), "scenario", "at most"),
    (json.dumps({"tokens": "1 token", "hacker": "1"}).encode(), "hacker", "not a name"),
    (json.dumps({"tokens": {"value": 1}}).encode(), "tokens", "got dict"),
    (json.dumps({"tokens": True}).encode(), "tokens", "got bool"),
    (json.dumps({"tokens": "-3 token"}).encode(), "tokens", "positive"),
    (json.dumps({"dataset_size": "40 token"}).encode(), "dataset_size", "byte"),
    (b"[" * 60000, "scenario", "JSON object"),  # deeply nested: RecursionError inside json
]


@pytest.mark.parametrize("raw, field, words", SCENARIOS, ids=[f"scenario-{i}" for i in range(len(SCENARIOS))])
def test_scenario_files(raw, field, words):
    with pytest.raises(calc.InputError) as exc:
        read_scenario(raw)
    assert exc.value.field == field and words in str(exc.value)


def test_ten_megabyte_scenario_is_refused_quickly():
    import time

    t = time.perf_counter()
    with pytest.raises(calc.InputError, match="at most"):
        read_scenario(b"{" + b" " * 10_000_000 + b"}")
    assert time.perf_counter() - t < 1


def test_good_scenario_round_trips():
    assert read_scenario(json.dumps({"params": "7e9 param", "tokens": 2e12}))["tokens"] == "2000000000000.0"


ROW_TABLE = "name,value,unit,source,retrieved\n"


@pytest.mark.parametrize("row, column", [
    ("x,abc,USD,s,2026-01-01", "value"), ("x,1,furlong,s,2026-01-01", "unit"), ("x,1,USD,,2026-01-01", "source"),
    ("x,1,USD,s,01/01/2026", "retrieved"), ("x,,USD,s,2026-01-01", "value"), (",1,USD,s,2026-01-01", "name"),
])
def test_row_table_cells(tmp_path, row, column):
    p = tmp_path / "facts.csv"
    p.write_text(ROW_TABLE + row + "\n")
    with pytest.raises(DataError) as exc:
        data.read_row_table(p)
    assert exc.value.row == 2 and exc.value.column == column


def test_not_utf8_csv(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(b"name,source,retrieved\n\xff\xfe\n")
    with pytest.raises(DataError, match="UTF-8"):
        data.read_table(p)


NEW_DOORS = [
    ["cost", "--model", "GPT-5"], ["cost", "--hardware", "V100 SXM2"],
    ["cost", "--hardware", "V100 SXM2", "--chip-hours", "5 meter", "--start", "2020-01-01"],
    ["cost", "--hardware", "V100 SXM2", "--chip-hours", "1e6 chip*hour", "--start", "yesterday"],
    ["cost", "--hardware", "V100 SXM2", "--chip-hours", "-1e6 chip*hour", "--start", "2020-01-01"],
    ["cost", "--model", "GPT-3 175B", "--year", "1990"],
    ["thresholds"], ["thresholds", "--compute=-1e26"], ["thresholds", "--compute", "1e26 meter"],
    ["thresholds", "--chips", "0", "--hardware", "H100 SXM5"], ["thresholds", "--chips", "10", "--hardware", "H1"],
    ["params"], ["params", "--model", "GPT-9"], ["params", "--layers", "2", "--d-model", "100", "--heads", "3",
                                                  "--vocab", "10", "--context", "8"],
    ["params", "--layers", "0", "--d-model", "64", "--heads", "4", "--vocab", "10", "--context", "8"],
    ["memory", "--model", "GPT-3 175B", "--zero", "7"], ["memory", "--model", "GPT-3 175B", "--recompute", "maybe"],
    ["memory", "--model", "GPT-3 175B", "--tensor", "5"], ["memory", "--model", "GPT-3 175B", "--hardware", "Z80"],
    ["optimal"], ["optimal", "--compute", "0"], ["optimal", "--compute", "1e23", "--law", "moore1965"],
    ["optimal", "--params", "-5", "--tokens", "1e9"],
]


@pytest.mark.parametrize("argv", NEW_DOORS, ids=[f"cli-new-{i}" for i in range(len(NEW_DOORS))])
def test_new_subcommands(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("calc: error: ") and err.count("\n") == 1 and "Traceback" not in err


# Found by a fresh-eyes walk (2026-12-06): each refused in one line that names the flag and says what was read.
FRESH = [
    (["lifetime", "--params", "13e9", "--tokens", "576e9", "--inference-tokens", "2T", "--utilization", "1.5"],
     "--utilization: expected a fraction of peak"),
    (["lifetime", "--params", "13e9", "--tokens", "576e9", "--inference-tokens", "2T", "--utilization", "0.4"],
     "--utilization: only used with a training price per chip-hour"),
    (["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--chips", "1024", "--global-batch", "1536",
      "--search", "--tokens", "300"], "--tokens: not read by --search"),
    (["serve", "--model", "Llama 3 8B", "--hardware", "V100 SXM2", "--precision", "bf16"],
     "--precision: the V100 SXM2 has no bf16 peak"),
    (["serve", "--model", "Llama 3 8B", "--hardware", "TPU v4", "--precision", "fp8"],
     "--precision: the TPU v4 has no fp8 peak"),
]


@pytest.mark.parametrize("argv, words", FRESH, ids=[f"fresh-{i}" for i in range(len(FRESH))])
def test_fresh_eyes_inputs_are_refused_by_name(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("calc: error: " + words), err


WORDING = [  # (argv, the flag, words the message must hold): the field, what is expected, what was read
    (["estimate", "--params", "7e9", "--tokens", "1T", "--hardware", "H100 SXM5", "--chips", "8", "--duration",
      "14 dys"], "--duration", ["'dys'", "did you mean 'days'", "a time", "got '14 dys'"]),
    (["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--tpot-limit", "40 mss"], "--tpot-limit",
     ["did you mean 'ms'", "a time", "got '40 mss'"]),
    (["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--request-rate", "abc"], "--request-rate",
     ["requests per second", '"4/s"', "got 'abc'"]),
    (["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--ttft-limit", "2"], "--ttft-limit", ['"2 s"']),
    (["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--tpot-limit", "40"], "--tpot-limit", ['"40 ms"']),
    (["cost", "--model", "GPT-3 175B", "--year", "abc"], "--year", ["expected a year", "got 'abc'"]),
    (["estimate", "--params", "7e9", "--tokens", "1T", "--rtol", "abc"], "--rtol",
     ["relative tolerance between 0 and 1", "got 'abc'"]),
    (["serve", "--model", "Llama 3 8X", "--hardware", "H100 SXM5"], "--model", ["did you mean Llama 3 8B"]),
    # a misspelt unit after a count's prefix is suggested with the prefix (it said 'params' for 'Gparmas')
    (["estimate", "--params", "70 Gparmas", "--tokens", "1T"], "--params", ["did you mean 'Gparams' or 'Gparam'?"]),
    (["estimate", "--params", "70e9", "--tokens", "1.4 Ttokns"], "--tokens", ["did you mean 'Ttokens'"]),
    (["estimate", "--params", "70e9", "--tokens", "1000 Tokns"], "--tokens", ["did you mean 'tokens'"]),  # T: its t
    (["estimate", "--params", "7e9", "--tokens", "1T", "--hardware", "H100 SXM5", "--chips", "8", "--duration",
      "3 mintues"], "--duration", ["did you mean 'minutes'"]),  # m begins the word: no milli-minutes
    # the example keeps the number as typed, with its count's suffix (it said "2 token" and "7e+09 param")
    (["estimate", "--params", "70e9", "--tokens", "2T tokns"], "--tokens", ['e.g. "2T token"', "got '2T tokns'"]),
    (["estimate", "--params", "7e9 parms", "--tokens", "1T"], "--params", ['e.g. "7e9 param"']),
]


@pytest.mark.parametrize("argv, flag, words", WORDING, ids=[f"wording-{i}" for i in range(len(WORDING))])
def test_each_door_names_the_field_what_it_expects_and_what_it_read(argv, flag, words, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own refusals (a flag typed int) exit from the parser
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"calc: error: {flag}: ") and err.count("\n") == 1, err
    assert all(w in err for w in words), err
    assert "known:" not in err  # close matches, not the whole list
    assert '"2 ms"' not in err  # a TTFT limit of 2 is seconds


def test_a_config_field_is_named_by_its_key(tmp_path, capsys):
    """num_attention_heads 0 in a config.json is the config's key, not a --heads the user never gave."""
    cfg = json.loads((data.DATA_DIR / "configs" / "llama-3-8b.json").read_text())
    for key, value in (("num_attention_heads", 0), ("num_hidden_layers", 0), ("num_attention_heads", 7)):
        p = tmp_path / "config.json"
        p.write_text(json.dumps({**cfg, key: value}))
        assert main(["params", "--config", str(p)]) == 2
        err = capsys.readouterr().err
        # a 0 is refused by the reader with the shape's bound (">= 1"), as a -1 is (doors22); a 7 by the shape
        assert err.startswith(f"calc: error: --config: '{key}' " + ("must be a whole number >= 1, got 0" if value == 0
                                                                    else "(the shape's ")) and "--heads" not in err, err


def test_a_file_that_is_no_measurements_table_is_said_to_be_none(capsys):
    for name in ("configs/gpt2.json", "hardware.csv"):
        assert main(["serve", "calibrate", "--file", str(data.DATA_DIR / name)]) == 2
        err = capsys.readouterr().err
        assert "is not a table of serving measurements" in err and "row 2" not in err and err.count("\n") == 1


@settings(max_examples=150, deadline=None)
@given(unit=st.text(alphabet="abcdefghijklmnopqrstuvwxyzMGTkµ /^*0123456789", min_size=1, max_size=12),
       field=st.sampled_from([("duration", "s", None), ("tpot_limit", "s", "ms"), ("params", "param", None),
                              ("tokens", "token", None), ("price", "USD/chip/hour", None)]))
def test_any_unit_text_is_read_or_refused_with_what_was_read(unit, field):
    """A number and any unit text: a Quantity, or one line naming the field; an unknown unit says what was read
    and what kind of unit is expected (with close units of that kind where there are some)."""
    from calc.units import parse_quantity

    name, canonical, shown_in = field
    text = f"14 {unit}"
    try:
        parse_quantity(text, name, canonical, bare_ok=False, shown_in=shown_in)
    except calc.InputError as e:
        assert e.field == name and "\n" not in str(e)
        if e.message.startswith("unknown unit"):
            assert f"got {text.strip()!r}" in e.message or "got '14" in e.message, e.message
            assert "expected" in e.message


@pytest.mark.parametrize("tokens,words", [("0", "expected a positive quantity, got 0 token"),
                                          ("-3", "expected a positive quantity, got -3 token"),
                                          ("", "got an empty value")])
def test_step_tokens_not_positive_or_empty_are_said_so(tokens, words, capsys):
    # a new user's walk (fresh10): step --tokens -3 answered "-3 tokens is less than one optimizer step", and
    # --tokens '' printed the step as if the flag were not there
    argv = ["step", "--model", "GPT-3 175B", "--hardware", "A100 SXM4 80GB", "--chips", "1024", "--tensor", "8",
            "--pipeline", "8", "--global-batch", "1536", "--sequence", "2048", "--tokens", tokens]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("calc: error: --tokens: ") and words in err, err


@pytest.mark.parametrize("typed,meant", [("NVIDIA H100", "H100 SXM5"), ("H100 80GB", "H100 SXM5"),
                                         ("Google TPU v4", "TPU v4"), ("AMD MI300X", "MI300X")])
def test_a_chip_named_with_its_vendor_or_memory_suggests_that_chip(typed, meant):
    # a new user's walk (fresh10): "NVIDIA H100" listed all 31 chips, "H100 80GB" suggested the A100 80GBs and no
    # H100 SXM5 (the 80 GB H100)
    with pytest.raises(calc.InputError) as exc:
        data.hardware(typed)
    message = exc.value.message
    assert "did you mean " in message and meant in message.split("did you mean ", 1)[1], message
    assert "A100" not in message or "A100" in typed


@pytest.mark.parametrize("typed", ["TPU7x", "tpu-7x"])
def test_google_clouds_name_of_ironwood_suggests_it(typed):
    # a new user's walk (fresh11): "TPU7x", the name Google Cloud's documentation and machine types give Ironwood,
    # suggested TPU v4, v3, v2 and v6e, not TPU v7 Ironwood
    with pytest.raises(calc.InputError) as exc:
        data.hardware(typed)
    assert exc.value.message.endswith("did you mean TPU v7 Ironwood?"), exc.value.message


@pytest.mark.parametrize("typed,example", [("400", '"400 g/kWh"'), ("0.4", '"0.4 kg/kWh"')])
def test_a_bare_carbon_intensity_is_refused_with_an_example_in_the_unit_it_was_written_in(typed, example, capsys):
    # fresh10: "--carbon-intensity 400" (grams, as grids are quoted) suggested "400 kg/kWh", 440x coal's intensity
    assert main(["estimate", "--params", "70B", "--tokens", "1.4T", "--carbon-intensity", typed]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("calc: error: --carbon-intensity: ") and example in err, err


def test_a_dataset_size_not_positive_is_shown_as_typed():
    # fresh10: "-5 GB" in the app's Dataset size was answered "got -5.0 GB" (a float's repr)
    from calc.dataset import tokens_in

    with pytest.raises(calc.InputError) as exc:
        tokens_in("-5 GB")
    assert exc.value.message.endswith("got -5 GB")


def test_compare_with_several_chips_in_one_flag_says_to_repeat_it(capsys):
    # fresh10: "--hardware 'H100 SXM5,B200'" was read as one name and answered with look-alikes of it
    argv = ["compare", "--params", "70B", "--tokens", "1.4T", "--chips", "1024", "--hardware", "H100 SXM5,B200"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == "calc: error: --hardware: one accelerator per flag, got 'H100 SXM5,B200'; repeat the flag: " \
                  "--hardware 'H100 SXM5' --hardware B200\n"


@pytest.mark.parametrize("typed", ["1,024 H100s", "16384 H100 GPUs"])
def test_chips_written_with_the_chips_model_say_where_the_model_goes(typed):
    # fresh10: "1,024 H100s" (as articles write it) was "unknown unit 'H100s'" with no word of the hardware field
    with pytest.raises(calc.InputError) as exc:
        calc.estimate(chips=typed, params="1B")
    assert exc.value.field == "chips" and "(give the chip's model apart, as the hardware)" in exc.value.message


@pytest.mark.parametrize("argv, flag, said", [
    (["estimate", "--params", "70e9", "--tokens", "5 m"], "--tokens", "got 5 m (a length); did you mean 5M (5 million)?"),
    (["estimate", "--params", "1.5 min", "--tokens", "1T"], "--params",
     "got 1.5 min (a time); did you mean 1.5M (1.5 million)?"),
])
def test_a_count_read_as_metres_or_minutes_suggests_millions(argv, flag, said, capsys):
    """'5 m' in Training tokens was refused as 5 metres with no word of 5M (doors23b): one line, the suggestion
    said and never taken."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"calc: error: {flag}: ") and said in err and err.count("\n") == 1, err
    with pytest.raises(calc.InputError) as exc:  # a length in km: no million suggested
        calc.estimate(params="70e9", tokens="5 km")
    assert "did you mean" not in str(exc.value)
