"""Where the tests find the MNIST files (``DESCENT_MNIST_DIR``; ``.ci/run`` sets it), and a mark that skips a
test without them (the prepared dataset is the ``prepared`` fixture in ``conftest.py``)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from mnist import data

MNIST_DIR = Path(os.environ[data.ENV_DIR]) if os.environ.get(data.ENV_DIR) else None
HAS_MNIST = MNIST_DIR is not None and MNIST_DIR.is_dir()
SKIP_REASON = "MNIST files not available (set DESCENT_MNIST_DIR)"
needs_mnist = pytest.mark.skipif(not HAS_MNIST, reason=SKIP_REASON)
