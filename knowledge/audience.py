"""Who a record is for, and what a question says about the person asking: the groups a record
may serve only (a force's own people, civil servants), ages, and the level of government."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from knowledge.lexicon import Phrase, Word, find_phrases, split_words
from knowledge.model import Procedure
from knowledge.normalise import fold, marks_key, nfc

# Where a citizen goes first when the same procedure is carried out at several levels.
CITIZEN_LEVEL_ORDER = ("Cấp xã", "Cấp huyện", "Cấp tỉnh", "Cấp bộ", "Cơ quan khác")
_CONDITIONS_CHARS = 400  # the conditions' opening says whom the procedure is for


@dataclass(frozen=True)
class Group:
    """People a record may be only for (lexicon.toml ``[groups.*]``).

    A record serves the group when its name says one of ``record`` (as written, marks kept),
    or when it belongs to ``ministry`` and either sits in one of ``fields`` (the force's own
    welfare) or its conditions open by naming one of ``conditions``; not when its audiences
    include one of ``unless_audiences``. A question names the group with one of ``question``
    (folded).
    """

    name: str
    record: tuple[str, ...]
    question: frozenset[Phrase]
    ministry: str = ""
    fields: frozenset[str] = frozenset()
    conditions: tuple[str, ...] = ()
    # A record that also lists one of these audiences is not for the group only.
    unless_audiences: frozenset[str] = frozenset()

    @cached_property
    def _in_name(self) -> re.Pattern[str] | None:
        return _saying(self.record)

    @cached_property
    def _in_conditions(self) -> re.Pattern[str] | None:
        return _saying(self.conditions)

    def serves(self, procedure: Procedure, name: str | None = None) -> bool:
        """``name``: the record's name, lowercase NFC, when the caller has it already."""
        if self.unless_audiences.intersection(procedure.audiences):
            return False
        if name is None:
            name = nfc(procedure.name).lower()
        if self._in_name is not None and self._in_name.search(name):
            return True
        if not self.ministry or not procedure.ministry.startswith(self.ministry):
            return False
        if procedure.field in self.fields:
            return True
        opening = nfc(procedure.conditions or "")[:_CONDITIONS_CHARS].lower()
        return self._in_conditions is not None and bool(self._in_conditions.search(opening))


def _saying(phrases: Sequence[str]) -> re.Pattern[str] | None:
    """A pattern for any of ``phrases`` (lowercase, NFC) as whole words, not negated ("người
    dịch không phải viên chức ngoại giao" is not for civil servants); None for no phrase."""
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?<!không phải )(?<!không là )(?:{alternatives})(?!\w)")


def parse_groups(data: Mapping[str, Any]) -> tuple[Group, ...]:
    out = []
    for name, table in data.items():
        if not isinstance(table, Mapping):
            continue
        out.append(
            Group(
                name=str(name),
                record=tuple(nfc(str(p)).lower() for p in table.get("record", [])),
                question=frozenset(
                    tuple(fold(str(p)).split()) for p in table.get("question", []) if fold(str(p))
                ),
                ministry=str(table.get("ministry", "")),
                fields=frozenset(str(f) for f in table.get("fields", [])),
                conditions=tuple(nfc(str(p)).lower() for p in table.get("conditions", [])),
                unless_audiences=frozenset(str(a) for a in table.get("unless_audiences", [])),
            )
        )
    return tuple(out)


def record_groups(procedure: Procedure, groups: Sequence[Group]) -> frozenset[str]:
    name = nfc(procedure.name).lower()
    return frozenset(g.name for g in groups if g.serves(procedure, name))


def question_groups(words: Sequence[Word], groups: Sequence[Group]) -> frozenset[str]:
    """The groups a question names ("tôi là công chức", "chồng tôi là công an")."""
    folded = [w[1] for w in words]
    return frozenset(g.name for g in groups if find_phrases(folded, g.question))


# --- ages ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ages:
    """Ages in years, ``low`` included, ``high`` excluded."""

    low: float
    high: float

    def within(self, other: Ages) -> bool:
        return other.low <= self.low and self.high <= other.high

    def meets(self, other: Ages) -> bool:
        return self.low < other.high and other.low < self.high

    def __str__(self) -> str:
        if self.high == math.inf:
            return f"từ {self.low:g} tuổi"
        if self.low == 0:
            return f"dưới {self.high:g} tuổi"
        return f"{self.low:g}–{self.high:g} tuổi"


# A record's condition on age, in its folded name: "dưới 14 tuổi", "từ đủ 14 tuổi trở lên",
# "trên 80 tuổi", "từ đủ 6 tuổi đến dưới 14 tuổi".
_RANGE = re.compile(r"\btu (?:du )?(\d{1,3}) tuoi den (?:duoi )?(\d{1,3}) tuoi\b")
_BOUND = re.compile(r"\b(duoi|chua du|tren|hon|tu du|tu|du) (\d{1,3}) tuoi( tro len)?\b")
# An age said in a question: "con 14 tuổi", "bé 5 tuổi", "dưới 6 tuổi", "82 tuổi", "3 tháng
# tuổi"; a newborn ("mới sinh", "sơ sinh") is under one.
_ASKED = re.compile(
    r"\b(?:(duoi|chua du|chua den|tren|hon|ngoai|tu du|tu|du|tron|gan) )?(\d{1,3}) "
    r"(tuoi|thang tuoi|ngay tuoi|thang|ngay)\b( tro len)?"
)
_NEWBORN = re.compile(r"\b(?:moi sinh|so sinh|vua sinh|moi de|vua de)\b")


def _bound(word: str, years: float, *, up: bool) -> Ages:
    if word in ("duoi", "chua du", "chua den"):
        return Ages(0, years)
    if word in ("tren", "hon", "ngoai"):
        return Ages(years + 1, math.inf)
    if word in ("tu du", "tu", "du") and up:
        return Ages(years, math.inf)
    return Ages(years, years + 1)


def record_ages(name: str) -> Ages | None:
    """The ages a record is for, from its name; None when it names none."""
    text = fold(name)
    found = _RANGE.search(text)
    if found:
        return Ages(float(found.group(1)), float(found.group(2)))
    found = _BOUND.search(text)
    if found is None:
        return None
    word, years = found.group(1), float(found.group(2))
    if word in ("tu du", "tu", "du"):
        return Ages(years, math.inf)
    return _bound(word, years, up=bool(found.group(3)))


def question_ages(folded: str) -> Ages | None:
    """The age a question says the person has (or a range it names); None when it says none."""
    found = _ASKED.search(folded)
    if found is not None:
        word, number, unit, up = found.groups()
        if unit in ("thang tuoi", "ngay tuoi") or (
            unit in ("thang", "ngay") and word is None and _NEWBORN.search(folded)
        ):
            return Ages(0, 1)
        if unit == "tuoi":
            return _bound(word or "", float(number), up=bool(up))
    if _NEWBORN.search(folded):
        return Ages(0, 1)
    return None


def age_fit(record: Ages | None, asked: Ages | None) -> int:
    """1: the age asked lies within the record's; -1: it lies outside; 0: nothing to compare."""
    if record is None or asked is None:
        return 0
    if asked.within(record):
        return 1
    return 0 if asked.meets(record) else -1


# --- levels ----------------------------------------------------------------------------


def citizen_level_rank(procedure: Procedure, asked: Sequence[str] = ()) -> int:
    """Lower is where a citizen would rather go: a level the question names, else the one
    closest to them (xã before tỉnh before bộ)."""
    if asked and any(level in procedure.levels for level in asked):
        return -1
    ranks = [CITIZEN_LEVEL_ORDER.index(lv) for lv in procedure.levels if lv in CITIZEN_LEVEL_ORDER]
    return min(ranks, default=len(CITIZEN_LEVEL_ORDER))


def citizen_level(procedure: Procedure, asked: Sequence[str] = ()) -> str:
    """The level of ``procedure`` a citizen would use: one the question names, else the
    closest to them; "" when the record names none."""
    for level in asked:
        if level in procedure.levels:
            return level
    for level in CITIZEN_LEVEL_ORDER:
        if level in procedure.levels:
            return level
    return procedure.levels[0] if procedure.levels else ""


# Folded phrase -> (level, the phrase as written) for each level it names.
LevelPhrases = Mapping[Phrase, Sequence[tuple[str, Phrase]]]


def parse_levels(data: Mapping[str, Any]) -> dict[Phrase, tuple[tuple[str, Phrase], ...]]:
    """``[levels]``: the phrases that name a level in a question.

    Each level lists its nouns ("xã", "phường"); a noun counts after one of ``openers`` ("ở
    xã", "ubnd phường", "cấp tỉnh"), and alone when it has two words ("trung ương").
    """
    openers = [str(o) for o in data.get("openers", [])]
    out: dict[Phrase, list[tuple[str, Phrase]]] = {}
    for level, nouns in data.items():
        if level == "openers" or not isinstance(nouns, list):
            continue
        for noun in map(str, nouns):
            phrases = [f"{opener} {noun}" for opener in openers]
            if len(noun.split()) > 1:
                phrases.append(noun)
            for phrase in phrases:
                words = split_words(phrase)
                if words:
                    key = tuple(w[1] for w in words)
                    out.setdefault(key, []).append((str(level), tuple(w[0] for w in words)))
    return {key: tuple(value) for key, value in out.items()}


def question_levels(words: Sequence[Word], levels: LevelPhrases) -> list[str]:
    """The levels of government a question names ("ở cấp tỉnh", "ubnd phường", "trung ương"):
    each word written without marks or with the phrase's own."""
    if not levels:
        return []
    folded = [w[1] for w in words]
    sizes = sorted({len(key) for key in levels})
    found: list[str] = []
    for i in range(len(words)):
        for size in sizes:
            for level, marked in levels.get(tuple(folded[i : i + size]), ()):
                if level not in found and all(
                    raw == word or marks_key(raw) == marks_key(mark)
                    for (raw, word), mark in zip(words[i : i + size], marked, strict=True)
                ):
                    found.append(level)
    return found
