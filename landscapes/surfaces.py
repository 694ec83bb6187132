"""Every built-in 2D surface: its jitted formulas, its integer id, and ``value``/``gradient`` dispatched by that id.

Per surface: ``<name>_value(x, y, c)`` and ``<name>_grad(x, y, c)`` (``c``: its parameter vector), an id, and a
branch in each dispatcher, so the engine never receives a function (that would defeat Numba's on-disk cache).
A user-defined surface (``CUSTOM``) arrives as its compiled program in a one-row 2D array: the array's type
selects the ``landscapes.program`` interpreter at compile time, and Numba prunes the half a caller does not use.

Gradients are analytic and round like torch's autograd on the same formulas (the torch.optim golden runs,
``scripts/generate_golden.py``): a one-ulp difference grows past the 1e-6 tolerance on chaotic surfaces. Value
kernels round like the formula in torch ops (``x**2``, ``x**3`` are ``x·x``, ``x·x·x``; ``x**4`` is ``pow``);
gradient kernels follow autograd's backward pass in its order (``pow`` backward is ``grad·(n·x^(n-1))``, the
most recently built operation first), writing the simpler form where the two differ by a power of two.
``tests/test_autograd_order.py`` checks bitwise agreement on points from torch; sin, cos, exp and sqrt are
torch's MKL vector functions, so Rastrigin and Ackley agree at most points rather than all.
"""
import math

from numba import njit

from landscapes import program
from landscapes.instructions import GRAD_X, GRAD_Y, VALUE

BOWL, RAVINE, ROSENBROCK, SADDLE, MONKEY_SADDLE, HIMMELBLAU, BEALE, RASTRIGIN, SIX_HUMP_CAMEL, \
    STYBLINSKI_TANG, ACKLEY, BOOTH, GOLDSTEIN_PRICE, QUADRATIC, CUSTOM = range(15)

PROGRAM_NDIM = 2  # ``c.ndim`` of a user-defined surface's program (one row); parameter vectors have ndim 1
TWO_PI = 2.0 * math.pi
JIT = dict(cache=True, nogil=True)
# Leaf kernels are inlined into their dispatcher at Numba-IR level: one compiled unit instead of one per
# kernel, which halves the cold-start compile time of the whole core (measured: 6.7 s → 4.6 s).
LEAF = dict(JIT, inline="always")


@njit(**LEAF)
def bowl_value(x, y, c):
    return x * x + y * y


@njit(**LEAF)
def bowl_grad(x, y, c):
    # autograd's 1·(2x): the same bits
    return 2.0 * x, 2.0 * y


@njit(**LEAF)
def ravine_value(x, y, c):
    return 0.5 * (x * x) + 10.0 * (y * y)


@njit(**LEAF)
def ravine_grad(x, y, c):
    # autograd's 0.5·(2x) and 10·(2y): the first is exact, the second rounds like 20y
    return x, 20.0 * y


@njit(**LEAF)
def rosenbrock_value(x, y, c):
    a = 1.0 - x
    d = y - x * x
    return a * a + 100.0 * (d * d)


@njit(**LEAF)
def rosenbrock_grad(x, y, c):
    # autograd's order: ∂f/∂d = 100·(2d) is rounded before it meets ∂d/∂x = -2x
    a = 1.0 - x
    d = y - x * x
    g_d = 100.0 * (2.0 * d)
    return -(2.0 * a) - g_d * (2.0 * x), g_d


@njit(**LEAF)
def saddle_value(x, y, c):
    return x * x - y * y


@njit(**LEAF)
def saddle_grad(x, y, c):
    # autograd's 2x and -(2y): the same bits
    return 2.0 * x, -2.0 * y


@njit(**LEAF)
def monkey_saddle_value(x, y, c):
    return x * x * x - 3.0 * x * (y * y)


@njit(**LEAF)
def monkey_saddle_grad(x, y, c):
    # autograd's order: 3·(x·x) from pow's backward, (3x)·(2y) from the product (3x)·y²
    return 3.0 * (x * x) - 3.0 * (y * y), -(3.0 * x) * (2.0 * y)


@njit(**LEAF)
def himmelblau_value(x, y, c):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return a * a + b * b


@njit(**LEAF)
def himmelblau_grad(x, y, c):
    # autograd's order: each square's 2a or 2b times the inner derivative
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return (2.0 * a) * (2.0 * x) + 2.0 * b, 2.0 * a + (2.0 * b) * (2.0 * y)


@njit(**LEAF)
def beale_value(x, y, c):
    y2 = y * y
    a1 = 1.5 - x + x * y
    a2 = 2.25 - x + x * y2
    a3 = 2.625 - x + x * (y2 * y)
    return a1 * a1 + a2 * a2 + a3 * a3


@njit(**LEAF)
def beale_grad(x, y, c):
    # autograd's order: the three squares are visited last to first, and in each the product x·yⁿ before the
    # constant minus x; the sums into x and y follow that order (with y³'s pow backward 3·(y·y))
    y2 = y * y
    y3 = y2 * y
    g1 = 2.0 * (1.5 - x + x * y)
    g2 = 2.0 * (2.25 - x + x * y2)
    g3 = 2.0 * (2.625 - x + x * y3)
    gx = g3 * y3 - g3 + g2 * y2 - g2 + g1 * y - g1
    gy = (g3 * x) * (3.0 * y2) + (g2 * x) * (2.0 * y) + g1 * x
    return gx, gy


@njit(**LEAF)
def rastrigin_value(x, y, c):
    return 20.0 + x * x + y * y - 10.0 * math.cos(TWO_PI * x) - 10.0 * math.cos(TWO_PI * y)


@njit(**LEAF)
def rastrigin_grad(x, y, c):
    # autograd's order: cos's backward 10·sin(2πx) is rounded before the chain factor 2π
    return ((10.0 * math.sin(TWO_PI * x)) * TWO_PI + 2.0 * x,
            (10.0 * math.sin(TWO_PI * y)) * TWO_PI + 2.0 * y)


@njit(**LEAF)
def six_hump_camel_value(x, y, c):
    x2 = x * x
    y2 = y * y
    return (4.0 - 2.1 * x2 + math.pow(x, 4.0) / 3.0) * x2 + x * y + (-4.0 + 4.0 * y2) * y2


@njit(**LEAF)
def six_hump_camel_grad(x, y, c):
    # autograd's order: the y-polynomial first, then x·y, then the x-polynomial from its outer factor x² back
    # to 2.1x² (x⁴'s pow backward is 4·(x·x·x), reached through the division by 3)
    x2 = x * x
    y2 = y * y
    p = 4.0 - 2.1 * x2 + math.pow(x, 4.0) / 3.0
    e = -4.0 + 4.0 * y2
    gx = y + p * (2.0 * x) + (x2 / 3.0) * (4.0 * (x2 * x)) - (2.1 * x2) * (2.0 * x)
    gy = e * (2.0 * y) + (4.0 * y2) * (2.0 * y) + x
    return gx, gy


@njit(**LEAF)
def styblinski_tang_value(x, y, c):
    return 0.5 * (math.pow(x, 4.0) - 16.0 * (x * x) + 5.0 * x
                  + math.pow(y, 4.0) - 16.0 * (y * y) + 5.0 * y)


@njit(**LEAF)
def styblinski_tang_grad(x, y, c):
    # autograd's order: the terms last to first, ½·5, ½·16·2x, ½·4·(x·x·x)
    return 2.5 - 16.0 * x + 2.0 * (x * x * x), 2.5 - 16.0 * y + 2.0 * (y * y * y)


@njit(**LEAF)
def ackley_value(x, y, c):
    r = math.sqrt(0.5 * (x * x + y * y))
    mean_cos = 0.5 * (math.cos(TWO_PI * x) + math.cos(TWO_PI * y))
    return -20.0 * math.exp(-0.2 * r) - math.exp(mean_cos) + math.e + 20.0


@njit(**LEAF)
def ackley_grad(x, y, c):
    # autograd's order: each exponential's derivative is chained back factor by factor, rounding after each
    r = math.sqrt(0.5 * (x * x + y * y))
    mean_cos = 0.5 * (math.cos(TWO_PI * x) + math.cos(TWO_PI * y))
    # ∂f/∂(x² + y²) through exp, ·(-0.2), sqrt and ·0.5; at r = 0 its product with x or y tends to 0
    radial = 0.0 if r == 0.0 else 0.5 * ((-20.0 * math.exp(-0.2 * r)) * -0.2 / (2.0 * r))
    wave = math.exp(mean_cos) * 0.5
    return ((wave * math.sin(TWO_PI * x)) * TWO_PI + radial * (2.0 * x),
            (wave * math.sin(TWO_PI * y)) * TWO_PI + radial * (2.0 * y))


@njit(**LEAF)
def booth_value(x, y, c):
    a = x + 2.0 * y - 7.0
    b = 2.0 * x + y - 5.0
    return a * a + b * b


@njit(**LEAF)
def booth_grad(x, y, c):
    # autograd's 2a + (2b)·2 and (2a)·2 + 2b: the same bits, as each variable receives only two terms
    a = x + 2.0 * y - 7.0
    b = 2.0 * x + y - 5.0
    return 2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b


@njit(**LEAF)
def _goldstein_price_parts(x, y):
    s = x + y + 1.0
    p = 19.0 - 14.0 * x + 3.0 * (x * x) - 14.0 * y + 6.0 * x * y + 3.0 * (y * y)
    u = 2.0 * x - 3.0 * y
    q = 18.0 - 32.0 * x + 12.0 * (x * x) + 48.0 * y - 36.0 * x * y + 27.0 * (y * y)
    return s, p, u, q


@njit(**LEAF)
def goldstein_price_value(x, y, c):
    s, p, u, q = _goldstein_price_parts(x, y)
    return (1.0 + s * s * p) * (30.0 + u * u * q)


@njit(**LEAF)
def goldstein_price_grad(x, y, c):
    # autograd's order: the second factor's polynomial terms last to first, then (2x - 3y)², then the first
    # factor's terms last to first, ending with (x + y + 1)², whose share is the same for x and y
    s, p, u, q = _goldstein_price_parts(x, y)
    a = 1.0 + s * s * p
    b = 30.0 + u * u * q
    g_q = a * (u * u)
    g_u = (a * q) * (2.0 * u)
    g_p = b * (s * s)
    g_s = (b * p) * (2.0 * s)
    gx = (-(g_q * y) * 36.0 + (g_q * 12.0) * (2.0 * x) - g_q * 32.0 + g_u * 2.0
          + (g_p * y) * 6.0 + (g_p * 3.0) * (2.0 * x) - g_p * 14.0 + g_s)
    gy = ((g_q * 27.0) * (2.0 * y) - g_q * (36.0 * x) + g_q * 48.0 - g_u * 3.0
          + (g_p * 3.0) * (2.0 * y) + g_p * (6.0 * x) - g_p * 14.0 + g_s)
    return gx, gy


@njit(**LEAF)
def quadratic_value(x, y, c):
    """0.5·(x² + κ·y²) with κ = c[0], the condition number."""
    return 0.5 * (x * x + c[0] * (y * y))


@njit(**LEAF)
def quadratic_grad(x, y, c):
    # autograd's 0.5·(2x) and (0.5κ)·(2y) round exactly like x and κy
    return x, c[0] * y


@njit(**JIT)
def value(sid, x, y, c):
    """f(x, y) of surface ``sid`` with parameters ``c`` (or of the user-defined surface whose program is c[0])."""
    if c.ndim == PROGRAM_NDIM:  # a compile-time constant: Numba keeps only one of the two halves
        return program.run_program(c[0], VALUE, x, y)
    if sid == BOWL:
        return bowl_value(x, y, c)
    if sid == RAVINE:
        return ravine_value(x, y, c)
    if sid == ROSENBROCK:
        return rosenbrock_value(x, y, c)
    if sid == SADDLE:
        return saddle_value(x, y, c)
    if sid == MONKEY_SADDLE:
        return monkey_saddle_value(x, y, c)
    if sid == HIMMELBLAU:
        return himmelblau_value(x, y, c)
    if sid == BEALE:
        return beale_value(x, y, c)
    if sid == RASTRIGIN:
        return rastrigin_value(x, y, c)
    if sid == SIX_HUMP_CAMEL:
        return six_hump_camel_value(x, y, c)
    if sid == STYBLINSKI_TANG:
        return styblinski_tang_value(x, y, c)
    if sid == ACKLEY:
        return ackley_value(x, y, c)
    if sid == BOOTH:
        return booth_value(x, y, c)
    if sid == GOLDSTEIN_PRICE:
        return goldstein_price_value(x, y, c)
    if sid == QUADRATIC:
        return quadratic_value(x, y, c)
    return math.nan  # not a surface id: NaN, which the engine reports as divergence


@njit(**JIT)
def gradient(sid, x, y, c):
    """(∂f/∂x, ∂f/∂y) of surface ``sid`` with parameters ``c`` (or of the user-defined surface c[0])."""
    if c.ndim == PROGRAM_NDIM:
        return program.run_program(c[0], GRAD_X, x, y), program.run_program(c[0], GRAD_Y, x, y)
    if sid == BOWL:
        return bowl_grad(x, y, c)
    if sid == RAVINE:
        return ravine_grad(x, y, c)
    if sid == ROSENBROCK:
        return rosenbrock_grad(x, y, c)
    if sid == SADDLE:
        return saddle_grad(x, y, c)
    if sid == MONKEY_SADDLE:
        return monkey_saddle_grad(x, y, c)
    if sid == HIMMELBLAU:
        return himmelblau_grad(x, y, c)
    if sid == BEALE:
        return beale_grad(x, y, c)
    if sid == RASTRIGIN:
        return rastrigin_grad(x, y, c)
    if sid == SIX_HUMP_CAMEL:
        return six_hump_camel_grad(x, y, c)
    if sid == STYBLINSKI_TANG:
        return styblinski_tang_grad(x, y, c)
    if sid == ACKLEY:
        return ackley_grad(x, y, c)
    if sid == BOOTH:
        return booth_grad(x, y, c)
    if sid == GOLDSTEIN_PRICE:
        return goldstein_price_grad(x, y, c)
    if sid == QUADRATIC:
        return quadratic_grad(x, y, c)
    return math.nan, math.nan
