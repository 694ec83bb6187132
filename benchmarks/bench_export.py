"""Benchmark the lecture exporter against a straightforward matplotlib animation of the same picture.

    python benchmarks/bench_export.py

Prints, in one run, the time and file size of a 120-frame 640×480 GIF from ``viz.export`` (warm: one
render first, so Numba, matplotlib and font caches are loaded; then the median of a few timed renders)
and from matplotlib's FuncAnimation + PillowWriter redrawing the whole figure every frame, their ratio,
and PASS/MISS against the targets in README's Performance table. The machine is shared: rerun when the numbers look noisy.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from matplotlib.animation import FuncAnimation, PillowWriter  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from simulation import engine  # noqa: E402
from simulation.settings import make_settings  # noqa: E402
from viz.export import ExportOptions, frame_steps, render_gif, scene_from_result  # noqa: E402
from viz.scene import legend_label  # noqa: E402
from viz.figures import color_scale  # noqa: E402

FRAMES = 120
SIZE = (640, 480)
DPI = 100
TIMED_RUNS = 3
TARGET_SECONDS = 2.0
TARGET_SPEEDUP = 5.0
TARGET_BYTES = 4_000_000
MB = 1e6


def comparison() -> engine.Result:
    """Three optimizers on Rosenbrock for 500 steps: a typical lecture comparison."""
    settings = make_settings("rosenbrock", [("gd", {"lr": 1e-3}), ("momentum", {"lr": 5e-4}),
                                            ("adam", {"lr": 0.05})], steps=500)
    return engine.run(settings)


def time_exporter(result: engine.Result) -> tuple[float, float, int, list[float]]:
    """Median wall time, median CPU time (what the render costs when the shared machine is busy), size."""
    options = ExportOptions(frames=FRAMES, size=f"{SIZE[0]}x{SIZE[1]}")
    render_gif(result, options)  # warm-up
    walls, cpus, data = [], [], b""
    for _ in range(TIMED_RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        data = render_gif(result, options)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), len(data), walls


def baseline_gif(result: engine.Result, path: Path) -> None:
    """The obvious approach: a matplotlib figure updated and fully redrawn for every frame."""
    scene = scene_from_result(result)
    fig = Figure(figsize=(SIZE[0] / DPI, SIZE[1] / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    map_ax, loss_ax = fig.subplots(1, 2, width_ratios=[1.7, 1])
    map_ax.contourf(scene.xs, scene.ys, color_scale(scene.zs, scene.log_color).values, levels=28, cmap="viridis")
    map_ax.plot([m.x for m in scene.all_markers], [m.y for m in scene.all_markers], "*", color="gold",
                markersize=13, markeredgecolor="black", linestyle="none")
    map_ax.set_aspect("equal")
    paths = [(p.xy[:p.n_points], p.losses[:p.n_points] - scene.min_value) for p in scene.paths]
    loss_ax.set_yscale("log")
    loss_ax.set_xlim(0, scene.last_step)
    gaps = np.concatenate([losses for _, losses in paths])
    loss_ax.set_ylim(gaps.min() / 2, gaps.max() * 2)
    fig.suptitle(scene.title, x=0.01, ha="left", fontweight="bold")
    counter = fig.text(0.99, 0.97, "", ha="right", fontweight="bold")
    lines = [map_ax.plot([], [], color=p.color, linewidth=2, label=legend_label(p))[0] for p in scene.paths]
    dots = [map_ax.plot([], [], "o", color=p.color, markeredgecolor="white")[0] for p in scene.paths]
    curves = [loss_ax.plot([], [], color=p.color)[0] for p in scene.paths]
    cursor = loss_ax.axvline(0, color="black", linewidth=0.8)
    fig.legend(loc="outside lower center", ncols=3, frameon=False)
    fig.canvas.draw()
    fig.set_layout_engine("none")  # lay out once, as a careful user would; re-laying out every frame is slower
    steps = frame_steps(scene.last_step, FRAMES)

    def update(frame: int):
        step = int(steps[frame])
        for (xy, losses), line, dot, curve in zip(paths, lines, dots, curves):
            last = min(step, len(xy) - 1)
            line.set_data(xy[:last + 1, 0], xy[:last + 1, 1])
            dot.set_data([xy[last, 0]], [xy[last, 1]])
            curve.set_data(np.arange(last + 1), losses[:last + 1])
        cursor.set_xdata([step, step])
        counter.set_text(f"step {step} / {scene.last_step}")
        return [*lines, *dots, *curves, cursor, counter]

    FuncAnimation(fig, update, frames=FRAMES).save(path, writer=PillowWriter(fps=20))


def time_baseline(result: engine.Result) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "baseline.gif"
        start = time.perf_counter()
        baseline_gif(result, path)
        return time.perf_counter() - start, path.stat().st_size


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> int:
    result = comparison()
    seconds, cpu_seconds, size, runs = time_exporter(result)
    base_seconds, base_size = time_baseline(result)
    ratio = base_seconds / seconds
    print(f"{FRAMES} frames at {SIZE[0]}x{SIZE[1]}, rosenbrock, gd/momentum/adam, 500 steps")
    print(f"exporter (warm, median of {TIMED_RUNS}: {', '.join(f'{t:.2f}' for t in runs)} s): "
          f"{seconds:.2f} s (CPU {cpu_seconds:.2f} s), {size / MB:.2f} MB")
    print(f"baseline FuncAnimation + PillowWriter: {base_seconds:.2f} s, {base_size / MB:.2f} MB")
    print(f"speed-up: {ratio:.1f}x")
    print(f"{verdict(seconds <= TARGET_SECONDS)} time ≤ {TARGET_SECONDS:g} s")
    print(f"{verdict(ratio >= TARGET_SPEEDUP)} speed-up ≥ {TARGET_SPEEDUP:g}x")
    print(f"{verdict(size <= TARGET_BYTES)} GIF ≤ {TARGET_BYTES / MB:g} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
