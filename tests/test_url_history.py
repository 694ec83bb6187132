"""Back and Forward change the address without the page: the page then shows what the address bar says."""
from pathlib import Path

from streamlit.runtime.state.query_params import QueryParams
from streamlit.testing.v1 import AppTest

from ui import state

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 120


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_an_address_changed_behind_the_page_is_read_again():
    at = _ok(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    at.sidebar.select_slider(key=state.hp_key("adam", "lr")).set_value(0.2)
    at = _ok(at.run())
    assert at.session_state[state.hp_key("adam", "lr")] == 0.2
    back = {name: at.query_params[name] for name in at.query_params}  # what Back would restore …
    back.update({"adam.lr": "0.05", "surface": "bowl"})
    for name, value in back.items():
        at.query_params[name] = value
    at = _ok(at.run())
    assert at.session_state[state.SURFACE] == "bowl"
    assert at.session_state[state.hp_key("adam", "lr")] == 0.05
    assert not at.info or all("could not be used" not in i.value for i in at.info)


def test_a_change_sent_with_the_address_before_the_last_write_is_kept():
    # The browser sends its address with each change. A change made while the last run's new address is still
    # on its way carries the address before it: that is the page's own older address, not Back or Forward, so
    # the change (and the one before it) stays, and the address is written again.
    at = _ok(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    before = dict(at.query_params)
    at.sidebar.select_slider(key=state.hp_key("adam", "lr")).set_value(0.2)
    at = _ok(at.run())
    assert at.query_params["adam.lr"] == "0.2"
    at.query_params = dict(before)  # the tab had not yet shown the new address …
    at.sidebar.select_slider(key=state.hp_key("gd", "lr")).set_value(0.2)  # … when this change was made
    at = _ok(at.run())
    assert at.session_state[state.hp_key("gd", "lr")] == 0.2
    assert at.session_state[state.hp_key("adam", "lr")] == 0.2
    assert (at.query_params["gd.lr"], at.query_params["adam.lr"]) == ("0.2", "0.2")


def test_a_change_back_sent_with_the_address_before_the_last_write_writes_that_address_again(monkeypatch):
    # The tab still shows the address from before a change when the change is undone: the address that is on its
    # way (with the change) would land after it, so the run sends the address again even though it is the same.
    sent = []
    send = QueryParams._send_query_param_msg
    monkeypatch.setattr(QueryParams, "_send_query_param_msg", lambda self: (sent.append(self.to_dict()), send(self)))
    at = _ok(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    at.sidebar.select_slider(key=state.hp_key("gd", "lr")).set_value(0.2)
    at = _ok(at.run())
    before_change = {name: at.query_params[name] for name in at.query_params}
    at.sidebar.select_slider(key=state.hp_key("adam", "lr")).set_value(0.2)
    at = _ok(at.run())
    at.query_params = dict(before_change)  # the tab had not yet shown the address with 0.2 …
    first = float(before_change["adam.lr"])
    at.sidebar.select_slider(key=state.hp_key("adam", "lr")).set_value(first)  # … when 0.2 was undone
    sent.clear()
    at = _ok(at.run())
    assert at.session_state[state.hp_key("adam", "lr")] == first
    assert sent and sent[-1] == before_change


def test_the_page_keeps_its_own_changes_on_later_runs():
    at = _ok(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    at.sidebar.select_slider(key=state.hp_key("adam", "lr")).set_value(0.2)
    at = _ok(at.run())
    at = _ok(at.run())
    assert at.session_state[state.hp_key("adam", "lr")] == 0.2


def test_a_value_below_every_slider_option_is_kept_from_a_link():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["optimizers"] = "adam"
    at.query_params["adam.eps"] = "1e-300"
    at = _ok(at.run())
    assert at.session_state[state.hp_key("adam", "eps")] == 1e-300
