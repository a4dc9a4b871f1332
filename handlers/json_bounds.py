"""JSON with a bounded nesting depth: what every entry point parses (web chat, ingest API, Zalo,
Telegram, import files), so that ``[[[[...`` is a clear refusal (400) rather than a
RecursionError deep inside the parser (500)."""

from __future__ import annotations

import json
import re
from typing import Any

DEFAULT_MAX_DEPTH = 32
# A JSON string (escapes included), found in C by the regex engine without backtracking.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class JsonTooDeep(ValueError):
    """Nested deeper than allowed (a ValueError, like json's own decoding errors)."""


def depth_exceeds(raw: bytes, max_depth: int) -> bool:
    """True when ``raw`` nests arrays and objects more than ``max_depth`` deep.

    Strings are cut out, every other byte but brackets dropped (both in C), then one level of
    innermost ``[]`` pairs is removed per round: after ``max_depth`` rounds nothing is left of
    a document that deep or shallower. Unbalanced brackets (malformed JSON, which json then
    refuses) are too deep when what is left could still nest past the limit.
    """
    rest = _STRING.sub(b"", raw).translate(_BRACKETS, _NOT_BRACKETS)
    for peeled in range(max_depth):
        if not rest:
            return False
        shorter = rest.replace(b"[]", b"")
        if len(shorter) == len(rest):
            return peeled + len(rest) > max_depth
        rest = shorter
    return bool(rest)


def loads(data: bytes | str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """``json.loads`` that refuses documents nested deeper than ``max_depth`` with
    :class:`JsonTooDeep`; malformed JSON raises ValueError (UnicodeDecodeError included)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if depth_exceeds(raw, max_depth):
        raise JsonTooDeep(f"nested deeper than {max_depth}")
    return json.loads(raw)
