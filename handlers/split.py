"""Splits a long reply into parts that fit a channel's message limit (Telegram 4096, Zalo 2000)."""

from __future__ import annotations

import re
import unicodedata

# Coarsest boundary first: a part breaks between paragraphs when it can, then lines, then
# sentences, then words; only a single word longer than the limit is cut inside.
_BOUNDARIES: tuple[re.Pattern[str], ...] = (
    re.compile(r"\n[ \t]*\n\s*"),
    re.compile(r"\n\s*"),
    re.compile(r"(?<=[.!?…;:])\s+"),
    re.compile(r"\s+"),
)


def split_text(text: str, limit: int) -> list[str]:
    """Parts of ``text``, each at most ``limit`` characters, cut at the coarsest boundary possible.

    Whitespace at the edges of each part is dropped; nothing else is lost or reordered. A blank
    text gives no part.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    text = text.strip()
    if not text:
        return []
    parts: list[str] = []
    _split(text, limit, 0, parts)
    return parts


def _split(text: str, limit: int, level: int, out: list[str]) -> None:
    if len(text) <= limit:
        out.append(text)
        return
    if level == len(_BOUNDARIES):
        out.extend(_hard_cut(text, limit))
        return
    chunk = ""
    for piece in _pieces(text, _BOUNDARIES[level]):
        candidate = chunk + piece
        if len(candidate.rstrip()) <= limit:
            chunk = candidate
            continue
        if chunk.strip():
            out.append(chunk.strip())
        if len(piece.rstrip()) <= limit:
            chunk = piece
        else:
            _split(piece.strip(), limit, level + 1, out)
            chunk = ""
    if chunk.strip():
        out.append(chunk.strip())


def _pieces(text: str, boundary: re.Pattern[str]) -> list[str]:
    """``text`` cut after each boundary match; each piece keeps its trailing separator."""
    pieces: list[str] = []
    start = 0
    for match in boundary.finditer(text):
        if match.end() > start and match.start() > start:
            pieces.append(text[start : match.end()])
            start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _hard_cut(word: str, limit: int) -> list[str]:
    """A word longer than the limit, cut so that no combining mark is parted from its letter."""
    parts: list[str] = []
    while len(word) > limit:
        cut = limit
        while cut > 1 and unicodedata.combining(word[cut]):
            cut -= 1
        parts.append(word[:cut])
        word = word[cut:]
    if word:
        parts.append(word)
    return parts
