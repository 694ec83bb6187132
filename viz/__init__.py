"""Figures (Plotly) and lecture export (GIF/MP4): pure functions of results; no Streamlit here."""
