"""Phrases staff taught the search (approved in the console, stored in the database), laid over
the curated lexicon: each reads as the words of the procedure it was linked to. The curated
lexicon.toml wins where both name the same phrase."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from knowledge.lexicon import Lexicon, parse_lexicon
from knowledge.normalise import fold


@cache
def _shipped() -> dict[str, Any]:
    with (Path(__file__).resolve().parent / "lexicon.toml").open("rb") as handle:
        return tomllib.load(handle)


def lexicon_with(phrases: Mapping[str, str]) -> Lexicon:
    """The shipped lexicon plus ``phrases`` (phrase as a citizen writes it -> the words it
    means, usually a procedure's name) as everyday phrases."""
    data = _shipped()
    curated = {str(k): str(v) for k, v in data.get("colloquial", {}).items()}
    taken = {fold(k) for k in curated}
    learned = {p: w for p, w in phrases.items() if fold(p) and fold(p) not in taken}
    colloquial = {**curated, **learned}
    return parse_lexicon({**data, "colloquial": colloquial})
