"""Simulation: validated settings, the batched trajectory engine, stability sweeps, learning-rate tuning and
per-step diagnostics — the one layer that combines an update rule with a surface."""
import numba_setup  # noqa: F401  (must run before numba is imported)
