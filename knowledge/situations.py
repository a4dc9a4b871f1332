"""Everyday situations that lead to a procedure (situations.jsonl, written from the records
alone): indexed beside each record, so that a citizen's story finds the procedure it needs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

PATH = Path(__file__).resolve().parent / "situations.jsonl"


def load_situations(path: Path) -> dict[str, tuple[str, ...]]:
    """Procedure code -> its situations, from a JSON-lines file of {"code", "situations"}."""
    out: dict[str, tuple[str, ...]] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                out[str(row["code"])] = tuple(str(s) for s in row["situations"])
    return out


@cache
def default_situations() -> Mapping[str, tuple[str, ...]]:
    """The situations shipped beside this module (none when the file is absent)."""
    return load_situations(PATH) if PATH.exists() else {}


def per_record(
    codes: Sequence[str], sibling_keys: Sequence[str], situations: Mapping[str, Sequence[str]]
) -> list[tuple[str, ...]]:
    """Each record's situations: its own, else those of the same procedure at another level
    (the records of one procedure share a sibling key)."""
    by_key: dict[str, tuple[str, ...]] = {}
    for code, key in zip(codes, sibling_keys, strict=True):
        if code in situations:
            by_key.setdefault(key, tuple(situations[code]))
    return [
        tuple(situations.get(code, ())) or by_key.get(key, ())
        for code, key in zip(codes, sibling_keys, strict=True)
    ]
