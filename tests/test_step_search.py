"""Layout search and budget search: what they list, how they rank, what they refuse."""

import json

import pytest

from calc import Q_, perf
from calc.architecture import published
from calc.cost import default_price
from calc.errors import InputError
from calc.perf.search import same

GPT3 = published()["GPT-3 175B"][0]
LLAMA3_8B = published()["Llama 3 8B"][0]


def test_search_lists_no_layout_twice_and_the_simpler_of_a_tie():
    # Llama 3 8B at 64k tokens on 8 H100: layouts that hold the same tokens per chip get the same time and memory
    # (at 8k, two context ranks no longer tie with one: each chip's attention kernels then run on 4k queries, below
    # the long-sequence rate, calc.perf.system.attention_sequence_share)
    r = perf.search(LLAMA3_8B, "H100 SXM5", 8, 16, sequence=65536, top=10)
    pairs = [(a, b) for i, a in enumerate(r.steps) for b in r.steps[i + 1:]]
    assert not any(same(a, b) for a, b in pairs)
    assert r.ties > 0
    described = [s.layout.describe() for s in r.steps]
    assert len(set(described)) == len(described)
    assert all(s.fits for s in r.steps)


def test_faster_layouts_that_do_not_fit_do_not_depend_on_how_many_are_listed():
    # the Parallel layouts page lists 8, the command line 10: both must report the same count
    counts = {perf.search(GPT3, "H100 SXM5", 1024, 1536, sequence=2048, top=top).refused for top in (1, 8, 10, 20)}
    assert len(counts) == 1


@pytest.mark.parametrize("model, chips, batch, seq", [(GPT3, 1024, 1536, 2048), (LLAMA3_8B, 8, 64, 8192),
                                                      (LLAMA3_8B, 4, 8, 2048)])
def test_why_names_the_parts_and_ends_with_a_sentence(model, chips, batch, seq):
    why = perf.search(model, "H100 SXM5", chips, batch, sequence=seq).why
    assert why.endswith(".") and not why.endswith(": .") and "is fastest" in why


def test_nothing_to_try_ends_its_sentence():
    # fresh-eyes walk: `thresholds --model "Llama 3.1 405B"` (16,384 H100, a global batch of 512) ended its reason
    # "... a chip count and a global batch with more factors of two (1,024; 1,536; 2,048) would"
    found = perf.search(published()["Llama 3.1 405B"][0], "H100 SXM5", 16384, 512, sequence=8192)
    assert not found.steps and found.why.startswith("no layout to try")
    assert found.why.endswith("would leave layouts to try") and "a larger global batch" in found.why


def test_budget_search_finishes_fastest_within_the_budget():
    r = perf.budget_search(GPT3, "H100 SXM5", 1536, "300e9 token", "$1.5M", sequence=2048)
    price = default_price("H100 SXM5").price.m_as("USD/chip/hour")
    assert r.price.m_as("USD/chip/hour") == price
    for o in r.options:  # cost = chips x steps x step time x price
        hours = o.chips * 300e9 / (1536 * 2048) * o.step.step_time.m_as("s") / 3600
        assert o.chip_hours.m_as("chip*hour") == pytest.approx(hours)
        assert o.cost.m_as("USD") == pytest.approx(hours * price)
        assert o.within == (o.cost.m_as("USD") <= 1.5e6)
    within = [o for o in r.options if o.within]
    assert r.best is min(within, key=lambda o: o.duration)
    assert any(not o.within and o.duration < r.best.duration for o in r.options)  # more chips: over budget
    assert "within $1.5M" in r.why and r.why.endswith(".")


def test_budget_in_chip_hours_and_the_cheapest_goal():
    fast = perf.budget_search(GPT3, "H100 SXM5", 1536, "300e9 token", "250k GPU-hours", sequence=2048)
    cheap = perf.budget_search(GPT3, "H100 SXM5", 1536, "300e9 token", "250k GPU-hours", sequence=2048,
                               goal="cheapest")
    assert fast.best.chip_hours.m_as("chip*hour") <= 250e3
    assert cheap.best.chip_hours <= fast.best.chip_hours and cheap.best.duration >= fast.best.duration
    assert cheap.best is min(cheap.options, key=lambda o: o.chip_hours)


def test_budget_search_with_a_given_price_and_a_largest_cluster():
    r = perf.budget_search(GPT3, "H100 SXM5", 1536, "300e9 token", "$10M", sequence=2048, price="2 USD/chip/hour",
                           max_chips=1024)
    assert max(o.chips for o in r.options) <= 1024 and r.best.chips == 1024
    assert r.best.cost.m_as("USD") == pytest.approx(2 * r.best.chip_hours.m_as("chip*hour"))


def test_a_budget_too_small_says_what_the_cheapest_run_costs():
    r = perf.budget_search(GPT3, "H100 SXM5", 1536, "300e9 token", "$10k", sequence=2048)
    assert r.best is None and r.why.startswith("no run fits within $10k")


@pytest.mark.parametrize("kw, field", [(dict(budget="2M"), "budget"), (dict(budget="3 day"), "budget"),
                                       (dict(budget="$-5"), "budget"), (dict(goal="quickest"), "goal"),
                                       (dict(tokens="-1 token"), "tokens")])
def test_bad_budget_inputs_name_the_field(kw, field):
    args = dict(tokens="300e9 token", budget="$2M")
    args.update(kw)
    with pytest.raises(InputError) as exc:
        perf.budget_search(GPT3, "H100 SXM5", 1536, args.pop("tokens"), args.pop("budget"), sequence=2048, **args)
    assert exc.value.field == field


def test_cli_budget(capsys):
    from calc.__main__ import main

    base = ["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--global-batch", "1536",
            "--sequence", "2048", "--tokens", "300e9", "--budget", "$1.5M"]
    assert main(base) == 0
    out = capsys.readouterr().out
    assert "(fastest)" in out and "within $1.5M" in out
    assert main(base + ["--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["budget"] == {"value": 1.5e6, "unit": "USD"} and got["best"] in [o["chips"] for o in got["options"]]
    assert main(base[:-2] + ["--budget", "2M"]) == 2
    assert capsys.readouterr().err.startswith("calc: error: --budget: expected a cost in USD")


def test_cli_says_what_the_global_batch_is(capsys):
    from calc.__main__ import main

    assert main(["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--chips", "8"]) == 2
    err = capsys.readouterr().err
    assert "--global-batch" in err and "sequences per optimizer step" in err and "1536" in err


def test_budget_matches_calc_estimate_cost_through_the_same_price():
    import calc

    r = perf.budget_search(GPT3, "H100 SXM5", 1536, "300e9 token", "$1.5M", sequence=2048)
    b = r.best
    est = calc.estimate(hardware="H100 SXM5", chips=b.chips, duration=Q_(b.duration.m_as("day"), "day"))
    assert est.cost.m_as("USD") == pytest.approx(b.cost.m_as("USD"), rel=1e-6)


def test_nothing_to_try_offers_the_smallest_batch_that_splits():
    # fresh9's walk: 72 GB300 (one NVL72 rack) at 512 sequences was offered "(1,024; 1,536; 2,048)", none of which
    # splits over 72 chips; the batch offered is batch_for's rule's, and with it the search finds layouts
    found = perf.search("Llama 3.1 8B", "GB300", 72, 512, sequence=8192)
    assert not found.steps and "513 is the smallest from 512 up that splits over 72 chips" in found.why
    assert found.why.endswith("would leave layouts to try") and "a larger global batch" in found.why
    assert perf.search("Llama 3.1 8B", "GB300", 72, 513, sequence=8192).steps


def test_search_and_budget_default_the_global_batch_as_estimate_does(capsys):
    """step --search and --budget with no --global-batch take calc.perf.utilization.batch_for's batch, as estimate
    and thresholds do, and say where it comes from (a new user's walk: --search stopped at '--global-batch:
    required' where estimate answered). Llama 3.1 405B on 16,384 H100: the published run's 2,048 x 8,192
    ([Dubey2024] Table 4), the batch of estimate's modelled utilization."""
    from calc.__main__ import main
    from calc.perf.utilization import batch_for, modelled_utilization

    base = ["step", "--model", "Llama 3.1 405B", "--hardware", "H100 SXM5", "--chips", "16384", "--search", "--top", "1"]
    assert main(base) == 0
    out = capsys.readouterr().out
    assert "global batch 2,048 sequences (the published run's: Llama 3.1 405B in data/run_layouts.csv)" in out
    assert main(base + ["--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["global_batch"]["value"] == 2048 and got["global_batch"]["source"].startswith("the published run's")
    assert got["layouts"][0]["layout"]["global_batch"] == 2048
    u = modelled_utilization("Llama 3.1 405B", "H100 SXM5", 16384)
    assert u.step.layout.global_batch == batch_for("Llama 3.1 405B", "H100 SXM5", 16384).sequences == 2048
    assert got["layouts"][0]["layout"]["sequence"] == u.step.sequence == 8192
    budget = ["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--tokens", "300e9", "--budget", "$1.5M"]
    assert main(budget + ["--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["global_batch"] == {"value": 2048, "unit": "sequence", "source": "about 4M tokens, as Llama 3 began [Dubey2024]"}
    assert {o["step"]["layout"]["global_batch"] for o in got["options"]} == {2048}
    assert main(budget) == 0
    assert "global batch 2,048 sequences (about 4M tokens" in capsys.readouterr().out
    assert main(base + ["--global-batch", "1024", "--json"]) == 0  # given: kept, said so
    assert json.loads(capsys.readouterr().out)["global_batch"]["source"] == "--global-batch"


def test_the_budget_s_batch_does_not_depend_on_its_largest_count(capsys):
    """step --budget sweeps chip counts; --chips is only the largest. It took the batch of that largest count, so
    Llama 3.1 405B's 8,192 H100 cost $199M without --chips and $160M with --chips 16384 (the published 2,048
    sequences against about 4M tokens' 512; fresh14). Now every count's answer is the same either way, and the batch
    --chips would have taken is said with the flag that asks for it."""
    from calc.__main__ import main

    budget = ["step", "--model", "Llama 3.1 405B", "--hardware", "H100 SXM5", "--tokens", "15.6T", "--budget",
              "$300M", "--json"]
    assert main(budget) == 0
    alone = json.loads(capsys.readouterr().out)
    assert main(budget + ["--chips", "16384"]) == 0
    capped = json.loads(capsys.readouterr().out)
    assert alone["global_batch"]["value"] == capped["global_batch"]["value"] == 512
    assert ([(o["chips"], o["cost"]) for o in capped["options"]]
            == [(o["chips"], o["cost"]) for o in alone["options"] if o["chips"] <= 16384])
    assert capped["global_batch"]["source"].endswith(
        "every chip count takes it, whatever --chips: 16,384 chips' own batch (the published run's: Llama 3.1 405B in "
        "data/run_layouts.csv) is --global-batch 2048")
    assert "whatever --chips" not in alone["global_batch"]["source"]


def test_the_step_answers_say_the_chip_s_memory_a_layout_fits(capsys):
    """fresh14's walk: 'memory per chip 81.7 GB' on an H100 sold as 80GB, and a search table of 80.1 and 81.7 GB
    layouts, never said they fit the 85.5 GB nvidia-smi reports (data/hardware.csv's memory_usable)."""
    from calc.__main__ import main

    base = ["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--chips", "1024", "--global-batch", "1536"]
    assert main(base + ["--tensor", "2", "--pipeline", "16", "--virtual-stages", "3", "--micro-batch", "1"]) == 0
    assert 'memory per chip     81.7 GB  (fits a H100 SXM5: 85.5 GB usable, sold as "80GB")' in capsys.readouterr().out
    assert main(base + ["--search", "--top", "2"]) == 0
    assert 'faster than the first did not fit in memory (per chip: 85.5 GB usable, sold as "80GB")' in capsys.readouterr().out


def test_the_step_answers_say_why_a_chip_with_no_public_price_has_no_cost(capsys):
    """fresh14's walk: on a GB200, step --tokens left out the price and cost lines and step --budget's cost column
    stayed empty, neither saying why."""
    from calc.__main__ import main

    run = ["step", "--model", "Llama 3 8B", "--hardware", "GB200", "--tokens", "1T"]
    assert main(run + ["--chips", "64", "--global-batch", "512"]) == 0
    assert "  cost              —  (no public rental price for the GB200" in capsys.readouterr().out
    assert main(run + ["--chips", "64", "--global-batch", "512", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["run"]
    assert "cost" not in got and "no public rental price for the GB200" in got["undetermined"]["price"]
    assert main(run + ["--budget", "100k GPU-hours", "--chips", "64"]) == 0
    assert ('cost: no public rental price for the GB200 in data/prices.csv; --price "2.5 USD/chip/hour" gives it'
            in capsys.readouterr().out)
    assert main(run + ["--chips", "64", "--global-batch", "512", "--price", "3 USD/chip/hour"]) == 0
    assert "  cost              —" not in capsys.readouterr().out


def test_when_none_fits_the_count_says_so_and_the_least_memory(capsys):
    """train24: '344 layouts tried; 344 faster than the first did not fit in memory' named a first that fits where
    none did: the line says none fits, and the layout tried that needs least memory, by how much it is over."""
    from calc.__main__ import main

    argv = ["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--chips", "8", "--global-batch", "1536",
            "--search"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "faster than the first" not in out
    found = perf.search("GPT-3 175B", "H100 SXM5", 8, 1536)
    assert not found.steps and found.least is not None and not found.least.fits
    gb = found.least.memory_per_chip.m_as("GB/chip")
    assert f"{found.tried:,} layouts tried; none fits in memory (per chip: 85.5 GB usable" in out, out
    # fresh24b: a second sentence named another layout than found.why's; the why is said once
    assert out.count("no layout fits in memory") == 1 and "the least memory is" not in out, out
    assert main([*argv, "--json"]) == 0
    least = json.loads(capsys.readouterr().out)["least_memory"]
    assert least["layout"] == found.least.layout.describe() and least["memory_per_chip"]["value"] == pytest.approx(gb)
    assert perf.search("GPT-3 175B", "H100 SXM5", 1024, 1536).least is None  # some fit: nothing to say of it
