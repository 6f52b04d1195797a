"""Thresholds page: the rules, when they applied, and what it takes a cluster to cross them."""

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

import calc
from calc import data
from calc.claims import figures
from calc.cost import all_methods, latest_covered_date
from calc.display import show
from calc.thresholds import cluster_crossings, run_crossings, runs_per_budget, time_to_reach

st.title("Which rules does a run cross?")
rules = data.thresholds().values()
timeline = pd.DataFrame([{
    "rule": t.name.split(":")[0], "line": show("compute", t.compute, short=True) if t.compute else
    f"{t.cluster_peak.m_as('FLOP/s'):.0e} FLOP/s cluster", "status": t.status, "start": t.signed,
    "end": t.revoked or dt.date.today(), "applies to": t.applies_to,
} for t in rules])
st.altair_chart(alt.Chart(timeline).mark_bar(height=14).encode(
    x=alt.X("start:T", title=None), x2="end:T", y=alt.Y("rule:N", title=None, sort=None),
    color=alt.Color("status:N"), tooltip=["rule", "line", "status", "start:T", "end:T", "applies to"],
).properties(height=200, title="rules over time (to their revocation, or today)"), width="stretch")

c1, c2, c3 = st.columns(3)
compute = c1.text_input("compute [FLOP]", value=st.session_state.get("_last_compute") and
                        f"{st.session_state['_last_compute']:.3g} FLOP" or "3.8e25 FLOP", key="th_compute")
chips = c2.text_input("cluster chips [chip]", value="100000", key="th_chips")
hardware = c3.selectbox("cluster hardware", list(data.hardware_table()),
                        index=list(data.hardware_table()).index("H100 SXM5"), key="th_hw")
try:
    runs = run_crossings(compute)
    cluster = cluster_crossings(chips, hardware)
except calc.InputError as exc:
    st.error(str(exc))
    st.stop()
rows = [{"rule": c.threshold.name, "status": c.threshold.status, "measure": c.measure,
         "ratio to the line": c.ratio, "crosses": c.crosses} for c in runs + cluster]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
             column_config={"ratio to the line": st.column_config.NumberColumn(format="%.3g")})
st.caption("The rules say 'greater than': a run of exactly 10^26 FLOP does not cross 10^26. A cluster's peak depends "
           "on the number format it is counted in: 100,000 H100 are under 10^20 FLOP/s at dense BF16, over it at FP8.")

st.subheader(f"What it takes {chips} {hardware} to reach each line")
lines = sorted({t.compute.m_as("FLOP") for t in rules if t.compute and t.applies_to == "all models"})
reach = []
start = latest_covered_date(hardware)
for line in lines:
    est = time_to_reach(f"{line} FLOP", chips, hardware)
    cost = est.cost if "cost" in est else None
    by_method = {m.method: show("cost", m.value) for m in all_methods(est.chip_hours, hardware, start)
                 if not isinstance(m, calc.InputError)}
    reach.append({"line": f"{line:.0e} FLOP", "duration": show("duration", est.duration), **by_method,
                  **{f.statement.split(' ')[0] + " " + show("cost", f.quoted, short=True) + " buys":
                     f"{runs_per_budget(f.quoted, cost):,.1f} runs" if cost is not None else "—"
                     for f in figures() if f.id in ("xai-series-b", "openai-founders-pledge", "lhc-budget")}})
st.dataframe(pd.DataFrame(reach), hide_index=True, width="stretch")
st.caption(f"At {show('utilization', est.utilization)} utilization ({est['utilization'].source}); costs at the prices of "
           f"{start}, the latest date the data covers for {hardware}; 'buys' counts runs at the latest on-demand price. Budgets are the seed articles' figures (xAI's Series B, OpenAI's founders' pledge, "
           "the LHC).")
