"""Cost page: one run's cost by every method, side by side, and the factors between them."""

import datetime as dt
import math
import re

import altair as alt
import pandas as pd
import streamlit as st

import calc
from app_pages import charts, session
from calc import data
from calc.claims import article_titles, figure
from calc.cost import (
    DEFAULT_PRICE_RULE,
    acquisition_cost,
    amortized_cost,
    cloud_cost,
    dollars_year,
    given_price_cost,
    in_dollars_of,
    published_run,
    reconcile,
    scenario_start,
)
from calc.display import as_text, escape, number, show
from calc.estimate import read_value
from calc.scenario import has_range, inputs, what_to_add
from calc.uncertainty import parse_range
from calc.vocabulary import QUANTITIES

SCENARIO = "Your Estimate scenario"
DEFAULT_CLOUD = "The default cloud (one rule for every chip)"
RUNS = {m.name: m for m in data.models().values()
        if m.hardware and ("chip_hours" in m.quantities or {"chips", "duration"} <= set(m.quantities))}
HARDWARE = list(data.hardware_table())


@st.cache_data(max_entries=64)
def _scenario_run(items: tuple) -> dict | str | None:
    """The session's scenario as a run to price (hardware, chip-hours, chips, compute, start, the price given,
    a note on its ranges); a sentence saying why when it cannot be priced; None when there is no scenario.
    A range is priced at its median. A scenario is a run of today: its prices are the newest in force, the
    ones the Estimate page uses."""
    known = inputs(dict(items))
    if not known:
        return None
    if "hardware" not in known:
        return "it names no hardware"
    note = ""
    if has_range(known):
        try:
            medians = {k: parse_range(v, k).quantile(0.5) for k, v in known.items()
                       if k in QUANTITIES and isinstance(v, str) and ".." in v}
        except calc.InputError as exc:
            return f"its range is not read: {exc}"
        note = ("Its ranges are priced at their medians (" +
                ", ".join(f"{k.replace('_', ' ')} {escape(known[k], limit=60)}: {show(k, q)}"
                          for k, q in medians.items()) + "); the Estimate page shows their spread.")
        known = {**known, **medians}
    try:
        est = session.estimate(known)  # the Estimate page's: modelled utilization when the shape is known
    except calc.InputError as exc:
        return f"its estimate fails: {exc}"
    if "chip_hours" not in est:
        missing = (what_to_add(est) or "Give a chip count or a duration.").rstrip(".")
        return f"it does not determine its chip-hours (on the Estimate page: {missing[0].lower()}{missing[1:]})"
    price = est.price if "price" in est and est["price"].source == "given" else None
    return {"hardware": est.hardware.name, "chip_hours": est.chip_hours, "start": scenario_start(),
            "chips": est.chips if "chips" in est else None, "compute": est.compute if "compute" in est else None,
            "price": price, "note": note}


def _published_run(name: str) -> dict:
    """A published run's own hardware, chip-hours and start date (calc.cost.published_run: the command line's rule)."""
    return {**published_run(name), "price": None, "note": ""}


def _scenario() -> dict | str | None:
    return _scenario_run(tuple(sorted(session.get().items())))


def _run(name: str) -> dict:
    return _scenario() if name == SCENARIO else _published_run(name)


def _fields(name: str) -> dict:
    r = _run(name)
    return {"cost_hw": r["hardware"], "cost_hours": _hours_text(r["chip_hours"]), "cost_start": r["start"],
            "cost_vendor": DEFAULT_CLOUD, "cost_year": dollars_year(r["start"].year)}


def _hours_text(hours) -> str:
    """Chip-hours as a field holds them: to 4 figures, digits grouped, no e-notation ('620,600 chip-hours'); it
    reads back."""
    n = float(f"{hours.m_as('chip*hour'):.4g}")  # a derived count, to 4 figures
    return f"{n:,.0f} chip-hours" if 1e3 <= n < 1e18 else as_text("chip_hours", calc.Q_(n, "chip*hour"))


def _on_run() -> None:
    st.session_state.update(_fields(st.session_state["cost_run"]))


st.title("What a run really costs")
st.caption("Cloud rental at the prices in force when the run started (data/prices.csv), ownership amortized as "
           "Epoch AI does it (Cottier et al. 2024), and the cluster's purchase price; any of them in the dollars "
           "of another year (producer price index for data processing and hosting).")
scenario = _scenario()
runs = ([SCENARIO] if isinstance(scenario, dict) else []) + list(RUNS)
if st.session_state.get("cost_run") not in runs:  # first visit, or a scenario gone: its own run first
    st.session_state["cost_run"] = runs[0] if runs[0] == SCENARIO else "GPT-3 175B"
    st.session_state.update(_fields(st.session_state["cost_run"]))
if "cost_hw" not in st.session_state or "cost_year" not in st.session_state:  # the page was left and its fields forgotten: the chosen run's again
    st.session_state.update(_fields(st.session_state["cost_run"]))
name = st.selectbox("Run", runs, key="cost_run", on_change=_on_run,
                    help="Your Estimate scenario when it names hardware and determines its chip-hours, or a "
                         "published run. Choosing one sets its hardware, chip-hours and start date; change any after.")
run = _run(name)
if isinstance(scenario, str):  # a scenario that cannot be priced is not dropped in silence
    st.info(f"Your Estimate scenario is not in the list: {escape(scenario, limit=600)}. Shown instead: "
            f"{escape(name)}, a published run.")
top = st.container()  # each method's cost above the fields, as on the Estimate page: a phone shows them first
c1, c2, c3, c4 = st.columns(4)
hardware = c1.selectbox("Hardware", HARDWARE, key="cost_hw")
hours_text = c2.text_input("Chip-hours", key="cost_hours", help="e.g. `3.55 × 10⁶ chip hour`; a plain number is "
                           "read in chip-hours.")
start = c3.date_input("Training start", key="cost_start", min_value=dt.date(2010, 1, 1), max_value=dt.date(2030, 12, 31),
                      help="Prices in force on this date. A published run: its publication minus its training time; "
                           "your scenario: today, so its rental price is the newest, as on the Estimate page.")
PPI_YEARS = (min(data.ppi()) + 1, max(data.ppi()))  # the index's first year holds one month only
year = int(c4.number_input("Dollars of year", min_value=PPI_YEARS[0], max_value=PPI_YEARS[1], step=1, key="cost_year",
                           help=f"The producer price index covers {PPI_YEARS[0]}–{PPI_YEARS[1]}. Default: the run's "
                                "start year, or the latest the index covers."))
vendors = [DEFAULT_CLOUD] + sorted({p.vendor for p in data.prices() if p.hardware == hardware})
if st.session_state.get("cost_vendor") not in vendors:  # another chip, another list of clouds
    st.session_state["cost_vendor"] = DEFAULT_CLOUD
choice = st.selectbox("Cloud prices from", vendors, key="cost_vendor",
                      help=f"The default: {DEFAULT_PRICE_RULE}. Or one vendor's own prices.")
vendor = None if choice == DEFAULT_CLOUD else choice
if hours_text.strip() and calc.units.is_plain_number(hours_text):
    hours_text = f"{hours_text} chip hour"
try:  # read once: a bad field is one error under its label, and nothing is computed from it
    read_value("chip_hours", hours_text)
except calc.InputError as exc:
    st.error(f"**Chip-hours**: {escape(exc.message, limit=600)}")
    st.stop()
chips = run["chips"]
if name == SCENARIO:
    given = "" if run["price"] is None else f" at your price, {show('price', run['price'])}"
    st.caption(f"Your Estimate scenario: {show('chip_hours', run['chip_hours'])} on "
               f"{'' if chips is None else show('chips', chips) + ' '}{run['hardware']}{given}, as a run starting "
               f"today ({run['start']}): rental at the newest prices in force, as on the Estimate page. {run['note']}")
else:
    st.caption(f"{escape(name)} as published: {show('chip_hours', run['chip_hours'])} on "
               f"{'' if chips is None else show('chips', chips) + ' '}{run['hardware']}, published {RUNS[name].date}.")

methods, unavailable = [], {}
own_price = run["price"] if hardware == run["hardware"] else None  # the price given is for the scenario's chip
if own_price is not None:
    try:
        methods.append(given_price_cost(hours_text, own_price, start))
    except calc.InputError as exc:
        unavailable["your price"] = str(exc)
for commitment in ("on-demand", "1-year", "3-year"):
    try:
        methods.append(cloud_cost(hours_text, hardware, start, commitment, vendor))
    except calc.InputError as exc:
        unavailable[f"cloud ({commitment})"] = str(exc)
others = [(amortized_cost, (hours_text, hardware, start))]
if chips is not None:
    others.append((acquisition_cost, (chips, hardware, start)))
for fn, args in others:
    try:
        methods.append(fn(*args))
    except calc.InputError as exc:
        unavailable[fn.__name__.replace("_cost", "")] = str(exc)
try:
    shown = [in_dollars_of(c, year) for c in methods]
except calc.InputError as exc:
    st.error(escape(exc))
    shown = []
if own_price is not None:  # the advice to give a price is taken: say only what is missing
    unavailable = {m: w.split(". Give a price yourself")[0] for m, w in unavailable.items()}
unavailable = {m: re.sub(r"lists no [13]-year price", "lists no 1- or 3-year price", w)  # one note for both tiers
               for m, w in unavailable.items()}
for why in dict.fromkeys(unavailable.values()):  # one note per reason: "no public price" is said once, not per tier
    st.info(f"Not available: {', '.join(m for m, w in unavailable.items() if w == why)}: {escape(why, limit=600)}")
if not shown:
    st.info("No method has the prices it needs for this hardware and date: choose another start date or hardware.")
    st.stop()

row = top.container(horizontal=True)  # one block that wraps: two to a row on a phone, all in one on a laptop
for c in shown:
    # the price's provider and date on the figure itself, not only in the table below (a 2024 H100 is Lambda's)
    row.metric(c.method.capitalize(), show("cost", c.value), width=180, help=f"In {year} dollars: {escape(c.basis, limit=600)}")
table = pd.DataFrame([{"Method": c.method, "Cost": show("cost", c.value), "usd": c.value.m_as("USD"),
                       "Basis": c.basis} for c in shown])
# Streamlit caps a table cell's text at 400 px: the Basis column would wrap at half its width, leaving a blank band
st.html("<style>.st-key-cost_methods td [data-testid='stMarkdownContainer'] {max-width: none}</style>")
st.container(key="cost_methods").table(table.drop(columns="usd"), hide_index=True)  # wrapped: every basis read whole
st.caption(f"Default cloud prices: {DEFAULT_PRICE_RULE}." + (
    f" In {year} dollars: data/ppi.csv ends in {PPI_YEARS[1]}, so {start.year}'s dollars are taken as "
    f"{PPI_YEARS[1]}'s." if start.year > PPI_YEARS[1] else ""))
running = table[table["Method"] != "acquisition"]
research = figure("research-overhead")
lo, hi = float(research.quoted.m_as("")), float(research.high.m_as(""))
if not running.empty:
    band = pd.DataFrame({"Method": running["Method"], "low": running["usd"] * lo, "high": running["usd"] * hi,
                         "With research": [f"{show('cost', calc.Q_(a * lo, 'USD'))} – {show('cost', calc.Q_(a * hi, 'USD'))}"
                                           for a in running["usd"]]})
    bars = alt.Chart(running).mark_bar().encode(
        x=alt.X("usd:Q", axis=charts.money_axis(f"Cost of the run ({year} USD)")),
        y=alt.Y("Method:N", sort=None, title=None, axis=alt.Axis(labelLimit=400)), tooltip=["Method", "Cost"])
    ticks = alt.Chart(band).mark_rule(color="#f58518", strokeWidth=6, opacity=0.5).encode(
        x="low:Q", x2="high:Q", y=alt.Y("Method:N", sort=None), tooltip=["Method", "With research"])
    st.altair_chart((bars + ticks).properties(height=charts.HEIGHT, title=f"{name}, per method"), width="stretch")
    cited = (f"\"{research.statement.rstrip('.')}\", {article_titles().get(research.article, research.article)}, "
             f"line {research.line}")
    whose = ("the article's guess for this very run" if name == "GPT-3 175B" else
             f"a rule of thumb: no run publishes its research cost, and the one guess we have was made for GPT-3; "
             f"applied to {escape(name)} as an order of magnitude, not a figure of this run")
    st.caption(f"Orange band: the run plus the research and experiments before it, at {number(lo)}–{number(hi)} "
               f"times the final run's cost ({cited}): {whose}.")

if run["compute"] is not None:
    try:
        steps = reconcile(run["compute"], hardware, hours_text, start, year=year, vendor=vendor,
                          whose="your scenario's" if name == SCENARIO else "the run's reported")
    except calc.InputError as exc:
        why = str(exc).split(". Give a price yourself")[0] if own_price is not None else str(exc)
        st.info(f"The step-by-step reconciliation needs every listed price: {escape(why, limit=600)}")
    else:
        values = [v.m_as("USD") for _, v, _ in steps]
        floor = 10.0 ** math.floor(math.log10(min(values) / 2))  # the first bar rises from here (a log axis has no 0); a float: 10**280, an int, overflows the table
        wf = []
        for i, (step, value, why) in enumerate(steps):
            prev = values[i - 1] if i else floor
            factor = "" if i == 0 else f"×{number(values[i] / prev)}"
            wf.append({"Step": f"{i + 1}. {step}", "usd": values[i], "prev": prev, "right": max(prev, values[i]),
                       "Cost": show("cost", value),
                       "Factor": factor, "label": factor or show("cost", value), "Why": why,
                       "kind": "start" if i == 0 else "up" if values[i] >= prev else "down"})
        wf = pd.DataFrame(wf)
        st.subheader("From the idealised rental to owned hardware, one factor at a time")
        chart = alt.Chart(wf).mark_bar().encode(
            y=alt.Y("Step:N", sort=None, title=None, axis=alt.Axis(labelLimit=400)),
            x=alt.X("prev:Q", scale=alt.Scale(type="log", domainMin=floor), axis=charts.money_axis("Cost (USD)", log=True)),
            x2="usd:Q",
            color=alt.Color("kind:N", legend=None, scale=alt.Scale(domain=["start", "up", "down"],
                                                                    range=["#4c78a8", "#d62728", "#2ca02c"])),
            tooltip=["Step", "Cost", "Factor", "Why"])
        text = alt.Chart(wf).mark_text(align="left", dx=6).encode(y=alt.Y("Step:N", sort=None), x="right:Q", text="label")
        st.altair_chart((chart + text).properties(height=charts.HEIGHT), width="stretch")
        st.caption("Blue: the starting estimate, from the axis floor; red: a step that costs more; green: one that "
                   "costs less.")
        st.table(wf[["Step", "Cost", "Factor", "Why"]], hide_index=True)
else:
    st.caption(f"The step-by-step reconciliation needs the run's training compute, which "
               f"{'your scenario does not determine' if name == SCENARIO else 'data/models.csv does not give for ' + escape(name)}.")
