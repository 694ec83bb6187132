"""The playground's main view: map and loss curves, animation, side-by-side panels, inside the optimizer.

The view runs as a fragment (inside the playground's results fragment): switching views, the 3D toggle and the
playback speed rerun only this part of the page. The map and loss curves are the live chart of
:mod:`ui.live_paths`; a value committed there is shown by the sidebar too, so it reruns the app. Animation,
Side by side and the 3D surface are the step player of :mod:`ui.animation_player` (every step, in the browser);
Inside the optimizer draws its arrows on the server at the step its slider and buttons choose.
"""
from __future__ import annotations

import streamlit as st

from simulation.settings import Settings
from ui import animation_player, compute, links, live_paths, playground_url, state
from ui.view_options import DEFAULT_SPEED, DEFAULT_VIEW, SPEEDS, VIEWS

PLOT_CONFIG = {"displaylogo": False, "scrollZoom": False}
VIEW_HELP = {
    "paths": "Drag a learning-rate or momentum control under the charts and the paths follow; drag the white "
             "start marker to start elsewhere. Hover a path to read its steps.",
    "animation": "Press ▶ or drag the step slider (every step is on it; ±1 moves one step): all paths and the "
                 "loss cursors move together.",
    "multiples": "One panel per optimizer on identical axes; one slider replays them all at the same step.",
    "inside": "At the chosen step: the white dotted arrow points downhill (−gradient, direction only), the "
              "coloured arrow is the step actually taken, the dashed one the velocity momentum carries over. "
              "The right panel shows each adaptive method's effective step size per coordinate, "
              "lr / (√v + ε) and its relatives: the reason Adam and RMSProp move the way they do "
              "(with no adaptive method chosen, it shows the loss).",
}
INSIDE_STEP = "inside_step"  # session key of the step "Inside the optimizer" shows


def _paths_view(settings: Settings) -> None:
    three_d = st.toggle("3D surface", key=state.THREE_D,
                        help="Show the surface in 3D, with the paths growing on it step by step.")
    if not three_d:
        live_paths.render(settings)
        return
    animation_player.render("3d", settings, _speed())


def _move_inside_step(delta: int | None, steps: int) -> None:
    """One step back or forward (``delta`` ±1), or back to the start (None), within 0…steps."""
    current = int(st.session_state.get(INSIDE_STEP, 0))
    st.session_state[INSIDE_STEP] = 0 if delta is None else min(max(current + delta, 0), steps)


def _inside_view(settings: Settings) -> None:
    """The arrows at one step, chosen exactly: a slider over every step and buttons for one step either way."""
    steps = settings.steps
    st.session_state[INSIDE_STEP] = min(int(st.session_state.get(INSIDE_STEP, 0)), steps)
    reset, back, forward, slider = st.columns([1, 1, 1, 9], vertical_alignment="bottom")
    reset.button("|◀", key="inside_reset", help="Back to the start", on_click=_move_inside_step, args=(None, steps))
    back.button("−1", key="inside_back", help="One step back", on_click=_move_inside_step, args=(-1, steps))
    forward.button("+1", key="inside_forward", help="One step forward", on_click=_move_inside_step,
                   args=(1, steps))
    step = slider.slider("Step", 0, steps, step=1, key=INSIDE_STEP)
    st.plotly_chart(compute.figure("inside", settings, step), key="chart_inside", config=PLOT_CONFIG)


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
    elif view == "inside":
        _inside_view(settings)
    else:
        animation_player.render(view, settings, _speed())
    sync_url()


def sync_url() -> None:
    """Put every control into the page URL (read from one copy of the session's values: each read through
    ``st.session_state`` takes its lock and looks the key up among the widgets again)."""
    links.update_url(playground_url.encode(st.session_state.to_dict()), state.URL_SEEN)
