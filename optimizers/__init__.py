"""Optimizer update rules (jitted, on flat parameter vectors), their registry and learning-rate schedules."""
import numba_setup  # noqa: F401  (must run before numba is imported)
