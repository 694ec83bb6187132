"""What the playground's first slider moves would otherwise import while a class waits is loaded before the
server answers."""
import subprocess
import sys

from tests.conftest import ROOT


def test_emoji_catalogue_loads_before_the_server_answers():
    # Streamlit imports it on the first emoji icon it checks: a divergence warning's, in the first slider moves.
    check = "import sys, ui.server_start; print('streamlit.emojis' in sys.modules)"
    shown = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "True"
