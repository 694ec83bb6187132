"""The playground's main view: map and loss curves, animation, side-by-side panels, inside the optimizer.

The view runs as a fragment (inside the playground's results fragment): switching views, the 3D toggle and the
playback speed rerun only this part of the page. A click on the map changes the start point, which the
sidebar shows too, so it reruns the app.
"""
from __future__ import annotations

import streamlit as st

from landscapes.registry import get_surface
from simulation.settings import Settings
from ui import compute, links, options, playground_url, state
from ui.view_options import DEFAULT_SPEED, DEFAULT_VIEW, SPEEDS, VIEWS

PLOT_CONFIG = {"displaylogo": False, "scrollZoom": False}
START_DECIMALS = 3  # a clicked start is rounded like the start inputs show it
VIEW_HELP = {
    "paths": "Every path on the map, the loss per step beside it. Hover a path to read its steps.",
    "animation": "Press ▶ or drag the step slider: all paths and the loss cursors move together.",
    "multiples": "One panel per optimizer on identical axes; one slider replays them all at the same step.",
    "inside": "At the slider's step: the white dotted arrow points downhill (−gradient, direction only), the "
              "coloured arrow is the step actually taken, the dashed one the velocity momentum carries over. "
              "The right panel shows each adaptive method's effective step size per coordinate, "
              "lr / (√v + ε) and its relatives: the reason Adam and RMSProp move the way they do "
              "(with no adaptive method chosen, it shows the loss).",
}


def _on_map_click() -> None:
    """Use the clicked point as the new start and leave picking mode (callbacks run before the rerun, so
    they may set widget values)."""
    points = st.session_state[state.MAP_CLICK]["selection"]["points"]
    if not points or not st.session_state.get(state.PICK_START):
        return
    surface = get_surface(state.surface_name(st.session_state))
    (x_low, x_high), (y_low, y_high) = options.start_limits(surface)
    st.session_state[state.START_X] = round(min(max(float(points[0]["x"]), x_low), x_high), START_DECIMALS)
    st.session_state[state.START_Y] = round(min(max(float(points[0]["y"]), y_low), y_high), START_DECIMALS)
    st.session_state[state.PICK_START] = False
    st.session_state[state.NEEDS_FULL_RERUN] = True


def _paths_view(settings: Settings) -> None:
    three_d_column, pick_column = st.columns(2)
    three_d = three_d_column.toggle("3D surface", key=state.THREE_D,
                                    help="Show the surface in 3D with the paths on it.")
    picking = pick_column.toggle("Pick the start on the map", key=state.PICK_START, disabled=three_d,
                                 help="Then click anywhere on the map: every optimizer starts from there.")
    left, right = st.columns([1.25, 1])
    with left:
        if three_d:
            st.plotly_chart(compute.figure("3d", settings), key="surface_3d", config=PLOT_CONFIG)
        else:
            st.plotly_chart(compute.figure("map_pick" if picking else "map", settings), key=state.MAP_CLICK,
                            on_select=_on_map_click, selection_mode="points", config=PLOT_CONFIG)
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
