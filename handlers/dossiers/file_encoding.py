"""Which text encoding an import file is in, decided over the whole file before a single row is
stored: UTF-8 (with or without a BOM), or Windows-1258, which Vietnamese office software still
exports. A file that is neither, or that turns from one into the other part-way (two exports
pasted together), is refused with the line where it goes wrong.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

UTF8 = "utf-8"
CP1258 = "windows-1258"
NAMES = {UTF8: "UTF-8", CP1258: "Windows-1258"}
CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class EncodingProblem(Exception):
    """``reason``: ``not_text`` (neither encoding reads it) or ``mixed`` (UTF-8 up to
    ``line``, something else from there on)."""

    reason: str
    line: int

    def __str__(self) -> str:
        return f"{self.reason} at line {self.line}"


def _first_bad_line(path: Path, encoding: str) -> tuple[int, bool] | None:
    """(line, non-ASCII text seen before it) of the first byte ``encoding`` cannot read, or
    None when it reads the whole file."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, seen_non_ascii = 1, False
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                consumed = chunk[: exc.start]
                return line + consumed.count(b"\n"), seen_non_ascii or not consumed.isascii()
            line += chunk.count(b"\n")
            seen_non_ascii = seen_non_ascii or not chunk.isascii()
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return line, seen_non_ascii
    return None


def detect(path: Path, *, allow_cp1258: bool = True) -> str:
    """``utf-8`` or ``windows-1258`` (the codec name to open the file with, BOM aside), or
    :class:`EncodingProblem`. JSON files are UTF-8 by definition: ``allow_cp1258=False``."""
    bad = _first_bad_line(path, UTF8)
    if bad is None:
        return UTF8
    line, after_utf8_text = bad
    if after_utf8_text:
        # Accented UTF-8 before this line and something else from it: not one export.
        raise EncodingProblem("mixed", line)
    if not allow_cp1258:
        raise EncodingProblem("not_text", line)
    if (cp_bad := _first_bad_line(path, CP1258)) is not None:
        raise EncodingProblem("not_text", cp_bad[0])
    return CP1258
