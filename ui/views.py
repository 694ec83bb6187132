"""The playground's main view: map and loss curves, animation, side-by-side panels, inside the optimizer.

The view runs as a fragment (inside the playground's results fragment): switching views, the 3D toggle and the
playback speed rerun only this part of the page. The map and loss curves are the live chart of
:mod:`ui.live_paths`; a value committed there is shown by the sidebar too, so it reruns the app.
"""
from __future__ import annotations

import streamlit as st

from simulation.settings import Settings
from ui import compute, links, live_paths, playground_url, state
from ui.view_options import DEFAULT_SPEED, DEFAULT_VIEW, SPEEDS, VIEWS

PLOT_CONFIG = {"displaylogo": False, "scrollZoom": False}
VIEW_HELP = {
    "paths": "Drag a learning-rate or momentum control under the charts and the paths follow; drag the white "
             "start marker to start elsewhere. Hover a path to read its steps.",
    "animation": "Press ▶ or drag the step slider: all paths and the loss cursors move together.",
    "multiples": "One panel per optimizer on identical axes; one slider replays them all at the same step.",
    "inside": "At the slider's step: the white dotted arrow points downhill (−gradient, direction only), the "
              "coloured arrow is the step actually taken, the dashed one the velocity momentum carries over. "
              "The right panel shows each adaptive method's effective step size per coordinate, "
              "lr / (√v + ε) and its relatives: the reason Adam and RMSProp move the way they do "
              "(with no adaptive method chosen, it shows the loss).",
}


def _paths_view(settings: Settings) -> None:
    three_d = st.toggle("3D surface", key=state.THREE_D, help="Show the surface in 3D with the paths on it.")
    if not three_d:
        live_paths.render(settings)
        return
    left, right = st.columns([1.25, 1])
    with left:
        st.plotly_chart(compute.figure("3d", settings), key="surface_3d", config=PLOT_CONFIG)
    with right:
        st.plotly_chart(compute.figure("loss", settings), key="loss_curves", config=PLOT_CONFIG)


def _speed() -> int:
    if state.SPEED not in st.session_state:
        st.session_state[state.SPEED] = DEFAULT_SPEED
    speed = st.radio("Playback speed", list(SPEEDS), key=state.SPEED, horizontal=True)
    return SPEEDS[speed]


@st.fragment
def render_views(settings: Settings) -> None:
    """The view picker and the chosen view for ``settings``."""
    if st.session_state.pop(state.NEEDS_FULL_RERUN, False):
        st.rerun(scope="app")
    if st.session_state.get(state.VIEW) not in VIEWS:
        st.session_state[state.VIEW] = DEFAULT_VIEW
    view = st.radio("View", list(VIEWS), key=state.VIEW, format_func=VIEWS.get, horizontal=True,
                    label_visibility="collapsed")
    st.caption(VIEW_HELP[view])
    if view == "paths":
        _paths_view(settings)
    else:
        frame_ms = _speed()
        st.plotly_chart(compute.figure(view, settings, frame_ms), key=f"chart_{view}", config=PLOT_CONFIG)
    sync_url()


def sync_url() -> None:
    """Put every control into the page URL."""
    links.update_url(playground_url.encode(st.session_state), state.URL_SEEN)
