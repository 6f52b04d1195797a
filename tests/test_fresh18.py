"""A fresh-clone walk's findings (branch fresh18): each door says what it did with what it read."""

from calc.cli import main
from calc.serve import serve


def test_a_tiny_request_rate_says_little_s_mean_not_a_floor_of_one(capsys):
    """--request-rate 1e-30 said "1 sequences in flight on average": the rate's mean was clamped at the lowest load
    tried (10^-3) and the answer rounded up to one; Little's law gives the rate x a request's time in the system."""
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--request-rate", "1e-30"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "request rate" in x)
    assert "1 sequences" not in line and "× 10⁻³⁰ sequences in flight on average (Little's law" in line, line
    s = serve("Llama 3 8B", "H100 SXM5", 1, request_rate=1e-30)
    busy = s.ttft.m_as("s") + 999 * s.tpot.m_as("s")  # the default 1,000 output tokens
    assert abs(s.mean_in_flight / (1e-30 * busy) - 1) < 0.02, s.mean_in_flight
    assert s.tokens_per_second["total"].m_as("token/s") < 1e-26 and s.to_dict()["mean_in_flight"] == s.mean_in_flight
    one = serve("Llama 3 8B", "H100 SXM5", 1, request_rate=1 / busy)  # about one in flight: singular
    assert abs(one.mean_in_flight - 1) < 0.1
