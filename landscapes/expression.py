"""User-defined surfaces: parse f(x, y) safely, differentiate it symbolically, compile it for the engine.

Safety comes first: the text is parsed with ``ast`` and every node is checked against a whitelist (numbers,
x, y, pi, e, + − × ÷ and powers, parentheses, a fixed list of functions) before anything else looks at it.
Exponents must be number literals of modest size, so ``9**9**9**9`` is refused at once. Only then is a SymPy
expression built, node by node, from the checked tree — the text itself never reaches ``eval``, ``sympify``
or any other evaluator. The gradient comes from ``sympy.diff``; value and gradient are compiled into one
program for the jitted stack machine in ``landscapes.program``, cached by the normalised expression.
"""
from __future__ import annotations

import ast
import functools
import sys

import numpy as np
import sympy

from landscapes import program as vm
from validation import ValidationError

MAX_LENGTH = 1000  # characters of user input
MAX_NODES = 300  # syntax-tree nodes: a formula for a 2D lesson is never bigger
MAX_EXPONENT = 16.0  # |literal exponent|: x**16 is plenty; larger powers only overflow
MAX_INSTRUCTIONS = 5000  # per compiled program (derivatives grow the expression)
FLOAT64_MAX = sys.float_info.max  # number literals beyond it are refused, not made infinite
NUMERIC_DIGITS = 30  # constants like π are evaluated well past float64 precision, then rounded once

X, Y = sympy.symbols("x y", real=True)
NAMES = {"x": X, "y": Y, "pi": sympy.pi, "e": sympy.E}
FUNCTIONS = {"sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "exp": sympy.exp, "log": sympy.log,
             "sqrt": sympy.sqrt, "abs": sympy.Abs, "tanh": sympy.tanh, "sinh": sympy.sinh, "cosh": sympy.cosh,
             "atan": sympy.atan}
BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
          ast.Div: lambda a, b: a / b}
UNARY_OPCODES = {sympy.sin: vm.OP_SIN, sympy.cos: vm.OP_COS, sympy.tan: vm.OP_TAN, sympy.exp: vm.OP_EXP,
                 sympy.log: vm.OP_LOG, sympy.Abs: vm.OP_ABS, sympy.tanh: vm.OP_TANH, sympy.sinh: vm.OP_SINH,
                 sympy.cosh: vm.OP_COSH, sympy.atan: vm.OP_ATAN, sympy.sign: vm.OP_SIGN}


def _refuse(node: ast.AST | None, text: str, what: str) -> ValidationError:
    where = ""
    if node is not None and hasattr(node, "col_offset"):
        snippet = ast.get_source_segment(text, node) or ""
        where = f" at column {node.col_offset + 1}: `{snippet[:40]}`"  # backticks: shown verbatim as markdown
    return ValidationError(f"expression: {what}{where}")


def _literal(node: ast.AST) -> float | None:
    """The value of a (possibly negated) number literal, else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _literal(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    return None


def _number(value: int | float) -> sympy.Expr:
    if isinstance(value, int):
        return sympy.Integer(value)
    return sympy.Float(value, precision=53)  # exactly the float64 the user typed


def _to_sympy(node: ast.AST, text: str) -> sympy.Expr:
    """Build the SymPy expression for an already whitelisted node (recursive, bounded by MAX_NODES)."""
    if isinstance(node, ast.Expression):
        return _to_sympy(node.body, text)
    if isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            raise _refuse(node, text, "only numbers are allowed as constants")
        if abs(node.value) > FLOAT64_MAX:  # an exact comparison, also for integers of hundreds of digits
            raise _refuse(node, text, "this number is too large for float64")
        return _number(node.value)
    if isinstance(node, ast.Name):
        if node.id not in NAMES:
            raise _refuse(node, text, f"unknown name (allowed: {', '.join(NAMES)})")
        return NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _to_sympy(node.operand, text)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        exponent = _literal(node.right)
        if exponent is None:
            raise _refuse(node.right, text, "an exponent must be a number literal")
        if abs(exponent) > MAX_EXPONENT:
            raise _refuse(node.right, text, f"exponents are limited to ±{MAX_EXPONENT:g}")
        base = _to_sympy(node.left, text)
        if base.is_number:
            # a numeric tower like ((9**16)**16)**16 would be an exact integer of billions of digits:
            # evaluate numeric bases in float precision instead (overflow simply becomes inf later)
            base = sympy.Float(base, precision=53)
        return base ** _to_sympy(node.right, text)
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        return BINARY[type(node.op)](_to_sympy(node.left, text), _to_sympy(node.right, text))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
        raise _refuse(node, text, "^ is not a power here: write x**2 for x²")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise _refuse(node, text, f"only these functions may be called: {', '.join(FUNCTIONS)}")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise _refuse(node, text, f"{node.func.id}() takes exactly one argument")
        return FUNCTIONS[node.func.id](_to_sympy(node.args[0], text))
    raise _refuse(node, text, "only numbers, x, y, pi, e, + - * / **, parentheses and the listed functions are "
                              "allowed")


def _syntax_problem(error: SyntaxError, text: str) -> str:
    """Where the parser gave up, in words (Python reports an incomplete formula at column 0)."""
    if not error.offset or error.offset > len(text):
        return "the formula is incomplete (it ends too early)"
    return f"syntax error at column {error.offset}: {error.msg}"


def parse_expression(text: str) -> sympy.Expr:
    """Validate ``text`` against the whitelist and return its SymPy expression (never evaluates the text)."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("expression: enter a formula in x and y, e.g. `sin(x)*cos(y) + 0.1*(x**2 + y**2)`")
    if len(text) > MAX_LENGTH:
        raise ValidationError(f"expression: longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ValidationError(f"expression: {_syntax_problem(error, text.strip())}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ValidationError("expression: too deeply nested") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ValidationError(f"expression: more than {MAX_NODES} terms")
    expr = _to_sympy(tree, text.strip())
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
            self._emit(vm.OP_CONST, float(real), pushes=1)
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


def _compile(expr: sympy.Expr) -> np.ndarray:
    programs = []
    for target in (expr, sympy.diff(expr, X), sympy.diff(expr, Y)):
        compiler = _Compiler()
        compiler.emit(target)
        programs.append(compiler.code)
    header = [float(len(p)) for p in programs]
    body = [value for p in programs for pair in p for value in pair]
    return np.array(header + body, dtype=np.float64)


@functools.lru_cache(maxsize=256)
def _compiled(normalised: str, expr: sympy.Expr) -> tuple[np.ndarray, str, tuple[str, str]]:
    code = _compile(expr)
    gradient = (sympy.latex(sympy.diff(expr, X)), sympy.latex(sympy.diff(expr, Y)))
    return code, sympy.latex(expr), gradient


def compile_expression(text: str) -> tuple[np.ndarray, str, tuple[str, str]]:
    """(program vector, LaTeX of f, LaTeX of ∂f/∂x and ∂f/∂y) for a formula; cached by normalised form."""
    expr = parse_expression(text)
    return _compiled(sympy.srepr(expr), expr)
