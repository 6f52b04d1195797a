"""The command line: flags in, table or JSON out, status 2 and one line on bad input."""

import json

import pytest

from calc.__main__ import main
from calc.errors import InputError
from calc.units import parse_quantity


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


@pytest.mark.parametrize("argv, hint", [
    (["estimate", "--duratoin", "14 day"], "(did you mean --duration?)"),
    (["estimate", "--utilisation", "0.4"], "(did you mean --utilization?)"),
    (["serve", "--model", "Llama 3 8B", "--chpis=8"], "(did you mean --chips?)"),
    (["estimate", "--nonsense", "1"], None),
    (["thresholds", "--compute", "3.8e25", "--scope", "biology"], None),  # was "did you mean --compute?"
])
def test_a_misspelt_flag_gets_the_close_ones_of_its_command(capsys, argv, hint):
    """A typo in a flag (fresh-eyes walk: --duratoin, --utilisation) names the command's close flags; one line."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2 and "\n" not in err and err.startswith("calc: error: unrecognized arguments:")
    assert (hint in err) if hint else "did you mean" not in err


@pytest.mark.parametrize("argv, said", [
    (["serve", "--hardwre", "H100 SXM5", "--model", "Llama 3 8B"],
     "unrecognized arguments: --hardwre H100 SXM5 (did you mean --hardware?)"),
    (["serve", "--model", "Llama 3 8B", "--hardwre=H100 SXM5"],
     "unrecognized arguments: --hardwre=H100 SXM5 (did you mean --hardware?)"),
    (["serve", "--model", "Llama 3 8B", "--hardware", "H100", "SXM5"],
     'unrecognized arguments: SXM5 (a value with spaces needs quotes: --hardware "H100 SXM5")'),
    (["serve", "calibrat", "--file", "rows.csv"], "serve: unknown word 'calibrat' (did you mean calibrate?)"),
])
def test_a_misspelt_flag_before_a_value_is_said_as_a_flag_not_as_serve_calibrate(capsys, argv, said):
    """Fresh-eyes walk: ``serve --hardwre "H100 SXM5"`` said "argument action: invalid choice: 'H100 SXM5' (choose
    from 'calibrate')", the value having landed on ``serve calibrate``'s word; now the flag is named, with its
    close one, as for every other command."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2 and "\n" not in err and "invalid choice" not in err
    assert err == f"calc: error: {said}"


@pytest.mark.parametrize("plain, example", [("0.04", '"0.04 s"'), ("40", '"40 ms"')])
def test_a_plain_latency_limit_below_one_is_suggested_in_seconds(capsys, plain, example):
    """Fresh-eyes walk: --tpot-limit 0.04 (seconds, as people write 40 ms) suggested "0.04 ms", a thousand times less;
    the Serving page's field reads through the same parse_quantity and said the same."""
    code, out, err = run(capsys, "serve", "--model", "Llama 3 70B", "--hardware", "H100 SXM5", "--chips", "8",
                         "--tpot-limit", plain)
    assert code == 2 and f"--tpot-limit: a plain number is ambiguous here; give a unit, e.g. {example}" in err, err
    with pytest.raises(InputError, match=example):
        parse_quantity(plain, "tpot_limit", "s", bare_ok=False, shown_in="ms")


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


def test_claims_read_as_articles_write_them(capsys):
    # a new user's walk (fresh10): GPT-3's "$4.6M" was printed "4.6 × 10⁶ USD" and GPT-2's 1.5B parameters
    # "1.5 × 10⁹ param"; dollars and counts now read as the articles write them, every digit under a million
    code, out, _ = run(capsys, "claims")
    lines = {}
    for line in out.splitlines():  # the table's row, not the lines below it that explain a verdict
        if line.strip():
            lines.setdefault(line.split()[0], line)
    assert code == 0 and "$4.6M" in lines["lambda-cost"] and "$3.58M" in lines["lambda-cost"]
    assert "1.5B params" in lines["gpt2-params"] and "10,000 chips" in lines["msft-gpus"]
    assert "$562,027" in lines["deepseek-day-revenue"] and "× 10⁶ USD" not in out
    assert "quoted $4.6M, plausible $2.49M to $10.3M" in out
    assert "$2,048/h" in lines["gpt2-hourly-cost"] and "$4.38/Mtoken" in lines["openai-gpt4o-price-vs-modelled-cost"]
    assert "(data/defaults.csv): 69.5 days" in out  # a context figure's days, not "67.7 d"


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
    # fresh-eyes walk: 1e12 was argparse's "invalid int value", not the range every door states
    (["--chips", "8", "--params", "1e9", "--tokens", "1e10", "--utilization", "0.2..0.4", "--samples", "1e12"],
     "--samples: expected a whole number from 1 to 10,000,000"),
])
def test_bad_ranges_exit_2(capsys, args, words):
    code, out, err = run(capsys, "estimate", *args)
    assert code == 2 and words in err and err.count("\n") == 1


def test_hardware_json_agrees_with_the_table(capsys):
    from calc.data import hardware_table

    code, out, _ = run(capsys, "hardware", "--json")
    assert code == 0
    d = json.loads(out)
    assert set(d) == set(hardware_table())
    assert d["H100 SXM5"]["peak"]["bf16"] == {"value": pytest.approx(989.4e12, rel=1e-3), "unit": "FLOP/s/chip"}
    code, out, _ = run(capsys, "hardware")
    assert "e+" not in out and "989 TFLOP/s/chip" in out


def test_optimal_json_matches_the_library(capsys):
    from calc.scaling import compute_optimal

    code, out, _ = run(capsys, "optimal", "--compute", "1e24", "--json")
    assert code == 0
    d = json.loads(out)
    o = compute_optimal("1e24 FLOP", "hoffmann2022")
    assert d["hoffmann2022"]["params"]["value"] == pytest.approx(o.params.m_as("param"), rel=1e-12)
    assert d["hoffmann2022"]["tokens"]["unit"] == "token"
    code, out, _ = run(capsys, "optimal", "--params", "70e9", "--tokens", "1.4e12", "--json")
    assert code == 0 and "params_over_optimal" in json.loads(out)["hoffmann2022"]


@pytest.mark.parametrize("compute, warned", [("1", True), ("1e18", True), ("1e19", False), ("1e24", False)])
def test_optimal_warns_below_the_budgets_the_laws_were_fitted_on(capsys, compute, warned):
    # fresh10: "optimal --compute 1" answered 0.599 params and a loss of 1,073 without a word; 10^40 was warned
    code, out, err = run(capsys, "optimal", "--compute", compute)
    assert code == 0 and out
    assert ("below every budget the scaling laws were fitted on" in err) == warned, err
    assert err.count("warning:") == (1 if warned else 0)  # once, not once per law


@pytest.mark.parametrize("args, words", [
    (["optimal"], "--compute: required: the training budget in FLOP"),
    (["optimal", "--params", "70e9"], "--tokens: required with --params"),
    (["optimal", "--tokens", "1.4e12"], "--params: required with --tokens"),
])
def test_optimal_says_what_is_missing(capsys, args, words):
    code, _, err = run(capsys, *args)
    assert code == 2 and words in err and "Traceback" not in err


def test_memory_labels_in_words_and_the_layout_said(capsys):
    code, out, _ = run(capsys, "memory", "--model", "Llama 2 70B", "--states", "deepspeed", "--zero", "3",
                       "--data-parallel", "64")
    assert code == 0
    assert "optimizer_state" not in out and "optimizer states" in out
    assert "ZeRO stage 3 (deepspeed convention), data parallel 64" in out
    # DeepSpeed's estimate folds gradients into its 16 bytes/param: said in words, not a 0.00 GB row.
    assert "counted in the optimizer states" in out and " 0.00 GB" not in out


def test_params_from_a_config_counts_at_the_training_sequence_and_says_so(capsys):
    # doors12: at the training sequence (the context at most 8,192), as estimate and the layout search count it,
    # where params counted at the config's longest position (32,768) and estimate at 8,192
    from pathlib import Path

    config = str(Path(__file__).resolve().parents[1] / "data" / "configs" / "mistral-7b.json")
    code, out, _ = run(capsys, "params", "--config", config)
    assert code == 0 and "sequence 8,192" in out and "the context (32,768" in out and "--sequence to change it" in out
    code, out, _ = run(capsys, "params", "--config", config, "--sequence", "32768")
    assert code == 0 and "sequence 32,768" in out and "--sequence to change it" not in out
    _, out, _ = run(capsys, "params", "--config", config, "--json")
    said = json.loads(out)
    assert said["sequence"] == 8192 and said["sequence_source"].startswith("the training sequence")


def test_a_config_that_states_its_training_length_is_counted_at_it(capsys):
    """Llama 3.1's config.json: max_position_embeddings 131,072, rope_scaling.original_max_position_embeddings 8,192
    (llama3 rope type; pre-trained at 8K, the Llama 3 Herd of Models sec. 3.4). Every door counts the FLOP and the
    MFU at 8,192 and says where it read it: as --model "Llama 3.1 405B" does (Meta: 3.8e25 FLOP for 15.6T tokens)."""
    from pathlib import Path

    config = str(Path(__file__).resolve().parents[1] / "data" / "configs" / "llama-3.1-405b.json")
    code, out, _ = run(capsys, "params", "--config", config)
    assert code == 0 and "sequence 8,192" in out and "rope_scaling.original_max_position_embeddings" in out
    args = ("--tokens", "15.6T", "--hardware", "H100 SXM5", "--chips", "16384", "--json")
    _, by_config, _ = run(capsys, "estimate", "--config", config, *args)
    _, by_name, _ = run(capsys, "estimate", "--model", "Llama 3.1 405B", *args)
    a, b = json.loads(by_config)["quantities"], json.loads(by_name)["quantities"]
    assert a["compute"]["value"] == pytest.approx(b["compute"]["value"], rel=1e-9)
    assert a["compute"]["value"] == pytest.approx(3.8e25, rel=0.1)
    code, out, _ = run(capsys, "estimate", "--config", config, *args[:-1])
    assert code == 0 and ("sequence 8,192, the training sequence (the shape's context, from config.json's "
                          "rope_scaling.original_max_position_embeddings)") in out
    code, out, _ = run(capsys, "step", "--config", config, "--hardware", "H100 SXM5", "--chips", "2048",
                       "--global-batch", "2048", "--search", "--top", "1")
    assert code == 0 and "sequences of 8,192 tokens (the training sequence: the shape's context (8,192, from config.json's rope_scaling" in out


def test_thresholds_json_costs_are_the_ones_the_table_prints(capsys):
    from calc import Q_
    from calc.display import show

    args = ["thresholds", "--chips", "100000", "--hardware", "H100 SXM5", "--budget", "$6B"]
    code, text, _ = run(capsys, *args)
    assert code == 0
    code, out, _ = run(capsys, *args, "--json")
    d = json.loads(out)
    assert d["prices_of"] in text
    for row in d["time_to_reach"]:
        on_demand = row["cost_usd"]["cloud (on-demand)"]
        assert f"cloud (on-demand) {show('cost', Q_(on_demand, 'USD'))}" in text
        assert f"$6B buys {row['runs_within_budget']:,.1f} such runs" in text
        assert row["runs_within_budget"] == pytest.approx(6e9 / on_demand, rel=1e-9)


DEEPSEEK = ["step", "--model", "DeepSeek-V3", "--hardware", "H800 SXM5", "--chips", "2048", "--pipeline", "16",
            "--expert", "64", "--global-batch", "15360", "--sequence", "4096", "--precision", "fp8"]


def test_step_schedule_attention_and_ignore_memory_reach_the_model(capsys):
    from calc import perf

    code, _, err = run(capsys, *DEEPSEEK, "--schedule", "dualpipe")
    assert code == 2 and "memory per chip" in err  # the published layout exceeds what calc.memory counts
    code, out, _ = run(capsys, *DEEPSEEK, "--schedule", "dualpipe", "--ignore-memory", "--json", "--tokens", "14.8T")
    assert code == 0
    d = json.loads(out)
    s = perf.predict("DeepSeek-V3", "H800 SXM5", 2048, check_memory=False, pipeline=16, expert=64, global_batch=15360,
                     sequence=4096, precision="fp8", schedule="dualpipe")
    assert d["step_time"]["value"] == pytest.approx(s.step_time.m_as("s"), rel=1e-12)
    assert d["run"]["chip_hours"]["value"] == pytest.approx(
        s.duration("14.8e12 token").m_as("hour") * 2048, rel=1e-9)
    code, out, _ = run(capsys, *DEEPSEEK, "--schedule", "dualpipe", "--ignore-memory")
    assert "does NOT fit" in out
    gpt3 = ["step", "--model", "GPT-3 175B", "--hardware", "A100 SXM4 80GB", "--chips", "64", "--tensor", "8",
            "--pipeline", "8", "--global-batch", "64", "--json"]
    flash = json.loads(run(capsys, *gpt3)[1])["step_time"]["value"]
    triton = json.loads(run(capsys, *gpt3, "--attention", "triton")[1])["step_time"]["value"]
    assert triton > flash
    llama = ["step", "--model", "Llama 2 7B", "--hardware", "H100 SXM5", "--chips", "8", "--global-batch", "64", "--json"]
    fused = json.loads(run(capsys, *llama)[1])["step_time"]["value"]
    eager = json.loads(run(capsys, *llama, "--eager")[1])["step_time"]["value"]
    assert eager > fused  # RMSNorm, rotary embedding and SwiGLU as separate kernels


@pytest.mark.parametrize("flag, value, words", [("--schedule", "dual", "--schedule: expected one of 1f1b, dualpipe"),
                                                ("--attention", "xformers", "--attention: expected flash2")])
def test_step_bad_schedule_or_attention_is_one_line(capsys, flag, value, words):
    code, out, err = run(capsys, *DEEPSEEK, flag, value)
    assert code == 2 and words in err and out == ""


def test_shape_commands_without_a_model_say_how_to_give_one(capsys):
    code, _, err = run(capsys, "memory")
    assert code == 2 and '--model: required: a published shape, e.g. --model "Llama 2 70B"' in err
    code, _, err = run(capsys, "params", "--layers", "2")
    assert code == 2 and "--d-model: required with the other shape flags" in err


def test_cost_prices_your_price_first(capsys):
    code, out, _ = run(capsys, "cost", "--model", "GPT-3 175B", "--price", "1.5 USD/chip/hour", "--json")
    assert code == 0
    first = json.loads(out)["methods"][0]
    assert first["method"] == "your price"
    assert first["usd"] == pytest.approx(3.552e6 * 1.5, rel=1e-3)  # GPT-3's 3.552M V100-hours x $1.50
    code, _, err = run(capsys, "cost", "--model", "GPT-3 175B", "--price", "1.5 USD/hour")
    assert code == 2 and 'write "1.5 USD/h/chip"' in err


LLAMA_STEP = ["step", "--model", "Llama 2 70B", "--hardware", "H100 SXM5", "--chips", "2048", "--global-batch", "1536",
              "--tensor", "8", "--pipeline", "8", "--tokens", "2T"]


def test_step_prices_the_run_at_the_price_given(capsys):
    d = json.loads(run(capsys, *LLAMA_STEP, "--json")[1])["run"]
    given = json.loads(run(capsys, *LLAMA_STEP, "--json", "--price", "$2/GPU/hour")[1])["run"]
    assert given["price"] == {"value": 2.0, "unit": "USD/chip/hour"}
    assert given["cost"]["value"] == pytest.approx(2.0 * given["chip_hours"]["value"], rel=1e-12)
    assert d["cost"]["value"] == pytest.approx(d["price"]["value"] * d["chip_hours"]["value"], rel=1e-12)
    assert "(given)" in run(capsys, *LLAMA_STEP, "--price", "$2/GPU/hour")[1]


def test_step_search_that_cannot_split_says_so_not_memory(capsys):
    code, out, _ = run(capsys, "step", "--model", "Llama 2 70B", "--hardware", "H100 SXM5", "--chips", "2000",
                       "--global-batch", "1024", "--search")
    assert code == 0 and "no layout to try: no tensor x pipeline x context split of 2,000 chips" in out
    assert "memory" not in out and "layouts tried" not in out


@pytest.mark.parametrize("args, words", [
    (["memory", "--model", "Llama 3 8B", "--sequence", "8k"], "'8k' is ambiguous (8,000 or 8,192?)"),
    (["step", "--model", "Llama 2 70B", "--hardware", "H100 SXM5", "--chips", "2048", "--global-batch", "1.5"],
     "expected a whole number"),
    (["optimal", "--compute", "1e25", "--params", "70b", "--tokens", "1.4t"], "--compute: give --compute alone"),
])
def test_whole_numbers_and_conflicting_flags_are_one_line(capsys, args, words):
    code, out, err = run(capsys, *args) if args[0] == "optimal" else _exit(capsys, args)
    assert code == 2 and words in err and out == ""


def _exit(capsys, args):
    try:
        return run(capsys, *args)
    except SystemExit as exc:
        out = capsys.readouterr()
        return exc.code, out.out, out.err


def test_whole_number_flags_read_as_other_numbers(capsys):
    code, out, _ = run(capsys, "memory", "--model", "Llama 3 8B", "--sequence", "8,192", "--data-parallel", "1e1")
    assert code == 0 and "data parallel 10" in out and "8,192 tokens" in out
    code, out, _ = run(capsys, "step", "--model", "llama 2 70b", "--hardware", "H100 SXM5", "--chips", "2048",
                       "--global-batch", "1536", "--tensor", "8", "--pipeline", "8")
    assert code == 0 and "step time" in out  # shape names are case-insensitive, as everywhere


def test_one_flag_one_meaning_across_commands():
    # issue 18: the same idea has the same flag, help and default in every command that takes it
    from calc.__main__ import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices
    for flag in ("--hardware", "--precision", "--config"):
        helps = {name: next(a.help for a in p._actions if flag in a.option_strings)
                 for name, p in sub.items() if any(flag in a.option_strings for a in p._actions)}
        assert len(helps) >= 2, flag
        stems = {h.split(" (default")[0] for h in helps.values()}
        assert len(stems) == 1, (flag, helps)


@pytest.mark.parametrize("rate", ["4 requests/s", "4 req/s", "240 requests/min", "4 per second", "4 rps", "4 QPS"])
def test_a_request_rate_reads_back_as_serve_prints_it(capsys, rate):
    """Fresh-eyes walk: serve printed "request rate: 4 requests/s" and refused "4 requests/s" (unknown unit 'requests');
    req/s, rps and QPS (MLPerf's Server load) are as people write a rate. The Serving page reads through the same."""
    code, out, err = run(capsys, "serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--request-rate", rate)
    assert code == 0, err
    assert "request rate: 4 requests/s" in out
    line = next(s for s in out.splitlines() if "request rate:" in s)
    printed = line.split("request rate: ")[1].split(",")[0]  # "4 requests/s"
    assert run(capsys, "serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--request-rate", printed)[0] == 0


def test_a_request_rate_of_another_kind_is_said_once(capsys):
    code, out, err = run(capsys, "serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--request-rate", "4 ms")
    assert code == 2 and err.strip() == ('calc: error: --request-rate: expected requests per second (1/s), e.g. "4/s" or '
                                         '"240/min" (a plain number is per second); got 4 ms (a time)'), err


@pytest.mark.parametrize("argv, said", [
    (["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--input-tokens", "1k"],
     "--input-tokens: '1k' is ambiguous (1,000 or 1,024?): write the number"),
    (["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--tensor", "two"],
     "--tensor: expected a whole number such as 4096 or 8,192, got 'two'"),
    (["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--input-tokens", "1000 GB"],  # a token count's unit only
     "--input-tokens: expected a whole number of tokens, such as 4096 or 8,192, got '1000 GB'"),
    (["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--tensor", "8 token"],
     "--tensor: expected a whole number without a unit, such as 4096 or 8,192, got '8 token'"),
    (["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--input-tokens", "1e30"],  # a whole number, too large
     "--input-tokens: expected a whole number of at most 2^53 (about 9 × 10¹⁵), got '1e30'"),
    (["lifetime", "--loss", "2.0", "--law"], "--law: expected a value after it"),
    (["estimat", "--params", "70B"], "unknown command 'estimat' (did you mean estimate?); expected one of estimate, "
                                     "claims, hardware, cost, thresholds, compare, params, memory, optimal, step, "
                                     "lifetime, backtest, serve"),
    ([], "expected a command, one of estimate, claims, hardware, cost, thresholds, compare, params, memory, optimal, "
         "step, lifetime, backtest, serve (python -m calc COMMAND --help says what each takes)"),  # was argparse's
    # "the following arguments are required: command", which names none
])
def test_argparse_s_own_refusals_name_the_flag_as_every_other(capsys, argv, said):
    """Fresh-eyes walk: "argument --input-tokens: ..." and "argument --law: expected one argument" beside every other
    error's "--flag: ..."."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and capsys.readouterr().err.strip() == f"calc: error: {said}"


def test_serve_names_a_config_by_its_file_not_custom(capsys):
    """Fresh-eyes walk: serve --config qwen3-8b.json answered for "custom on 1 x H100 SXM5"."""
    cfg = "data/configs/qwen3-8b.json"
    code, out, err = run(capsys, "serve", "--config", cfg, "--hardware", "H100 SXM5")
    assert code == 0 and out.startswith("qwen3-8b.json on 1 x H100 SXM5:"), out
    code, out, err = run(capsys, "serve", "--config", cfg, "--hardware", "H100 SXM5", "--json")
    assert json.loads(out)["model"] == "qwen3-8b.json"
    code, out, err = run(capsys, "serve", "--config", cfg, "--hardware", "H100 SXM5", "--frontier", "--points", "2")
    assert out.startswith("qwen3-8b.json on 1 x H100 SXM5:")
    code, out, err = run(capsys, "serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--json")
    assert json.loads(out)["model"] == "Llama 3 8B"


def test_serve_frontier_points_zero_is_refused_not_the_default(capsys):
    """Fresh-eyes walk: --points 0 drew the default 64 points (0 read as "not given")."""
    code, out, err = run(capsys, "serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--frontier", "--points", "0")
    assert code == 2 and "--points: expected a whole number >= 2, got 0" in err, err


@pytest.mark.parametrize("extra, flag", [(["--model", "Llama 3 8B"], "--model"), (["--chips", "8"], "--chips"),
                                         (["--disaggregated"], "--disaggregated")])
def test_serve_calibrate_says_the_flags_it_does_not_read(capsys, extra, flag):
    """Fresh-eyes walk: serve calibrate --file rows.csv --model "Llama 3 8B" fitted to every row, the model dropped
    without a word (the project says what it does not read, as --file without calibrate)."""
    code, out, err = run(capsys, "serve", "calibrate", "--file", "data/serving_calibration.csv", *extra)
    assert code == 2 and err.startswith(f"calc: error: {flag}: not read by calibrate") and not out, err


@pytest.mark.parametrize("extra", [[], ["--hardware", "H100 SXM5"]])
def test_lifetime_says_a_serving_price_size_it_does_not_read(capsys, extra):
    """Fresh-eyes walk: --serving-price-params 7B with no --serving-price was dropped without a word."""
    code, out, err = run(capsys, "lifetime", "--params", "13e9", "--tokens", "576e9", "--inference-tokens", "2T",
                         "--serving-price-params", "7B", *extra)
    assert code == 2 and err.startswith("calc: error: --serving-price-params: only used with") and not out, err
    with pytest.raises(InputError, match="serving_price_params: only used with a serving price"):
        __import__("calc").lifetime(params=13e9, tokens=576e9, inference_tokens="2T", serving_price_params="7B")


@pytest.mark.parametrize("name, meant", [("chinchilla", "hoffmann2022"), ("Chinchilla", "hoffmann2022"),
                                         ("kaplan", "kaplan2020"), ("devries", "devries2023")])
def test_a_scaling_law_named_as_people_name_it_gets_its_name(capsys, name, meant):
    """Fresh-eyes walk: --law chinchilla listed the laws without saying which one Chinchilla's is."""
    code, out, err = run(capsys, "lifetime", "--loss", "2.0", "--inference-tokens", "1T", "--law", name)
    assert code == 2 and err.strip().endswith(f"(did you mean {meant}?)"), err


@pytest.mark.parametrize("name", ["chinchila", "Chinchila", "chincilla", "chinchlla"])
def test_a_misspelt_common_name_of_a_scaling_law_is_told_by_it(capsys, name):
    """--law chinchila got no suggestion: the look-alike is drawn from calc.errors.nearest over the laws' names and
    their common name (Chinchilla, Hoffmann et al.'s model), and never accepted silently."""
    code, out, err = run(capsys, "lifetime", "--loss", "2.0", "--inference-tokens", "1T", "--law", name)
    assert code == 2 and err.strip().endswith("(did you mean hoffmann2022 (Chinchilla)?)"), err


def test_memory_layout_line_groups_its_digits(capsys):
    # fresh10: "micro-batch 1000000000 x 8,192 tokens": the sequence grouped, the micro-batch not
    code, out, _ = run(capsys, "memory", "--model", "Llama 3 8B", "--micro-batch", "1e6", "--data-parallel", "16384")
    assert code == 0 and "data parallel 16,384 x" in out and "micro-batch 1,000,000 x 8,192 tokens" in out


def test_version_is_said(capsys):
    # fresh10: "python -m calc --version" was refused as "expected a command"
    from importlib import metadata

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    out = capsys.readouterr().out
    assert exc.value.code == 0 and out.startswith("calc ")
    try:
        assert out.strip() == f"calc {metadata.version('calc')}"
    except metadata.PackageNotFoundError:
        assert "not installed" in out


def test_step_search_beyond_a_node_with_no_network_says_the_missing_link(capsys):
    # fresh11: 64 T4 (8 to a node, no network bandwidth in data/hardware.csv) were answered "no layout fits in
    # memory: more chips, a chip with more memory...", where Qwen2.5 3B fits on 8 of them
    # doors12: refused in one line naming the chip and the missing figure, as a layout given on them is
    assert main(["step", "--model", "Qwen2.5 3B", "--hardware", "T4", "--chips", "64", "--search",
                 "--global-batch", "1536"]) == 2
    err = capsys.readouterr().err
    assert err == ("calc: error: --hardware: data/hardware.csv has no network bandwidth for T4, which 64 chips need "
                   "(more than its node of 8): give 8 chips or fewer, or add the figure to data/hardware.csv\n"), err


def test_estimate_with_no_size_says_what_to_give(capsys):
    # fresh14's walk: 'calc estimate' alone printed a table of dashes ("params: needs active_params") and no word of
    # what to give, where compare refuses with it and the Estimate page says it
    code, out, err = run(capsys, "estimate")
    assert code == 0 and "params" in out
    assert "warning: the run's size is not given: give --params and --tokens, or --compute" in err
    code, out, err = run(capsys, "estimate", "--params", "7B", "--tokens", "1T", "--json")
    assert code == 0 and not any("size is not given" in w for w in json.loads(out)["warnings"])
    code, out, err = run(capsys, "estimate", "--hardware", "H100 SXM5", "--json")
    assert any("size is not given" in w for w in json.loads(out)["warnings"])


def test_memory_says_its_default_chip_in_the_answer(capsys):
    # doors15: 'calc memory --model ...' answered "fewest H100 SXM5 ..." and said the chip was a default only in
    # --help; now a line says so, as the training sequence's does, and --json says where the chip came from
    code, out, _ = run(capsys, "memory", "--model", "Llama 3 8B")
    assert code == 0 and "  the chip: H100 SXM5, the default; --hardware to change it" in out
    assert "fewest H100 SXM5 that hold the training state" in out
    code, out, _ = run(capsys, "memory", "--model", "Llama 3 8B", "--hardware", "A100 SXM4 80GB")
    assert code == 0 and "the default; --hardware" not in out and "fewest A100 SXM4 80GB" in out
    code, out, _ = run(capsys, "memory", "--model", "Llama 3 8B", "--json")
    d = json.loads(out)
    assert d["hardware"] == "H100 SXM5" and d["hardware_source"].startswith("the default")
    code, out, _ = run(capsys, "memory", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--json")
    assert json.loads(out)["hardware_source"] == "--hardware"


def test_a_config_s_shape_is_named_alike_at_serve_and_step(capsys, tmp_path):
    """train24: serve --config X.json titled the run "Llama 3 8B", step --config X.json "the shape of /path/X.json":
    one rule (calc.cli.flags.config_name): the row the shape is, else the file's name."""
    import shutil

    same = tmp_path / "mine.json"
    shutil.copy("data/configs/llama-3-8b.json", same)
    code, served, _ = run(capsys, "serve", "--config", str(same), "--hardware", "H100 SXM5", "--chips", "8")
    assert code == 0 and served.startswith("Llama 3 8B on 8 x H100 SXM5"), served[:80]
    for extra in (["--tensor", "2"], ["--search", "--top", "1"]):
        code, out, _ = run(capsys, "step", "--config", str(same), "--hardware", "H100 SXM5", "--chips", "8",
                           "--global-batch", "64", "--sequence", "2048", *extra)
        assert code == 0 and "Llama 3 8B on 8 x H100 SXM5" in out and str(tmp_path) not in out, out[:200]
    other = tmp_path / "thirty.json"
    other.write_text(same.read_text().replace('"num_hidden_layers": 32', '"num_hidden_layers": 30'))
    code, served, _ = run(capsys, "serve", "--config", str(other), "--hardware", "H100 SXM5", "--chips", "8")
    assert code == 0 and served.startswith("thirty.json on 8 x H100 SXM5"), served[:80]
    code, out, _ = run(capsys, "step", "--config", str(other), "--hardware", "H100 SXM5", "--chips", "8",
                       "--global-batch", "64", "--tensor", "2", "--sequence", "2048")
    assert code == 0 and "thirty.json on 8 x H100 SXM5" in out, out[:200]
