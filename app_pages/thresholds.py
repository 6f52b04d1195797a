"""Thresholds page: the rules, when they applied, and what it takes a cluster to cross them."""

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

import calc
from app_pages import charts, session
from calc import data
from calc.claims import figures
from calc.cost import all_methods, committed_vendor, latest_covered_date
from calc.display import as_text, escape, number, show
from calc.thresholds import cluster_crossings, run_crossings, runs_per_budget, time_to_reach

st.title("Which rules does a run cross?")
rules = data.thresholds().values()
timeline = pd.DataFrame([{
    "rule": t.name.split(":")[0], "line": show("compute", t.compute, short=True) if t.compute else
    f"{number(t.cluster_peak.m_as('FLOP/s'))} FLOP/s cluster", "status": t.status, "start": t.signed,
    "end": t.revoked or dt.date.today(), "applies to": t.applies_to,
} for t in rules])
st.altair_chart(alt.Chart(timeline).mark_bar(height=14).encode(
    x=alt.X("start:T", title=None), x2="end:T", y=alt.Y("rule:N", title=None, sort=None, axis=alt.Axis(labelLimit=400)),
    color=alt.Color("status:N", title="Status"), tooltip=["rule", "line", "status", "start:T", "end:T", "applies to"],
).properties(height=charts.HEIGHT, title="Rules over time (to their revocation, or today)"), width="stretch")

if "th_compute" not in st.session_state:
    own = session.compute()
    st.session_state["th_compute"] = as_text("compute", own) if own is not None else "3.8 × 10²⁵ FLOP"
c1, c2, c3 = st.columns(3)
compute = c1.text_input("Training compute (FLOP)", key="th_compute",
                        help="Your Estimate scenario's compute when it has one; e.g. `10^26 FLOP`.")
if "th_chips" not in st.session_state:  # the scenario's cluster when it has one, else xAI's 100,000
    st.session_state["th_chips"] = session.get().get("chips") or "100000"
chips = c2.text_input("Cluster size (chips)", key="th_chips",
                      help="Your Estimate scenario's chip count when it has one; e.g. `100k` or `100000`.")
hardware = c3.selectbox("Cluster hardware", list(data.hardware_table()),
                        index=list(data.hardware_table()).index("H100 SXM5"), key="th_hw")
try:
    runs = run_crossings(compute)
    cluster = cluster_crossings(chips, hardware)
    n_chips = calc.estimate(chips=chips).chips
except calc.InputError as exc:
    st.error(escape(exc))
    st.stop()
rows = [{"Rule": c.threshold.name, "Status": c.threshold.status, "Measure": c.measure,
         "Ratio to the line": number(c.ratio), "Crosses": "yes" if c.crosses else "no"} for c in runs + cluster]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
             column_config={"Rule": st.column_config.TextColumn(width="large")})
st.caption("The rules say 'greater than': a run of exactly 10²⁶ FLOP does not cross 10²⁶. A cluster's peak depends "
           "on the number format it is counted in: 100,000 H100 are under 10²⁰ FLOP/s at dense BF16, over it at FP8.")

st.subheader(f"What it takes {show('chips', n_chips)} ({hardware}) to reach each line")
lines = sorted({t.compute.m_as("FLOP") for t in rules if t.compute and t.applies_to == "all models"})
reach = []
start = latest_covered_date(hardware)
vendor = committed_vendor(hardware, start)
budgets = [f for f in figures() if f.id in ("xai-series-b", "openai-founders-pledge", "lhc-budget")]
est = None
for line in lines:
    est = time_to_reach(calc.Q_(line, "FLOP"), n_chips, hardware)
    cost = est.cost if "cost" in est else None
    by_method = {m.method: show("cost", m.value) for m in all_methods(est.chip_hours, hardware, start)
                 if not isinstance(m, calc.InputError)}
    reach.append({"Line": f"{number(line)} FLOP", "Duration": show("duration", est.duration), **by_method,
                  **{f"{f.statement.split(' ')[0]} {show('cost', f.quoted, short=True)} buys":
                     f"{number(runs_per_budget(f.quoted, cost))} runs" if cost is not None else "—" for f in budgets}})
st.dataframe(pd.DataFrame(reach), hide_index=True, width="stretch")
if est is not None:
    cloud = (f"both cloud prices from {vendor}, the vendor with the cheapest 3-year commitment, so on-demand and "
             "3-year compare like with like" if vendor else "the cheapest on-demand price of any vendor")
    st.caption(f"At {show('utilization', est.utilization)} utilization ({est['utilization'].source}); prices of "
               f"{start}, the latest date the data covers for {hardware}: {cloud}; amortized ownership as in Cottier "
               "et al. 2024. 'Buys' counts runs at the on-demand price the estimate uses by default. Budgets are the "
               "seed articles' figures (xAI's Series B, OpenAI's founders' pledge, the LHC).")
