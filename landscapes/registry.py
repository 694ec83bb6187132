"""The surface registry: names, formulas, domains, minima, default starts and what each surface teaches.

The registry is the single source of surface facts: the CLI help, the app's widgets, the figures and the tests
all read it. Look surfaces up with :func:`get_surface`; an unknown name raises an error listing valid ones.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from claims import Claim
from landscapes import surfaces as kernels
from validation import Range, ValidationError, check_range, lookup

Point = tuple[float, float]


@dataclass(frozen=True)
class SurfaceParam:
    """A numeric parameter of a parametrised surface (e.g. the quadratic's condition number)."""

    name: str
    default: float
    allowed: Range
    label: str  # short, for a slider: "condition number κ"
    help: str
    options: tuple[float, ...]  # the slider's values (the URL snaps to them too)
    log_scale: bool = False


@dataclass(frozen=True)
class Surface:
    """Everything the product knows about one 2D test surface."""

    name: str
    sid: int
    title: str
    latex: str
    domain: tuple[Point, Point]  # ((x_min, x_max), (y_min, y_max)) for plots
    default_start: Point
    lesson: str
    sgd_lr: float  # a learning rate at which plain gradient descent makes visible, stable progress
    adaptive_lr: float  # a step size (in coordinate units) that suits the adaptive and sign methods
    minima: tuple[Point, ...] = ()  # global minima
    min_value: float | None = None  # f at the global minima; None when unbounded below
    local_minima: tuple[Point, ...] = ()
    saddles: tuple[Point, ...] = ()
    log_color: bool = False  # values span many decades: colour the contour map by log(f - f_min)
    momentum: float = 0.9  # the momentum μ suggested for heavy ball and Nesterov here (the usual 0.9)
    params: tuple[SurfaceParam, ...] = field(default_factory=tuple)
    # The Hessian's two eigenvalues where it is constant and positive definite (the convex quadratics): numbers,
    # or the name of a parameter whose value is one; None elsewhere. The stability map draws the quadratic theory
    # from them.
    hessian: tuple[float | str, float | str] | None = None
    claims: tuple[Claim, ...] = field(default=(), compare=False)  # runs that show what the lesson says
    program: np.ndarray | None = field(default=None, compare=False)  # compiled user formula (CUSTOM only)

    def param_vector(self, values: dict[str, float] | None = None) -> np.ndarray:
        """The surface parameter vector ``c`` passed to the kernels, validated, defaults filled in."""
        if self.program is not None:
            # one row of a 2D array: the type that routes the kernels to the interpreter (see surfaces.py);
            # a copy, since the compiled program is cached and shared
            return self.program.reshape(1, -1).copy()
        values = dict(values or {})
        unknown = set(values) - {p.name for p in self.params}
        if unknown:
            raise ValidationError(f"surface {self.name} has no parameter {sorted(unknown)[0]!r}")
        return np.array([check_range(p.name, values.get(p.name, p.default), p.allowed)
                         for p in self.params], dtype=np.float64)

    def hessian_eigenvalues(self, values: dict[str, float] | None = None) -> tuple[float, float] | None:
        """(λ_min, λ_max) of a constant Hessian for these parameter values; None where it is not constant."""
        if self.hessian is None:
            return None
        vector = dict(zip((p.name for p in self.params), self.param_vector(values)))
        low, high = sorted(vector[e] if isinstance(e, str) else e for e in self.hessian)
        return float(low), float(high)

    def value(self, x: float, y: float, c: np.ndarray | None = None) -> float:
        return float(kernels.value(self.sid, float(x), float(y), self._c(c)))

    def gradient(self, x: float, y: float, c: np.ndarray | None = None) -> tuple[float, float]:
        gx, gy = kernels.gradient(self.sid, float(x), float(y), self._c(c))
        return float(gx), float(gy)

    def _c(self, c: np.ndarray | None) -> np.ndarray:
        return self.param_vector() if c is None else c


CONDITION_OPTIONS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0)
_K = kernels
SURFACES: dict[str, Surface] = {s.name: s for s in [
    Surface("bowl", _K.BOWL, "Convex bowl", r"f(x, y) = x^2 + y^2",
            ((-2.0, 2.0), (-2.0, 2.0)), (-1.5, 1.2),
            "A perfectly round bowl: gradient descent heads straight for the centre, so only its step size "
            "matters; per-coordinate methods such as Adam first move diagonally and bend.",
            minima=((0.0, 0.0),), min_value=0.0, sgd_lr=0.05, adaptive_lr=0.05, hessian=(2.0, 2.0),
            claims=(Claim("gradient descent heads straight for the centre", "heads_straight", "bowl",
                          (("gd", (("lr", 0.05),)),), 100),
                    Claim("Adam first move diagonally and bend", "bends", "bowl", (("adam", (("lr", 0.05),)),), 100))),
    Surface("ravine", _K.RAVINE, "Ravine (ill-conditioned bowl)", r"f(x, y) = 0.5\,x^2 + 10\,y^2",
            ((-6.0, 6.0), (-3.0, 3.0)), (-5.0, 2.0),
            "Steep walls, a gentle floor: gradient descent zig-zags across the ravine, momentum glides along it.",
            minima=((0.0, 0.0),), min_value=0.0, sgd_lr=0.09, adaptive_lr=0.1,
            momentum=0.6,  # κ = 20: μ = 0.9 remembers too much (Polyak's optimum is μ* ≈ 0.4)
            hessian=(1.0, 20.0),
            claims=(Claim("gradient descent zig-zags across the ravine", "zigzags", "ravine",
                          (("gd", (("lr", 0.09),)),), 20),
                    Claim("momentum glides along it", "zigzags_less", "ravine",
                          (("momentum", (("lr", 0.03), ("momentum", 0.6))), ("gd", (("lr", 0.09),))), 20))),
    Surface("rosenbrock", _K.ROSENBROCK, "Rosenbrock's banana valley",
            r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
            ((-2.0, 2.0), (-1.0, 3.0)), (-1.5, 2.5),
            "Finding the curved valley is easy; following its nearly flat floor to (1, 1) is the hard part.",
            minima=((1.0, 1.0),), min_value=0.0, log_color=True, sgd_lr=1e-3, adaptive_lr=0.02,
            claims=(Claim("following its nearly flat floor to (1, 1) is the hard part", "valley_then_crawl",
                          "rosenbrock", (("gd", (("lr", 0.001),)),), 1000),)),
    Surface("saddle", _K.SADDLE, "Saddle point", r"f(x, y) = x^2 - y^2",
            ((-2.0, 2.0), (-2.0, 2.0)), (1.5, 0.001),
            "Near a saddle the gradient almost vanishes: gradient descent's first steps barely leave the ridge, "
            "while adaptive steps move away at once.",
            saddles=((0.0, 0.0),), sgd_lr=0.05, adaptive_lr=0.05,
            claims=(Claim("adaptive steps move away at once", "leaves_the_ridge", "saddle",
                          (("adam", (("lr", 0.05),)), ("gd", (("lr", 0.05),))), 30),)),
    Surface("monkey_saddle", _K.MONKEY_SADDLE, "Monkey saddle", r"f(x, y) = x^3 - 3\,x\,y^2",
            ((-2.0, 2.0), (-2.0, 2.0)), (1.0, 0.05),
            "A flat saddle with three ways down: the gradient vanishes to second order, so paths slow down as "
            "they pass its centre.",
            saddles=((0.0, 0.0),), sgd_lr=0.02, adaptive_lr=0.02,
            claims=(Claim("paths slow down as they pass its centre", "slows_down", "monkey_saddle",
                          (("gd", (("lr", 0.02),)),), 60),)),
    Surface("himmelblau", _K.HIMMELBLAU, "Himmelblau's function",
            r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
            ((-5.0, 5.0), (-5.0, 5.0)), (0.0, 0.0),
            "Four equally good minima: which one you reach depends on the start point and the optimizer.",
            minima=((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
            min_value=0.0, log_color=True, sgd_lr=0.01, adaptive_lr=0.05,
            claims=(Claim("depends on the start point and the optimizer", "different_minima", "himmelblau",
                          (("gd", (("lr", 0.01),)), ("momentum", (("lr", 0.01), ("momentum", 0.9)))), 500),)),
    Surface("beale", _K.BEALE, "Beale's function",
            r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
            ((-4.5, 4.5), (-4.5, 4.5)), (1.0, 1.4),
            "Flat plateaus beside steep cliffs: gradient descent with η = 0.03 reaches the minimum, with 0.05 "
            "the cliffs throw it out, and with 0.001 it is still crawling after 1,000 steps.",
            minima=((3.0, 0.5),), min_value=0.0, log_color=True, sgd_lr=1e-3, adaptive_lr=0.01,
            claims=(Claim("with η = 0.03 reaches the minimum", "reaches", "beale", (("gd", (("lr", 0.03),)),), 1000),
                    Claim("with 0.05 the cliffs throw it out", "diverges", "beale", (("gd", (("lr", 0.05),)),), 1000),
                    Claim("with 0.001 it is still crawling after 1,000 steps", "never_reaches", "beale",
                          (("gd", (("lr", 0.001),)),), 1000))),
    Surface("rastrigin", _K.RASTRIGIN, "Rastrigin's function",
            r"f(x, y) = 20 + x^2 + y^2 - 10\cos(2\pi x) - 10\cos(2\pi y)",
            ((-5.12, 5.12), (-5.12, 5.12)), (3.3, 2.6),
            "A bowl covered in dimples: local methods get trapped in a local minimum near the start.",
            minima=((0.0, 0.0),), min_value=0.0, sgd_lr=2e-3, adaptive_lr=0.05,
            claims=(Claim("local methods get trapped", "ends_at_local_minimum", "rastrigin",
                          (("gd", (("lr", 0.002),)),), 300),
                    Claim("local methods get trapped", "ends_at_local_minimum", "rastrigin",
                          (("adam", (("lr", 0.05),)),), 300))),
    Surface("six_hump_camel", _K.SIX_HUMP_CAMEL, "Six-hump camel",
            r"f(x, y) = \left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 + xy + (-4 + 4y^2)\,y^2",
            ((-3.0, 3.0), (-2.0, 2.0)), (-1.5, 1.2),
            "Six local minima, two of them global: a small change of start or step size picks a different one.",
            minima=((0.0898, -0.7126), (-0.0898, 0.7126)), min_value=-1.031628453489877,
            local_minima=((-1.7036, 0.7961), (1.7036, -0.7961), (-1.6071, -0.5687), (1.6071, 0.5687)),
            sgd_lr=0.01, adaptive_lr=0.02,
            claims=(Claim("a small change of start or step size picks a different one", "different_minima",
                          "six_hump_camel", (("gd", (("lr", 0.08),)), ("gd", (("lr", 0.09),))), 500),)),
    Surface("styblinski_tang", _K.STYBLINSKI_TANG, "Styblinski–Tang",
            r"f(x, y) = \tfrac12\left(x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y\right)",
            ((-5.0, 5.0), (-5.0, 5.0)), (4.0, -0.5),
            "Each coordinate has a deep and a shallow well: from this start one coordinate finds the deep one.",
            minima=((-2.903534, -2.903534),), min_value=-78.33233140754282,
            local_minima=((2.746803, 2.746803), (-2.903534, 2.746803), (2.746803, -2.903534)),
            sgd_lr=0.01, adaptive_lr=0.05,
            claims=(Claim("from this start one coordinate finds the deep one", "ends_at_local_minimum",
                          "styblinski_tang", (("gd", (("lr", 0.01),)),), 500),)),
    Surface("ackley", _K.ACKLEY, "Ackley's function",
            r"f(x, y) = -20e^{-0.2\sqrt{(x^2+y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20",
            ((-5.0, 5.0), (-5.0, 5.0)), (3.5, -2.5),
            "A nearly flat outer region full of ripples around one deep funnel: momentum can ride over ripples.",
            minima=((0.0, 0.0),), min_value=0.0, sgd_lr=0.01, adaptive_lr=0.05,
            claims=(Claim("momentum can ride over ripples", "ends_lower", "ackley",
                          (("momentum", (("lr", 0.01), ("momentum", 0.9))), ("gd", (("lr", 0.01),))), 500),)),
    Surface("booth", _K.BOOTH, "Booth's function", r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
            ((-10.0, 10.0), (-10.0, 10.0)), (-8.0, -6.0),
            "A tilted, stretched bowl: the axes are not the directions that matter, which hurts per-coordinate "
            "methods.",
            minima=((1.0, 3.0),), min_value=0.0, sgd_lr=0.05, adaptive_lr=0.1, hessian=(2.0, 18.0),
            claims=(Claim("which hurts per-coordinate methods", "reaches_first", "booth",
                          (("gd", (("lr", 0.05),)), ("adam", (("lr", 0.1),))), 500),)),
    Surface("goldstein_price", _K.GOLDSTEIN_PRICE, "Goldstein–Price",
            r"f(x, y) = [1 + (x+y+1)^2(19 - 14x + 3x^2 - 14y + 6xy + 3y^2)]"
            r"\,[30 + (2x-3y)^2(18 - 32x + 12x^2 + 48y - 36xy + 27y^2)]",
            ((-2.0, 2.0), (-2.0, 2.0)), (-0.5, 0.5),
            "Values from 3 to a million: gradients differ by orders of magnitude from place to place, and a "
            "small step settles in whichever local minimum is nearest.",
            minima=((0.0, -1.0),), min_value=3.0,
            local_minima=((-0.6, -0.4), (1.8, 0.2), (1.2, 0.8)),
            log_color=True, sgd_lr=1e-5, adaptive_lr=0.01,
            claims=(Claim("small step settles in whichever local minimum is nearest", "ends_at_local_minimum",
                          "goldstein_price", (("gd", (("lr", 1e-5),)),), 1000),)),
    Surface("quadratic", _K.QUADRATIC, "Quadratic with condition number κ",
            r"f(x, y) = \tfrac12\left(x^2 + \kappa\,y^2\right)",
            ((-6.0, 6.0), (-3.0, 3.0)), (-5.0, 2.0),
            "Turn up κ and gradient descent must take smaller steps (above η = 2/κ it diverges), so the flat "
            "direction crawls: its speed is set by the ratio of curvatures.",
            minima=((0.0, 0.0),), min_value=0.0, sgd_lr=0.1, adaptive_lr=0.1, momentum=0.5,
            params=(SurfaceParam("condition", 10.0, Range(1.0, 1e4), "condition number κ",
                                 "κ, the ratio of the largest to the smallest curvature", CONDITION_OPTIONS,
                                 log_scale=True),),
            hessian=(1.0, "condition"),
            claims=(Claim("above η = 2/κ it diverges", "diverges", "quadratic", (("gd", (("lr", 0.021),)),), 300,
                          surface_params=(("condition", 100.0),)),)),
]}


CUSTOM_PREFIX = "expr:"  # a surface name "expr:<formula>" is the user's own function
CUSTOM_DOMAIN = ((-5.0, 5.0), (-5.0, 5.0))
CUSTOM_START = (3.0, 2.0)
CUSTOM_STEP = 0.01  # both step suggestions for a formula we know nothing about: small and safe


@functools.lru_cache(maxsize=256)
def custom_surface(formula: str) -> Surface:
    """A surface from a user's formula in x and y (see ``landscapes.expression`` for what is allowed)."""
    from landscapes import expression  # SymPy is imported only when someone defines their own surface

    code, latex, _ = expression.compile_expression(formula)
    text = formula.strip()
    return Surface(f"{CUSTOM_PREFIX}{text}", kernels.CUSTOM, "Your own function", f"f(x, y) = {latex}",
                   CUSTOM_DOMAIN, CUSTOM_START,
                   "Your own function: its gradient is derived symbolically, so every optimizer sees exact slopes.",
                   sgd_lr=CUSTOM_STEP, adaptive_lr=CUSTOM_STEP, program=code)


def get_surface(name: str) -> Surface:
    """The registered surface called ``name``, or a user formula written ``expr:<f(x, y)>``; an unknown name
    lists the valid ones."""
    if isinstance(name, str) and name.startswith(CUSTOM_PREFIX):
        return custom_surface(name[len(CUSTOM_PREFIX):])
    return lookup("surface", name, SURFACES)
