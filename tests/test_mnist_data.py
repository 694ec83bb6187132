"""MNIST files: the strict IDX reader, the source order, the checksum-verified atomic download, offline errors.

Edge cases run on tiny IDX files written here; the real files (in DESCENT_MNIST_DIR, when set)
are only read, never copied. No test touches the network: ``urlopen`` is replaced.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import struct
import urllib.error
from pathlib import Path

import numpy as np
import pytest

import cli
from mnist import data
from mnist.data import IMAGES_MAGIC, LABELS_MAGIC, MnistDataError
from tests.mnist_files import MNIST_DIR, needs_mnist

FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # published in the data's README
TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(magic: int, array: np.ndarray, shape: tuple[int, ...] | None = None) -> bytes:
    """An IDX file: big-endian magic and dimensions (``shape``, default the array's), then uint8 data."""
    dims = array.shape if shape is None else shape
    return struct.pack(f">{1 + len(dims)}i", magic, *dims) + array.astype(np.uint8).tobytes()


def write(folder: Path, name: str, content: bytes, gz: bool = True) -> Path:
    path = folder / (f"{name}.gz" if gz else name)
    path.write_bytes(gzip.compress(content) if gz else content)
    return path


def write_dataset(folder: Path, n_train: int = 6, n_test: int = 4, gz: bool = True) -> None:
    rng = np.random.default_rng(0)
    for images, labels, n in ((data.TRAIN_IMAGES, data.TRAIN_LABELS, n_train),
                              (data.TEST_IMAGES, data.TEST_LABELS, n_test)):
        write(folder, images, idx_bytes(IMAGES_MAGIC, rng.integers(0, 256, (n, 28, 28))), gz)
        write(folder, labels, idx_bytes(LABELS_MAGIC, rng.integers(0, 10, n)), gz)


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No DESCENT_MNIST_DIR; an empty cache folder of our own; any network access fails loudly."""
    monkeypatch.delenv(data.ENV_DIR, raising=False)
    monkeypatch.setenv(data.ENV_CACHE, str(tmp_path / "cache"))

    def no_network(*args, **kwargs):
        raise AssertionError("a test tried to reach the network")

    monkeypatch.setattr(data.urllib.request, "urlopen", no_network)
    return tmp_path / "cache"


@pytest.mark.parametrize("gz", [True, False])
def test_reads_gz_and_raw_files(tmp_path, gz):
    write_dataset(tmp_path, gz=gz)
    mnist = data.load(tmp_path)
    assert mnist.train_images.shape == (6, 28, 28) and mnist.train_images.dtype == np.uint8
    assert mnist.test_labels.shape == (4,) and mnist.test_labels.max() < 10


def test_bad_magic_names_the_file(tmp_path):
    path = write(tmp_path, "x", idx_bytes(LABELS_MAGIC, np.zeros((2, 28, 28))))
    with pytest.raises(MnistDataError, match=rf"{path.name}.*magic number 2049 is not 2051"):
        data.read_idx(path, IMAGES_MAGIC)


def test_truncated_file(tmp_path):
    path = write(tmp_path, "x", idx_bytes(IMAGES_MAGIC, np.zeros((3, 28, 28)))[:-10], gz=False)
    with pytest.raises(MnistDataError, match=rf"{path.name}: truncated"):
        data.read_idx(path, IMAGES_MAGIC)


def test_truncated_header(tmp_path):
    path = write(tmp_path, "x", b"\x00\x00\x08", gz=False)
    with pytest.raises(MnistDataError, match="truncated header"):
        data.read_idx(path, LABELS_MAGIC)


def test_trailing_bytes(tmp_path):
    path = write(tmp_path, "x", idx_bytes(LABELS_MAGIC, np.zeros(5)) + b"\x00")
    with pytest.raises(MnistDataError, match="trailing bytes"):
        data.read_idx(path, LABELS_MAGIC)


def test_wrong_image_size(tmp_path):
    path = write(tmp_path, "x", idx_bytes(IMAGES_MAGIC, np.zeros((2, 27, 28))))
    with pytest.raises(MnistDataError, match="27x28, expected 28x28"):
        data.read_idx(path, IMAGES_MAGIC)


def test_label_out_of_range(tmp_path):
    path = write(tmp_path, "x", idx_bytes(LABELS_MAGIC, np.array([1, 10])))
    with pytest.raises(MnistDataError, match="label 10 outside 0..9"):
        data.read_idx(path, LABELS_MAGIC)


def test_corrupt_gzip_names_the_file(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(idx_bytes(LABELS_MAGIC, np.zeros(50)))[:-12])
    with pytest.raises(MnistDataError, match=rf"{path.name}: cannot read"):
        data.read_idx(path, LABELS_MAGIC)


def test_image_and_label_counts_must_agree(tmp_path):
    write_dataset(tmp_path)
    write(tmp_path, data.TEST_LABELS, idx_bytes(LABELS_MAGIC, np.zeros(3)))
    with pytest.raises(MnistDataError, match="holds 4 images but .* holds 3 labels"):
        data.load(tmp_path)


def test_env_dir_comes_first_and_must_be_complete(clean_env, monkeypatch, tmp_path):
    folder = tmp_path / "given"
    folder.mkdir()
    write_dataset(folder)
    write_dataset(clean_env.parent)  # a different, complete set elsewhere must not be used
    monkeypatch.setenv(data.ENV_DIR, str(folder))
    assert data.locate() == folder
    (folder / f"{data.TEST_LABELS}.gz").unlink()
    with pytest.raises(MnistDataError, match=f"{data.ENV_DIR}=.* lacks {data.TEST_LABELS}"):
        data.locate()


def test_cache_is_used_without_downloading(clean_env):
    clean_env.mkdir(parents=True)
    write_dataset(clean_env, gz=False)
    assert data.locate() == clean_env
    assert data.load().train_images.shape[0] == 6


class FakeResponse(io.BytesIO):
    """An HTTP response without a Content-Length header."""
    headers: dict[str, str] = {}


def fake_urlopen(served: dict[str, bytes], log: list[str]):
    """urlopen that serves ``served[url]`` or fails like a machine without network."""
    def urlopen(url, timeout=None):
        log.append(url)
        if url not in served:
            raise urllib.error.URLError("Temporary failure in name resolution")
        return FakeResponse(served[url])
    return urlopen


def test_download_verifies_md5_and_renames_into_place(clean_env, monkeypatch):
    content = gzip.compress(idx_bytes(LABELS_MAGIC, np.arange(10)))
    monkeypatch.setitem(data.GZ_MD5, data.TRAIN_LABELS, hashlib.md5(content).hexdigest())
    monkeypatch.setitem(data.GZ_BYTES, data.TRAIN_LABELS, len(content))
    log: list[str] = []
    second_mirror = "https://mirror-two.example/"
    served = {second_mirror + f"{data.TRAIN_LABELS}.gz": content}
    monkeypatch.setattr(data.urllib.request, "urlopen", fake_urlopen(served, log))
    path = data.download_file(data.TRAIN_LABELS, clean_env, ("https://mirror-one.example/", second_mirror))
    assert path == clean_env / f"{data.TRAIN_LABELS}.gz"
    assert path.read_bytes() == content
    assert len(log) == 2  # the first mirror failed, the second served the file
    assert sorted(p.name for p in clean_env.iterdir()) == [path.name]  # no temp files left
    np.testing.assert_array_equal(data.read_idx(path, LABELS_MAGIC), np.arange(10))


def test_checksum_mismatch_leaves_nothing_in_the_cache(clean_env, monkeypatch):
    not_the_real_file = gzip.compress(b"not the real file")
    monkeypatch.setitem(data.GZ_BYTES, data.TRAIN_LABELS, len(not_the_real_file))
    served = {data.MIRRORS[0] + f"{data.TRAIN_LABELS}.gz": not_the_real_file}
    monkeypatch.setattr(data.urllib.request, "urlopen", fake_urlopen(served, []))
    with pytest.raises(MnistDataError, match="corrupt: MD5 .* nothing was saved"):
        data.download_file(data.TRAIN_LABELS, clean_env)
    assert list(clean_env.iterdir()) == []


def test_interrupted_download_leaves_nothing(clean_env, monkeypatch):
    class Broken(FakeResponse):
        def read1(self, size=-1):
            raise ConnectionResetError("connection reset by peer")

    monkeypatch.setattr(data.urllib.request, "urlopen", lambda url, timeout=None: Broken())
    with pytest.raises(MnistDataError, match="download failed"):
        data.download_file(data.TRAIN_LABELS, clean_env)
    assert list(clean_env.iterdir()) == []


def test_offline_message_says_how_to_provide_the_files(clean_env, monkeypatch):
    monkeypatch.setattr(data.urllib.request, "urlopen", fake_urlopen({}, []))
    with pytest.raises(MnistDataError) as caught:
        data.load()
    message = str(caught.value)
    assert "offline" in message and data.ENV_DIR in message and str(clean_env) in message
    assert "\n" not in message


def test_cli_offline_is_one_line_and_exit_2(clean_env, monkeypatch, capsys):
    monkeypatch.setattr(data.urllib.request, "urlopen", fake_urlopen({}, []))
    assert cli.main(["mnist", "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "offline" in err and "Traceback" not in err


@needs_mnist
def test_real_files_match_their_readme():
    for name, md5 in data.GZ_MD5.items():
        assert hashlib.md5((MNIST_DIR / f"{name}.gz").read_bytes()).hexdigest() == md5
    mnist = data.load(MNIST_DIR)
    assert mnist.train_images.shape == (60_000, 28, 28) and mnist.test_images.shape == (10_000, 28, 28)
    assert mnist.train_labels[:10].tolist() == FIRST_TRAIN_LABELS
    assert np.bincount(mnist.train_labels).tolist() == TRAIN_LABEL_COUNTS
    assert np.bincount(mnist.test_labels).tolist() == TEST_LABEL_COUNTS
