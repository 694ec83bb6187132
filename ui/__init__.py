"""Streamlit pages and their parts. ``app.py`` mounts each page module's ``render()``; the pieces (sidebar,
views, explanations, cached computations, URL state and links, presets, the chart-library warm-up) live in
their own modules."""
