"""Cost page: one run's cost by every method, side by side, and the factors between them."""

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

import calc
from calc import data
from calc.claims import figure
from calc.cost import acquisition_cost, amortized_cost, cloud_cost, in_dollars_of, reconcile
from calc.display import show

RUNS = {m.name: m for m in data.models().values()
        if m.hardware and ("chip_hours" in m.quantities or {"chips", "duration"} <= set(m.quantities))}

st.title("What a run really costs")
st.caption("Cloud rental at the prices in force when the run started (data/prices.csv), ownership amortized as "
           "Epoch AI does it (Cottier et al. 2024), and the cluster's purchase price; any of them in the dollars "
           "of another year (producer price index for data processing and hosting).")
name = st.selectbox("Published run", list(RUNS), index=list(RUNS).index("GPT-3 175B"), key="cost_run")
m = RUNS[name]
q = m.quantities
hours_default = q["chip_hours"] if "chip_hours" in q else q["chips"] * q["duration"]
start_default = m.date - dt.timedelta(days=q["duration"].m_as("day")) if "duration" in q else m.date
c1, c2, c3, c4 = st.columns(4)
hardware = c1.selectbox("Hardware", list(data.hardware_table()), index=list(data.hardware_table()).index(m.hardware),
                        key="cost_hw")
hours_text = c2.text_input("chip_hours [chip*hour]", value=f"{hours_default.m_as('chip*hour'):.6g} chip*hour",
                           key="cost_hours")
start = c3.date_input("Training start", value=start_default, key="cost_start",
                      help="Prices in force on this date; publication minus training time by default.")
year = c4.number_input("Dollars of year", min_value=2001, max_value=2025, value=2023, step=1, key="cost_year")
try:
    methods = []
    for commitment in ("on-demand", "1-year", "3-year"):
        try:
            methods.append(cloud_cost(hours_text, hardware, start, commitment))
        except calc.InputError as exc:
            st.info(f"cloud ({commitment}): {exc}")
    methods.append(amortized_cost(hours_text, hardware, start))
    if "chips" in q:
        methods.append(acquisition_cost(q["chips"], hardware, start))
    shown = [in_dollars_of(c, int(year)) for c in methods]
except calc.InputError as exc:
    st.error(str(exc))
    st.stop()

table = pd.DataFrame([{"method": c.method, "cost": show("cost", c.value), "usd": c.value.m_as("USD"),
                       "basis": c.basis} for c in shown])
st.dataframe(table.drop(columns="usd"), hide_index=True, width="stretch")
running = table[table["method"] != "acquisition"]
research = figure("research-overhead")
lo, hi = float(research.quoted.m_as("")), float(research.high.m_as(""))
band = pd.DataFrame({"method": running["method"], "low": running["usd"] * lo, "high": running["usd"] * hi})
bars = alt.Chart(running).mark_bar().encode(
    x=alt.X("usd:Q", title=f"cost of the run [{int(year)} USD]", axis=alt.Axis(format="$~s")),
    y=alt.Y("method:N", sort=None, title=None), tooltip=["method", "cost"])
ticks = alt.Chart(band).mark_rule(color="#f58518", strokeWidth=6, opacity=0.5).encode(
    x="low:Q", x2="high:Q", y=alt.Y("method:N", sort=None))
st.altair_chart((bars + ticks).properties(height=220, title="per method; orange: with research at "
                                          f"{lo:g}-{hi:g}x the final run"), width="stretch")
st.caption(f"Orange band: {research.statement} ({research.article}, line {research.line}); an expert's guess, "
           "not a measured figure.")

if "compute" in q:
    steps = reconcile(q["compute"], hardware, hours_text, start, year=int(year))
    wf = []
    for i, (label, value, why) in enumerate(steps):
        prev = steps[i - 1][1].m_as("USD") if i else None
        wf.append({"step": f"{i + 1}. {label}", "usd": value.m_as("USD"), "prev": prev or value.m_as("USD"),
                   "factor": "" if prev is None else f"x{value.m_as('USD') / prev:.2f}", "why": why})
    wf = pd.DataFrame(wf)
    st.subheader("From the idealised rental to owned hardware, one factor at a time")
    chart = alt.Chart(wf).mark_bar().encode(
        y=alt.Y("step:N", sort=None, title=None),
        x=alt.X("prev:Q", scale=alt.Scale(type="log"), title="USD", axis=alt.Axis(format="$~s")), x2="usd:Q",
        color=alt.condition("datum.usd >= datum.prev", alt.value("#d62728"), alt.value("#2ca02c")),
        tooltip=["step", "factor", "why"])
    text = alt.Chart(wf).mark_text(align="left", dx=6).encode(y=alt.Y("step:N", sort=None), x="usd:Q", text="factor")
    st.altair_chart((chart + text).properties(height=240), width="stretch")
    st.dataframe(wf[["step", "factor", "why"]], hide_index=True, width="stretch")
