"""Claims page: the seed claims ledger, quoted vs recomputed, filterable, each openable."""

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from calc.claims import article_titles, check_all, claim_scenario, claims, figures
from calc.display import number, readable


@st.cache_data
def _ledger() -> pd.DataFrame:
    rows = []
    scenarios = {c.id: claim_scenario(c) for c in claims()}
    for r in check_all():
        scenario = scenarios[r.id]
        rows.append({
            "open": "" if scenario is None else "/?" + urlencode(scenario),
            "claim": r.id,
            "verdict": r.verdict,
            "test": r.test_said,
            "quoted": readable(r.quoted, r.noun),  # a count with what it counts: "8M web pages", not "8 × 10⁶"
            "recomputed": "—" if r.recomputed is None else readable(r.recomputed, r.noun),
            "ratio": "—" if r.ratio is None else number(r.ratio),
            "plausible (90%)": "—" if r.plausible is None else  # no uncertain assumption: no interval
            f"{readable(r.plausible[0], r.noun)} – {readable(r.plausible[1], r.noun)} (quote {r.quote_against_plausible})",
            "statement": r.statement,
            "article": article_titles().get(r.article, r.article),
            "line": r.where if r.source else f"line {r.line}",  # a published statement has a place, not a line
            "note": r.note,
        })
    return pd.DataFrame(rows)


VERDICT_WIDTH, RATIO_WIDTH = 136, 56  # px: "inconsistent-units" and "0.973" whole, the statement beside them at 390 px
st.title("The articles' figures, recomputed")
st.caption("Seed articles and published statements (" + "; ".join(article_titles().values()) + "). "
           "ratio = quoted / recomputed. `off` means outside the claim's stated tolerance; "
           "`inconsistent-units` means the quoted arithmetic mixes dimensions (e.g. parameters / bytes).")
df = _ledger()
c1, c2 = st.columns(2)
verdicts = c1.multiselect("Verdict", sorted(df["verdict"].unique()), key="claims_verdict")
articles = c2.multiselect("Article", sorted(df["article"].unique()), key="claims_article")
view = df
if verdicts:
    view = view[view["verdict"].isin(verdicts)]
if articles:
    view = view[view["article"].isin(articles)]
counts = df["verdict"].value_counts()
m = st.columns(3)
for col, v, title in zip(m, ["reproduced", "off", "inconsistent-units"],
                         ["Reproduced", "Off (outside tolerance)", "Inconsistent units"]):
    col.metric(title, int(counts.get(v, 0)))
st.dataframe(view, hide_index=True, width="stretch", row_height=66,  # two lines: statements wrap
             height=min(38 + 66 * len(view), 700),
             # the verdict and the ratio first, narrow, then the statement: a 390 px phone shows all three (with the
             # statement first, its 400 px filled the screen and the verdict was off it)
             column_order=["verdict", "ratio", "statement", "quoted", "recomputed", "test", "plausible (90%)", "note", "claim",
                           "open", "article", "line"],  # the note beside the figures: why a claim is off, in view
             column_config={"open": st.column_config.LinkColumn("Run it", display_text="open ↗", width="small",
                                                                help="Open the claim's own run in the Estimate page"),
                            "claim": "Claim", "quoted": "Quoted", "recomputed": "Recomputed",
                            "test": st.column_config.TextColumn("Test", help="The tolerance the verdict applies (the "
                                                                "claim's own, with its reason in the seed file), or "
                                                                "the bound the article states"),
                            "verdict": st.column_config.TextColumn("Verdict", width=VERDICT_WIDTH),
                            "ratio": st.column_config.TextColumn("Ratio", help="quoted / recomputed",
                                                                 width=RATIO_WIDTH),
                            "plausible (90%)": st.column_config.TextColumn(
                                "Plausible (90%)", help="The recomputed value's 90% interval over defensible assumptions, and whether the quote lies "
                                     "inside it: a claim off under its own stated assumptions may still be plausible"),
                            "statement": st.column_config.TextColumn("Statement", width="large"),
                            "article": st.column_config.TextColumn("Article", width="large"),
                            "line": st.column_config.TextColumn("Where", help="Line of the article, or the part "
                                                                              "of the published statement"),
                            "note": st.column_config.TextColumn("Note", width="large")})
with st.expander("Quoted figures that are context, not checkable claims"):
    st.dataframe(pd.DataFrame([{
        "Figure": f.id, "Statement": f.statement, "Why not checked": f.why,
        "Interpretation": "; ".join(
            ([] if f.interpretation is None else [readable(f.interpretation)])
            + [f"{label}: {readable(q)}" for label, q in f.more]),
        "Article": article_titles().get(f.article, f.article), "Where": f.where if f.source else f"line {f.line}",
    } for f in figures()]), hide_index=True, width="stretch", row_height=76, column_config={
        "Statement": st.column_config.TextColumn(width="large"),
        "Why not checked": st.column_config.TextColumn(width="large"),
        "Article": st.column_config.TextColumn(width="large")})
st.caption("Claims that run the full model (e.g. Lambda's 355 GPU-years) open on the Estimate page, "
           "where every assumption can be changed; they are also presets there.")
