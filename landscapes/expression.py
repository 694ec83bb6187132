"""User-defined surfaces: parse f(x, y) safely, differentiate it symbolically, compile it for the engine.

Safety comes first: the text is parsed with ``ast`` and every node is checked against a whitelist (numbers,
x, y, pi, e, + − × ÷ and powers, parentheses, a fixed list of functions) before anything else looks at it.
Exponents must be number literals of modest size, so ``9**9**9**9`` is refused at once. Every part without x
or y is then computed in float64 (sums and products of numbers, π and e are kept exact), and a constant that is not a
finite float64 — ``exp(1000)``, ``1/0``, ``log(-1)`` — is refused with the part that caused it: SymPy never
sees a constant it would have to evaluate with huge numbers. Only then is a SymPy expression built, node by
node, from the checked tree — the text itself never reaches ``eval``, ``sympify`` or any other evaluator. The gradient comes from ``sympy.diff``; value and gradient are compiled into one
program for the jitted stack machine in ``landscapes.program``, cached by the formula's text. SymPy has no bound
on its own work (its automatic simplification can run for minutes on a few hundred characters), so all SymPy
work runs in a child process that is stopped after ``ANALYSIS_SECONDS`` (``landscapes.time_limit``).
"""
from __future__ import annotations

import ast
import functools
import math
import sys

import numpy as np
import sympy

from landscapes import instructions as vm
from landscapes.time_limit import OutOfTime, call_with_time_limit
from validation import ValidationError

MAX_LENGTH = 1000  # characters of user input
MAX_NODES = 300  # syntax-tree nodes: a formula for a 2D lesson is never bigger
MAX_EXPONENT = 16.0  # |literal exponent|: x**16 is plenty; larger powers only overflow
MAX_INSTRUCTIONS = 5000  # per compiled program (derivatives grow the expression)
ANALYSIS_SECONDS = 1.5  # SymPy's time for one formula; a refusal still reaches the user within 2 s
MAX_CALL_DEPTH = 10  # sin(cos(exp(…))) ten deep is far beyond any lesson; SymPy's chain rule slows with depth
MAX_GRADIENT_NODES = 2000  # estimated size of ∂f: bounds SymPy's differentiation to well under a second
CHAIN_RULE_NODES = 6  # nodes a derivative rule adds besides copies of its operands (1 − tanh(u)², …)
FLOAT64_MAX = sys.float_info.max  # number literals beyond it are refused, not made infinite
NUMERIC_DIGITS = 30  # products of π, e and float64 numbers are evaluated past float64 precision, rounded once

X, Y = sympy.symbols("x y", real=True)
NAMES = {"x": X, "y": Y, "pi": sympy.pi, "e": sympy.E}
FLOAT_CONSTANTS = {"pi": math.pi, "e": math.e}
EXACT_INTEGER_LIMIT = 2**53  # float64 integers up to here are exact: shown as integers, not as "3.0"
FUNCTIONS = {"sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "exp": sympy.exp, "log": sympy.log,
             "sqrt": sympy.sqrt, "abs": sympy.Abs, "tanh": sympy.tanh, "sinh": sympy.sinh, "cosh": sympy.cosh,
             "atan": sympy.atan}
FLOAT_FUNCTIONS = {"sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp, "log": math.log,
                   "sqrt": math.sqrt, "abs": abs, "tanh": math.tanh, "sinh": math.sinh, "cosh": math.cosh,
                   "atan": math.atan}  # the same functions in float64, for constants
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


def _check(node: ast.AST, text: str) -> None:
    """Refuse every node outside the whitelist, anywhere in the tree, before anything is computed."""
    if isinstance(node, ast.Expression):
        return _check(node.body, text)
    if isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            raise _refuse(node, text, "only numbers are allowed as constants")
        if abs(node.value) > FLOAT64_MAX:  # an exact comparison, also for integers of hundreds of digits
            raise _refuse(node, text, "this number is too large for float64")
        return None
    if isinstance(node, ast.Name):
        if node.id not in NAMES:
            raise _refuse(node, text, f"unknown name (allowed: {', '.join(NAMES)})")
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _check(node.operand, text)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        exponent = _literal(node.right)
        if exponent is None:
            raise _refuse(node.right, text, "an exponent must be a number literal")
        if abs(exponent) > MAX_EXPONENT:
            raise _refuse(node.right, text, f"exponents are limited to ±{MAX_EXPONENT:g}")
        return _check(node.left, text)
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        _check(node.left, text)
        return _check(node.right, text)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
        raise _refuse(node, text, "^ is not a power here: write x**2 for x²")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise _refuse(node, text, f"only these functions may be called: {', '.join(FUNCTIONS)}")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise _refuse(node, text, f"{node.func.id}() takes exactly one argument")
        return _check(node.args[0], text)
    raise _refuse(node, text, "only numbers, x, y, pi, e, + - * / **, parentheses and the listed functions are "
                              "allowed")


def _float64(node: ast.AST, text: str, folded: dict[int, float | None]) -> float | None:
    """The float64 value of a checked subtree without x or y, None when it depends on them (memoised by node).

    Constants are computed here, in plain float64 arithmetic, never symbolically: a SymPy constant such as
    exp(exp(exp(100))) is an exact object whose evaluation needs numbers of astronomically many digits (minutes
    of work, holding the interpreter lock). A result beyond float64 is refused here, with the part that caused it.
    """
    if id(node) in folded:
        return folded[id(node)]
    try:
        value = _float64_of(node, text, folded)
    except ValidationError:  # already refused where it happened, deeper in the tree
        raise
    except ZeroDivisionError:
        raise _refuse(node, text, "division by zero or an infinite constant") from None
    except OverflowError:
        raise _refuse(node, text, "this number is too large for float64") from None
    except ValueError:
        raise _refuse(node, text, "this constant is undefined or complex (outside the function's domain)") \
            from None
    if value is not None and not math.isfinite(value):
        raise _refuse(node, text, "this number is too large for float64")
    folded[id(node)] = value
    return value


def _float64_of(node: ast.AST, text: str, folded: dict[int, float | None]) -> float | None:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return FLOAT_CONSTANTS.get(node.id)
    if isinstance(node, ast.UnaryOp):
        operand = _float64(node.operand, text, folded)
        return None if operand is None else (-operand if isinstance(node.op, ast.USub) else operand)
    if isinstance(node, ast.Call):
        argument = _float64(node.args[0], text, folded)
        return None if argument is None else FLOAT_FUNCTIONS[node.func.id](argument)
    left, right = _float64(node.left, text, folded), _float64(node.right, text, folded)  # a BinOp
    if left is None or right is None:
        return None
    return math.pow(left, right) if isinstance(node.op, ast.Pow) else BINARY[type(node.op)](left, right)


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


def _to_sympy(node: ast.AST, text: str, folded: dict[int, float | None]) -> sympy.Expr:
    """Build the SymPy expression for an already checked node. A constant part is first computed in float64
    (refused unless finite); then it is kept exact when it is plain arithmetic (``2*pi*x`` reads 2πx) and
    replaced by its float64 value otherwise."""
    value = _float64(node, text, folded)
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


def _sizes(node: ast.AST) -> tuple[int, int]:
    """(nodes of f, nodes of ∂f) for a checked tree: a cheap upper estimate of what differentiation builds
    (product and quotient rules copy both factors, the chain rule copies the inner function)."""
    if isinstance(node, (ast.Constant, ast.Name)):
        return 1, 1
    if isinstance(node, ast.UnaryOp):
        size, derivative = _sizes(node.operand)
        return size + 1, derivative + 1
    if isinstance(node, ast.Call):
        size, derivative = _sizes(node.args[0])
        return size + 1, size + derivative + CHAIN_RULE_NODES
    if isinstance(node.op, ast.Pow):
        size, derivative = _sizes(node.left)
        return size + 2, size + derivative + CHAIN_RULE_NODES
    (left, d_left), (right, d_right) = _sizes(node.left), _sizes(node.right)
    if isinstance(node.op, (ast.Add, ast.Sub)):
        return left + right + 1, d_left + d_right + 1
    copies = 2 if isinstance(node.op, ast.Div) else 1  # (a′b − ab′)/b² holds b twice
    return left + right + 1, d_left + d_right + left + copies * right + CHAIN_RULE_NODES


def _call_depth(node: ast.AST) -> int:
    """How deeply function calls are nested inside each other."""
    inner = max((_call_depth(child) for child in ast.iter_child_nodes(node)), default=0)
    return inner + 1 if isinstance(node, ast.Call) else inner


def _check_effort(tree: ast.Expression) -> None:
    """Refuse a formula whose differentiation would be slow, before SymPy starts: SymPy's work grows with the
    size of the gradient it builds, and faster than that for deeply nested functions."""
    if _call_depth(tree) > MAX_CALL_DEPTH:
        raise ValidationError(f"expression: functions are nested more than {MAX_CALL_DEPTH} deep")
    if _sizes(tree.body)[1] > MAX_GRADIENT_NODES:
        raise ValidationError("expression: too complex to compile (its derivative is too large)")


def _syntax_problem(error: SyntaxError, text: str) -> str:
    """Where the parser gave up, in words (Python reports an incomplete formula at column 0)."""
    if not error.offset or error.offset > len(text):
        return "the formula is incomplete (it ends too early)"
    return f"syntax error at column {error.offset}: {error.msg}"


def _checked_tree(text: str) -> tuple[ast.expr, str, dict[int, float | None]]:
    """(syntax tree, stripped text, float64 values of its constant parts) of a formula that passes every check
    that needs no SymPy: the whitelist, the size limits and finite constants."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("expression: enter a formula in x and y, e.g. `sin(x)*cos(y) + 0.1*(x**2 + y**2)`")
    if len(text) > MAX_LENGTH:
        raise ValidationError(f"expression: longer than {MAX_LENGTH} characters")
    stripped = text.strip()
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as error:
        raise ValidationError(f"expression: {_syntax_problem(error, stripped)}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ValidationError("expression: too deeply nested") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ValidationError(f"expression: more than {MAX_NODES} terms")
    _check(tree, stripped)
    folded: dict[int, float | None] = {}
    _float64(tree.body, stripped, folded)  # every constant part, refused unless finite
    _check_effort(tree)
    return tree.body, stripped, folded


def parse_expression(text: str) -> sympy.Expr:
    """Validate ``text`` against the whitelist and return its SymPy expression (never evaluates the text).

    This runs SymPy in the calling process without a time limit; :func:`compile_expression` is the bounded
    entry point for users' input."""
    body, stripped, folded = _checked_tree(text)
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
    _, stripped, _ = _checked_tree(text)
    succeeded, value = _analysis(stripped)
    if not succeeded:
        raise ValidationError(value)
    return value  # type: ignore[return-value]
