"""People read numbers with their units (convention 13): the command line's calibration of the serving
coefficients says ms and fraction, not bare floats ("decode_step_overhead 0.00276 -> 0.002334")."""

import re
from pathlib import Path

from calc.cli import main

ROWS = Path(__file__).resolve().parents[1] / "data" / "serving_calibration.csv"


def test_serve_calibrate_gives_each_coefficient_its_unit(capsys):
    assert main(["serve", "calibrate", "--file", str(ROWS)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[1:] if line.startswith("  ") and "->" in line}
    assert re.search(r"decode_step_overhead\s+1\.66 -> [\d.]+ ms", lines["decode_step_overhead"]), out
    assert lines["decode_layer_overhead"].split("->")[1].split()[1] == "ms"
    assert "(fraction)" in lines["decode_bandwidth_efficiency"] and "(fraction)" in lines["prefill_matmul_efficiency"]


# fresh-eyes walk: numbers past a few digits printed raw, tables misaligned, a header without its model


def test_serve_concurrency_beyond_memory_says_gb_in_the_project_s_numbers(capsys):
    assert main(["serve", "--model", "Llama 3 70B", "--hardware", "H100 SXM5", "--chips", "8",
                 "--concurrency", "1e9"]) == 2
    err = capsys.readouterr().err
    assert "81920000.0 GB" not in err and "8.19 × 10⁷ GB" in err and "a concurrency of 10⁹" in err, err


def test_lifetime_columns_stay_apart_at_huge_demand(capsys):
    assert main(["lifetime", "--loss", "2.0", "--inference-tokens", "1e40"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("lifetime optimum"))
    assert "params  " in row and "tokens  " in row, row  # "1.48B params1.78 × 10³³ tokens" ran together
    head = next(line for line in out.splitlines() if line.strip().startswith("params"))
    assert len(head) == len(row)  # the header's columns over the rows'
    assert "14215357653421335248896" not in out


def test_step_with_absurd_chips_says_counts_in_the_project_s_numbers(capsys):
    # (at most 2^53 chips, calc.reader.MAX_WHOLE: the whole numbers a float holds)
    argv = ["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--chips", "1e15", "--global-batch", "1536"]
    assert main(argv + ["--tensor", "8", "--pipeline", "8"]) == 2
    err = capsys.readouterr().err
    assert "1.56 × 10¹³ data-parallel ranks" in err and "1,536 sequences" in err, err
    assert main(argv + ["--search"]) == 0
    assert "split of 10¹⁵ chips" in capsys.readouterr().out


def test_hardware_table_aligns_the_longest_name(capsys):
    assert main(["hardware"]) == 0
    lines = capsys.readouterr().out.splitlines()
    starts = {line.index(" GB") for line in lines[1:] if " GB" in line and not line.startswith("(")}  # the memory
    # column ends at one place (a note below the table, "(no public rental price ... GB200", is not a row)
    assert len(starts) == 1, starts
    from calc.data import hardware_table

    longest = max(hardware_table().values(), key=lambda h: len(h.name))  # RTX PRO 6000 Blackwell Server
    assert any(line.startswith(f"{longest.name} {longest.vendor}") for line in lines)


def test_serve_frontier_header_names_the_model_and_chips(capsys):
    assert main(["serve", "--model", "Llama 3 70B", "--hardware", "H100 SXM5", "--chips", "8", "--frontier",
                 "--points", "3"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("Llama 3 70B on 8 x H100 SXM5: tensor")


def test_step_layout_line_shows_the_options_set(capsys):
    assert main(["step", "--model", "Qwen3 235B-A22B", "--hardware", "H100 SXM5", "--chips", "1024", "--tensor", "4",
                 "--pipeline", "8", "--expert", "8", "--global-batch", "1024", "--attention-kernel", "cudnn",
                 "--expert-overlap", "--recompute-modules", "moe_act,layernorm"]) == 0
    line = capsys.readouterr().out.splitlines()[1]  # after "model  Qwen3 235B-A22B on 1,024 x H100 SXM5"
    assert line.endswith("; cudnn attention, expert overlap, recompute moe_act,layernorm"), line


def test_step_sequence_error_names_the_model_s_context_length_not_the_context_flag(capsys):
    # in `step`, --context is the context-parallel ranks
    assert main(["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--chips", "1024", "--global-batch",
                 "1536", "--sequence", "4096", "--tensor", "8", "--pipeline", "8"]) == 2
    err = capsys.readouterr().err
    assert "--context" not in err.replace("--sequence", "") and "the model's context length" in err, err


def test_lifetime_compute_columns_name_their_unit_and_the_printed_loss_reads_back(capsys):
    """Fresh-eyes walk: the lifetime table's training and lifetime columns were bare numbers (5.21 × 10²²), and the
    loss it prints ("target loss 1.9753 nats/token") was refused as --loss ("unknown unit 'nats'", e.g. "0.4", a loss
    below every law's floor)."""
    assert main(["lifetime", "--params", "13e9", "--tokens", "576e9", "--inference-tokens", "2T"]) == 0
    out = capsys.readouterr().out
    head = next(line for line in out.splitlines() if line.strip().startswith("params"))
    assert head.split()[-4:] == ["training", "FLOP", "lifetime", "FLOP"], head
    printed = out.split("target loss ")[1].split(" under")[0]  # "1.9753 nats/token"
    assert printed.endswith(" nats/token")
    assert main(["lifetime", "--loss", printed, "--inference-tokens", "2T"]) == 0
    assert f"target loss {printed} under" in capsys.readouterr().out
    assert main(["lifetime", "--loss", "2 furlongs", "--inference-tokens", "2T"]) == 2
    assert 'e.g. "2.0" or "2.0 nats/token"' in capsys.readouterr().err


def test_lifetime_echoes_a_refused_count_without_e_notation(capsys):
    """Fresh-eyes walk: "expected a non-negative number of tokens, got -2e+12", at the command line and in the
    Lifetime page's warning for a link."""
    assert main(["lifetime", "--loss", "2.0", "--inference-tokens", "-2T"]) == 2
    err = capsys.readouterr().err
    assert "got -2 × 10¹²" in err and "e+12" not in err, err


def test_serve_frontier_header_says_weights_and_kv_cache_as_the_answer_does(capsys):
    """Fresh-eyes walk: the frontier's header ended "1 replica(s), bf16", the answer's "weights bf16, KV cache bf16"."""
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--frontier", "--points", "2",
                 "--kv-precision", "fp8"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(", weights bf16, KV cache fp8")


def test_one_replica_is_said_in_the_singular(capsys):
    """fresh12: every answer's first line read "1 replica(s)" (the command line, the Serving page, its captions)."""
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5"]) == 0
    assert ", 1 replica, weights" in capsys.readouterr().out.splitlines()[0]
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--chips", "2", "--tensor", "1"]) == 0
    assert ", 2 replicas, weights" in capsys.readouterr().out.splitlines()[0]


def test_an_example_for_a_refused_negative_plain_number_is_a_valid_input(capsys):
    """Fresh-eyes walk: --carbon-intensity -1 was answered 'give a unit, e.g. "-1 kg/kWh"', itself refused."""
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--carbon-intensity", "-1"]) == 2
    assert 'e.g. "1 kg/kWh"' in capsys.readouterr().err


def test_thresholds_lines_keep_their_column_for_the_longest_measure(capsys):
    """fresh12: "cluster peak (fp16-nontensor)" ran into the rule's name one column to the right of every other row."""
    assert main(["thresholds", "--compute", "3.8e25", "--chips", "100000", "--hardware", "H100 SXM5"]) == 0
    rows = [r for r in capsys.readouterr().out.splitlines() if r.startswith(("below", "CROSSES", "at line"))]
    assert any("fp16-nontensor" in r for r in rows)
    assert len({r.index("Executive Order") for r in rows if "Executive Order" in r}) == 1, rows


def test_thresholds_says_a_cluster_beyond_any_on_record_as_estimate_does(capsys):
    """fresh12: a billion H100 reached 10^25 FLOP in 26.6 seconds without a word (estimate and serve warn)."""
    assert main(["thresholds", "--chips", "1e9", "--hardware", "H100 SXM5"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: chips: 10⁹ chips is far beyond any cluster on record") and err.count("\n") == 1
    assert main(["thresholds", "--chips", "1000", "--hardware", "H100 SXM5"]) == 0
    assert capsys.readouterr().err == ""


def test_a_range_s_table_keeps_its_source_column(capsys):
    """fresh12: chip-hours' interval ran past the 52-character column and pushed its source one column right."""
    assert main(["estimate", "--params", "175e9", "--tokens", "300e9", "--hardware", "V100 SXM2", "--chips", "10000",
                 "--utilization", "0.2..0.5", "--samples", "1000"]) == 0
    rows = [r for r in capsys.readouterr().out.splitlines()[1:] if r.rstrip().endswith(("given", "derived", "default"))]
    assert len({len(r.rstrip()) - len(r.rstrip().split()[-1]) for r in rows}) == 1, rows


def test_compare_shows_each_chip_s_utilization_where_none_is_given(capsys):
    """fresh12: compare --model gave each chip its own modelled MFU (H100 50%, MI300X 40%) and the table said no word of
    it: the durations differed for a reason not on the screen."""
    assert main(["compare", "--model", "llama 3 70b", "--tokens", "15T", "--chips", "1024", "--hardware", "H100 SXM5",
                 "--hardware", "TPU v3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "utilization" in out[0] and re.search(r"H100 SXM5 .* \d+(\.\d)?% ", out[1]), out
    assert out[-1].startswith("(utilization: the modelled MFU of each chip's fastest layout for Llama 3 70B; a chip")
    assert main(["compare", "--params", "70e9", "--tokens", "1.4e12", "--chips", "1024", "--utilization", "0.4"]) == 0
    assert "utilization" not in capsys.readouterr().out  # given: one for every chip, not a column


def test_serving_prices_are_written_in_cents(capsys):
    """fresh12: Llama 3.1 70B in fp8 on 8 H100 cost "$0.3 input, $0.9 output" per million tokens; 70B in bf16 "$1.1"."""
    assert main(["serve", "--model", "Llama 3.1 70B", "--hardware", "H100 SXM5", "--chips", "8", "--precision", "fp8"]) == 0
    line = next(r for r in capsys.readouterr().out.splitlines() if "$ per million tokens" in r)
    assert re.search(r"\$\d+\.\d\d+ input, \$\d+\.\d\d+ output, \$\d+\.\d\d+ blended", line), line


def test_one_chip_one_sequence_one_rank_are_singular(capsys):
    # doors13 (fresh12's list): "1 chips are not a multiple of tensor x pipeline x context", and the other counts built
    # as f"{n} chips" that can be one
    said = {
        ("step", "--model", "Llama 2 7B", "--hardware", "H100 SXM5", "--chips", "1", "--tensor", "8", "--global-batch",
         "8"): "expected a multiple of tensor x pipeline x context = 8 x 1 x 1, got 1 chip (",
        ("step", "--model", "Llama 2 7B", "--hardware", "H100 SXM5", "--chips", "2", "--global-batch", "1"):
            "micro-batches of 1 over 2 data-parallel ranks, got 1 sequence (",
        ("step", "--model", "Llama 2 7B", "--hardware", "H100 SXM5", "--chips", "1", "--global-batch", "1",
         "--micro-batch", "2"): "of 2 over 1 data-parallel rank, got 1 sequence (",
        ("serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--chips", "1", "--pipeline", "2"):
            "2 pipeline stages do not divide the 1 chip",
        ("serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--chips", "1", "--tensor", "2"):
            "tensor x pipeline = 2 chips must divide the 1 chip (each",
    }
    for argv, words in said.items():
        assert main(list(argv)) == 2
        err = capsys.readouterr().err
        assert words in err and "1 chips" not in err and "1 sequences" not in err, err


def test_one_chip_s_price_and_purchase_are_singular():
    from calc.cost import acquisition_cost
    from calc.prices import read_price

    assert acquisition_cost(1, "H100 SXM5", "2025-01-01").basis.startswith("1 chip × $")
    assert "per hour for 1 chip (" in read_price("$2/node/hour", "H100 SXM5", chips_per_node=1)[1]


def test_step_tables_write_one_format_down_a_column(capsys):
    # fresh24: the budget table's chip-hours read "161,037" beside "4.45 × 10⁶" (the summary line "4.58M"), the
    # search table's memory "76 GB" beside "77.2 GB"
    assert main(["step", "--model", "DeepSeek-V3", "--hardware", "H800 SXM5", "--chips", "8192", "--budget", "$10M",
                 "--tokens", "14.8T", "--precision", "fp8"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.lstrip()[:1].isdigit() and " days " in line]
    hours = [line.split(" days ")[1].split()[0] for line in rows]
    assert len(hours) >= 2 and all(re.fullmatch(r"\d+(\.\d+)?[kM]", h) for h in hours), rows
    assert main(["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--chips", "1024", "--global-batch",
                 "1536", "--search"]) == 0
    gb = [line.split()[-2] for line in capsys.readouterr().out.splitlines() if line.endswith(" GB")]
    assert len(gb) >= 5 and all(re.fullmatch(r"\d+\.\d", g) for g in gb), gb
