"""Pure rules of the co-building alliance: no database session, no Streamlit."""
