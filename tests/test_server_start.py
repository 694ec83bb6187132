"""What the server loads before it answers (ui/server_start.py) leaves a session's first run only the pages' own
modules to import."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

LOWER_LAYERS = ("optimizers", "landscapes", "simulation", "mnist", "viz", "validation", "claims", "numba_setup",
                "cores")
# A fresh interpreter: the server's import of ui.server_start, then the pages, as app.py imports them.
PROBE = f"""
import sys
import ui.server_start
loaded = set(sys.modules)
from ui import chart_library, heap, mnist_page, playground, stability_page, url_history
print(sorted(m for m in set(sys.modules) - loaded if m.split('.')[0] in {LOWER_LAYERS!r}))
"""


def test_the_pages_import_no_module_of_the_layers_under_them_that_the_server_did_not_load():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
