"""Streamlit entry point: page setup and navigation only. Pages live in app_pages/ (not pages/, which Streamlit would also read as legacy multipage scripts)."""

import streamlit as st

st.set_page_config(page_title="Training-cost calculator", page_icon="🧮", layout="wide")
try:  # a corrupt data/units.txt fails the import of calc itself: one error on the page, not a traceback
    from app_pages import session
    from calc import data
    from calc.errors import DataError
except Exception as exc:
    if type(exc).__name__ != "DataError":
        raise
    st.error(f"A bundled data file is corrupt, so the calculator will not start: {exc}")
    st.stop()

try:
    data.validate_all()  # refuse to show numbers computed from a corrupt bundled file
except DataError as exc:
    st.error(f"A bundled data file is corrupt, so the calculator will not start: {exc}")
    st.stop()
pages = [
    st.Page("app_pages/estimate.py", title="Estimate", icon=":material/calculate:", default=True),
    st.Page("app_pages/claims.py", title="Claims", icon=":material/newspaper:"),
    st.Page("app_pages/landscape.py", title="Landscape", icon=":material/show_chart:"),
    st.Page("app_pages/compare.py", title="Compare hardware", icon=":material/compare_arrows:"),
    st.Page("app_pages/shape.py", title="Model shape", icon=":material/view_in_ar:"),
    st.Page("app_pages/layouts.py", title="Parallel layouts", icon=":material/grid_view:"),
    st.Page("app_pages/serving.py", title="Serving", icon=":material/bolt:"),
    st.Page("app_pages/cost.py", title="Cost", icon=":material/payments:"),
    st.Page("app_pages/lifetime.py", title="Lifetime", icon=":material/hourglass_bottom:"),
    st.Page("app_pages/thresholds.py", title="Thresholds", icon=":material/gavel:"),
    st.Page("app_pages/backtest.py", title="Back-test", icon=":material/target:"),
]
page = st.navigation(pages)
session.start(page.url_path, {p.url_path or "estimate": p.title for p in pages})  # the session's one scenario, read from the URL once, written back on every page
page.run()
