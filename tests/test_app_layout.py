"""The playground under AppTest: elements keep their places, closed sections keep their values, explanations."""
from __future__ import annotations

import numpy as np

from optimizers.registry import OPTIMIZERS
from tests.app_run import _ok, _paths, _run, _shown
from ui import state


TRANSIENT = ("Info", "Warning", "UnknownElement")  # notes that come and go, and the empty slots they leave


def _layout(node, path: tuple[int, ...] = ()) -> list[tuple[tuple[int, ...], str]]:
    """Where every lasting element of ``node`` sits, as (path of child indices, element type), depth first."""
    placed = []
    for index, child in node.children.items():
        kind = type(child).__name__
        if kind not in TRANSIENT:
            placed.append((path + (index,), kind))
        if getattr(child, "children", None):
            placed += _layout(child, path + (index,))
    return placed


def test_elements_keep_their_positions_after_the_first_run():
    """The first run's chart-library placeholder leaves an empty slot behind: were it gone, every element
    below would move up one place and the browser would reset its state (the open tab, an expanded panel)."""
    at = _run()
    first = _layout(at.main)
    assert _layout(_ok(at.run()).main) == first


def test_notes_and_warnings_leave_their_slots_so_nothing_below_moves():
    """A link's note shows once and a divergence warning comes and goes with the learning rate; the elements
    after them stay where they were."""
    at = _run({"surface": "rosenbrock", "optimizers": "gd", "gd.lr": "10", "bogus": "1"})
    assert at.info and at.warning  # the URL note and "diverged at step k"
    first = _layout(at.main)
    at.select_slider(key=state.hp_key("gd", "lr")).set_value(1e-3)
    assert not _ok(at.run()).warning and not [i for i in at.info if "could not be used" in i.value]
    assert _layout(at.main) == first


def test_a_closed_more_section_keeps_its_values_and_draws_its_sliders_when_opened():
    """The "More" sliders are drawn only while their section is open; closed, their values still drive the
    run and the link, and opening the section shows them as they were."""
    at = _run({"optimizers": "momentum", "momentum.momentum": "0.5"})
    key = state.hp_key("momentum", "momentum")
    assert key not in [s.key for s in at.sidebar.select_slider]  # closed: not drawn
    assert at.query_params["momentum.momentum"] == "0.5"
    at.select_slider(key=state.hp_key("momentum", "lr")).set_value(0.01)
    at = _ok(at.run())
    assert at.session_state[key] == 0.5 and at.query_params["momentum.momentum"] == "0.5"
    (heavy_ball,) = _paths(at).values()
    at.session_state[state.MORE_OPEN + "momentum"] = True
    at = _ok(at.run())
    assert at.sidebar.select_slider(key=key).value == 0.5 and _shown(at.sidebar.select_slider(key=key)) == "0.5"
    at.sidebar.select_slider(key=key).set_value(0.0)
    (plain_gd,) = _paths(_ok(at.run())).values()
    assert not np.allclose(plain_gd, heavy_ball)


def test_export_options_are_drawn_only_while_open_and_kept_while_closed():
    at = _run()
    assert not at.get("button") or "export_prepare_gif" not in [b.key for b in at.button]
    at.session_state[state.EXPORT_OPEN] = True
    at = _ok(at.run())
    at.slider(key="export_frames").set_value(30)
    at = _ok(at.run())
    at.session_state[state.EXPORT_OPEN] = False
    at.select_slider(key=state.hp_key("gd", "lr")).set_value(0.01)
    at = _ok(at.run())
    assert "export_frames" not in [s.key for s in at.slider]
    at.session_state[state.EXPORT_OPEN] = True
    frames = _ok(at.run()).slider(key="export_frames")
    shown = frames.proto.value if frames.proto.set_value else frames.proto.default
    assert frames.value == 30 and list(shown) == [30]  # kept, and shown in the browser too


def test_the_explanation_follows_the_picked_optimizer():
    at = _run({"optimizers": "gd,adam"})
    picker = at.button_group(key=state.EXPLAINED)
    assert picker.value == "gd"
    rules = " ".join(element.value for element in at.latex)
    assert OPTIMIZERS["gd"].latex in rules and OPTIMIZERS["adam"].latex not in rules
    picker.set_value("adam")
    rules = " ".join(element.value for element in _ok(at.run()).latex)
    assert OPTIMIZERS["adam"].latex in rules and OPTIMIZERS["gd"].latex not in rules
    assert at.query_params["explain"] == "adam"
    at.sidebar.multiselect(key=state.OPTIMIZERS_KEY).set_value(["momentum"])  # adam gone: the first is shown
    assert _ok(at.run()).button_group(key=state.EXPLAINED).value == "momentum"


def test_the_explained_optimizer_comes_from_the_link_and_a_bad_one_falls_back():
    at = _run({"optimizers": "gd,adam", "explain": "adam"})
    assert at.button_group(key=state.EXPLAINED).value == "adam" and not at.info
    at = _run({"optimizers": "gd,adam", "explain": "lion"})  # not among the chosen optimizers
    assert at.button_group(key=state.EXPLAINED).value == "gd"
    assert any("explain" in note.value for note in at.info)
