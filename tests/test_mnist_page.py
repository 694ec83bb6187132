"""The app's MNIST page through Streamlit's AppTest: train on a small subset, see the table and the landscape;
a learning-rate schedule per optimizer, drawn under the loss curves; the CNN, seeds and the articles'
comparison; settings in the URL; without data, a clear message instead of a crash."""
from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from mnist import data
from optimizers.registry import OPTIMIZERS
from tests.mnist_files import HAS_MNIST, MNIST_DIR, SKIP_REASON
from ui.schedule_picker import choice_key, param_key

TIMEOUT_S = 120  # the first run compiles the kernels when Numba's cache is cold
# A small landscape for every test's training: the page's default (10,000 images on a 41 × 41 grid, 1.6 s of
# CPU) is what the landscape benchmark times; here it would only draw a map no test reads.
SMALL_LANDSCAPE = {"mnist_landscape_samples": "300", "mnist_resolution": "11"}


def page_script() -> None:
    from ui import mnist_page

    mnist_page.render()


@pytest.fixture
def app(monkeypatch) -> AppTest:
    if not HAS_MNIST:
        pytest.skip(SKIP_REASON)
    monkeypatch.setenv(data.ENV_DIR, str(MNIST_DIR))
    return small_landscape(AppTest.from_function(page_script, default_timeout=TIMEOUT_S))


def small_landscape(session: AppTest) -> AppTest:
    session.query_params.update(SMALL_LANDSCAPE)
    return session


def test_page_trains_and_draws_the_landscape(app):
    app.run()
    assert not app.exception and not app.error
    app.multiselect(key="mnist_optimizers").set_value(["adam", "gd"])
    app.number_input(key="mnist_train_subset").set_value(1000)
    app.number_input(key="mnist_epochs").set_value(2)
    app.number_input(key="mnist_hp_gd_lr").set_value(0.05)
    app.button(key="mnist_train").click().run()
    assert not app.exception and not app.error
    app.number_input(key="mnist_landscape_samples").set_value(200)
    app.slider(key="mnist_resolution").set_value(9)
    app.run()
    assert not app.exception and not app.error
    table = app.dataframe[0].value
    assert list(table.index) == ["adam (lr=0.001)", "gd (lr=0.05)"]
    assert (table["epoch 2 (%)"] > 50).all()
    assert table["diverged at step"].isna().all()  # shown as "—", never "None"
    assert any("The plane captures" in m.value for m in app.markdown)
    charts = [c for c in app.get("plotly_chart")]
    assert len(charts) == 2  # loss curves and the landscape map

    app.radio(key="mnist_plane").set_value("endpoints").run()  # a new plane, no retraining
    assert not app.exception and not app.error
    assert app.dataframe[0].value.equals(table)
    landscape_map = app.get("plotly_chart")[1]
    assert "final weights of adam and gd" in landscape_map.proto.spec

    app.radio(key="mnist_plane").set_value("random").run()
    assert not app.exception and not app.error
    assert any("almost perpendicular" in m.value and "0.0%" in m.value for m in app.markdown)


def test_the_cnn_over_two_seeds_shows_mean_sd_and_the_noise(app):
    app.run()
    app.radio(key="mnist_model").set_value("cnn")
    app.multiselect(key="mnist_optimizers").set_value(["adam", "gd"])
    app.number_input(key="mnist_train_subset").set_value(256)
    app.number_input(key="mnist_epochs").set_value(1)
    app.number_input(key="mnist_seeds").set_value(2)
    app.button(key="mnist_train").click().run()
    assert not app.exception and not app.error
    seeds = app.dataframe[1].value
    assert list(seeds.columns) == ["optimizer", "mean (%)", "sd (points)"] and len(seeds) == 2
    assert (seeds["sd (points)"] >= 0).all()
    assert any(("within the noise" in m.value or "more than the seeds' noise" in m.value) for m in app.markdown)
    assert not app.get("plotly_chart")[1:]  # no landscape for the CNN: the loss curves only


def test_settings_come_from_the_url_and_a_too_large_batch_says_why(monkeypatch):
    if not HAS_MNIST:
        pytest.skip(SKIP_REASON)
    monkeypatch.setenv(data.ENV_DIR, str(MNIST_DIR))
    app = AppTest.from_function(page_script, default_timeout=TIMEOUT_S)
    app.query_params["mnist_epochs"] = "4"
    app.query_params["mnist_train_subset"] = "1"
    app.run()
    assert not app.exception
    assert app.number_input(key="mnist_epochs").value == 4
    assert app.error[0].value == ("batch size 64 is larger than the 1 training image used: lower the batch size "
                                  "or use more images")


def test_optimizers_and_their_hyperparameters_come_from_the_url(app):
    app.query_params["mnist_optimizers"] = [OPTIMIZERS[name].short_title for name in ("rmsprop", "lion")]
    app.query_params["mnist_hp_lion_lr"] = "0.0003"
    app.run()
    assert not app.exception and not app.error
    assert app.multiselect(key="mnist_optimizers").value == ["rmsprop", "lion"]
    assert app.number_input(key="mnist_hp_lion_lr").value == 0.0003
    # Writing the URL back is the browser's part (bound widgets): tests/test_history_browser.py drives it.


def test_the_articles_comparison_runs_once_for_everyone(app):
    app.run()
    app.number_input(key="mnist_train_subset").set_value(640)
    app.button(key="mnist_articles").click().run()
    assert not app.exception and not app.error
    table = app.dataframe[0].value
    assert list(table["optimizer"].str.split(" ").str[0]) != [] and len(table) == 5
    assert table["articles' CNN (%)"].notna().sum() == 4  # no published number for Adadelta: "—"
    assert any("the articles' order" in m.value and "reproduced" in m.value for m in app.markdown)
    assert any("ranks the *default learning rates*" in m.value for m in app.markdown)
    again = AppTest.from_function(page_script, default_timeout=TIMEOUT_S)  # another session, same question
    again.run()
    again.number_input(key="mnist_train_subset").set_value(640).run()
    assert not again.exception and again.dataframe[0].value.equals(table)  # shown without pressing anything


def test_sessions_pressing_train_with_the_same_settings_share_one_training(app):
    def press_train(session: AppTest) -> pd.DataFrame:
        session.run()
        session.multiselect(key="mnist_optimizers").set_value(["adam", "gd"])
        session.number_input(key="mnist_train_subset").set_value(320)
        session.number_input(key="mnist_epochs").set_value(1)
        session.button(key="mnist_train").click().run()
        assert not session.exception and not session.error
        return session.dataframe[0].value

    mine = press_train(app)
    another_student = small_landscape(AppTest.from_function(page_script, default_timeout=TIMEOUT_S))
    theirs = press_train(another_student)
    assert theirs.equals(mine)  # the same run: even the measured seconds per epoch are the same
    assert (mine["s / epoch"] > 0).all()


def trace_values(encoded: object) -> np.ndarray:
    """A Plotly JSON array: a plain list, or numpy data as {"dtype", "bdata" (base64)}."""
    if isinstance(encoded, dict):
        return np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=encoded["dtype"])
    return np.asarray(encoded, dtype=float)


def test_a_schedule_per_optimizer_is_trained_and_drawn(app):
    app.run()
    app.multiselect(key="mnist_optimizers").set_value(["adam", "gd"])
    app.number_input(key="mnist_train_subset").set_value(640)  # 10 steps per epoch at batch 64
    app.number_input(key="mnist_epochs").set_value(1)
    app.run()
    app.selectbox(key=choice_key("mnist_gd")).set_value("step").run()
    app.number_input(key=param_key("mnist_gd", "step", "step_size")).set_value(4)
    app.button(key="mnist_train").click().run()
    assert not app.exception and not app.error
    assert list(app.dataframe[0].value.index) == ["adam (lr=0.001)", "gd (lr=0.1, step schedule)"]
    figure = json.loads(app.get("plotly_chart")[0].proto.spec)
    rates = {trace["name"]: trace_values(trace["customdata"]) for trace in figure["data"] if "customdata" in trace}
    np.testing.assert_allclose(rates["gd (lr=0.1, step schedule)"], [0.1] * 4 + [0.05] * 4 + [0.025] * 2)
    np.testing.assert_allclose(rates["adam (lr=0.001)"], [0.001] * 10)
    assert figure["layout"]["yaxis2"]["title"]["text"] == "lr / base lr"


def _link_notes(app: AppTest) -> list[str]:
    return [info.value for info in app.info if "could not be used" in info.value]


def _schedule_link_app(app: AppTest, **schedules: str) -> AppTest:
    """The page opened from a link with adam and gd on 640 images for one epoch (10 steps) and ``schedules``
    (``gd="step:step_size=4,gamma=0.5"`` → ``mnist_gd.schedule=…``), run twice: the run that reads the address
    leaves it as it is, the next one writes it (see ``ui.links``)."""
    app.query_params["mnist_optimizers"] = [OPTIMIZERS[name].short_title for name in ("adam", "gd")]
    app.query_params["mnist_train_subset"] = "640"
    app.query_params["mnist_epochs"] = "1"
    for name, value in schedules.items():
        app.query_params[f"mnist_{name}.schedule"] = value
    app.run()
    assert not app.exception and not app.error
    return app.run()


def test_schedules_come_from_the_link_and_go_back_into_it(app):
    app = _schedule_link_app(app, gd="step:step_size=4,gamma=0.25", adam="cosine:T_max=7")
    assert app.selectbox(key=choice_key("mnist_gd")).value == "step"
    assert app.number_input(key=param_key("mnist_gd", "step", "step_size")).value == 4
    assert app.number_input(key=param_key("mnist_gd", "step", "gamma")).value == 0.25
    assert app.number_input(key=param_key("mnist_adam", "cosine", "T_max")).value == 7
    assert not _link_notes(app)
    assert app.query_params["mnist_gd.schedule"] == "step:step_size=4,gamma=0.25"
    assert app.query_params["mnist_adam.schedule"] == "cosine:T_max=7,eta_min=0"
    assert app.query_params["mnist_epochs"] == "1"  # the bound widgets' parameters stay
    app.number_input(key=param_key("mnist_gd", "step", "step_size")).set_value(5).run()
    assert app.query_params["mnist_gd.schedule"] == "step:step_size=5,gamma=0.25"
    app.selectbox(key=choice_key("mnist_adam")).set_value("constant").run()
    assert "mnist_adam.schedule" not in app.query_params  # the constant rate is the default: left out
    app.button(key="mnist_train").click().run()
    assert list(app.dataframe[0].value.index) == ["adam (lr=0.001)", "gd (lr=0.1, step schedule)"]


def test_another_address_brings_its_schedules_back(app):
    """Back and Forward change the address without the page: the next run shows what it names."""
    app = _schedule_link_app(app, gd="step:step_size=4,gamma=0.25")
    app.query_params["mnist_gd.schedule"] = "exponential:gamma=0.9"
    app.run()
    assert not app.exception and not _link_notes(app)
    assert app.selectbox(key=choice_key("mnist_gd")).value == "exponential"
    assert app.number_input(key=param_key("mnist_gd", "exponential", "gamma")).value == 0.9


def test_a_schedule_the_user_set_stays_when_the_run_length_changes_and_a_default_follows_it(app):
    app = _schedule_link_app(app, gd="cosine:T_max=7", adam="cosine:T_max=10")  # 10 steps: adam's is the default
    app.number_input(key="mnist_epochs").set_value(2).run()
    assert app.number_input(key=param_key("mnist_gd", "cosine", "T_max")).value == 7
    assert app.number_input(key=param_key("mnist_adam", "cosine", "T_max")).value == 20
    assert app.query_params["mnist_adam.schedule"] == "cosine:T_max=20,eta_min=0"


def test_bad_schedules_in_a_link_fall_back_with_a_note(app):
    app.query_params["mnist_gd.schedule"] = "warp:gamma=2"
    app.query_params["mnist_adam.schedule"] = "step:step_size=many"
    app.query_params["mnist_nothing.schedule"] = "cosine"
    app.run()
    assert not app.exception and not app.error
    assert app.selectbox(key=choice_key("mnist_gd")).value == "constant"
    assert app.selectbox(key=choice_key("mnist_adam")).value == "constant"
    notes = _link_notes(app)
    assert len(notes) == 1
    for fragment in ("mnist_gd.schedule='warp:gamma=2'", "mnist_adam.schedule='step:step_size=many'",
                     "`'mnist_nothing.schedule'` is not a control here"):
        assert fragment in notes[0]
    app.run()  # the next run writes what the page shows, and the note is gone
    assert not [name for name in app.query_params if name.endswith(".schedule")]
    assert not _link_notes(app)


def test_page_without_data_explains_how_to_provide_it(monkeypatch, tmp_path):
    monkeypatch.setenv(data.ENV_DIR, str(tmp_path))  # an empty folder
    app = AppTest.from_function(page_script, default_timeout=TIMEOUT_S)
    app.run()
    assert not app.exception
    assert data.ENV_DIR in app.error[0].value
    assert "put the four files" in app.info[0].value


def test_a_failed_download_says_how_to_provide_the_files_once(monkeypatch, tmp_path):
    monkeypatch.delenv(data.ENV_DIR, raising=False)
    monkeypatch.setenv(data.ENV_CACHE, str(tmp_path / "cache"))

    def offline(url, timeout=None):
        raise data.urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.setattr(data.urllib.request, "urlopen", offline)
    app = AppTest.from_function(page_script, default_timeout=TIMEOUT_S)
    app.run()
    assert not app.exception
    shown = [element.value for element in [*app.error, *app.info, *app.warning]]
    assert len(shown) == 1 and "download failed" in shown[0], shown
    assert shown[0].count(data.how_to_provide()) == 1
