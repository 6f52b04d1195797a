"""compare --model with a parameter count beside it reads the two as estimate --model does (fresh17): the count
is the shape's within the tolerance, else the two disagree and the error says so. It was merged under the shape's
active parameters and refused as 'active parameters exceed total parameters', a flag never given, even for
Llama 3 70B's 70e9 against its 70.6B."""

from __future__ import annotations

from calc.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_count_far_from_the_shape_is_said_as_the_two_disagreeing(capsys):
    code, out, err = run(capsys, "compare", "--params", "70e9", "--tokens", "1.4e12", "--chips", "1024",
                         "--model", "GPT-3 175B", "--hardware", "H100 SXM5")
    assert code == 2 and not out
    assert err.startswith("calc: error: --params, --model: 7 × 10¹⁰ param given, and the shape of 'GPT-3 175B' has "
                          "1.746 × 10¹¹ param"), err
    assert "active" not in err


def test_a_count_within_the_tolerance_is_the_shapes_as_estimate_reads_it(capsys):
    code, out, err = run(capsys, "compare", "--params", "70e9", "--tokens", "1.4e12", "--chips", "1024",
                         "--model", "Llama 3 70B", "--hardware", "H100 SXM5", "--utilization", "0.4")
    assert code == 0, err
    _, est, err = run(capsys, "estimate", "--params", "70e9", "--tokens", "1.4e12", "--chips", "1024",
                      "--model", "Llama 3 70B", "--hardware", "H100 SXM5", "--utilization", "0.4")
    duration = next(line.split()[1:3] for line in est.splitlines() if line.startswith("duration"))
    assert " ".join(duration) in out.splitlines()[1], (duration, out)


def test_a_count_against_a_config_is_said_by_config_not_model(capsys):
    # estimate --config FILE --params 7e9: the conflict named "--params, --model", a flag the line never gave
    code, out, err = run(capsys, "estimate", "--config", "data/configs/llama-2-70b.json", "--params", "7e9",
                         "--tokens", "1e12")
    assert code == 2 and not out
    assert err.startswith("calc: error: --params, --config: 7 × 10⁹ param given, and the model's shape has"), err


def test_a_published_runs_counts_without_model_say_how_to_get_the_compare_pages_answer(capsys):
    """70e9 params and 2T tokens are Llama 2 70B's published run: the Compare page models each chip's MFU for its
    shape, the CLI took the 37% default unsaid (doors23b). The CLI says which flags give the page's answer, and they
    do: the page's rows (compare_hardware with the shape, the scenario's 6 FLOP per parameter-token)."""
    from calc.compare import compare_hardware
    from calc.display import show

    base = ["compare", "--params", "70e9", "--tokens", "2T", "--chips", "1024", "--hardware", "H100 SXM5"]
    code, out, err = run(capsys, *base)
    assert code == 0 and "37%" in out, err
    hint = '(--params and --tokens are Llama 2 70B\'s published run, whose shape the Compare page takes for each '
    assert hint in out and 'add --model "Llama 2 70B" --flop-per-param-token 6 for its answer' in out, out
    code, out, err = run(capsys, *base, "--model", "Llama 2 70B", "--flop-per-param-token", "6")
    assert code == 0, err
    page = compare_hardware({"params": "70e9", "tokens": "2T", "chips": "1024"}, ["H100 SXM5"], model="Llama 2 70B")
    row = page["H100 SXM5"]
    assert show("utilization", row["utilization"].value, short=True) in out
    assert show("duration", row["duration"].value, short=True) in out
    assert "published run" not in out  # with --model: nothing more to say
    code, out, err = run(capsys, "compare", "--params", "71e9", "--tokens", "2T", "--chips", "1024")  # no run's counts
    assert code == 0 and "published run" not in out, err


def test_a_flop_count_given_beside_a_model_is_said_as_given_not_as_the_shape_s(capsys):
    """doors23b: with --flop-per-param-token 6 beside --model the note still read 'FLOP per token of Llama 2 70B at
    4,096 tokens a sequence', which the answer no longer used."""
    code, out, _ = run(capsys, "compare", "--params", "70e9", "--tokens", "2T", "--chips", "1024", "--model",
                       "Llama 2 70B", "--flop-per-param-token", "6")
    assert code == 0 and "FLOP per parameter per token: 6, as given" in out and "FLOP per token of" not in out
