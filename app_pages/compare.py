"""Compare page: the Estimate page's run on each accelerator, as a table and bar charts."""

import altair as alt
import pandas as pd
import streamlit as st

import calc
from calc import data
from calc.compare import DEFAULT_LINEUP, compare_hardware
from calc.display import show

st.title("The same run on different hardware")
known = st.session_state.get("_last_known") or {"params": "175e9 param", "tokens": "300e9 token", "chips": "1024"}
st.caption("Inputs from the Estimate page, without its hardware-specific ones: "
           + ", ".join(f"`{k} = {v}`" for k, v in known.items()))
names = st.multiselect("Accelerators", list(data.hardware_table()), default=list(DEFAULT_LINEUP), key="compare_hw")
runs = compare_hardware(known, names)
rows, problems = [], []
for name, est in runs.items():
    if isinstance(est, calc.InputError):
        problems.append(f"{name}: {est}")
        continue
    row = {"hardware": name, "precision": est.precision}
    for q in ("peak", "duration", "chip_hours", "price", "cost", "energy"):
        row[q] = show(q, est[q].value, short=True) if q in est else "—"
    row["days"] = est.duration.m_as("day") if "duration" in est else None
    row["usd"] = est.cost.m_as("USD") if "cost" in est else None
    row["mwh"] = est.energy.m_as("MWh") if "energy" in est else None
    row["price source"] = est["price"].how if "price" in est else "no price in data/prices.csv"
    rows.append(row)
for p in problems:
    st.warning(p)
if not rows:
    st.info("Give the run's size on the Estimate page (params and tokens, or compute) and a chip count.")
    st.stop()
df = pd.DataFrame(rows)
st.dataframe(df.drop(columns=["days", "usd", "mwh"]), hide_index=True, width="stretch")
cols = st.columns(3)
for col, field, title in ((cols[0], "days", "duration [day]"), (cols[1], "usd", "cost [USD]"), (cols[2], "mwh", "energy [MWh]")):
    part = df[df[field].notna()]
    if part.empty:
        continue
    col.altair_chart(alt.Chart(part).mark_bar().encode(
        x=alt.X(f"{field}:Q", title=title, axis=alt.Axis(format="~s")), y=alt.Y("hardware:N", sort="x", title=None),
        tooltip=["hardware", alt.Tooltip(f"{field}:Q", format=".3g")],
    ).properties(height=40 + 28 * len(part)), width="stretch")
st.caption("Prices are each chip's latest on-demand price in data/prices.csv, so their dates differ; "
           "peaks are dense, at the chip's default precision (bf16, or fp16 for the V100).")
