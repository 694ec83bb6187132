"""The instruction set of the stack machine that runs users' formulas (``landscapes.program``).

Kept apart from the interpreter so that the compiler (``landscapes.expression``) and its child processes need
neither Numba nor the jitted code: a compiled surface is plain data.
"""
(OP_CONST, OP_X, OP_Y, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_NEG, OP_SIN, OP_COS, OP_TAN, OP_EXP,
 OP_LOG, OP_SQRT, OP_ABS, OP_TANH, OP_SINH, OP_COSH, OP_ATAN, OP_SIGN) = range(21)
N_PROGRAMS = 3  # value, ∂f/∂x, ∂f/∂y
VALUE, GRAD_X, GRAD_Y = range(N_PROGRAMS)
MAX_STACK = 64  # the compiler refuses deeper programs
INSTRUCTION_WIDTH = 2
# These numbers are compiled into the njit interpreter as constants; the word njit in this file makes
# numba_setup's cache version cover it, so changing them recompiles the interpreter.
