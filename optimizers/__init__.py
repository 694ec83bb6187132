"""Optimizer update rules (jitted, on flat parameter vectors), their registry and the trajectory engine."""
import numba_setup  # noqa: F401  (must run before numba is imported)
