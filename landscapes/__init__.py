"""Loss surfaces: analytic 2D test functions (jitted, dispatched by id), their registry and grids."""
import numba_setup  # noqa: F401  (must run before numba is imported)
