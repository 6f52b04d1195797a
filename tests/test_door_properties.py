"""Every door under hypothesis, where the other property files leave one open (tests/test_properties.py,
test_step_properties.py, test_inputs.py, test_config.py, test_serve.py, test_lifetime.py, test_app_inputs.py):
each command's every flag (read off the parser, so a flag added later is probed too), calc.serve's and
calc.lifetime's amounts, a scenario file's and a calibration file's keys and cells, and the app's own page fields.

Each answer is either a result (finite, positive quantities of the right dimension) or one documented error
(``calc.errors``) naming the field; never another exception, and each in well under a second (bounded at 2 s, for
a loaded 2-core machine).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from timing import within

from calc.cli import build_parser, main
from calc.errors import InputError

BOUND_S = 2.0  # "well under a second", with room for a loaded machine
settings.register_profile("doors", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# What people type for a value: numbers of every size and sign, with units, typos and look-alikes.
_floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
_numbers = st.one_of(_floats.map(repr), _floats.map(str), st.integers(-10**30, 10**30).map(str),
                     st.sampled_from(["0", "-1", "1e308", "1e309", "-1e400", "1e-320", "nan", "inf", "-inf", "2**64",
                                      "9" * 400, "1,024", "1_000", "1e3", "0.5", "3/4", "1..3", "0.2..0.5", ""]))
_units = st.sampled_from(["", " FLOP", " param", " token", " chip", " GPU", " s", " ms", " day", " hour", " USD",
                          " USD/chip/hour", " $/GPU/h", " W", " kW/chip", " kWh", " GB", " t", " kg/kWh",
                          " tokens", " Hz", "/s", " requests/s", " FLOPS", " petaflop", " B", "B", "T", "k", "M",
                          " %", " apples", " chip*hour", " FLOP/s", " EFLOP", " USD/Mtoken", " USD/h/node"])
_typos = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=10)
values = st.one_of(st.tuples(_numbers, _units).map("".join), _typos)


def _options(command: str) -> list[tuple[str, argparse.Action]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    return [(a.option_strings[-1], a) for a in sub._actions
            if a.option_strings and a.option_strings[-1].startswith("--") and a.dest not in ("help", "json")]


# A starting line for each command that answers, so a flag added to it is read beside a real run.
BASE = {
    "estimate": ["--params", "70e9", "--tokens", "1.4e12", "--hardware", "H100 SXM5", "--chips", "1024"],
    "compare": ["--params", "70e9", "--tokens", "1.4e12", "--chips", "1024"],
    "cost": ["--hardware", "H100 SXM5", "--chip-hours", "1e6", "--start", "2024-06-01"],
    "thresholds": ["--compute", "1e25"],
    "optimal": ["--compute", "1e24"],
    "params": ["--model", "Llama 3 8B"],
    "memory": ["--model", "Llama 3 8B"],
    "lifetime": ["--loss", "2.0", "--inference-tokens", "2e12"],
    "serve": ["--model", "Llama 3 8B", "--hardware", "H100 SXM5"],
    "step": ["--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--chips", "64", "--tensor", "8",
             "--global-batch", "64"],  # tests/test_step_properties.py probes the layout; here every other flag too
}
FLAGS = {c: [f for f, _ in _options(c) if f not in ("--config", "--file")] for c in BASE}  # files: their own tests
command_flags = st.sampled_from(sorted(FLAGS)).flatmap(lambda c: st.tuples(st.just(c), st.sampled_from(FLAGS[c])))


def _answer(call):
    """What ``call`` gives: its result, or the InputError it raises (any other exception fails the test); timed."""
    def once():
        try:
            return call()
        except InputError as exc:
            return exc

    return within(BOUND_S, once)


def _run(argv: list[str]) -> tuple[int, str, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: usage errors (status 2)
            code = exc.code
    return code, out.getvalue(), err.getvalue()


@settings(settings.get_profile("doors"), max_examples=40)
@given(command_flags, values)
def test_any_value_of_any_flag_of_any_command_is_an_answer_or_one_line_naming_the_flag(case, value):
    command, flag = case
    action = dict(_options(command))[flag]
    argv = [command, *BASE[command]]
    if flag in argv:  # given again with another value: the repeated-flag refusal, not the value's
        i = argv.index(flag)
        del argv[i:i + 2]
    argv += [flag] if action.nargs == 0 else [f"{flag}={value}"]
    code, out, err = within(BOUND_S, lambda: _run(argv))
    event(f"{command}: {'answered' if code == 0 else 'refused'}")
    assert code in (0, 2), (argv, err)
    assert "Traceback" not in err and "Traceback" not in out
    if code == 2:
        assert err.startswith("calc: error: ") and err.count("\n") == 1, (argv, err)
        assert out == ""
    else:
        assert out.strip()


# --------------------------------------------------------------------------- the Python API's amounts

from calc.units import Q_  # noqa: E402

_amounts = st.one_of(
    _floats, st.integers(-10**20, 10**20), st.sampled_from([0, 1, 8, 64, 10**6, 2**63, -1, True, None]), values,
    st.builds(Q_, _floats, st.sampled_from(["", "s", "ms", "token", "chip", "USD/chip/hour", "1/s", "Hz", "W", "GB",
                                            "kg/kWh", "percent", "USD/Mtoken", "FLOP"])))
SERVE_AMOUNTS = ["chips", "tensor", "pipeline", "expert", "concurrency", "batch", "request_rate", "ttft_limit",
                 "tpot_limit", "window", "window_layers", "input_tokens", "output_tokens", "price", "pue",
                 "carbon_intensity"]
SERVE_FIELDS = {*SERVE_AMOUNTS, "model", "hardware", "precision", "kv_precision", "expert_precision", "engine",
                "limit_statistic", "attention_data_parallel", "disaggregated", "draft_tokens", "accepted_tokens"}


def _positive_finite(q, dimension: str) -> None:
    assert q.check(dimension), (q, dimension)
    assert math.isfinite(q.magnitude) and q.magnitude > 0, q


def _refused(exc: InputError, known: set[str]) -> None:
    """One documented error, on one line, naming a field of the door."""
    assert "\n" not in str(exc) and exc.message, str(exc)
    fields = getattr(exc, "fields", None) or (exc.field,)
    assert set(fields) <= known, (fields, str(exc))


GOOD_SERVE = {"chips": [2, 8, "8 GPUs"], "tensor": [1, 2], "pipeline": [1], "expert": [1], "concurrency": [1, 64, "8"],
              "batch": [1, 8], "request_rate": ["4/s", 2.0], "ttft_limit": ["2 s"], "tpot_limit": ["40 ms"],
              "window": [4096], "window_layers": [None], "input_tokens": [128, "2,000 tokens"],
              "output_tokens": [16, 1000], "price": ["$2/GPU/h"], "pue": [1.2], "carbon_intensity": ["0.4 kg/kWh"],
              "draft_tokens": [0, None], "accepted_tokens": [None]}  # Llama 3 8B has no MTP module: k > 0 refused


def _amounts_of(good: dict) -> st.SearchStrategy[dict]:
    """One or two fields, each a value that should answer or any amount at all (so both outcomes are probed)."""
    one = st.sampled_from(sorted(good)).flatmap(
        lambda k: st.tuples(st.just(k), st.one_of(st.sampled_from(good[k]), _amounts)))
    return st.lists(one, min_size=1, max_size=2, unique_by=lambda kv: kv[0]).map(dict)


@settings(settings.get_profile("doors"), max_examples=40)
@given(_amounts_of(GOOD_SERVE), st.booleans())
def test_any_amount_given_to_serve_is_an_answer_of_the_right_dimensions_or_one_error_naming_it(kw, curve):
    from calc.serve import frontier, serve

    if curve:
        kw.pop("concurrency", None), kw.pop("batch", None)
        got = _answer(lambda: frontier("Llama 3 8B", "H100 SXM5", **kw, points=4))
    else:
        got = _answer(lambda: serve("Llama 3 8B", "H100 SXM5", **kw))
    if isinstance(got, InputError):
        event(f"refused: {got.field}")
        _refused(got, SERVE_FIELDS)
    elif curve:
        assert len(got.concurrency) >= 1 and all(math.isfinite(x) and x > 0 for x in got.ttft.m_as("s"))
    else:
        event("served")
        _positive_finite(got.ttft, "[time]")
        _positive_finite(got.tpot, "[time]")
        _positive_finite(got.tokens_per_second["per_chip"], "[tokens]/[time]/[accelerators]")
        for v in got.usd_per_million_tokens.values():
            _positive_finite(v, "[currency]/[tokens]")
        for v in got.energy_per_token.values():
            _positive_finite(v, "[mass]*[length]**2/[time]**2/[tokens]")


GOOD_SPECULATIVE = {"draft_tokens": [1, 3, "5", 0], "accepted_tokens": [1, 2.8, "3.5", Q_(2, "")],
                    "concurrency": [1, 64], "output_tokens": [16, 2048]}


@settings(settings.get_profile("doors"), max_examples=40)
@given(_amounts_of(GOOD_SPECULATIVE), st.booleans())
def test_any_speculative_setting_given_to_serve_is_an_answer_or_one_error_naming_it(kw, curve):
    """DeepSeek-V3 (one MTP module) with draft_tokens and accepted_tokens of any value: an answer of finite, positive
    quantities, or one error naming a field."""
    from calc.serve import frontier, serve

    kw = {"draft_tokens": 3, "accepted_tokens": 2.8} | kw
    if curve:
        kw.pop("concurrency", None)
        got = _answer(lambda: frontier("DeepSeek-V3", "B200", 8, tensor=8, **kw, points=3))
    else:
        got = _answer(lambda: serve("DeepSeek-V3", "B200", 8, tensor=8, **kw))
    if isinstance(got, InputError):
        event(f"refused: {got.field}")
        _refused(got, SERVE_FIELDS)
    elif curve:
        assert all(math.isfinite(x) and x > 0 for x in got.tpot.m_as("s"))
    else:
        event("served")
        _positive_finite(got.tpot, "[time]")
        _positive_finite(got.tokens_per_second["per_chip"], "[tokens]/[time]/[accelerators]")


@settings(settings.get_profile("doors"), max_examples=25)
@given(_amounts, _amounts)
def test_any_frontier_points_or_largest_chip_count_is_bounded_work_or_one_error(points, largest):
    """A count the user gives is checked, never looped over: 10**20 points, or chips up to 10**20, answer at once."""
    from calc.serve import fewest_chips, frontier

    got = _answer(lambda: frontier("Llama 3 8B", "H100 SXM5", points=points))
    if isinstance(got, InputError):
        _refused(got, {"points"})
    got = _answer(lambda: fewest_chips("Llama 3 70B", "H100 SXM5", largest=largest))
    if isinstance(got, InputError):
        _refused(got, {"largest"})
    else:
        assert got is None or (isinstance(got, int) and got >= 1)


LIFETIME_AMOUNTS = ["loss", "params", "tokens", "inference_tokens", "training_price", "serving_price",
                    "serving_price_params", "utilization"]


GOOD_LIFETIME = {"loss": [2.0, "2.1"], "params": ["70e9 param"], "tokens": ["1.4e12 token"],
                 "inference_tokens": ["1e12 token", 0], "training_price": ["2 USD/EFLOP"],
                 "serving_price": ["1 USD/Mtoken"], "serving_price_params": ["70e9 param"], "utilization": [0.4]}


@settings(settings.get_profile("doors"), max_examples=40)
@given(_amounts_of(GOOD_LIFETIME))
def test_any_amount_given_to_lifetime_is_an_answer_or_one_error_naming_a_field(kw):
    import calc

    base = {} if {"loss", "params", "tokens"} & set(kw) else {"loss": 2.0}
    got = _answer(lambda: calc.lifetime(**base, **kw))
    if isinstance(got, InputError):
        event(f"refused: {got.field}")
        _refused(got, {*LIFETIME_AMOUNTS, "law", "model", "hardware", "precision"})
    else:
        event("answered")
        _positive_finite(got.optimum.params, "[parameters]")
        _positive_finite(got.optimum.tokens, "[tokens]")
        assert math.isfinite(got.optimum.lifetime_compute.m_as("FLOP"))


# --------------------------------------------------------------------------- files: scenarios and calibration rows

import numpy as np  # noqa: E402

from calc.vocabulary import BY_NAME, QUANTITIES  # noqa: E402

_json_values = st.one_of(st.none(), st.booleans(), _floats, st.integers(-10**30, 10**30), values,
                         st.lists(st.integers(-3, 3), max_size=2), st.dictionaries(st.text(max_size=3), st.none(),
                                                                                   max_size=1))
_keys = st.one_of(st.sampled_from([*QUANTITIES, "hardware", "precision", "dataset_size"]), _typos)


@settings(settings.get_profile("doors"), max_examples=60)
@given(st.dictionaries(_keys, _json_values, max_size=4))
def test_any_scenario_file_is_read_and_estimated_or_one_error_naming_a_field(doc):
    import calc
    from calc.scenario import NAMES, inputs, read_scenario

    raw = json.dumps(doc, allow_nan=True)

    def read():
        scenario = read_scenario(raw)
        return scenario, calc.estimate(**inputs(scenario)) if scenario and "lognormal" not in raw else None

    got = _answer(read)
    if isinstance(got, InputError):
        event("refused")
        assert "\n" not in str(got) and got.message
        fields = getattr(got, "fields", None) or (got.field,)
        assert all(f == "scenario" or f in NAMES or any(f in (k[:40], repr(k)[:40]) for k in doc)
                   for f in fields), str(got)
        return
    event("read")
    for name, item in (got[1].items.items() if got[1] else ()):
        assert item.value.dimensionality == Q_(1, BY_NAME[name].unit).dimensionality, (name, item.value)
        assert np.all(np.isfinite(np.asarray(item.value.magnitude, dtype=float))), (name, item.value)


CALIBRATION_HEADER = ("name,model,hardware,chips,engine,precision,kv_precision,tensor,pipeline,expert,attention_kernel,"
                      "input_tokens,output_tokens,batch,concurrency,request_rate,throughput_per_chip,ttft,tpot,date")
CALIBRATION_ROWS = [  # two rows that calibrate (a static batch of data/serving_calibration.csv; a closed loop)
    "a,GPT-J 6B,H100 SXM5,1,TensorRT-LLM 0.6.1,fp8,fp8,1,1,1,grouped,128,128,1024,,,26150,,,2023-12-01",
    "b,Llama 3 8B,H100 SXM5,1,,,,1,1,1,,1000,1000,,64,,,,0.02,2024-06-01",
]
_cells = st.one_of(values, _numbers, st.sampled_from(["", " ", "ms", "s", "token/s/chip", "1/s", "chip", "date",
                                                      "2024-13-01", "2025-06-01", "vllm", "fp4", '"', "a,b"]))


@settings(settings.get_profile("doors"), max_examples=12)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 19), _cells), min_size=1, max_size=3),
       st.one_of(st.none(), _typos))
def test_any_calibration_file_fits_or_is_one_error_naming_its_row_and_column(tmp_path_factory, edits, extra):
    """serve calibrate --file: a cell changed (row 0 the header, 1 and 2 the runs), or a column added, gives a fit
    or one line naming the file (and, for a cell, its row and column)."""
    import csv

    rows = [next(csv.reader([line])) for line in (CALIBRATION_HEADER, *CALIBRATION_ROWS)]
    for r, c, value in edits:
        rows[r][c] = value
    if extra is not None:
        rows[0].append(extra)
        rows[1].append("1")
    path = tmp_path_factory.mktemp("rows") / "rows.csv"
    with open(path, "w", newline="", encoding="utf-8", errors="surrogatepass") as f:
        csv.writer(f).writerows(rows)
    code, out, err = within(3 * BOUND_S, lambda: _run(["serve", "calibrate", "--file", str(path)]))
    assert code in (0, 2), err
    assert "Traceback" not in err
    if code == 2:
        event("refused")
        assert err.startswith("calc: error: --file: ") and err.count("\n") == 1, err
    else:
        event("fitted")
        assert "decode_step_overhead" in out
    # the fit of two rows is 0.4 s on an idle machine (and grows with the rows: the report of propdoors)


# --------------------------------------------------------------------------- the app's own page fields in a link

def _page_fields() -> dict[str, list[str]]:
    """Each page's own URL fields (``page.name=text``), read from the page's FIELDS without running the page."""
    import ast
    from pathlib import Path

    from calc import perf

    out = {}
    for page in ("serving", "lifetime", "thresholds"):
        tree = ast.parse(Path(__file__).resolve().parents[1].joinpath("app_pages", f"{page}.py").read_text())
        node = next(n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "FIELDS")
        out[page] = list(ast.literal_eval(node.value))
    out["layouts"] = ["model", "hardware", "chips", "global_batch", "sequence",
                      *(o.name for o in perf.layout_options() if o.label)]
    return out


PAGE_FIELDS = _page_fields()
_link_fields = st.sampled_from(sorted(PAGE_FIELDS)).flatmap(
    lambda page: st.dictionaries(st.sampled_from(PAGE_FIELDS[page]).map(f"{page}.".__add__) | _typos.map(
        f"{page}.".__add__), values, min_size=1, max_size=3).map(lambda q: (page, q)))


@settings(settings.get_profile("doors"), max_examples=4)
@given(_link_fields)
def test_any_page_field_in_a_link_opens_its_page_with_numbers_or_a_warning_naming_it(case):
    from apppage import open_page

    page, query = case
    at = open_page(f"app_pages/{page}.py", errors_ok=True, **query)  # asserts no exception
    for w in at.warning:
        if w.value.startswith("Ignored from the link: "):
            assert any(k.split(".", 1)[1][:20].replace("\\", "") in w.value.replace("\\", "") or repr(k) in w.value
                       for k in query) or w.value.count(".") >= 1, w.value


# --------------------------------------------------------------------------- a config.json at the doors that run it

_CONFIG_KEYS = ["hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "intermediate_size",
                "vocab_size", "max_position_embeddings", "head_dim", "tie_word_embeddings", "torch_dtype",
                "rope_theta", "sliding_window", "model_type", "num_local_experts", "num_experts_per_tok"]
_config_values = st.one_of(st.integers(-2, 2**70), st.sampled_from([1, 2, 3, 7, 8, 64, 4096, 10**9, 10**15]), _floats,
                           st.booleans(), st.none(), values)
DOORS_WITH_A_CONFIG = [["serve", "--hardware", "H100 SXM5", "--chips", "8"], ["memory"], ["params"],
                       ["step", "--hardware", "H100 SXM5", "--chips", "64", "--global-batch", "64"],
                       ["estimate", "--tokens", "1e12"], ["lifetime", "--tokens", "15e12", "--inference-tokens", "1e12"]]


@settings(settings.get_profile("doors"), max_examples=15)
@given(st.dictionaries(st.sampled_from(_CONFIG_KEYS), _config_values, min_size=1, max_size=3),
       st.sampled_from(DOORS_WITH_A_CONFIG))
def test_any_config_a_user_edits_runs_at_every_door_that_takes_one_or_is_one_error(tmp_path_factory, changes, door):
    from calc import data

    path = tmp_path_factory.mktemp("config") / "config.json"
    path.write_text(json.dumps({**data.model_config("llama-3-8b.json"), **changes}, allow_nan=True), encoding="utf-8")
    argv = [*door, "--config", str(path)]
    code, out, err = within(BOUND_S, lambda: _run(argv))
    assert code in (0, 2), (argv, err)
    assert "Traceback" not in err
    if code == 2:
        event(f"{door[0]}: refused")
        assert err.startswith("calc: error: ") and err.count("\n") == 1, err
    else:
        event(f"{door[0]}: answered")
        assert out.strip()
