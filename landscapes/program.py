"""A jitted stack machine that evaluates user-defined surfaces compiled by ``landscapes.expression``.

A compiled surface is one float64 vector (instruction set in ``landscapes.instructions``): three instruction counts (value, ∂f/∂x, ∂f/∂y), then the three
programs, each instruction an (opcode, operand) pair. Interpreting data instead of compiling a new function
per expression keeps Numba's on-disk cache valid: a new formula costs no compilation at all.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from landscapes.instructions import (INSTRUCTION_WIDTH, MAX_STACK, N_PROGRAMS, OP_ABS, OP_ADD, OP_ATAN, OP_CONST,
                                     OP_COS, OP_COSH, OP_DIV, OP_EXP, OP_LOG, OP_MUL, OP_NEG, OP_POW, OP_SIN,
                                     OP_SINH, OP_SQRT, OP_SUB, OP_TAN, OP_TANH, OP_X, OP_Y)

JIT = dict(cache=True, nogil=True)


@njit(**JIT)
def _divide(a, b):
    """IEEE division (±inf or nan for b = 0) instead of Python's ZeroDivisionError: a user's formula may
    divide by zero somewhere, and that is a divergence to report, not an exception."""
    if b == 0.0:
        if a == 0.0 or a != a:
            return np.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


@njit(**JIT)
def _unary(op, a):
    """One-argument operations. Numba's math follows C: overflow gives ±inf and a domain error nan, which
    the engine reports as divergence."""
    if op == OP_NEG:
        return -a
    if op == OP_SIN:
        return math.sin(a)
    if op == OP_COS:
        return math.cos(a)
    if op == OP_TAN:
        return math.tan(a)
    if op == OP_EXP:
        return math.exp(a)
    if op == OP_LOG:
        return math.log(a)
    if op == OP_SQRT:
        return math.sqrt(a)
    if op == OP_ABS:
        return abs(a)
    if op == OP_TANH:
        return math.tanh(a)
    if op == OP_SINH:
        return math.sinh(a)
    if op == OP_COSH:
        return math.cosh(a)
    if op == OP_ATAN:
        return math.atan(a)
    return float(np.sign(a))


@njit(**JIT)
def run_program(code, which, x, y):
    """Evaluate program ``which`` (VALUE, GRAD_X or GRAD_Y) of the compiled surface ``code`` at (x, y)."""
    offset = N_PROGRAMS
    for k in range(which):
        offset += INSTRUCTION_WIDTH * int(code[k])
    stack = np.zeros(MAX_STACK)
    top = 0
    for i in range(int(code[which])):
        op = int(code[offset + INSTRUCTION_WIDTH * i])
        if op == OP_CONST:
            stack[top] = code[offset + INSTRUCTION_WIDTH * i + 1]
            top += 1
        elif op == OP_X:
            stack[top] = x
            top += 1
        elif op == OP_Y:
            stack[top] = y
            top += 1
        elif op <= OP_POW:
            b = stack[top - 1]
            a = stack[top - 2]
            top -= 1
            if op == OP_ADD:
                stack[top - 1] = a + b
            elif op == OP_SUB:
                stack[top - 1] = a - b
            elif op == OP_MUL:
                stack[top - 1] = a * b
            elif op == OP_DIV:
                stack[top - 1] = _divide(a, b)
            else:
                stack[top - 1] = a ** b
        else:
            stack[top - 1] = _unary(op, stack[top - 1])
    return stack[0]
