"""Streamlit entry point: page setup and navigation only. Pages live in pages/."""

import streamlit as st

st.set_page_config(page_title="Training-cost calculator", page_icon="🧮", layout="wide")

pages = [
    st.Page("pages/estimate.py", title="Estimate", icon="🧮", default=True),
    st.Page("pages/claims.py", title="Claims", icon="📰"),
]
st.navigation(pages).run()
