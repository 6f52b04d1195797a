"""Landscape page: training compute of notable models over time, with the regulatory lines."""

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import charts, session
from calc import data
from calc.display import number, show


@st.cache_data
def notable_models() -> pd.DataFrame:
    epoch = [{"model": n, "date": d, "compute": c.m_as("FLOP"), "source": "Epoch AI"} for n, d, c in data.notable_compute()]
    ours = [{"model": m.name, "date": m.date, "compute": m.quantities["compute"].m_as("FLOP"), "source": "data/models.csv"}
            for m in data.models().values() if "compute" in m.quantities and m.date is not None]
    df = pd.DataFrame(epoch + ours)
    df["date"] = pd.to_datetime(df["date"])
    df["training compute"] = [number(c) + " FLOP" for c in df["compute"]]
    return df


@st.cache_data
def threshold_lines() -> pd.DataFrame:
    """One line per compute level, labelled with every rule drawn at it (several rules share 10²⁶)."""
    rules, short = {}, {}
    for t in data.thresholds().values():
        if t.compute is None:
            continue
        name = t.name.split(":")[0] + ("" if t.applies_to == "all models" else f", {t.applies_to}")
        rules.setdefault(t.compute.m_as("FLOP"), []).append(f"{name} ({t.status})")
        short.setdefault(t.compute.m_as("FLOP"), []).append(_short_name(t))
    return pd.DataFrame([{"compute": c, "threshold": f"{number(c)} FLOP: " + "; ".join(names),
                          "short": f"{number(c)}: " + "; ".join(dict.fromkeys(short[c]))}
                         for c, names in sorted(rules.items())])


def _short_name(rule) -> str:
    """A rule's name as a phone's label has room for: "EO 14110", "EU AI Act", "SB 1047" (bio: its scope)."""
    name = rule.name.split(":")[0].split(",")[0].replace("Executive Order", "EO").removeprefix("California ")
    return name + ("" if rule.applies_to == "all models" else f" ({rule.applies_to.split()[0]})")


HEIGHT = 520  # px
NARROW = 600  # px of chart: below it the threshold labels are the value and short names (a phone's 390 px cut them)


st.title("Training compute of notable models")
st.caption("Data: Epoch AI, Notable AI Models (https://epoch.ai/data), CC BY 4.0 (data/notable_compute.csv); "
           "plus the published runs of data/models.csv.")

df = notable_models()
lines = threshold_lines()
scenario = session.compute()

y_axis = alt.Y("compute:Q", scale=alt.Scale(type="log"), axis=charts.power_axis("Training compute (FLOP)"))
tooltip = ["model", alt.Tooltip("date:T", title="published"), "training compute", "source"]
epoch = alt.Chart(df[df["source"] == "Epoch AI"]).mark_circle(size=30, opacity=0.4, color="#4c78a8").encode(
    x=alt.X("date:T", title="Publication date"), y=y_axis, tooltip=tooltip)
ours = alt.Chart(df[df["source"] != "Epoch AI"]).mark_point(size=90, filled=True, shape="diamond", color="#f58518").encode(
    x="date:T", y=y_axis, tooltip=tooltip)
rules = alt.Chart(lines).mark_rule(strokeDash=[6, 4], color="gray").encode(y="compute:Q", tooltip=["threshold"])
# each threshold's label above its line, unless the scenario's line would strike through it there (GPT-3's
# 3.15 × 10²³ FLOP sits half a decade, 8 px, over the 10²³ line); the scenario's own label then clears them all
values = [*df["compute"], *lines["compute"], *([] if scenario is None else [scenario.m_as("FLOP")])]
span = (min(values), max(values), HEIGHT)
dys = (charts.rule_label_dys(scenario.m_as("FLOP"), lines["compute"], *span) if scenario is not None
       else [charts.RULE_LABEL_DY] * len(lines))
chart = epoch + ours + rules
for side in sorted(set(dys)):  # above first
    chart += alt.Chart(lines[[d == side for d in dys]]).mark_text(
        align="left", dx=4, dy=side, color="gray", limit=alt.ExprRef("width - 8")).encode(
        x=alt.value(0), y="compute:Q", text="label:N").transform_calculate(
        label=f"width < {NARROW} ? datum.short : datum.threshold")  # a phone: the value and short names
if scenario is not None:
    here = pd.DataFrame([{"compute": scenario.m_as("FLOP"), "date": df["date"].max(),
                          "label": f"your scenario: {show('compute', scenario, True)}"}])
    chart += alt.Chart(here).mark_rule(color="black", strokeWidth=2).encode(y="compute:Q", tooltip=["label"])
    dy = charts.label_offset(scenario.m_as("FLOP"), lines["compute"], *span, dys=dys)
    for halo in (True, False):  # a white outline first, so the label reads over the dense recent points
        chart += alt.Chart(here).mark_text(align="right", dy=dy, fontWeight="bold", **(
            {"stroke": "white", "strokeWidth": 4, "strokeJoin": "round", "color": "white"} if halo else {})).encode(
            x="date:T", y="compute:Q", text="label")
st.altair_chart(chart.properties(height=HEIGHT), width="stretch")
st.caption(f"{len(df):,} models with a known training compute (orange diamonds: data/models.csv). Dashed lines: the "
           "training-compute thresholds of data/thresholds.csv, each labelled with every rule drawn at it"
           + ("; the solid black line is your scenario's compute (Estimate page)." if scenario is not None else
              ". Give a run on the Estimate page to see where it falls."))
