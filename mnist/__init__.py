"""MNIST, the real landscape: IDX data (find, download, check), a small network in Numba, training with the
same optimizer rules as the 2D surfaces, and the 2D loss-landscape plane through its weight space."""
import numba_setup  # noqa: F401  (must run before numba is imported)
