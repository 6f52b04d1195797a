"""A cluster's chips are a whole number from 1 to 2^53 (calc.reader.MAX_WHOLE: beyond, a float no longer tells one
whole number from the next, the bound of every other count the model takes: a flag's whole number, a config's
counts); more is refused in one line at every door, and a count far beyond any cluster on record is said."""

import pytest

import calc
from calc.__main__ import main
from calc.reader import MAX_WHOLE, whole_text
from calc.uncertainty import simulate

RUN = {"params": "7e9 param", "tokens": "1e12 token", "hardware": "H100 SXM5"}


@pytest.mark.parametrize("door, chips", [(calc.estimate, 1e300), (calc.estimate, 10**300),
                                         (calc.estimate, "1e16 GPU"), (calc.estimate, 2.0**53 * 2),
                                         (simulate, "1e6..1e300")])
def test_more_chips_than_a_float_counts_are_refused_in_python(door, chips):
    with pytest.raises(calc.InputError, match=r"^chips: expected a whole number of chips from 1 to 2\^53 "
                                              r"\(about 9 × 10¹⁵\), got "):
        door(**RUN, chips=chips)


@pytest.mark.parametrize("argv", [
    ["estimate", "--params", "7e9", "--tokens", "1e12", "--hardware", "H100 SXM5", "--chips", "1e300"],
    ["step", "--model", "Llama 2 7B", "--hardware", "H100 SXM5", "--chips", "1e300", "--global-batch", "64"],
    ["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--chips", "1e300"],
])
def test_and_at_the_command_line(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("calc: error: --chips: expected a whole number") and "2^53" in err, err


def test_the_bound_is_the_one_of_every_whole_number():
    assert calc.estimate(**RUN, chips=MAX_WHOLE)["chips"].value.m_as("chip") == MAX_WHOLE  # the last one taken
    assert whole_text(str(MAX_WHOLE)) == MAX_WHOLE
    with pytest.raises(calc.InputError, match="2\\^53"):
        whole_text(str(MAX_WHOLE * 2))


@pytest.mark.parametrize("door, chips, said", [(calc.estimate, 16_384, False), (calc.estimate, 100_000, False),
                                               (calc.estimate, 1_000_000, False), (calc.estimate, 10_000_000, True),
                                               (simulate, "1e5..1e7", True)])
def test_a_count_far_beyond_any_cluster_on_record_is_said(door, chips, said):
    # data/facts.csv: xAI's Colossus, 100,000 H100 GPUs, the largest cluster it holds; warned beyond 10x
    est = door(**RUN, chips=chips)
    est = getattr(est, "estimate", est)
    words = [w for w in est.warnings if w.startswith("chips: ")]
    assert bool(words) == said, est.warnings
    assert not words or "far beyond any cluster on record" in words[0] and "100,000" in words[0]


@pytest.mark.parametrize("chips, said", [("100k GPUs", False), ("2M GPUs", True)])
def test_serve_says_a_count_far_beyond_any_cluster_as_estimate_does(capsys, chips, said):
    # `serve --chips "2M GPUs"` served two million H100 without a word, where estimate warns
    from calc.__main__ import main

    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--chips", chips]) == 0
    err = capsys.readouterr().err
    assert ("warning: chips: 2 × 10⁶ chips is far beyond any cluster on record" in err) == said, err


@pytest.mark.parametrize("frontier", [[], ["--frontier", "--points", "3"]])
@pytest.mark.parametrize("chips, tokens, said", [("8", "1000", []), ("2M GPUs", "10000", ["input + output", "chips: "])])
def test_serve_json_carries_its_warnings_as_estimate_json_does(capsys, frontier, chips, tokens, said):
    # `serve --json` had no "warnings" key (they went to stderr only), where `estimate --json` carries the list
    import json

    from calc.__main__ import main

    argv = ["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--chips", chips, "--input-tokens", tokens]
    assert main([*argv, *frontier, "--json"]) == 0
    got = capsys.readouterr()
    warnings = json.loads(got.out)["warnings"]
    assert [w[:len(s)] for w, s in zip(warnings, said)] == said and len(warnings) == len(said), warnings
    assert got.err == ""  # as estimate --json: in the answer, not on stderr
    assert main([*argv, *frontier]) == 0  # the text mode says each on stderr, as before
    assert capsys.readouterr().err.count("warning: ") == len(said)


def test_a_chip_count_in_nodes_says_the_chips_to_write(capsys):
    # fresh12: "--chips '2 nodes'" (a 405B on two nodes) read "expected a quantity in chip (a chip count), got 2 node
    # (nodes)" and stopped there
    assert main(["serve", "--model", "Llama 3.1 405B", "--hardware", "H100 SXM5", "--chips", "2 nodes"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "write the chips the nodes hold: 2 nodes of 8 GPUs (an HGX H100 or H200) are 16 " \
                                   "chips" in err, err
    with pytest.raises(calc.InputError, match=r"1 node of 8 GPUs \(an HGX H100 or H200\) is 8 chips"):
        calc.estimate(**RUN, chips="1 node")


@pytest.mark.parametrize("chips, given, near", [("16383.9", "16,383.9 chip", "16,383 or 16,384"),
                                                (1024.5, "1,024.5 chip", "1,024 or 1,025"),
                                                ("8.5", "8.5 chip", "8 or 9")])
def test_a_fractional_count_is_shown_with_every_digit_given(chips, given, near):
    """fresh20: 16383.9 was shown to 4 figures, 'got 16,384 chip; did you mean 16,383 or 16,384?'."""
    with pytest.raises(calc.InputError) as exc:
        calc.estimate(**RUN, chips=chips)
    assert f"got {given}; did you mean {near}?" in str(exc.value), exc.value


@pytest.mark.parametrize("given, message", [
    (dict(chips=[8, float("nan")]), "chips: expected a finite number, got NaN (in an array of 2)"),
    (dict(chips=8, utilization=float("nan")), "utilization: expected a finite number, got NaN"),
])
def test_a_nan_is_said_as_nan(given, message):
    """fresh20: a NaN read 'got not a number chip (in an array of 2)'."""
    with pytest.raises(calc.InputError) as exc:
        calc.estimate(**{**RUN, **given})
    assert str(exc.value) == message


STEP = ("GPT-3 175B", "A100 SXM4 80GB", 1024)


@pytest.mark.parametrize("field, value", [("global_batch", 10**30), ("global_batch", 2**53 + 2), ("micro_batch", 1e30),
                                          ("tensor", "1e30")])
def test_predict_caps_every_layout_count_at_2_53_as_the_command_line_does(field, value):
    """train24: predict(..., global_batch=10**30) returned a step of 1.1e28 s, where --global-batch 1e30 is refused."""
    from calc.perf import predict

    layout = {"tensor": 8, "pipeline": 8, "global_batch": 1024, field: value}
    with pytest.raises(calc.InputError, match=rf"^{field}: expected a whole number of at most 2\^53") as exc:
        predict(*STEP, **layout)
    assert "\n" not in str(exc.value)


def test_predict_reads_a_layout_count_as_it_reads_the_chips():
    """train24: chips=1024.0 and chips='1024' were taken and tensor=8.0 refused ('expected a whole number >= 1, got
    8.0'): each count now follows the one rule of calc.reader.read_count."""
    from calc.perf import Layout, predict

    one = predict(*STEP, tensor=8, pipeline=8, global_batch=1536)
    for chips, counts in [(1024.0, dict(tensor=8.0, pipeline=8.0, global_batch=1536.0)),
                          ("1024", dict(tensor="8", pipeline="8", global_batch="1,536"))]:
        other = predict(STEP[0], STEP[1], chips, **counts)
        assert other.step_time == one.step_time and other.layout == one.layout
        assert type(other.layout.tensor) is int
    assert predict(*STEP, Layout(tensor=8.0, pipeline=8, global_batch=1536)).step_time == one.step_time
    with pytest.raises(calc.InputError, match=r"^tensor: expected a whole number >= 1, got 8.5$"):
        predict(*STEP, tensor=8.5, pipeline=8, global_batch=1536)
