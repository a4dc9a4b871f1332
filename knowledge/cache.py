"""The prebuilt knowledge base: a pickle of the loaded, indexed procedures kept in a private
folder, used when its key (the data's bytes, the lexicon, the code of this package and the
Python version) matches; rebuilt otherwise.

A pickle runs code when read, so only a file this user owns, in a folder this user owns that
nobody else can write, is ever read; a torn or corrupt file fails its checksum and is rebuilt.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

MAGIC = b"motcua-kb-cache\x01"  # 16 bytes: the file's kind and format
DIGEST = 32
KEEP = 4  # cache files kept in the folder (the shipped data, an update or two, tests)
PACKAGE = Path(__file__).resolve().parent

T = TypeVar("T")


@cache
def code_version() -> bytes:
    """A digest of this package's code, lexicon and situations: any edit, or another release,
    rebuilds."""
    digest = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    for path in sorted(PACKAGE.glob("*.py")) + [
        PACKAGE / "lexicon.toml",
        PACKAGE / "situations.jsonl",
    ]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.digest()


def content_key(parts: Iterable[bytes]) -> bytes:
    """The cache key of an index built from ``parts`` (the data's bytes, in load order)."""
    digest = hashlib.sha256(MAGIC + code_version())
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.digest()


def files_key(paths: Iterable[Path | None]) -> bytes:
    """The key of data read from files (a missing file counts as empty, as it loads)."""
    parts = []
    for path in paths:
        if path is None:
            parts.append(b"")
            continue
        try:
            parts.append(str(path.name).encode() + b"\0" + path.read_bytes())
        except OSError:
            parts.append(b"\0missing:" + str(path).encode())
    return content_key(parts)


def _private(info: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else."""
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _usable_folder(folder: Path) -> bool:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError as exc:
        log.debug("index cache folder %s not usable: %s", folder, exc)
        return False
    if not stat.S_ISDIR(info.st_mode) or not _private(info):
        log.warning("index cache folder %s is not private to this user: not used", folder)
        return False
    return True


def _file(folder: Path, key: bytes) -> Path:
    return folder / f"kb-{key.hex()[:40]}.pickle"


def read(folder: Path, key: bytes) -> object | None:
    """The object stored under ``key``, or None (absent, foreign, corrupt, stale)."""
    path = _file(folder, key)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or not _private(info):
            log.warning("index cache file %s is not private to this user: ignored", path)
            return None
        data = handle.read()
    head = len(MAGIC) + 2 * DIGEST
    if len(data) < head or data[: len(MAGIC)] != MAGIC:
        return None
    stored_key = data[len(MAGIC) : len(MAGIC) + DIGEST]
    checksum = data[len(MAGIC) + DIGEST : head]
    payload = memoryview(data)[head:]
    if stored_key != key or hashlib.sha256(payload).digest() != checksum:
        log.info("index cache file %s is corrupt: rebuilding", path.name)
        return None
    # Hundreds of thousands of objects: the collector's passes would triple the time.
    gc.disable()
    try:
        value: object = pickle.loads(payload)
    except Exception as exc:  # a file from another version of a dependency
        log.info("index cache file %s unreadable (%s): rebuilding", path.name, exc)
        return None
    finally:
        gc.enable()
    return value


def write(folder: Path, key: bytes, value: object) -> None:
    """Stores ``value`` under ``key`` atomically (never a torn file) and prunes old ones."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".kb-", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(MAGIC + key + hashlib.sha256(payload).digest())
            handle.write(payload)
        os.replace(tmp, _file(folder, key))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _prune(folder)


def _prune(folder: Path) -> None:
    # Replicas starting together prune the same folder: a file another one removed between
    # the listing and its stat is simply gone.
    dated = []
    for path in folder.glob("kb-*.pickle"):
        with contextlib.suppress(OSError):
            dated.append((path.stat().st_mtime, path))
    dated.sort(reverse=True)
    for _, old in dated[KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()


def cached(folder: Path | None, key: bytes, build: Callable[[], T], kind: type[T]) -> T:
    """``build()``, or the copy kept under ``key`` in ``folder`` (None: no cache)."""
    if folder is None or not _usable_folder(folder):
        return build()
    found = read(folder, key)
    if isinstance(found, kind):
        return found
    value = build()
    try:
        write(folder, key, value)
    except OSError as exc:  # a full disk or a read-only folder: work without the cache
        log.warning("index cache not written to %s: %s", folder, exc)
    return value
