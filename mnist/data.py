"""The four original MNIST IDX files: where to find them, how to download them safely, and a strict reader.

Sources, in order:
1. the folder in ``DESCENT_MNIST_DIR`` (used by tests and CI; nothing is downloaded when it is set);
2. the per-user cache folder (``DESCENT_MNIST_CACHE``, else ``$XDG_CACHE_HOME/descent-lab/mnist``, else
   ``~/.cache/descent-lab/mnist``);
3. a download from a public mirror into that cache, each file checked against its published MD5 and written
   to a temp file that is renamed into place only when complete and correct, so an interrupted or corrupt
   download never poisons the cache.

Each file may be gzip-compressed (``name.gz``, as published) or raw (``name``). The IDX layout is a big-endian
header (magic, count, then rows and columns for images) followed by uint8 data; the reader checks the magic,
the declared shape, the exact file size and the label range, and names the file in every error.
"""
from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import struct
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from validation import ValidationError

ENV_DIR = "DESCENT_MNIST_DIR"
ENV_CACHE = "DESCENT_MNIST_CACHE"

IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
IMAGE_SIDE = 28
N_CLASSES = 10

TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

# MD5 of each published .gz file (the checksums torchvision uses; see shared/data/mnist/README.md).
GZ_MD5 = {
    TRAIN_IMAGES: "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    TRAIN_LABELS: "d53e105ee54ea40749a09fcbcd1e9432",
    TEST_IMAGES: "9fb629c4189551a2d022fa330f9573f3",
    TEST_LABELS: "ec29112dd5afa0611ce80d1b7f02629c",
}
# Public mirrors of the original .gz files, tried in order.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
DOWNLOAD_TIMEOUT_S = 30
CHUNK_BYTES = 1 << 20


class MnistDataError(ValidationError):
    """MNIST files are missing, unreachable or malformed: a one-line message the CLI and app show as is."""


@dataclass(frozen=True)
class Mnist:
    """The dataset as uint8 arrays: images (n, 28, 28) with 0 as background, labels (n,) in 0..9."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: Path  # the folder the files were read from


def cache_dir() -> Path:
    """The per-user cache folder for downloaded files (not created here)."""
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "descent-lab" / "mnist"


def _file_in(folder: Path, name: str) -> Path | None:
    """``name.gz`` or raw ``name`` inside ``folder``, whichever exists (compressed first)."""
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None


def _complete(folder: Path) -> bool:
    return all(_file_in(folder, name) is not None for name in FILES)


def how_to_provide() -> str:
    """The one-sentence instruction shown whenever the files are missing."""
    return (f"put the four files ({', '.join(f + '.gz' for f in FILES)}) in a folder and set {ENV_DIR} to it, "
            f"or copy them to {cache_dir()}")


def locate(download: bool = True) -> Path:
    """The folder holding all four files: ``DESCENT_MNIST_DIR``, else the cache, else download into the cache."""
    configured = os.environ.get(ENV_DIR)
    if configured:
        folder = Path(configured).expanduser()
        if not _complete(folder):
            missing = [name for name in FILES if _file_in(folder, name) is None]
            raise MnistDataError(f"{ENV_DIR}={configured} lacks {', '.join(missing)} (.gz or raw)")
        return folder
    folder = cache_dir()
    if _complete(folder):
        return folder
    if not download:
        raise MnistDataError(f"MNIST files not found; {how_to_provide()}")
    for name in FILES:
        if _file_in(folder, name) is None:
            download_file(name, folder)
    return folder


def download_file(name: str, folder: Path, mirrors: tuple[str, ...] = MIRRORS) -> Path:
    """Fetch ``name.gz`` from the first mirror that answers, verify its MD5 and move it into ``folder``.

    The bytes go to a temp file in ``folder`` and are renamed over the final name only after the checksum
    matches; on any failure the temp file is removed. A checksum mismatch is an error (never retried on
    another mirror, which would hide a tampered file); a network failure tries the next mirror.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MnistDataError(f"cannot create the MNIST cache folder {folder}: {error.strerror}") from None
    target = folder / f"{name}.gz"
    failures = []
    for mirror in mirrors:
        url = mirror + target.name
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
        try:
            digest = hashlib.md5()
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
                while chunk := response.read(CHUNK_BYTES):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != GZ_MD5[name]:
                raise MnistDataError(f"download of {url} is corrupt: MD5 {digest.hexdigest()} "
                                     f"!= expected {GZ_MD5[name]}; nothing was saved")
            os.replace(tmp, target)
            return target
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            failures.append(f"{url}: {getattr(error, 'reason', error)}")
        finally:
            Path(tmp).unlink(missing_ok=True)
    raise MnistDataError(f"MNIST files not found and the download failed (offline?) — {how_to_provide()}. "
                         f"Tried: {'; '.join(failures)}")


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise MnistDataError(f"{path}: cannot read ({error}); delete it to download it again") from None


def read_idx(path: Path, magic: int) -> np.ndarray:
    """The uint8 array of one IDX file whose header must start with ``magic`` (images: (n, 28, 28); labels: (n,))."""
    data = _read_bytes(path)
    n_dims = 3 if magic == IMAGES_MAGIC else 1
    header_bytes = 4 * (1 + n_dims)
    if len(data) < header_bytes:
        raise MnistDataError(f"{path}: truncated header ({len(data)} bytes, need {header_bytes})")
    found, *shape = struct.unpack(f">{1 + n_dims}i", data[:header_bytes])
    if found != magic:
        raise MnistDataError(f"{path}: magic number {found} is not {magic}: not an MNIST "
                             f"{'image' if magic == IMAGES_MAGIC else 'label'} file")
    if magic == IMAGES_MAGIC and tuple(shape[1:]) != (IMAGE_SIDE, IMAGE_SIDE):
        raise MnistDataError(f"{path}: images are {shape[1]}x{shape[2]}, expected {IMAGE_SIDE}x{IMAGE_SIDE}")
    expected = header_bytes + int(np.prod(shape))
    if shape[0] < 0 or len(data) != expected:
        what = "truncated" if len(data) < expected else "has trailing bytes"
        raise MnistDataError(f"{path}: {what}: {len(data)} bytes, header declares {expected}")
    array = np.frombuffer(data, dtype=np.uint8, offset=header_bytes).reshape(shape)
    if magic == LABELS_MAGIC and array.size and array.max() >= N_CLASSES:
        raise MnistDataError(f"{path}: label {array.max()} outside 0..{N_CLASSES - 1}")
    return array


def _read_pair(folder: Path, images_name: str, labels_name: str) -> tuple[np.ndarray, np.ndarray]:
    images_path, labels_path = _file_in(folder, images_name), _file_in(folder, labels_name)
    images, labels = read_idx(images_path, IMAGES_MAGIC), read_idx(labels_path, LABELS_MAGIC)
    if len(images) != len(labels):
        raise MnistDataError(f"{images_path} holds {len(images)} images but {labels_path} "
                             f"holds {len(labels)} labels")
    return images, labels


def load(folder: Path | None = None, download: bool = True) -> Mnist:
    """Read the dataset from ``folder`` (default: :func:`locate`), checking every file."""
    folder = locate(download) if folder is None else Path(folder)
    if not _complete(folder):
        raise MnistDataError(f"{folder} lacks some MNIST files; {how_to_provide()}")
    train_images, train_labels = _read_pair(folder, TRAIN_IMAGES, TRAIN_LABELS)
    test_images, test_labels = _read_pair(folder, TEST_IMAGES, TEST_LABELS)
    return Mnist(train_images, train_labels, test_images, test_labels, folder)
