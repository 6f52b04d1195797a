"""What `python -m benchmarks.validate_serve` prints below its table reads as words: the timing says what it timed,
and the two latency readings say what they count (within 25%), not a bare "0.6 s" and "TTFT 39 of 120"."""

import re

from benchmarks import validate_serve


def test_the_lines_below_the_table_say_what_they_count(capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["validate_serve"])
    validate_serve.main()
    tail = capsys.readouterr().out.rstrip().splitlines()[-3:]
    assert re.fullmatch(r"\d+ of \d+ rows scored in \d+\.\d s", tail[0]), tail[0]
    for line, name in zip(tail[1:], ("at the rate each run completed", "at the model's limit-bound load")):
        assert line.startswith(f"Server and Interactive latencies within 25%, {name}") and \
            re.search(r": TTFT \d+ of \d+, TPOT \d+ of \d+$", line), line
