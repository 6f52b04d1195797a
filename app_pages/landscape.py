"""Landscape page: training compute of notable models over time, with the regulatory lines."""

import altair as alt
import pandas as pd
import streamlit as st

from calc import data


@st.cache_data
def notable_models() -> pd.DataFrame:
    epoch = [{"model": n, "date": d, "compute": c.m_as("FLOP"), "source": "Epoch AI"} for n, d, c in data.notable_compute()]
    ours = [{"model": m.name, "date": m.date, "compute": m.quantities["compute"].m_as("FLOP"), "source": "data/models.csv"}
            for m in data.models().values() if "compute" in m.quantities and m.date is not None]
    df = pd.DataFrame(epoch + ours)
    df["date"] = pd.to_datetime(df["date"])
    return df


st.title("Training compute of notable models")
st.caption("Data: Epoch AI, Notable AI Models (https://epoch.ai/data), CC BY 4.0 (data/notable_compute.csv); "
           "plus the published runs of data/models.csv.")

df = notable_models()
lines = pd.DataFrame([
    {"threshold": f"{t.name.split(':')[0]} ({t.status})", "compute": t.compute.m_as("FLOP")}
    for t in data.thresholds().values() if t.compute is not None
]).drop_duplicates("compute")
scenario = st.session_state.get("_last_compute")

y_axis = alt.Y("compute:Q", scale=alt.Scale(type="log"), title="training compute [FLOP]", axis=alt.Axis(format="~e"))
epoch = alt.Chart(df[df["source"] == "Epoch AI"]).mark_circle(size=30, opacity=0.4, color="#4c78a8").encode(
    x=alt.X("date:T", title="publication date"), y=y_axis,
    tooltip=["model", "date:T", alt.Tooltip("compute:Q", format=".3g"), "source"],
)
ours = alt.Chart(df[df["source"] != "Epoch AI"]).mark_point(size=90, filled=True, shape="diamond", color="#f58518").encode(
    x="date:T", y=y_axis, tooltip=["model", "date:T", alt.Tooltip("compute:Q", format=".3g"), "source"],
)
points = epoch + ours
rules = alt.Chart(lines).mark_rule(strokeDash=[6, 4], color="gray").encode(y="compute:Q", tooltip=["threshold"])
labels = alt.Chart(lines).mark_text(align="left", dx=4, dy=-6, color="gray").encode(
    x=alt.value(0), y="compute:Q", text="threshold")
chart = points + rules + labels
if scenario:
    here = pd.DataFrame([{"compute": scenario, "label": "your scenario"}])
    chart += alt.Chart(here).mark_rule(color="black", strokeWidth=2).encode(y="compute:Q", tooltip=["label"])
st.altair_chart(chart.properties(height=520), width="stretch")
st.caption(f"{len(df)} models with a known training compute (orange diamonds: data/models.csv). Dashed lines: the training-compute thresholds "
           "of data/thresholds.csv; the solid line is the compute of your current Estimate scenario.")
