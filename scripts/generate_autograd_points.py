"""Record torch autograd's values and gradients of every surface at random points: tests/golden/autograd_points.npz.

    python scripts/generate_autograd_points.py      (a few seconds)

torch is needed only here. The formulas are the golden generator's (the published formulas in torch ops), evaluated
in float64 on 0-d views of one parameter vector, exactly as the reference trajectories evaluate them, and
differentiated by autograd. ``tests/test_autograd_order.py`` checks without torch that our kernels reproduce
these numbers bit for bit.

Output, all float64 and exact: ``surfaces`` (names); ``points`` (surfaces, POINTS, 2), uniform in each
surface's plotting domain; ``values`` (surfaces, POINTS); ``gradients`` (surfaces, POINTS, 2);
``surface_params``: JSON of the surface parameters used (defaults); ``provenance``: JSON of the torch version,
its CPU capability and the generator constants (torch's sin, cos, exp and sqrt depend on the CPU's vector
math library).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))  # runs as a plain script from anywhere, like the CLI

from landscapes.registry import SURFACES  # noqa: E402
from scripts.generate_golden import SURFACE_FORMULAS  # noqa: E402

OUT = PROJECT_ROOT / "tests" / "golden" / "autograd_points.npz"
POINTS = 300  # per surface: enough to see a rounding-order mistake, small enough to commit (~170 kB)
SEED = 20240603


def autograd_at(name: str, params: dict[str, float], x: float, y: float) -> tuple[float, float, float]:
    """(f, ∂f/∂x, ∂f/∂y) at (x, y) from autograd, with x and y as 0-d views of one float64 vector."""
    point = torch.tensor([x, y], dtype=torch.float64, requires_grad=True)
    value = SURFACE_FORMULAS[name](point[0], point[1], params, torch)
    value.backward()
    gx, gy = point.grad.tolist()
    return value.item(), gx, gy


def main() -> None:
    if set(SURFACE_FORMULAS) != set(SURFACES):
        raise SystemExit("the formulas must cover exactly the registered surfaces")
    rng = np.random.default_rng(SEED)
    names = sorted(SURFACES)
    points = np.empty((len(names), POINTS, 2))
    values = np.empty((len(names), POINTS))
    gradients = np.empty((len(names), POINTS, 2))
    surface_params = {}
    for i, name in enumerate(names):
        surface = SURFACES[name]
        surface_params[name] = {p.name: p.default for p in surface.params}
        (x0, x1), (y0, y1) = surface.domain
        points[i] = np.column_stack([rng.uniform(x0, x1, POINTS), rng.uniform(y0, y1, POINTS)])
        for j, (x, y) in enumerate(points[i]):
            values[i, j], *gradients[i, j] = autograd_at(name, surface_params[name], x, y)
    provenance = {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
                  "points_per_surface": POINTS, "seed": SEED}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, surfaces=np.array(names), points=points, values=values, gradients=gradients,
                        surface_params=json.dumps(surface_params), provenance=json.dumps(provenance))
    print(f"wrote {OUT.relative_to(PROJECT_ROOT)} ({OUT.stat().st_size / 1e3:.0f} kB), torch {torch.__version__}")


if __name__ == "__main__":
    main()
