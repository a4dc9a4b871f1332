"""Official text cut into sentences and clauses, and shortened only where a clause ends.

The portal's notes and lists are run-on text: sentences, "- " / "+ " bullets and ";" lists.
A parenthesis is never split ("(áp dụng đến hết ngày 31/12/2025 theo Thông tư ...)" belongs
to the clause it qualifies).
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
# A sentence ends at ". " before a capital, a digit or a bullet; bullets and new lines start one.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“(]?[A-ZÀ-Ỹ0-9Đ\-+•*])|\s*\n+\s*|\s+(?=[-+•]\s)")
_CLAUSE_END = re.compile(r"(?<=;)\s+")
_COMMA = re.compile(r"(?<=[,:])\s+|\s+(?=\()")
_SPACES = re.compile(r"[ \t\r\f\v]+")


def _cuts(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """Where ``pattern`` matches in ``text`` outside parentheses, as (start, end)."""
    depth_after: list[int] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        depth_after.append(depth)
    return [
        (m.start(), m.end())
        for m in pattern.finditer(text)
        if m.start() == 0 or depth_after[m.start() - 1] == 0
    ]


def _split(text: str, pattern: re.Pattern[str]) -> list[str]:
    pieces = []
    start = 0
    for cut_start, cut_end in _cuts(text, pattern):
        pieces.append(text[start:cut_start])
        start = cut_end
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


def sentences(text: str) -> list[str]:
    """Sentences and bullet items of ``text``, in order."""
    text = _SPACES.sub(" ", text or "").strip()
    return _split(text, _SENTENCE_END) if text else []


def clauses(text: str) -> list[str]:
    """Sentences further cut at ";" (the portal's list separator)."""
    return [c for s in sentences(text) for c in _split(s, _CLAUSE_END)]


def clip(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at the last clause, then comma, then word
    boundary that keeps at least a quarter of it; an ellipsis marks the cut."""
    text = _SPACES.sub(" ", text or "").strip()
    if len(text) <= limit:
        return text
    room = max(limit - len(ELLIPSIS), 1)
    floor = room // 4
    for pattern in (_SENTENCE_END, _CLAUSE_END, _COMMA):
        kept = ""
        for cut_start, _ in _cuts(text, pattern):
            piece = text[:cut_start].rstrip()
            if len(piece) > room:
                break
            kept = piece
        if len(kept) >= floor:
            return kept.rstrip(" ,;:-–.") + ELLIPSIS
    cut = text.rfind(" ", 0, room)
    return text[: cut if cut > floor else room].rstrip(" ,;:-–(") + ELLIPSIS
