"""Chips with no network figure in data/hardware.csv (RTX 6000 Ada, T4, the workstation cards) are not laid out over
more than a node (doors12): the search refuses such a chip count in one line naming the chip and the missing figure,
as a layout given on them is refused; where the tool picks the counts itself (``step --budget``) it stops at the node
and says so; ``estimate --chips`` keeps its default utilization and says why none is modelled."""

import pytest

from calc import data, perf
from calc.__main__ import main
from calc.errors import MissingLink
from calc.perf.utilization import modelled_utilization, why_not

UNLINKED = [name for name, row in data.hardware_table().items() if row.network_bandwidth is None
            and row.intra_node_bandwidth is not None and (row.chips_per_node or 1) > 1]


def test_the_workstation_cards_are_among_them():
    assert {"RTX 6000 Ada", "T4"} <= set(UNLINKED)


@pytest.mark.parametrize("chip", UNLINKED)
def test_the_search_refuses_more_than_a_node(chip):
    node = data.hardware(chip).chips_per_node
    with pytest.raises(MissingLink) as exc:
        perf.search("Llama 3 8B", chip, 8 * node, 512, top=1)
    assert f"no network bandwidth for {chip}" in exc.value.message and f"give {node:,} chips or fewer" in exc.value.message
    assert modelled_utilization("Llama 3 8B", chip, 8 * node) is None
    assert "no network bandwidth" in why_not("Llama 3 8B", chip, 8 * node)


def test_one_node_is_still_searched():
    assert perf.search("Llama 3 8B", "RTX 6000 Ada", 8, 512, top=1).steps


def test_step_search_is_refused_in_one_line(capsys):
    argv = ["step", "--model", "Llama 3 8B", "--hardware", "RTX 6000 Ada", "--chips", "64", "--global-batch", "512"]
    assert main([*argv, "--search"]) == 2
    searched = capsys.readouterr().err
    assert main([*argv, "--tensor", "8"]) == 2  # a layout given: refused by the same missing figure
    given = capsys.readouterr().err
    for err in (searched, given):
        assert err.count("\n") == 1 and "no network bandwidth for RTX 6000 Ada" in err, err


def test_the_budget_stops_at_the_node_and_says_so(capsys):
    assert main(["step", "--model", "Llama 3 8B", "--hardware", "RTX 6000 Ada", "--chips", "64", "--global-batch",
                 "512", "--budget", "100k GPU-hours", "--tokens", "1e11", "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert max(o["chips"] for o in out["options"]) <= 8
    assert "Chip counts stop at 8: data/hardware.csv has no network bandwidth for RTX 6000 Ada" in out["why"]


def test_estimate_keeps_the_default_and_says_why(capsys):
    assert main(["estimate", "--model", "Llama 3 8B", "--hardware", "RTX 6000 Ada", "--chips", "64", "--tokens",
                 "1e12", "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["quantities"]["utilization"]["source"] == "default"
