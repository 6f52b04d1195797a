"""Streamlit entry point: page setup and navigation only. Pages live in pages/."""

import streamlit as st

from calc import data
from calc.errors import DataError

st.set_page_config(page_title="Training-cost calculator", page_icon="🧮", layout="wide")

try:
    data.validate_all()  # refuse to show numbers computed from a corrupt bundled file
except DataError as exc:
    st.error(f"A bundled data file is corrupt, so the calculator will not start: {exc}")
    st.stop()

pages = [
    st.Page("pages/estimate.py", title="Estimate", icon="🧮", default=True),
    st.Page("pages/claims.py", title="Claims", icon="📰"),
    st.Page("pages/landscape.py", title="Landscape", icon="📈"),
    st.Page("pages/compare.py", title="Compare hardware", icon="⚖️"),
    st.Page("pages/backtest.py", title="Back-test", icon="🎯"),
]
st.navigation(pages).run()
