"""The empty page the benchmark times beside the real ones (AppTest's own overhead)."""

import streamlit as st

st.write("")
