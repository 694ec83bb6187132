"""Where the tests find the MNIST files (``DESCENT_MNIST_DIR``, else the shared folder beside the project), and
a mark that skips a test without them (the prepared dataset is the ``prepared`` fixture in ``conftest.py``)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from mnist import data

REPO = Path(__file__).resolve().parents[1]
MNIST_DIR = Path(os.environ.get(data.ENV_DIR) or REPO.parent / "shared" / "data" / "mnist")
needs_mnist = pytest.mark.skipif(not MNIST_DIR.is_dir(), reason="MNIST files not available")

