"""A fresh-clone walk's findings (branch fresh18): each door says what it did with what it read."""

from calc.cli import main
from calc.serve import serve


def test_a_tiny_request_rate_says_little_s_mean_not_a_floor_of_one(capsys):
    """--request-rate 1e-30 said "1 sequences in flight on average": the rate's mean was clamped at the lowest load
    tried (10^-3) and the answer rounded up to one; Little's law gives the rate x a request's time in the system."""
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--request-rate", "1e-30"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "request rate" in x)
    assert "1 sequences in flight" not in line and "× 10⁻³⁰ sequences in flight on average (Little's law" in line, line
    s = serve("Llama 3 8B", "H100 SXM5", 1, request_rate=1e-30)
    busy = s.ttft.m_as("s") + 999 * s.tpot.m_as("s")  # the default 1,000 output tokens
    assert abs(s.mean_in_flight / (1e-30 * busy) - 1) < 0.02, s.mean_in_flight
    assert s.tokens_per_second["total"].m_as("token/s") < 1e-26 and s.to_dict()["mean_in_flight"] == s.mean_in_flight
    one = serve("Llama 3 8B", "H100 SXM5", 1, request_rate=1 / busy)  # about one in flight: singular
    assert abs(one.mean_in_flight - 1) < 0.1


def test_step_budget_zero_says_above_zero_and_search_with_budget_is_refused(capsys):
    base = ["step", "--model", "Llama 2 7B", "--hardware", "H100 SXM5", "--chips", "64", "--tokens", "1e11"]
    for bare in ("0", "-5", "2e6"):
        assert main([*base, "--budget", bare]) == 2
        err = capsys.readouterr().err
        assert f"above zero, got '{bare}': a number with no unit" in err and err.count("\n") == 1, err
    assert main([*base, "--budget", "abc"]) == 2
    assert "above zero" not in capsys.readouterr().err
    assert main([*base, "--budget", "$1M", "--search"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("calc: error: --search: not read with --budget") and "not both" in err, err


def test_show_refuses_an_unknown_kind_naming_it_and_the_known_ones():
    import pytest

    from calc import QUANTITIES
    from calc.display import show
    from calc.errors import InputError
    from calc.units import Q_
    from calc.vocabulary import BY_NAME

    assert show("cost", Q_(1, "USD")) == "$1"
    with pytest.raises(InputError, match=r"^name: expected one of the kinds params, .*emissions, ttft, tpot, "
                                         r"serving_price, got 'cst' \(did you mean cost\?\)$"):
        show("cst", Q_(1, "USD"))  # read "1 USD", the fallback of a name it did not know
    for name in QUANTITIES:  # every known kind still shows
        assert show(name, Q_(1, str(BY_NAME[name].unit)))
    assert show("tpot", Q_(0.054, "s")) == "54 ms" and show("serving_price", Q_(0.679, "USD/Mtoken")) == "$0.679/Mtoken"


def test_capacity_factor_is_refused_where_it_cannot_be_read(capsys):
    moe = ["step", "--hardware", "H100 SXM5", "--chips", "64", "--global-batch", "512", "--model", "Mixtral 8x7B",
           "--tensor", "8", "--expert", "8", "--micro-batch", "1", "--recompute", "full"]
    said = {"inf": "expected a positive expert capacity factor (MaxText's 1.25), got inf",  # was an OverflowError
            "0": "expected a positive expert capacity factor (MaxText's 1.25), got 0",  # was "got 0.0"
            "1e9": "expected at most E / k = 4 (8 experts, 2 a token)"}  # was a step of 1.18 × 10¹⁰ s
    for value, words in said.items():
        assert main([*moe, "--capacity-factor", value]) == 2
        err = capsys.readouterr().err
        assert err.startswith("calc: error: --capacity-factor: ") and words in err and err.count("\n") == 1, err
    assert main([*moe, "--capacity-factor", "4"]) == 0  # E / k itself: a slot for every token
    assert "expert capacity factor 4 (token dropping)" in capsys.readouterr().out
    dense = ["step", "--hardware", "H100 SXM5", "--chips", "64", "--global-batch", "512", "--model", "Llama 2 7B"]
    assert main([*dense, "--capacity-factor", "1.25"]) == 2  # its layout said "expert capacity factor 1.25"
    assert "read only for a mixture of experts" in capsys.readouterr().err


def test_display_names_every_quantity_of_the_vocabulary():
    # calc.display sits below calc.vocabulary (the floors contract) and names the quantities it formats itself
    from calc import display
    from calc.vocabulary import QUANTITIES

    assert set(display.QUANTITY_KINDS) == set(QUANTITIES)
