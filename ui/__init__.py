"""Streamlit pages and their parts. ``app.py`` mounts each page module's ``render()``; the playground's
pieces (sidebar, views, explanations, cached computations, URL state, presets) live in their own modules."""
