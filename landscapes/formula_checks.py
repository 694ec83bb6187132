"""What can be known about a user's formula without SymPy: the whitelist, the size limits and its constants.

The text is parsed with ``ast`` and every node is checked against a whitelist (numbers, x, y, pi, e, + − × ÷ and
powers, parentheses, a fixed list of functions). Exponents must be number literals of modest size, so
``9**9**9**9`` is refused at once. Every part without x or y is computed here in float64, and a constant that is
not a finite float64 — ``exp(1000)``, ``1/0``, ``log(-1)`` — is refused with the part that caused it: SymPy
(``landscapes.expression``) never sees a constant it would have to evaluate with huge numbers. Functions nest
at most ``MAX_CALL_DEPTH`` deep and the gradient's estimated size is bounded, so SymPy's work stays small.
All of this is fast and runs in the caller's process.
"""
from __future__ import annotations

import ast
import math
import sys

from validation import ValidationError

MAX_LENGTH = 1000  # characters of user input
MAX_NODES = 300  # syntax-tree nodes: a formula for a 2D lesson is never bigger
MAX_EXPONENT = 16.0  # |literal exponent|: x**16 is plenty; larger powers only overflow
MAX_CALL_DEPTH = 10  # sin(cos(exp(…))) ten deep is far beyond any lesson; SymPy's chain rule slows with depth
MAX_GRADIENT_NODES = 2000  # estimated size of ∂f: bounds SymPy's differentiation to well under a second
CHAIN_RULE_NODES = 6  # nodes a derivative rule adds besides copies of its operands (1 − tanh(u)², …)
FLOAT64_MAX = sys.float_info.max  # number literals beyond it are refused, not made infinite

VARIABLES = ("x", "y")
FLOAT_CONSTANTS = {"pi": math.pi, "e": math.e}
NAMES = (*VARIABLES, *FLOAT_CONSTANTS)
FLOAT_FUNCTIONS = {"sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp, "log": math.log,
                   "sqrt": math.sqrt, "abs": abs, "tanh": math.tanh, "sinh": math.sinh, "cosh": math.cosh,
                   "atan": math.atan}
BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
          ast.Div: lambda a, b: a / b}  # for float64 numbers and SymPy expressions alike

Folded = dict[int, "float | None"]  # float64 value of each constant subtree (None: it varies), by node id


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
        if not isinstance(node.func, ast.Name) or node.func.id not in FLOAT_FUNCTIONS:
            raise _refuse(node, text, f"only these functions may be called: {', '.join(FLOAT_FUNCTIONS)}")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise _refuse(node, text, f"{node.func.id}() takes exactly one argument")
        return _check(node.args[0], text)
    raise _refuse(node, text, "only numbers, x, y, pi, e, + - * / **, parentheses and the listed functions are "
                              "allowed")


def float64_value(node: ast.AST, text: str, folded: Folded) -> float | None:
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


def _float64_of(node: ast.AST, text: str, folded: Folded) -> float | None:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return FLOAT_CONSTANTS.get(node.id)
    if isinstance(node, ast.UnaryOp):
        operand = float64_value(node.operand, text, folded)
        return None if operand is None else (-operand if isinstance(node.op, ast.USub) else operand)
    if isinstance(node, ast.Call):
        argument = float64_value(node.args[0], text, folded)
        return None if argument is None else FLOAT_FUNCTIONS[node.func.id](argument)
    left, right = float64_value(node.left, text, folded), float64_value(node.right, text, folded)  # a BinOp
    if left is None or right is None:
        return None
    return math.pow(left, right) if isinstance(node.op, ast.Pow) else BINARY[type(node.op)](left, right)


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


def checked_tree(text: str) -> tuple[ast.expr, str, Folded]:
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
    folded: Folded = {}
    float64_value(tree.body, stripped, folded)  # every constant part, refused unless finite
    _check_effort(tree)
    return tree.body, stripped, folded
