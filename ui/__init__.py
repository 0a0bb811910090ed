"""The Streamlit side: state, auth, i18n, formatting, charts and widgets shared by pages."""
