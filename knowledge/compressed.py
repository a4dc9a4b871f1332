"""Text files read the same whether plain or compressed (.xz, .gz, .bz2), by their suffix."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from pathlib import Path
from typing import IO


def open_text(path: Path, *, errors: str = "strict", newline: str | None = None) -> IO[str]:
    """UTF-8 text of ``path``, decompressed when its name ends in .xz, .gz or .bz2."""
    suffix = path.suffix.lower()
    if suffix == ".xz":
        return lzma.open(path, "rt", encoding="utf-8", errors=errors, newline=newline)
    if suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors=errors, newline=newline)
    if suffix == ".bz2":
        return bz2.open(path, "rt", encoding="utf-8", errors=errors, newline=newline)
    return path.open(encoding="utf-8", errors=errors, newline=newline)


def decompress(name: str, data: bytes) -> bytes:
    """The plain bytes of a file called ``name`` held in memory (compressed by its suffix)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xz":
        return lzma.decompress(data)
    if suffix == ".gz":
        return gzip.decompress(data)
    if suffix == ".bz2":
        return bz2.decompress(data)
    return data


def text_lines(name: str, data: bytes) -> IO[str]:
    """Lines of an in-memory file, like :func:`open_text` reads one on disk."""
    return io.TextIOWrapper(io.BytesIO(decompress(name, data)), encoding="utf-8", errors="replace")
