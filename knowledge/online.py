"""What "Trực tuyến" means in a record: submitting online, or only booking or declaring online.

The portal lists "Trực tuyến" for procedures where the citizen only books a time and place
online ("đăng ký thời gian, địa điểm làm thủ tục") or declares before coming in person: for
the citizen that is not "nộp trực tuyến được", and an answer must say they still have to come.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from knowledge.model import ONLINE_WAY, Procedure, SubmissionWay
from knowledge.normalise import fold

# On folded text. Booking: the online step reserves a visit.
_BOOKS = re.compile(
    r"dang ky thoi gian(?: va)? dia diem|dat lich(?: hen)?|hen ngay den|"
    r"dang ky (?:\w+ ){0,12}truoc khi den nop"
)
# Declaring or sending ahead, with the full dossier still brought in person.
_DECLARES = re.compile(
    r"(?:khi|sau do|roi) den (?:\w+ ){0,12}(?:phai )?nop (?:day du|ban chinh|truc tiep)|"
    r"khai (?:\w+ ){0,8}truoc khi den"
)


class OnlineKind(StrEnum):
    NONE = "none"  # no online way
    SUBMIT = "submit"  # the dossier can be submitted online
    BOOK = "book"  # online only books a time and place: the citizen comes in person
    DECLARE = "declare"  # online only declares / sends ahead: the citizen still comes


@dataclass(frozen=True, slots=True)
class OnlineAccess:
    kind: OnlineKind
    way: SubmissionWay | None = None  # the record's "Trực tuyến" way, when there is one
    evidence: str = ""  # the record's words that say so (for BOOK and DECLARE)


def online_access(procedure: Procedure) -> OnlineAccess:
    """How the record lets a citizen use the online way (the description of that way first,
    then the steps)."""
    ways = [w for w in procedure.ways if w.way.strip().lower() == ONLINE_WAY.lower()]
    if not ways:
        return OnlineAccess(OnlineKind.NONE)
    for way in ways:
        found = _only_ahead(way.description)
        if found:
            return OnlineAccess(found[0], way, found[1])
    found = _only_ahead(procedure.steps)
    if found:
        return OnlineAccess(found[0], ways[0], found[1])
    return OnlineAccess(OnlineKind.SUBMIT, ways[0])


def _only_ahead(text: str | None) -> tuple[OnlineKind, str] | None:
    """(kind, the sentence saying so) when ``text`` says online only books or declares."""
    if not text:
        return None
    for sentence in re.split(r"(?<=[.;])\s+|\n+", text[:8000]):
        folded = fold(sentence)
        if _BOOKS.search(folded):
            return OnlineKind.BOOK, sentence.strip(" -+\t")
        if _DECLARES.search(folded):
            return OnlineKind.DECLARE, sentence.strip(" -+\t")
    return None
