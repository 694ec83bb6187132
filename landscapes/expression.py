"""User-defined surfaces: differentiate a checked formula symbolically and compile it for the engine.

A formula is first checked without SymPy (``landscapes.formula_checks``: whitelist, sizes, finite float64
constants); the text itself never reaches ``eval``, ``sympify`` or any other evaluator. Only then is a SymPy
expression built, node by node, from the checked tree (sums and products of numbers, π and e kept exact, other
constants as their float64 values). The gradient comes from ``sympy.diff``; value and gradient are compiled
into one program for the jitted stack machine in ``landscapes.program``, cached by the formula's text. SymPy
has no bound on its own work (its automatic simplification can run for minutes on a few hundred characters),
so all SymPy work runs in a child process that is stopped after ``ANALYSIS_SECONDS``
(``landscapes.time_limit``).
"""
from __future__ import annotations

import ast
import functools
import math

import numpy as np
import sympy

from landscapes import instructions as vm
from landscapes.formula_checks import BINARY, Folded, checked_tree, float64_value
from landscapes.time_limit import OutOfTime, call_with_time_limit
from validation import ValidationError

MAX_INSTRUCTIONS = 5000  # per compiled program (derivatives grow the expression)
ANALYSIS_SECONDS = 1.5  # SymPy's time for one formula; a refusal still reaches the user within 2 s
NUMERIC_DIGITS = 30  # products of π, e and float64 numbers are evaluated past float64 precision, rounded once
EXACT_INTEGER_LIMIT = 2**53  # float64 integers up to here are exact: shown as integers, not as "3.0"

X, Y = sympy.symbols("x y", real=True)
NAMES = {"x": X, "y": Y, "pi": sympy.pi, "e": sympy.E}
FUNCTIONS = {"sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "exp": sympy.exp, "log": sympy.log,
             "sqrt": sympy.sqrt, "abs": sympy.Abs, "tanh": sympy.tanh, "sinh": sympy.sinh, "cosh": sympy.cosh,
             "atan": sympy.atan}
UNARY_OPCODES = {sympy.sin: vm.OP_SIN, sympy.cos: vm.OP_COS, sympy.tan: vm.OP_TAN, sympy.exp: vm.OP_EXP,
                 sympy.log: vm.OP_LOG, sympy.Abs: vm.OP_ABS, sympy.tanh: vm.OP_TANH, sympy.sinh: vm.OP_SINH,
                 sympy.cosh: vm.OP_COSH, sympy.atan: vm.OP_ATAN, sympy.sign: vm.OP_SIGN}


def _plain_arithmetic(node: ast.AST) -> bool:
    """Numbers, π and e joined by + − × ÷ only: exact SymPy arithmetic on them stays small (at most a few
    hundred literals of float64 size), unlike powers or functions of exact numbers."""
    if isinstance(node, (ast.Constant, ast.Name)):
        return True
    if isinstance(node, ast.UnaryOp):
        return _plain_arithmetic(node.operand)
    return isinstance(node, ast.BinOp) and type(node.op) in BINARY and _plain_arithmetic(node.left) \
        and _plain_arithmetic(node.right)


def _float_number(value: float) -> sympy.Expr:
    """A computed constant as SymPy sees it: an integer when it is one (``2**3*x`` reads 8x), else exactly
    the float64 value."""
    if value.is_integer() and abs(value) <= EXACT_INTEGER_LIMIT:
        return sympy.Integer(int(value))
    return sympy.Float(value, precision=53)


def _to_sympy(node: ast.AST, text: str, folded: Folded) -> sympy.Expr:
    """Build the SymPy expression for an already checked node. A constant part is first computed in float64
    (refused unless finite); then it is kept exact when it is plain arithmetic (``2*pi*x`` reads 2πx) and
    replaced by its float64 value otherwise."""
    value = float64_value(node, text, folded)
    if value is not None and not _plain_arithmetic(node):
        return _float_number(value)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, int):
            return sympy.Integer(node.value)
        return sympy.Float(node.value, precision=53)  # exactly the float64 the user typed
    if isinstance(node, ast.Name):
        return NAMES[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _to_sympy(node.operand, text, folded)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](_to_sympy(node.args[0], text, folded))
    left, right = _to_sympy(node.left, text, folded), _to_sympy(node.right, text, folded)  # a BinOp
    return left ** right if isinstance(node.op, ast.Pow) else BINARY[type(node.op)](left, right)


def parse_expression(text: str) -> sympy.Expr:
    """Validate ``text`` against the whitelist and return its SymPy expression (never evaluates the text).

    This runs SymPy in the calling process without a time limit; :func:`compile_expression` is the bounded
    entry point for users' input."""
    body, stripped, folded = checked_tree(text)
    expr = _to_sympy(body, stripped, folded)
    if expr.has(sympy.zoo, sympy.oo, sympy.nan):
        raise ValidationError("expression: it contains a division by zero or an infinite constant")
    if not expr.free_symbols <= {X, Y}:
        raise ValidationError("expression: only x and y may vary")
    return expr


class _Compiler:
    """Post-order emission of a SymPy tree into (opcode, operand) pairs, tracking the stack depth."""

    def __init__(self) -> None:
        self.code: list[tuple[int, float]] = []
        self.depth = 0
        self.max_depth = 0

    def _emit(self, op: int, operand: float = 0.0, pops: int = 0, pushes: int = 0) -> None:
        self.code.append((op, operand))
        self.depth += pushes - pops
        self.max_depth = max(self.max_depth, self.depth)
        if len(self.code) > MAX_INSTRUCTIONS or self.max_depth > vm.MAX_STACK:
            raise ValidationError("expression: too complex to compile (its derivative is too large)")

    def _fold(self, args, op: int) -> None:
        self.emit(args[0])
        for arg in args[1:]:
            self.emit(arg)
            self._emit(op, pops=2, pushes=1)

    def emit(self, e: sympy.Expr) -> None:
        if e == X or e == Y:
            self._emit(vm.OP_X if e == X else vm.OP_Y, pushes=1)
        elif e.is_number:
            real, imag = e.evalf(NUMERIC_DIGITS).as_real_imag()
            if imag != 0:
                raise ValidationError("expression: it has a complex-valued constant")
            try:
                constant = float(real)
            except OverflowError:  # an exact integer beyond float64
                constant = math.inf
            if not math.isfinite(constant):  # e.g. the 2·1e308 that differentiating 1e308·x² makes
                raise ValidationError("expression: a constant in it or in its gradient is too large for float64")
            self._emit(vm.OP_CONST, constant, pushes=1)
        elif isinstance(e, sympy.Add):
            self._fold(e.args, vm.OP_ADD)
        elif isinstance(e, sympy.Mul):
            self._fold(e.args, vm.OP_MUL)
        elif isinstance(e, sympy.Pow):
            base, exponent = e.args
            if exponent == sympy.Rational(1, 2):
                self.emit(base)
                self._emit(vm.OP_SQRT, pops=1, pushes=1)
            elif exponent == -1:
                self._emit(vm.OP_CONST, 1.0, pushes=1)
                self.emit(base)
                self._emit(vm.OP_DIV, pops=2, pushes=1)
            else:
                self.emit(base)
                self.emit(exponent)
                self._emit(vm.OP_POW, pops=2, pushes=1)
        elif e.func in UNARY_OPCODES and len(e.args) == 1:
            self.emit(e.args[0])
            self._emit(UNARY_OPCODES[e.func], pops=1, pushes=1)
        else:
            raise ValidationError(f"expression: cannot differentiate or compile {type(e).__name__}")


def _compile(targets: tuple[sympy.Expr, ...]) -> np.ndarray:
    programs = []
    for target in targets:
        compiler = _Compiler()
        compiler.emit(target)
        programs.append(compiler.code)
    header = [float(len(p)) for p in programs]
    body = [value for p in programs for pair in p for value in pair]
    return np.array(header + body, dtype=np.float64)


def _analyse(text: str) -> tuple[np.ndarray, str, tuple[str, str]]:
    """Parse, differentiate and compile in one go: the SymPy part, run in a child process."""
    expr = parse_expression(text)
    gradient = (sympy.diff(expr, X), sympy.diff(expr, Y))  # each once: differentiation is the costly step
    code = _compile((expr, *gradient))
    return code, sympy.latex(expr), (sympy.latex(gradient[0]), sympy.latex(gradient[1]))


@functools.lru_cache(maxsize=256)
def _analysis(text: str) -> tuple[bool, object]:
    """(True, compiled) or (False, refusal) for a checked formula; a timeout is not kept (it may pass later)."""
    try:
        return True, call_with_time_limit(_analyse, text, ANALYSIS_SECONDS, "expression")
    except OutOfTime:
        raise
    except ValidationError as error:
        return False, str(error)


def compile_expression(text: str) -> tuple[np.ndarray, str, tuple[str, str]]:
    """(program vector, LaTeX of f, LaTeX of ∂f/∂x and ∂f/∂y) for a formula, cached by its text.

    The checks that need no SymPy run here; SymPy runs in a child process that is stopped after
    ``ANALYSIS_SECONDS``, so no formula can hold this process (a server's other sessions) for longer."""
    _, stripped, _ = checked_tree(text)
    succeeded, value = _analysis(stripped)
    if not succeeded:
        raise ValidationError(value)
    return value  # type: ignore[return-value]
