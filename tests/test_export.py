"""Lecture export: GIF/MP4 structure, what the frames show, sub-sampling, options and the `cli.py gif` command.

Renders are kept small (few frames, short runs) so the whole file runs in seconds; timings live in
benchmarks/bench_export.py, never in tests.
"""
from __future__ import annotations

import io

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

import cli
from simulation import engine
from simulation.settings import make_settings
from validation import ValidationError
from viz import raster
from viz.export import ExportOptions, frame_steps, render_gif, render_mp4, render_scene, scene_from_result
from viz.paths import Marker, PathTrace
from viz.scene import Scene, legend_label
from cli_inprocess import Finished, run_cli
from viz.raster import rgb
from viz.theme import run_colors

FRAMES = 6
FPS = 20  # 50 ms a frame: exactly representable in a GIF's 10 ms unit
COLOR_TOLERANCE = 8  # per channel, for colours read back from encoded frames
VIDEO_TOLERANCE = 40  # H.264 with 4:2:0 chroma shifts thin coloured lines noticeably
MIN_PATH_PIXELS = 50  # a drawn path covers far more pixels than this


@pytest.fixture(scope="module")
def result():
    settings = make_settings("ravine", [("gd", {"lr": 0.09}), ("momentum", {"lr": 0.02}), ("adam", {"lr": 0.3})],
                             steps=60)
    return engine.run(settings)


@pytest.fixture(scope="module")
def gif_bytes(result):
    return render_gif(result, ExportOptions(frames=FRAMES, fps=FPS))


def gif_frames(data: bytes) -> list[np.ndarray]:
    """Every frame as the viewer sees it (deltas composed onto the previous frames)."""
    image = Image.open(io.BytesIO(data))
    frames = []
    for index in range(image.n_frames):
        image.seek(index)
        frames.append(np.asarray(image.convert("RGB")).astype(int))
    return frames


def color_pixels(frame: np.ndarray, color: str, tolerance: int) -> int:
    return int((np.abs(frame - np.array(rgb(color))).max(axis=-1) <= tolerance).sum())


def drawn_in_color(first: np.ndarray, last: np.ndarray, color: str, tolerance: int) -> bool:
    """The colour covers more of the last frame than of the first: its path was drawn (the legend
    swatch alone, present in every frame, does not count)."""
    return color_pixels(last, color, tolerance) > color_pixels(first, color, tolerance) + MIN_PATH_PIXELS


def test_gif_has_requested_frames_durations_and_loops(gif_bytes):
    image = Image.open(io.BytesIO(gif_bytes))
    assert image.format == "GIF"
    assert image.size == (640, 480)
    assert image.n_frames == FRAMES
    assert image.info["loop"] == 0
    for index in range(FRAMES):
        image.seek(index)
        assert image.info["duration"] == 1000 / FPS


def test_gif_first_and_last_frames_differ_and_last_shows_every_optimizer(gif_bytes, result):
    frames = gif_frames(gif_bytes)
    assert np.abs(frames[0] - frames[-1]).sum() > 0
    for color in run_colors([run.optimizer for run in result.settings.runs]):
        assert drawn_in_color(frames[0], frames[-1], color, COLOR_TOLERANCE), color


def test_mp4_opens_with_the_frame_count_and_colors(result):
    data = render_mp4(result, ExportOptions(frames=FRAMES, fps=FPS, size="1280x720", theme="dark"))
    frames = iio.imread(data, extension=".mp4", index=None)
    assert frames.shape == (FRAMES, 720, 1280, 3)
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).sum() > 0
    first, last = frames[0].astype(int), frames[-1].astype(int)
    for color in run_colors([run.optimizer for run in result.settings.runs]):
        assert drawn_in_color(first, last, color, VIDEO_TOLERANCE), color


def test_progress_rises_to_one(result):
    seen = []
    render_gif(result, ExportOptions(frames=3, loss_panel=False), progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 3


@pytest.mark.parametrize("steps, frames", [(1000, 120), (7, 120), (119, 120), (5, 2)])
def test_frame_steps_sample_evenly_and_end_on_the_last_step(steps, frames):
    shown = frame_steps(steps, frames)
    assert len(shown) == frames
    assert shown[0] == 0 and shown[-1] == steps
    assert np.all(np.diff(shown) >= 0)
    if steps >= frames:
        assert len(set(shown.tolist())) == frames  # no step shown twice when there are enough


def test_frame_steps_keep_the_last_finite_step_of_a_diverged_run():
    shown = frame_steps(1000, 10, keep=[437])
    assert 437 in shown and len(shown) == 10 and shown[-1] == 1000


def test_diverged_run_stops_and_says_so_in_its_legend():
    settings = make_settings("rosenbrock", [("gd", {"lr": 0.1}), ("adam", {"lr": 0.02})], steps=200)
    result = engine.run(settings)
    diverged = result.diverged_at[0]
    assert diverged is not None
    scene = scene_from_result(result)
    assert legend_label(scene.paths[0]).endswith(f"diverged at step {diverged}")
    assert scene.paths[0].n_points == result.n_points(0)
    image = Image.open(io.BytesIO(render_gif(result, ExportOptions(frames=4))))
    assert image.n_frames == 4


def test_a_custom_scene_exports_on_its_own_grid():
    """The low-level API that views with their own landscape (e.g. the MNIST plane) use: a path that
    diverges half-way (NaN rows) stops there, without an error."""
    xs, ys = np.linspace(-1, 1, 50), np.linspace(-2, 2, 40)
    zs = np.add.outer(ys ** 2, xs ** 2)
    t = np.linspace(0, 1, 31)
    xy = np.column_stack([1 - t, 2 - 2 * t])
    losses = 5 * (1 - t) ** 2
    xy[20:], losses[20:] = np.nan, np.nan
    path = PathTrace("sgd (lr=0.1)", "#0072B2", xy, losses, diverged_at=20)
    scene = Scene("MNIST loss plane", xs, ys, zs, (path,), markers=(Marker("minimum", 0.0, 0.0),),
                  log_color=True, x_label="direction 1", y_label="direction 2", loss_label="training loss")
    assert scene.last_step == 30
    frames = gif_frames(render_scene(scene, ExportOptions(frames=3, theme="dark"), "gif"))
    assert len(frames) == 3 and drawn_in_color(frames[0], frames[-1], path.color, COLOR_TOLERANCE)


def test_paths_without_losses_export_without_the_loss_panel():
    xs = ys = np.linspace(-1, 1, 30)
    path = PathTrace("adam (lr=0.1)", "#D55E00", np.column_stack([np.linspace(1, 0, 11), np.zeros(11)]))
    scene = Scene("no losses", xs, ys, np.add.outer(ys ** 2, xs ** 2), (path,))
    frames = gif_frames(render_scene(scene, ExportOptions(frames=2), "gif"))
    assert len(frames) == 2 and drawn_in_color(frames[0], frames[-1], path.color, COLOR_TOLERANCE)


def test_clipping_keeps_far_away_points_drawable():
    points = np.array([[10.0, 10.0], [1e12, -1e12], [20.0, 20.0]])
    starts, ends, visible, joined = raster.clip_segments(points, (0, 0, 100, 100))
    assert visible.all() and not joined[1]
    assert np.abs(np.vstack([starts, ends])).max() <= 100


@pytest.mark.parametrize("field, value, message", [
    ("frames", 1, "frames must be an integer in [2, 600]"), ("frames", "601", "frames"),
    ("fps", 0, "fps must be an integer in [1, 60]"), ("fps", "2.5", "fps"),
    ("size", "800x600", "unknown size"), ("theme", "blue", "unknown theme"),
])
def test_options_reject_bad_values_by_name(field, value, message):
    with pytest.raises(ValidationError, match=message.replace("[", r"\[")):
        ExportOptions(**{field: value})


def test_options_normalise_text_input():
    options = ExportOptions(frames="30", fps="12", size="1280 × 720", theme="dark")
    assert (options.frames, options.fps, options.dimensions) == (30, 12, (1280, 720))


def test_gif_frame_delays_are_storable():
    assert raster.gif_frame_ms(20) == 50
    assert raster.gif_frame_ms(60) == raster.MIN_GIF_FRAME_MS


# --- cli.py gif ---------------------------------------------------------------------------------------

CLI_BASE = ["--surface", "ravine", "--optimizers", "gd,momentum", "--lr=gd:0.09,momentum:0.02", "--steps", "30",
            "--frames", "4"]


def run_gif(*args: str) -> Finished:
    return run_cli("gif", *args)


def test_cli_writes_gif_and_mp4(tmp_path):
    gif = run_gif(*CLI_BASE, "--out", str(tmp_path / "lecture.gif"), "--theme", "dark", "--no-loss-panel")
    assert gif.returncode == 0, gif.stderr
    assert Image.open(tmp_path / "lecture.gif").n_frames == 4
    mp4 = run_gif(*CLI_BASE, "--out", str(tmp_path / "lecture.mp4"), "--fps", "10")
    assert mp4.returncode == 0, mp4.stderr
    assert iio.imread(tmp_path / "lecture.mp4", index=None).shape[0] == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lecture.gif", "lecture.mp4"]  # no temp files left


def test_cli_refuses_an_existing_file_unless_forced(tmp_path):
    out = tmp_path / "lecture.gif"
    out.write_bytes(b"keep me")
    refused = run_gif(*CLI_BASE, "--out", str(out))
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [f"cli.py gif: error: {out} exists; pass --force to overwrite it"]
    assert out.read_bytes() == b"keep me"
    forced = run_gif(*CLI_BASE, "--out", str(out), "--force")
    assert forced.returncode == 0 and out.read_bytes()[:6] == b"GIF89a"


@pytest.mark.parametrize("extra, message", [
    (["--out", "{tmp}/missing/lecture.gif"], "does not exist or is not writable"),
    (["--out", "{tmp}/lecture.png"], "--out must end in .gif or .mp4"),
    (["--out", "{tmp}/lecture.gif", "--frames", "1"], "frames must be an integer in [2, 600]"),
    (["--out", "{tmp}/lecture.gif", "--fps", "fast"], "fps must be an integer in [1, 60]"),
    (["--out", "{tmp}/lecture.gif", "--size", "100x100"], "unknown size '100x100'; valid: 1280x720, 640x480"),
    (["--out", "{tmp}/lecture.gif", "--theme", "neon"], "unknown theme 'neon'; valid: dark, light"),
    (["--out", "{tmp}/lecture.gif", "--lr=nag:0.1"], "--lr names nag, which is not among the chosen optimizers"),
])
def test_cli_bad_arguments_exit_2_with_one_line(tmp_path, extra, message):
    done = run_gif(*CLI_BASE, *(arg.format(tmp=tmp_path) for arg in extra))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cli.py gif: error: ") and message in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_cli_leaves_no_partial_file_when_rendering_fails(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("commands.gif.render_scene", fail)
    assert cli.main(["gif", *CLI_BASE, "--out", str(tmp_path / "lecture.gif")]) == cli.EXIT_FAILURE  # Ctrl-C
    assert list(tmp_path.iterdir()) == []


# --- the app's export panel ------------------------------------------------------------------------------

def _panel_app():
    from simulation import engine
    from simulation.settings import make_settings
    from ui.export_panel import render_export_panel

    settings = make_settings("ravine", [("gd", {"lr": 0.09}), ("adam", {"lr": 0.3})], steps=20)
    render_export_panel(settings, engine.run(settings))


def test_panel_renders_only_on_request_and_offers_the_download():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_panel_app, default_timeout=120)
    app.run()
    assert not app.exception
    assert [b.key for b in app.button] == ["export_prepare_gif", "export_prepare_mp4"]
    app.slider(key="export_frames").set_value(3)
    app.button(key="export_prepare_gif").click()
    app.run()
    assert not app.exception
    assert [b.key for b in app.get("download_button")] == ["export_download_gif"]
    assert [b.key for b in app.button] == ["export_prepare_mp4"]  # the download took the Prepare button's place
    app.slider(key="export_fps").set_value(10)  # new options: the old file no longer matches
    app.run()
    assert not app.get("download_button")


def test_more_frames_than_steps_are_explained():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_panel_app, default_timeout=120)
    app.run()
    app.slider(key="export_frames").set_value(60)  # the run has 20 steps
    app.run()
    assert any("This run has 20 steps" in caption.value for caption in app.caption)


def test_cli_says_when_the_start_is_outside_the_map(tmp_path):
    done = run_gif("--surface", "bowl", "--optimizers", "gd", "--steps", "5", "--frames", "3", "--start=100,-80",
                   "--out", str(tmp_path / "far.gif"))
    assert done.returncode == 0
    assert "note: the start (100, -80) is outside the map, which shows x in [-2, 2]" in done.stderr


def test_cli_sets_a_surfaces_own_parameter(tmp_path):
    done = run_gif("--surface", "quadratic", "--surface-params", "condition=100", "--optimizers", "gd", "--steps",
                   "5", "--frames", "3", "--out", str(tmp_path / "kappa.gif"))
    assert done.returncode == 0, done.stderr
    refused = run_gif("--surface", "quadratic", "--surface-params", "kappa=100", "--optimizers", "gd",
                      "--out", str(tmp_path / "no.gif"))
    assert refused.returncode == 2 and "surface quadratic has no parameter 'kappa'" in refused.stderr


@pytest.mark.parametrize("extra, message", [
    (["--optimizers", "gd,gd"], "optimizers lists gd more than once"),
    (["--optimizers", "gd,adam", "--lr=adam:0.1,adam:0.2"], "--lr gives adam two values"),
])
def test_cli_refuses_what_it_could_not_tell_apart(tmp_path, extra, message):
    done = run_gif("--surface", "ravine", *extra, "--out", str(tmp_path / "x.gif"))
    assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1
