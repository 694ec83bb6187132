"""What the server loads before it accepts its first connection.

On a freshly started server, the first session's run otherwise pays, after the browser has connected and
while it waits: importing pandas, Numba and the figure modules, and loading the playground's two kernels
from Numba's cache together with Numba's one-off set-up of its compiler tables. That work holds the
interpreter, so nothing overlaps it. ``app.py`` is an ``st.App`` whose lifespan runs :func:`lifespan` before
the server answers: the kernels run once on a tiny problem (loaded from the cache, or compiled into it on a
cold one), and the first session finds them in memory. Two one-off costs of a process's first run go too:
Streamlit inspects the call stack on the first element it sends (to warn when a script runs outside
``streamlit run``), and ``inspect`` then maps every loaded module to its file (80 ms here); and the first
run's garbage collection (``ui.heap``) would visit everything loaded here (70 ms), which is frozen instead.

Only modules that do not use Streamlit are imported here: the pages register their components and caches
with Streamlit's runtime, which starts after the server has imported this module, so each session's run of
``app.py`` imports them (the first one in a fraction of the time, their heavy dependencies being loaded).
"""
from __future__ import annotations

import importlib
import inspect
from contextlib import asynccontextmanager

from landscapes.grid import surface_grid
from simulation.engine import run
from simulation.settings import make_run, make_settings
from ui import heap
from viz.figures import PLOTLY_LOOKS_UP

# Heavy modules of the first page that use no Streamlit: those Plotly looks up (pandas also draws the pages'
# tables), and the playground's figures with Plotly's figure classes. And Streamlit's emoji catalogue, plain
# data (75 ms): Streamlit imports it when it first checks an emoji icon, a divergence warning's, which would
# otherwise fall in the first slider moves, when a whole class moves at once.
PRELOADED = (*PLOTLY_LOOKS_UP, "viz.result_figures", "streamlit.emojis")
# The modules of the layers under ``ui`` that the pages import (every page is imported on a session's first
# run, see app.py): they use no Streamlit, and loaded here they leave the first run only the pages' own
# modules to import (about 0.1 s less before the first paint; tests/test_server_start.py keeps the list whole).
PAGES_NEED = ("landscapes.analysis", "mnist.compare", "mnist.landscape", "mnist.presets", "simulation.family",
              "simulation.sweep", "simulation.tuning", "viz.export", "viz.stability", "viz.training")

# The smallest problem that runs the same kernels, with the same argument types, as the playground's first paint.
WARM_UP_SURFACE = "ravine"
WARM_UP_OPTIMIZER = "gd"
WARM_UP_STEPS = 2
WARM_UP_START = (-5.0, 2.0)
WARM_UP_RESOLUTION = 8

for _module in (*PRELOADED, *PAGES_NEED):
    importlib.import_module(_module)


def load_kernels() -> None:
    """Run the simulation kernel and the surface-grid kernel once: Numba loads them from its cache (or compiles
    them on a cold cache) on a kernel's first call in a process."""
    settings = make_settings(WARM_UP_SURFACE, [make_run(WARM_UP_OPTIMIZER, {})], WARM_UP_STEPS, WARM_UP_START,
                             0.0, 0, {})
    run(settings, record_state=True)
    surface_grid(WARM_UP_SURFACE, WARM_UP_RESOLUTION, ())


@asynccontextmanager
async def lifespan(_app):
    """The app's startup: nothing is served until the kernels are loaded and what is loaded is settled."""
    load_kernels()
    inspect.stack()  # maps the loaded modules to their files now, not on the first session's first element
    heap.settle()
    yield
