"""Every built-in 2D surface's integer id, and its jitted value and gradient dispatched by that id.

``value(sid, …)`` and ``gradient(sid, …)`` call the surface's kernels from ``landscapes/surface_kernels.py``, so
the engine never receives a function as an argument (that would defeat Numba's on-disk cache). A user-defined
surface (``CUSTOM``) arrives as its compiled program in a one-row 2D array instead: the array's type, known at
compile time, selects the ``landscapes.program`` interpreter, so Numba prunes whichever half a caller does not
need and the built-in surfaces never pay for compiling the interpreter.
"""
from __future__ import annotations

import math

from numba import njit

from landscapes import program
from landscapes import surface_kernels as kernels
from landscapes.instructions import GRAD_X, GRAD_Y, VALUE
from landscapes.surface_kernels import JIT

BOWL, RAVINE, ROSENBROCK, SADDLE, MONKEY_SADDLE, HIMMELBLAU, BEALE, RASTRIGIN, SIX_HUMP_CAMEL, \
    STYBLINSKI_TANG, ACKLEY, BOOTH, GOLDSTEIN_PRICE, QUADRATIC, CUSTOM = range(15)

PROGRAM_NDIM = 2  # ``c.ndim`` of a user-defined surface's program (one row); parameter vectors have ndim 1


@njit(**JIT)
def value(sid, x, y, c):
    """f(x, y) of surface ``sid`` with parameters ``c`` (or of the user-defined surface whose program is c[0])."""
    if c.ndim == PROGRAM_NDIM:  # a compile-time constant: Numba keeps only one of the two halves
        return program.run_program(c[0], VALUE, x, y)
    if sid == BOWL:
        return kernels.bowl_value(x, y, c)
    if sid == RAVINE:
        return kernels.ravine_value(x, y, c)
    if sid == ROSENBROCK:
        return kernels.rosenbrock_value(x, y, c)
    if sid == SADDLE:
        return kernels.saddle_value(x, y, c)
    if sid == MONKEY_SADDLE:
        return kernels.monkey_saddle_value(x, y, c)
    if sid == HIMMELBLAU:
        return kernels.himmelblau_value(x, y, c)
    if sid == BEALE:
        return kernels.beale_value(x, y, c)
    if sid == RASTRIGIN:
        return kernels.rastrigin_value(x, y, c)
    if sid == SIX_HUMP_CAMEL:
        return kernels.six_hump_camel_value(x, y, c)
    if sid == STYBLINSKI_TANG:
        return kernels.styblinski_tang_value(x, y, c)
    if sid == ACKLEY:
        return kernels.ackley_value(x, y, c)
    if sid == BOOTH:
        return kernels.booth_value(x, y, c)
    if sid == GOLDSTEIN_PRICE:
        return kernels.goldstein_price_value(x, y, c)
    if sid == QUADRATIC:
        return kernels.quadratic_value(x, y, c)
    return math.nan  # not a surface id: NaN, which the engine reports as divergence


@njit(**JIT)
def gradient(sid, x, y, c):
    """(∂f/∂x, ∂f/∂y) of surface ``sid`` with parameters ``c`` (or of the user-defined surface c[0])."""
    if c.ndim == PROGRAM_NDIM:
        return program.run_program(c[0], GRAD_X, x, y), program.run_program(c[0], GRAD_Y, x, y)
    if sid == BOWL:
        return kernels.bowl_grad(x, y, c)
    if sid == RAVINE:
        return kernels.ravine_grad(x, y, c)
    if sid == ROSENBROCK:
        return kernels.rosenbrock_grad(x, y, c)
    if sid == SADDLE:
        return kernels.saddle_grad(x, y, c)
    if sid == MONKEY_SADDLE:
        return kernels.monkey_saddle_grad(x, y, c)
    if sid == HIMMELBLAU:
        return kernels.himmelblau_grad(x, y, c)
    if sid == BEALE:
        return kernels.beale_grad(x, y, c)
    if sid == RASTRIGIN:
        return kernels.rastrigin_grad(x, y, c)
    if sid == SIX_HUMP_CAMEL:
        return kernels.six_hump_camel_grad(x, y, c)
    if sid == STYBLINSKI_TANG:
        return kernels.styblinski_tang_grad(x, y, c)
    if sid == ACKLEY:
        return kernels.ackley_grad(x, y, c)
    if sid == BOOTH:
        return kernels.booth_grad(x, y, c)
    if sid == GOLDSTEIN_PRICE:
        return kernels.goldstein_price_grad(x, y, c)
    if sid == QUADRATIC:
        return kernels.quadratic_grad(x, y, c)
    return math.nan, math.nan
