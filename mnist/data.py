"""The four original MNIST IDX files: where to find them, how to download them safely, and a strict reader.

Sources, in order:
1. the folder in ``DESCENT_MNIST_DIR`` (used by tests and CI; nothing is downloaded when it is set);
2. the per-user cache folder (``DESCENT_MNIST_CACHE``, else ``$XDG_CACHE_HOME/descent-lab/mnist``, else
   ``~/.cache/descent-lab/mnist``), used only if it is private to this user (owned by them, 0700 when created,
   nobody else may write to it); otherwise a fresh private temp folder takes its place, so files someone else
   planted are never read;
3. a download from a public mirror into that cache, each file checked against its published MD5 and written
   to a temp file that is renamed into place only when complete and correct, so an interrupted or corrupt
   download never poisons the cache. Connecting and each read time out after ``DOWNLOAD_TIMEOUT_S``, a whole
   file after ``DOWNLOAD_DEADLINE_S``; a response with the wrong length or that does not start like a gzip file
   is dropped at once, and a download that is cut off or stalls tries the next mirror.

Each file may be gzip-compressed (``name.gz``, as published) or raw (``name``). The IDX layout is a big-endian
header (magic, count, then rows and columns for images) followed by uint8 data; the reader checks the magic,
the declared shape, the exact file size and the label range, and names the file in every error; a compressed
file is never unpacked beyond the size of the largest real one (a "zip bomb" is an error, not a full memory).
"""
from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import struct
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from numba_setup import fresh_private_folder, private_folder
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

# MD5 of each published .gz file (the checksums torchvision uses).
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
# Size in bytes of each published .gz file: a download that ends early was cut off; one that goes on is not it.
GZ_BYTES = {TRAIN_IMAGES: 9_912_422, TRAIN_LABELS: 28_881, TEST_IMAGES: 1_648_877, TEST_LABELS: 4_542}
GZIP_MAGIC = b"\x1f\x8b"
DOWNLOAD_TIMEOUT_S = 10  # to connect, and for each read: a silent mirror is given up quickly
DOWNLOAD_DEADLINE_S = 120  # for one whole file (10 MB): a mirror that trickles is given up too
CHUNK_BYTES = 1 << 16
MAX_IDX_BYTES = 16 + 60_000 * IMAGE_SIDE * IMAGE_SIDE  # the training images, the largest file unpacked
TEMP_PREFIX = "descent-lab-mnist-"


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


def private_cache_dir() -> Path:
    """:func:`cache_dir` when it is private to this user (created 0700 if missing), else a fresh private temp
    folder (empty: the files are downloaded into it)."""
    folder = cache_dir()
    return folder if private_folder(folder) else fresh_private_folder(TEMP_PREFIX)


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
    folder = private_cache_dir()
    if _complete(folder):
        return folder
    if not download:
        raise MnistDataError(f"MNIST files not found; {how_to_provide()}")
    for name in FILES:
        if _file_in(folder, name) is None:
            download_file(name, folder)
    return folder


def download_file(name: str, folder: Path, mirrors: tuple[str, ...] = MIRRORS) -> Path:
    """Fetch ``name.gz`` from the first mirror that delivers it whole, verify its MD5 and move it into ``folder``.

    The bytes go to a temp file in ``folder`` and are renamed over the final name only after the checksum
    matches; on any failure the temp file is removed. A network failure, a cut-off or stalled download, or a
    response that is not the file (wrong length, not gzip) tries the next mirror; a complete file whose
    checksum differs is an error (never retried on another mirror, which would hide a tampered file).
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
            with os.fdopen(fd, "wb") as out:
                digest = _stream(url, GZ_BYTES[name], out)
            if digest != GZ_MD5[name]:
                raise MnistDataError(f"download of {url} is corrupt: MD5 {digest} "
                                     f"!= expected {GZ_MD5[name]}; nothing was saved")
            os.replace(tmp, target)
            return target
        except (urllib.error.URLError, OSError, http.client.HTTPException, _NotTheFile) as error:
            failures.append(f"{url}: {getattr(error, 'reason', error)}")
        finally:
            Path(tmp).unlink(missing_ok=True)
    raise MnistDataError(f"MNIST files not found and the download failed (offline?) — {how_to_provide()}. "
                         f"Tried: {'; '.join(failures)}")


class _NotTheFile(Exception):
    """A mirror's answer is not the published file (cut off, too long, not gzip, too slow): try the next one."""


def _stream(url: str, size: int, out) -> str:
    """Copy exactly ``size`` bytes from ``url`` into ``out`` and return their MD5 (hex); checks as it goes."""
    started = time.monotonic()
    digest = hashlib.md5()
    received = 0
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.strip() != str(size):
            raise _NotTheFile(f"{declared.strip()[:20]} bytes announced, the file has {size}")
        head = b""  # the first bytes, however few arrive at a time
        while chunk := response.read1(CHUNK_BYTES):
            head = (head + chunk[:len(GZIP_MAGIC)])[:len(GZIP_MAGIC)]
            if not GZIP_MAGIC.startswith(head):
                raise _NotTheFile("the answer is not a gzip file")
            received += len(chunk)
            if received > size:
                raise _NotTheFile(f"more than the file's {size} bytes")
            if time.monotonic() - started > DOWNLOAD_DEADLINE_S:
                raise _NotTheFile(f"slower than {DOWNLOAD_DEADLINE_S} s for the whole file")
            digest.update(chunk)
            out.write(chunk)
    if received < size:
        raise _NotTheFile(f"cut off after {received} of {size} bytes")
    return digest.hexdigest()


def _read_bytes(path: Path) -> bytes:
    try:
        with (gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")) as handle:
            data = handle.read(MAX_IDX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
        raise MnistDataError(f"{path}: cannot read ({error}); delete it to download it again") from None
    if len(data) > MAX_IDX_BYTES:
        raise MnistDataError(f"{path}: larger than any MNIST file ({MAX_IDX_BYTES} bytes unpacked)")
    return data


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
