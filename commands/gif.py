"""``cli.py gif``: a comparison of optimizers as a looping GIF (or an MP4) for a lecture slide.

    python cli.py gif --surface rosenbrock --optimizers gd,momentum,adam \\
        --lr=gd:0.001,momentum:0.0005,adam:0.02 --steps 1000 --out lecture.gif

Every argument is checked before anything is rendered, and the file is written atomically, so a bad
argument or an interrupted run never leaves a partial file behind.
"""
from __future__ import annotations

import argparse
import sys

from commands.common import (add_hyperparameter_flags, add_surface_flags, check_output_path,
                             parse_optimizer_list, percent_progress, settings_from_args, write_atomic)
from simulation import engine
from viz.export import (DEFAULT_FPS, DEFAULT_FRAMES, DEFAULT_SIZE, DEFAULT_THEME, FORMATS, FPS_RANGE,
                        FRAMES_RANGE, SIZES, ExportOptions, render_scene, scene_from_result)
from viz.theme import THEMES

SUFFIXES = tuple(f".{fmt}" for fmt in FORMATS)
KILOBYTE, MEGABYTE = 1e3, 1e6


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "gif", help="export a comparison as a looping GIF or an MP4 for slides",
        description="Animate several optimizers on one surface, as in the app, into a GIF or MP4 file.")
    add_surface_flags(parser)
    parser.add_argument("--optimizers", required=True, metavar="NAME,NAME",
                        help="comma-separated optimizer names, e.g. gd,momentum,adam (see `cli.py list`)")
    add_hyperparameter_flags(parser, per_optimizer=True)
    parser.add_argument("--out", required=True, help=f"output file ending in {' or '.join(SUFFIXES)}")
    parser.add_argument("--frames", default=str(DEFAULT_FRAMES),
                        help=f"number of frames, {FRAMES_RANGE[0]}…{FRAMES_RANGE[1]} (default {DEFAULT_FRAMES}); "
                             "long runs are sub-sampled evenly, ending on the last step")
    parser.add_argument("--fps", default=str(DEFAULT_FPS),
                        help=f"frames per second, {FPS_RANGE[0]}…{FPS_RANGE[1]} (default {DEFAULT_FPS}); a GIF stores "
                             "delays in 10 ms steps, so it plays at most 50 fps")
    parser.add_argument("--size", default=DEFAULT_SIZE, metavar="WxH",
                        help=f"{' or '.join(SIZES)} (default {DEFAULT_SIZE})")
    parser.add_argument("--theme", default=DEFAULT_THEME, help=f"{' or '.join(THEMES)} (default {DEFAULT_THEME})")
    parser.add_argument("--no-loss-panel", dest="loss_panel", action="store_false",
                        help="leave out the loss curves beside the map")
    parser.add_argument("--force", action="store_true", help="overwrite an existing output file")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    out = check_output_path(args.out, args.force, SUFFIXES)
    options = ExportOptions(frames=args.frames, fps=args.fps, size=args.size, theme=args.theme,
                            loss_panel=args.loss_panel)
    settings = settings_from_args(args, parse_optimizer_list(args.optimizers))
    (x_low, x_high), (y_low, y_high) = settings.surface_spec.domain
    x, y = settings.start
    if not (x_low <= x <= x_high and y_low <= y <= y_high):
        print(f"note: the start ({x:g}, {y:g}) is outside the map, which shows x in [{x_low:g}, {x_high:g}] and "
              f"y in [{y_low:g}, {y_high:g}]; paths appear only where they enter it", file=sys.stderr)
    result = engine.run(settings)
    fmt = out.suffix.lower().lstrip(".")
    with percent_progress(f"rendering {out.name}") as advance:
        data = render_scene(scene_from_result(result), options, fmt, advance)
    write_atomic(out, data, args.force)
    for optimizer_run, diverged in zip(settings.runs, result.diverged_at):
        if diverged is not None:
            print(f"{optimizer_run.label} diverged at step {diverged}", file=sys.stderr)
    print(f"wrote {out} ({_size_text(out.stat().st_size)}, {options.frames} frames)", file=sys.stderr)
    return 0


def _size_text(size: int) -> str:
    return f"{size / MEGABYTE:.1f} MB" if size >= MEGABYTE else f"{size / KILOBYTE:.0f} kB"
