"""Back-test page: published runs recomputed from their reported inputs, against what they reported."""

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import charts
from calc.backtest import epoch_checks, published_checks, summary
from calc.display import escape, number


@st.cache_data
def _checks() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    epoch, excluded = epoch_checks()
    checks = published_checks() + epoch
    df = pd.DataFrame([{
        "run": c.run, "group": c.group, "method": c.method, "output": c.output,
        "reported": float(c.reported.magnitude), "recomputed": float(c.recomputed.m_as(c.reported.units)),
        "unit": f"{c.reported.units:~P}", "ratio": c.ratio, "tolerance": c.tolerance, "within": c.within,
        "why outside": c.note, "caveat": c.caveat,
    } for c in checks])
    return df, pd.DataFrame(summary(checks)), excluded


st.title("Back-test: how close the model lands on published runs")
st.caption("Each run recomputed from its own reported inputs by every method that applies; ratio = recomputed / "
           "reported. Published runs: data/runs.csv. Epoch AI runs (data/epoch_runs.csv, from "
           "https://epoch.ai/data, CC BY 4.0) are a consistency check: Epoch sometimes derives MFU from the same compute and hours.")
df, table, excluded = _checks()
# one format a column: factors to two decimals, shares in whole percent ("100%" beside "62%", not "61.54%")
table = table.assign(**{k: table[k] * 100 for k in ("within_5%", "within_20%", "within_2x")})
share = "Share of runs whose recomputed value is within {} of the reported one"
st.dataframe(table, hide_index=True, width="stretch", column_config={
    "group": "Runs from", "method": "Method", "output": "Output", "runs": "Runs",
    "median_factor": st.column_config.NumberColumn("Median error (×)", format="%.2f",
                                                   help="Median of max(ratio, 1 / ratio) over the runs"),
    "worst_factor": st.column_config.NumberColumn("Worst error (×)", format="%.2f",
                                                  help="Largest max(ratio, 1 / ratio) over the runs"),
    "within_5%": st.column_config.NumberColumn("Within 5%", format="%.0f%%", help=share.format("5%")),
    "within_20%": st.column_config.NumberColumn("Within 20%", format="%.0f%%", help=share.format("20%")),
    "within_2x": st.column_config.NumberColumn("Within 2×", format="%.0f%%", help=share.format("a factor of 2")),
})
output = st.selectbox("Output", sorted(df["output"].unique()), key="backtest_output")
part = df[df["output"] == output]
lo, hi = min(part["reported"].min(), part["recomputed"].min()), max(part["reported"].max(), part["recomputed"].max())
line = pd.DataFrame({"reported": [lo, hi], "recomputed": [lo, hi]})
scale = alt.Scale(type="log")
unit = part["unit"].iloc[0] if not part.empty else ""
part = part.assign(**{"reported ": [f"{number(v)} {u}" for v, u in zip(part["reported"], part["unit"])],
                      "recomputed ": [f"{number(v)} {u}" for v, u in zip(part["recomputed"], part["unit"])],
                      "ratio ": [number(r) for r in part["ratio"]]})
points = alt.Chart(part).mark_point(filled=True, size=70).encode(
    x=alt.X("reported:Q", scale=scale, axis=charts.power_axis(f"Reported {output} ({unit})")),
    y=alt.Y("recomputed:Q", scale=scale, axis=charts.power_axis(f"Recomputed {output} ({unit})")),
    color=alt.Color("group:N", title=None), shape=alt.Shape("method:N", title=None),
    tooltip=["run", "method", "reported ", "recomputed ", "ratio ", "why outside"],
)
diagonal = alt.Chart(line).mark_line(color="gray", strokeDash=[4, 4]).encode(x="reported:Q", y="recomputed:Q")
st.altair_chart((diagonal + points).properties(height=420).configure_legend(orient="bottom", direction="vertical"),  # 390 px
                width="stretch")
part = part.assign(**{"within ": [f"{'yes' if w else 'no'} (±{t:.0%})" for w, t in zip(part["within"], part["tolerance"])]})
st.dataframe(part[["run", "caveat", "reported ", "recomputed ", "ratio ", "within ", "method", "group"]],
             hide_index=True, width="stretch", row_height=92, column_config={  # tall rows: caveats wrap (4 lines)
                 "run": st.column_config.TextColumn("Run", pinned=True), "caveat": st.column_config.TextColumn("Caveat", width=260),  # not "large": every column fits at 1440 px
                 "reported ": "Reported", "recomputed ": "Recomputed",
                 "ratio ": st.column_config.TextColumn("Ratio", help="recomputed / reported"),
                 "within ": st.column_config.TextColumn("Within tolerance", help="yes or no, and the tolerance"),
                 "method": "Method", "group": "Runs from"})
outside = part[part["why outside"].astype(bool)]
if not outside.empty:
    st.markdown(f"**Why {len(outside)} of these runs land outside their tolerance**")
    st.markdown("\n".join(f"- **{escape(run)}** ({escape(method)}, ratio {number(ratio)}): {escape(why, limit=600)}"
                          for run, method, ratio, why in outside[["run", "method", "ratio", "why outside"]].values))
if excluded:  # a note, not a warning: each row left out of the check, with the reason its cell gives
    compared = df.loc[df["group"] == "Epoch AI", "run"].nunique()
    rows = "row is" if len(excluded) == 1 else "rows are"
    st.info(f"Epoch AI's runs: {compared} of {compared + len(excluded)} compared. {len(excluded)} {rows} left out, "
            "not guessed at, because a cell is not in the unit its column states:\n"
            + "\n".join(f"- {escape(e.removesuffix('; row excluded'), limit=400)}" for e in excluded),
            icon=":material/info:")
