"""Cost page: one run's cost by every method, side by side, and the factors between them."""

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

import calc
from app_pages import charts
from calc import data
from calc.claims import article_titles, figure
from calc.cost import acquisition_cost, amortized_cost, cloud_cost, in_dollars_of, reconcile
from calc.display import as_text, escape, number, show

RUNS = {m.name: m for m in data.models().values()
        if m.hardware and ("chip_hours" in m.quantities or {"chips", "duration"} <= set(m.quantities))}
HARDWARE = list(data.hardware_table())


def _hours(m: data.Model):
    q = m.quantities
    return q["chip_hours"] if "chip_hours" in q else q["chips"] * q["duration"]


def _run_defaults(name: str) -> dict:
    """The chosen run's own hardware, chip-hours and start date (publication minus training time)."""
    m = RUNS[name]
    q = m.quantities
    hours = _hours(m)
    days = q["duration"].m_as("day") if "duration" in q else (hours / q["chips"]).m_as("day") if "chips" in q else 0
    return {"cost_hw": m.hardware, "cost_hours": as_text("chip_hours", hours),
            "cost_start": m.date - dt.timedelta(days=round(days))}


def _on_run() -> None:
    st.session_state.update(_run_defaults(st.session_state["cost_run"]))


st.title("What a run really costs")
st.caption("Cloud rental at the prices in force when the run started (data/prices.csv), ownership amortized as "
           "Epoch AI does it (Cottier et al. 2024), and the cluster's purchase price; any of them in the dollars "
           "of another year (producer price index for data processing and hosting).")
if "cost_run" not in st.session_state:
    st.session_state["cost_run"] = "GPT-3 175B"
if "cost_hw" not in st.session_state:
    st.session_state.update(_run_defaults(st.session_state["cost_run"]))
name = st.selectbox("Published run", list(RUNS), key="cost_run", on_change=_on_run,
                    help="Choosing a run sets its hardware, chip-hours and start date; change any of them after.")
m = RUNS[name]
c1, c2, c3, c4 = st.columns(4)
hardware = c1.selectbox("Hardware", HARDWARE, key="cost_hw")
hours_text = c2.text_input("Chip-hours", key="cost_hours", help="e.g. `3.55 × 10⁶ chip hour`; a plain number is "
                           "read in chip-hours.")
start = c3.date_input("Training start", key="cost_start", min_value=dt.date(2010, 1, 1), max_value=dt.date(2030, 12, 31),
                      help="Prices in force on this date; the run's publication minus its training time by default.")
year = int(c4.number_input("Dollars of year", min_value=2001, max_value=2025, value=2023, step=1, key="cost_year"))
if hours_text.strip() and calc.units.is_plain_number(hours_text):
    hours_text = f"{hours_text} chip hour"
chips = m.quantities.get("chips")
st.caption(f"{escape(name)} as published: {show('chip_hours', _hours(m))} on "
           f"{'' if chips is None else show('chips', chips) + ' '}{m.hardware}, published {m.date}.")

methods, unavailable = [], []
for commitment in ("on-demand", "1-year", "3-year"):
    try:
        methods.append(cloud_cost(hours_text, hardware, start, commitment))
    except calc.InputError as exc:
        unavailable.append(f"cloud ({commitment}): {exc}")
for fn, args in ((amortized_cost, (hours_text, hardware, start)),
                 (acquisition_cost, (chips, hardware, start)) if chips is not None else (None, None)):
    if fn is None:
        continue
    try:
        methods.append(fn(*args))
    except calc.InputError as exc:
        unavailable.append(f"{fn.__name__.replace('_cost', '')}: {exc}")
try:
    shown = [in_dollars_of(c, year) for c in methods]
except calc.InputError as exc:
    st.error(escape(exc))
    shown = []
for u in unavailable:
    st.info(f"Not available: {escape(u)}")
if not shown:
    st.info("No method has the prices it needs for this hardware and date: choose another start date or hardware.")
    st.stop()

table = pd.DataFrame([{"Method": c.method, "Cost": show("cost", c.value), "usd": c.value.m_as("USD"),
                       "Basis": c.basis} for c in shown])
st.dataframe(table.drop(columns="usd"), hide_index=True, width="stretch",
             column_config={"Basis": st.column_config.TextColumn(width="large")})
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
    st.altair_chart((bars + ticks).properties(height=charts.HEIGHT, title=f"{name}, per method; orange: with the "
                                              f"research before it at {number(lo)}–{number(hi)} times the final run"),
                    width="stretch")
    st.caption(f"Orange band: an expert's guess for GPT-3 (\"{research.statement}\", "
               f"{article_titles().get(research.article, research.article)}, line {research.line}), applied to "
               f"{escape(name)} for scale; not a measured figure for this run.")

if "compute" in m.quantities:
    try:
        steps = reconcile(m.quantities["compute"], hardware, hours_text, start, year=year)
    except calc.InputError as exc:
        st.info(f"The step-by-step reconciliation needs every price: {escape(exc)}")
    else:
        wf = []
        for i, (step, value, why) in enumerate(steps):
            prev = steps[i - 1][1].m_as("USD") if i else None
            wf.append({"Step": f"{i + 1}. {step}", "usd": value.m_as("USD"), "prev": prev or value.m_as("USD"),
                       "Cost": show("cost", value), "Factor": "" if prev is None else f"×{number(value.m_as('USD') / prev)}",
                       "Why": why})
        wf = pd.DataFrame(wf)
        st.subheader("From the idealised rental to owned hardware, one factor at a time")
        chart = alt.Chart(wf).mark_bar().encode(
            y=alt.Y("Step:N", sort=None, title=None, axis=alt.Axis(labelLimit=400)),
            x=alt.X("prev:Q", scale=alt.Scale(type="log"), axis=charts.money_axis("Cost (USD)", log=True)), x2="usd:Q",
            color=alt.condition("datum.usd >= datum.prev", alt.value("#d62728"), alt.value("#2ca02c")),
            tooltip=["Step", "Cost", "Factor", "Why"])
        text = alt.Chart(wf).mark_text(align="left", dx=6).encode(y=alt.Y("Step:N", sort=None), x="usd:Q", text="Factor")
        st.altair_chart((chart + text).properties(height=charts.HEIGHT), width="stretch")
        st.dataframe(wf[["Step", "Cost", "Factor", "Why"]], hide_index=True, width="stretch",
                     column_config={"Why": st.column_config.TextColumn(width="large")})
else:
    st.caption(f"The step-by-step reconciliation needs the run's training compute, which data/models.csv does not "
               f"give for {escape(name)}.")
