"""A chip whose links data/hardware.csv does not give (TPU v2: no fast-link or network bandwidth) is refused in words
for what the user gave: a chip alone (lifetime), a chip count (serve --chips), or a layout (serve --tensor)."""

import pytest

from calc.__main__ import main
from calc.errors import MissingLink
from calc.serve import serve
from calc.service_life import lifetime_prices


def _err(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("run, served, fewer", [
    (["--loss", "2"], "Llama 3 70B's shape scaled to 15.2B parameters", "more than 1 chip, and 2 or more"),
    (["--model", "Llama 2 70B"], "Llama 2 70B's shape", "more than 8 chips, and 16 or more"),
])
def test_lifetime_on_a_chip_without_links_says_it_for_the_chip_given(capsys, run, served, fewer):
    err = _err(capsys, ["lifetime", "--hardware", "TPU v2", "--inference-tokens", "2T", *run])
    assert "layout" not in err, err  # the user gave no layout
    assert err.startswith("calc: error: --hardware: data/hardware.csv has no network bandwidth for TPU v2, which "
                          f"serving {served} needs: its weights take {fewer} need that link; give a serving price"), err


def test_the_python_door_says_it_alike():
    with pytest.raises(MissingLink, match="which serving Llama 3 70B's shape scaled to 15.2B parameters needs") as exc:
        lifetime_prices("TPU v2", loss=2)
    assert exc.value.field == "hardware" and (exc.value.chip, exc.value.link) == ("TPU v2", "network")


def test_serve_says_it_for_the_chips_given_or_the_layout_given(capsys):
    argv = ["serve", "--model", "Llama 3 70B", "--hardware", "TPU v2", "--chips", "16"]
    assert _err(capsys, argv).endswith("no network bandwidth for TPU v2, which serving on 16 chips needs (every "
                                       "split of them that holds the weights uses it)\n")
    assert _err(capsys, argv + ["--tensor", "16"]).endswith("for TPU v2, which this layout needs\n")
    with pytest.raises(MissingLink, match="which serving on 16 chips needs"):
        serve("Llama 3 70B", "TPU v2", 16)


@pytest.mark.parametrize("extra, python", [
    ([], {}),
    (["--precision", "fp8"], {"precision": "fp8"}),
    (["--serving-price", "2 USD/Mtoken"], {"serving_price": "2 USD/Mtoken"}),
])
def test_python_prices_a_chip_as_the_command_line_does(capsys, extra, python):
    """fresh13: `calc lifetime --model M --inference-tokens T --hardware H` models the missing prices on the chip, where
    calc.lifetime(model=M, inference_tokens=T, hardware=H) refused ("hardware: only used with a training price per
    chip-hour"): the same question, one door answering and the other not."""
    import json

    from calc.lifetime import lifetime

    argv = ["lifetime", "--model", "Llama 3.1 405B", "--inference-tokens", "20T", "--hardware", "H100 SXM5", "--json"]
    assert main(argv + extra) == 0
    cli = json.loads(capsys.readouterr().out)["dollars"]
    r = lifetime(model="Llama 3.1 405B", inference_tokens="20T token", hardware="H100 SXM5", **python)
    for plan, mine in (("optimum", r.cost_optimum), ("compute_optimal", r.compute_optimal_cost), ("given", r.given_cost)):
        for q in ("params", "training_cost", "serving_cost"):
            assert getattr(mine, q).m == pytest.approx(cli[plan][q]["value"], rel=1e-9), (plan, q)


def test_python_refuses_a_served_format_nothing_reads():
    from calc.errors import InputError
    from calc.lifetime import lifetime

    with pytest.raises(InputError, match="served weights' format") as exc:
        lifetime(model="Llama 3.1 405B", inference_tokens="20T token", precision="fp8")
    assert exc.value.field == "precision"
