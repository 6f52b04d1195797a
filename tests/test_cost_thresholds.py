"""Cost methods, reconciliation and thresholds against published figures."""

import pytest

import calc
from calc import data
from calc.cost import (
    acquisition_cost,
    amortized_cost,
    cloud_cost,
    electricity_price,
    given_price_cost,
    in_dollars_of,
    published_run,
    reconcile,
    rental_price,
    scenario_start,
)
from calc.thresholds import cluster_crossings, run_crossings, runs_per_budget, time_to_reach

GPT3_HOURS = "3.552e6 chip*hour"  # Patterson et al. 2021 Table 4: 10,000 V100 x 14.8 days
GPT3_START = "2020-05-13"  # publication (2020-05-28) minus 14.8 days


def test_gpt3_on_demand_is_over_13_million():
    # The figure: on-demand prices give over $13M (AWS p3dn V100 at $3.90/GPU-hour, 2019)
    assert cloud_cost(GPT3_HOURS, "V100 SXM2", GPT3_START).value.m_as("USD") > 13e6


def test_gpt3_amortized_matches_epoch_within_20_percent():
    # Epoch AI, Notable AI Models, GPT-3 175B: training compute cost $2,056,969 (2023 USD).
    # Tolerance 20%: Epoch chooses its own purchase-price row and start date.
    ours = in_dollars_of(amortized_cost(GPT3_HOURS, "V100 SXM2", GPT3_START), 2023).value.m_as("USD")
    assert ours == pytest.approx(2_056_969, rel=0.20)


def test_amortized_parts_follow_cottier():
    c = amortized_cost(GPT3_HOURS, "V100 SXM2", GPT3_START)
    hw = c.parts["accelerators"] + c.parts["other server parts"]
    assert (c.parts["cluster interconnect"] / hw).m_as("") == pytest.approx(0.19 / 0.81)  # Cottier 2024
    assert (c.parts["other server parts"] / c.parts["accelerators"]).m_as("") == pytest.approx(0.69)  # overhead 1.69
    # energy: 3.552e6 h x 300 W x 1.6667 server factor x 0.75 load x 1.1 PUE x $0.0667/kWh (2020)
    assert c.parts["energy"].m_as("USD") == pytest.approx(3.552e6 * 0.300 * 1.6667 * 0.75 * 1.1 * 0.0667, rel=1e-3)


def test_reconciliation_explains_each_factor():
    steps = reconcile("3.14e23 FLOP", "V100 SXM2", GPT3_HOURS, GPT3_START, year=2023)
    values = [v.m_as("USD") for _, v, _ in steps]
    assert values[1] / values[0] == pytest.approx(3.552e6 / (3.14e23 / 125e12 / 3600), rel=1e-6)  # throughput
    assert values[2] / values[1] == pytest.approx(31.212 / 8 / 1.21, rel=1e-6)  # on-demand vs 3-year (AWS 2019)
    assert values[4] / values[3] == pytest.approx(data.ppi()[2023] / data.ppi()[2020])


def test_price_in_force_at_a_date_not_today():
    assert rental_price("TPU v3", "2019-02-14").price.m_as("USD/chip/hour") == pytest.approx(2.00)
    # 2024-10: no big cloud lists an H100 SXM yet in data/prices.csv, so Lambda's list price (2024-09) is the default
    assert rental_price("H100 SXM5", "2024-10-01").vendor == "Lambda Labs"
    # 2025-06: Google Cloud's A3 at $11.06 (2025-03-17) beats AWS's p5 at $98.32 / 8 = $12.29 on the same day
    assert rental_price("H100 SXM5", "2025-06-01").price.m_as("USD/chip/hour") == pytest.approx(11.06)
    # a vendor asked for by name: Lambda's $2.99 stays reachable
    assert rental_price("H100 SXM5", "2025-06-01", vendor="Lambda Labs").price.m_as("USD/chip/hour") == pytest.approx(2.99)


@pytest.mark.parametrize("fn, args, words", [
    (cloud_cost, (GPT3_HOURS, "V100 SXM2", "2015-01-01"), "before the first"),
    (amortized_cost, (GPT3_HOURS, "H100 SXM5", "2021-01-01"), "before the first purchase price"),
    (electricity_price, (2009,), "electricity_prices.csv covers"),
    (cloud_cost, (GPT3_HOURS, "MI250X", "2025-01-01"), "no public rental price for the MI250X"),
    (cloud_cost, (GPT3_HOURS, "MI300X", "2025-01-01"), "before the first price"),
    (cloud_cost, ("-5 chip*hour", "V100 SXM2", "2020-01-01"), "positive"),
    (cloud_cost, (GPT3_HOURS, "V100 SXM2", "last tuesday"), "YYYY-MM-DD"),
    (acquisition_cost, (0, "V100 SXM2", "2020-01-01"), "positive"),
])
def test_dates_and_inputs_outside_the_data_get_clear_errors(fn, args, words):
    with pytest.raises(calc.InputError, match=words):
        fn(*args)


def test_inflation_outside_the_index_is_refused():
    with pytest.raises(calc.InputError, match="ppi.csv covers"):
        in_dollars_of(cloud_cost(GPT3_HOURS, "V100 SXM2", GPT3_START), 1999)


@pytest.mark.parametrize("compute, crossed", [
    ("3.14e23 FLOP", set()),  # GPT-3 (Brown et al. 2020)
    ("2.1e25 FLOP", {"eu-ai-act-systemic"}),  # GPT-4, Epoch AI's estimate
    ("3.8e25 FLOP", {"eu-ai-act-systemic"}),  # Llama 3.1 405B (Llama Team 2024)
    ("1e26 FLOP", {"eu-ai-act-systemic"}),  # exactly at the line: the rules say "greater than"
    ("1.2e26 FLOP", {"eu-ai-act-systemic", "eo14110-model", "ca-sb1047", "ca-sb53"}),
])
def test_threshold_verdicts(compute, crossed):
    assert {c.threshold.id for c in run_crossings(compute) if c.crosses} == crossed


def test_fine_tuning_counts_only_where_the_rule_counts_it():
    got = {c.threshold.id for c in run_crossings("9e25 FLOP", fine_tuning="2e25 FLOP") if c.crosses}
    assert "ca-sb53" in got and "eo14110-model" not in got


def test_biological_line_only_for_biological_models():
    assert "eo14110-bio" not in {c.threshold.id for c in run_crossings("5e23 FLOP")}
    bio = {c.threshold.id for c in run_crossings("5e23 FLOP", scope="biological sequence data") if c.crosses}
    assert bio == {"eo14110-bio"}


def test_cluster_line_depends_on_precision():
    got = {c.measure: c.crosses for c in cluster_crossings(100_000, "H100 SXM5")}
    assert got["cluster peak (bf16)"] is False and got["cluster peak (fp8)"] is True


def test_days_to_reach_1e26_on_100k_h100():
    # 1e26 / (1e5 x 989.4e12 x 0.4) seconds
    est = time_to_reach("1e26 FLOP", 100_000, "H100 SXM5", utilization=0.4)
    assert est.duration.m_as("s") == pytest.approx(1e26 / (1e5 * 989.4e12 * 0.4))


def test_runs_a_budget_buys():
    # the seeds' $6B Series B over GPT-3's on-demand cost
    assert runs_per_budget("6e9 USD", cloud_cost(GPT3_HOURS, "V100 SXM2", GPT3_START).value) == pytest.approx(
        6e9 / (3.552e6 * 31.212 / 8), rel=1e-6)


def test_a_year_after_the_electricity_and_price_index_data_carries_the_last_year_and_says_so():
    # Issue #12: a run of today (2026) had no ownership cost, so the Cost page priced every method at 2025-12-31
    last = max(data.electricity_prices())
    c = amortized_cost(GPT3_HOURS, "H100 SXM5", f"{last + 1}-03-01")
    same = amortized_cost(GPT3_HOURS, "H100 SXM5", f"{last}-03-01")  # the last year of data, same chip-hours
    assert c.parts["energy"].m_as("USD") == pytest.approx(same.parts["energy"].m_as("USD"), rel=1e-12)
    assert f"electricity at {last}'s price, the latest in data/electricity_prices.csv" in c.basis
    top = max(data.ppi())
    moved = in_dollars_of(c, top)
    assert moved.value == c.value and f"{last + 1} dollars taken as {top}'s" in moved.basis
    later = in_dollars_of(same, top + 1)  # one rule with a start date (issue #21): no inflation invented, and said
    assert later.value == same.value and f"{top + 1} dollars taken as {top}'s" in later.basis
    from calc.cost import latest_year

    with pytest.raises(calc.InputError, match="expected a year up to"):
        in_dollars_of(c, latest_year() + 1)


def test_gb200_has_one_message_for_both_purchase_price_methods():
    # Issue #12: "has no purchase price" beside "is before the first purchase price" for the same chip
    why = set()
    for fn, arg in ((amortized_cost, GPT3_HOURS), (acquisition_cost, 1024)):
        with pytest.raises(calc.InputError) as exc:
            fn(arg, "GB200", scenario_start())
        why.add(str(exc.value))
    assert why == {"hardware: data/purchase_prices.csv has no purchase price for the GB200: no ownership or "
                   "acquisition cost"}


def test_the_price_given_is_its_own_method():
    c = given_price_cost("621e3 chip*hour", "2 USD/chip/hour", "2026-11-23")
    assert c.method == "your price" and c.value.m_as("USD") == pytest.approx(1.242e6) and "you gave" in c.basis


def test_gpt3_starts_on_one_day_for_the_app_and_the_command_line(capsys):
    # Issue #12: the app rounded 14.8 days to 15 (2020-05-13), the command line cut it to 14 (2020-05-14)
    assert published_run("GPT-3 175B")["start"].isoformat() == GPT3_START
    from calc.__main__ import main

    assert main(["cost", "--model", "GPT-3 175B"]) == 0
    out = capsys.readouterr().out
    assert "at 2020-05-13" in out and "$12,955/chip" in out


def test_a_run_of_today_costs_what_estimate_says():
    # Issue #12: $4.27M on Estimate, $6.62M on Cost for the same run: one default price everywhere
    est = calc.estimate(params="70e9 param", tokens="2e12 token", hardware="H100 SXM5", chips=2048)
    assert cloud_cost(est.chip_hours, "H100 SXM5", scenario_start()).value.m_as("USD") == pytest.approx(
        est.cost.m_as("USD"), rel=1e-9)


def test_command_line_thresholds_reads_as_words(capsys):
    from calc.__main__ import main

    assert main(["thresholds", "--compute", "3.8e25", "--chips", "100000", "--hardware", "H100 SXM5"]) == 0
    out = capsys.readouterr().out
    assert "signed 2023-10-30, revoked 2025-01-20" in out and "revoked, 2023" not in out
    assert "vetoed 2024-09-29" in out and "signed 2025-09-29, signed" not in out
    assert "takes 100,000 chips of H100 SXM5" in out
    assert main(["thresholds", "--chips", "1", "--hardware", "H100 SXM5"]) == 0
    out = capsys.readouterr().out
    assert "1 chip of" in out and "1 chips" not in out


@pytest.mark.parametrize("model, first, days", [
    # Issue #12: each started before its chip's first listed rental price (data/prices.csv)
    ("DeepSeek-V3", "2024-12-27", 58),
    ("BERT-Large", "2018-10-09", 2),
    ("BLOOM-176B", "2022-04-15", 31),
])
def test_a_run_before_the_first_price_takes_it_and_says_so(model, first, days):
    run = published_run(model)
    c = cloud_cost(run["chip_hours"], run["hardware"], run["start"])
    assert c.value.m_as("USD") > 0
    assert f"the first price listed, {first}, {days} days after the run's start" in c.basis
    if run["compute"] is not None:  # data/models.csv gives DeepSeek-V3 no compute: no reconciliation
        steps = reconcile(run["compute"], run["hardware"], run["chip_hours"], run["start"])
        assert steps and all(cost.m_as("USD") > 0 for _, cost, _ in steps)


def test_deepseek_v3_is_priced_at_its_own_2_dollars():
    # DeepSeek-V3 technical report (arXiv:2412.19437), Table 1: 2.788M H800 GPU-hours at $2 = $5.576M
    run = published_run("DeepSeek-V3")
    assert cloud_cost(run["chip_hours"], run["hardware"], run["start"]).value.m_as("MUSD") == pytest.approx(5.576)
    own = amortized_cost(run["chip_hours"], run["hardware"], run["start"])
    assert "the first purchase price listed, 2025-02-21, 114 days after the run's start" in own.basis


def test_cost_names_every_method_it_cannot_price(capsys):
    # fresh14's walk: 'cost --hardware GB200' printed five rows headed "—", the method's name lost (which one has no
    # price?), and --json's errors had no method either
    import json

    from calc.__main__ import main

    assert main(["cost", "--hardware", "GB200", "--chip-hours", "1e6", "--chips", "1000"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [r.split("  ")[0] for r in rows] == ["cloud (on-demand)", "cloud (1-year)", "cloud (3-year)",
                                                "amortized ownership", "acquisition"]
    assert all("—  " in r for r in rows) and "no public rental price for the GB200" in rows[0]
    assert main(["cost", "--hardware", "GB200", "--chip-hours", "1e6", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["methods"]
    assert [m["method"] for m in got] == ["cloud (on-demand)", "cloud (1-year)", "cloud (3-year)", "amortized ownership"]
    assert all("error" in m for m in got)
