"""MNIST downloads against a real local HTTP server that misbehaves the way mirrors do: cut off, silent,
trickling, answering with an error page or with the wrong length. Each is given up quickly and the next mirror
is tried; nothing half-downloaded stays in the cache. Files that unpack to garbage are refused, not crashed on.
The app's MNIST page does not try again on every rerun."""
from __future__ import annotations

import gzip
import hashlib
import http.server
import threading
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist import data
from tests.test_mnist_data import LABELS_MAGIC, idx_bytes
from tests.test_mnist_page import TIMEOUT_S, page_script

NAME = data.TRAIN_LABELS
CONTENT = gzip.compress(idx_bytes(LABELS_MAGIC, np.arange(10) % 10))
QUICK_TIMEOUT_S = 0.5
QUICK_DEADLINE_S = 1.0
GIVE_UP_SECONDS = 5.0  # every misbehaving mirror together, with the shortened timeouts above


class Mirror(http.server.BaseHTTPRequestHandler):
    """/<behaviour>/<file>: good, cut (announces the whole file, sends half), html (an error page of unknown
    length), long (announces more), silent (never answers), trickle (a byte at a time)."""

    def do_GET(self):  # noqa: N802 - the name http.server calls
        try:
            self._answer(self.path.split("/")[1])
        except ConnectionError:  # the client gave up on us, as it should
            pass

    def _answer(self, behaviour: str) -> None:
        if behaviour == "silent":
            time.sleep(QUICK_TIMEOUT_S * 4)
            return
        body = b"<html>Service unavailable</html>" if behaviour == "html" else CONTENT
        self.send_response(200)
        if behaviour != "html":  # an error page without a length: only its first bytes tell
            self.send_header("Content-Length", str(len(body) + 100 if behaviour == "long" else len(body)))
        self.end_headers()
        if behaviour == "cut":
            self.wfile.write(body[: len(body) // 2])
        elif behaviour == "trickle":
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(QUICK_DEADLINE_S / 10)
        else:
            self.wfile.write(body)

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def mirror_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Mirror)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def the_file(monkeypatch):
    """The small file CONTENT stands in for the published one: its size and checksum, short timeouts."""
    monkeypatch.setitem(data.GZ_MD5, NAME, hashlib.md5(CONTENT).hexdigest())
    monkeypatch.setitem(data.GZ_BYTES, NAME, len(CONTENT))
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT_S", QUICK_TIMEOUT_S)
    monkeypatch.setattr(data, "DOWNLOAD_DEADLINE_S", QUICK_DEADLINE_S)


@pytest.mark.parametrize("behaviour", ["cut", "html", "long", "silent", "trickle"])
def test_a_misbehaving_mirror_is_given_up_and_the_next_one_delivers(mirror_url, the_file, tmp_path, behaviour):
    started = time.perf_counter()
    path = data.download_file(NAME, tmp_path, (f"{mirror_url}/{behaviour}/", f"{mirror_url}/good/"))
    assert time.perf_counter() - started < GIVE_UP_SECONDS
    assert path.read_bytes() == CONTENT
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_when_every_mirror_misbehaves_one_line_names_each_failure(mirror_url, the_file, tmp_path):
    mirrors = tuple(f"{mirror_url}/{b}/" for b in ("cut", "html", "long", "silent", "trickle"))
    started = time.perf_counter()
    with pytest.raises(data.MnistDataError) as failure:
        data.download_file(NAME, tmp_path, mirrors)
    assert time.perf_counter() - started < 2 * GIVE_UP_SECONDS
    message = str(failure.value)
    assert "\n" not in message and message.count(mirror_url) == len(mirrors)
    for says in ("cut off", "not a gzip file", "bytes announced", "timed out", "slower than"):
        assert says in message
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_unpacks_beyond_any_mnist_file_is_refused(tmp_path):
    bomb = tmp_path / f"{NAME}.gz"
    bomb.write_bytes(gzip.compress(bytes(data.MAX_IDX_BYTES + 1), compresslevel=1))
    with pytest.raises(data.MnistDataError, match="larger than any MNIST file"):
        data.read_idx(bomb, LABELS_MAGIC)


def test_a_damaged_compressed_stream_is_a_message(tmp_path):
    damaged = bytearray(gzip.compress(bytes(range(256)) * 64))
    damaged[20:40] = b"\xff" * 20
    path = tmp_path / f"{NAME}.gz"
    path.write_bytes(bytes(damaged))
    with pytest.raises(data.MnistDataError, match="cannot read .* delete it to download it again"):
        data.read_idx(path, LABELS_MAGIC)


def test_the_mnist_page_does_not_download_again_on_every_rerun(monkeypatch, tmp_path):
    attempts = []

    def offline(url, timeout=None):
        attempts.append(url)
        raise data.urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.delenv(data.ENV_DIR, raising=False)
    monkeypatch.setenv(data.ENV_CACHE, str(tmp_path / "cache"))
    monkeypatch.setattr(data.urllib.request, "urlopen", offline)
    app = AppTest.from_function(page_script, default_timeout=TIMEOUT_S)
    app.run()
    tried = len(attempts)
    assert tried == len(data.MIRRORS) and "download failed" in app.error[0].value
    app.run()  # any click reruns the page
    assert len(attempts) == tried and "download failed" in app.error[0].value
