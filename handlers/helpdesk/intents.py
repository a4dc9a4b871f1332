"""Whether a citizen asks for a person ("gặp cán bộ", "hỏi người thật") or about their hand-off
ticket ("phiếu của tôi", a ticket code); on folded text, so diacritics do not matter."""

from __future__ import annotations

import re

from knowledge.normalise import fold

# Said by someone who wants a person, not the assistant (folded: no diacritics, lowercase).
_PERSON = (
    "gap can bo", "hoi can bo", "gap nguoi that", "hoi nguoi that", "nguoi that",
    "noi chuyen voi can bo", "noi chuyen voi nguoi", "noi chuyen voi nhan vien",
    "noi chuyen truc tiep", "gap nhan vien", "hoi nhan vien", "gap tu van vien",
    "tu van vien", "ho tro vien", "nhan vien ho tro", "can bo ho tro", "chuyen can bo",
    "ket noi can bo", "ket noi voi can bo", "lien he can bo", "lien he voi can bo",
    "gap truc tiep can bo", "cho gap can bo", "muon gap can bo", "gap ban can bo",
    "talk to a person", "talk to human", "human agent",
)  # fmt: skip
# A question about the ticket the citizen already has.
_TICKET = (
    "phieu cua toi", "phieu cua minh", "phieu cua em", "phieu ho tro cua toi",
    "xem phieu", "tinh trang phieu", "phieu hoi can bo", "phieu ho tro", "phieu den dau",
    "can bo tra loi chua", "can bo da tra loi chua",
)  # fmt: skip
# Ticket codes as the desk mints them: "HT-" and six letters/digits without 0, 1, I, L, O.
TICKET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TICKET_CODE = re.compile(rf"\bHT[\s-]?([{TICKET_ALPHABET}]{{6}})\b", re.IGNORECASE)
MAX_WORDS = 20  # a long message that mentions an officer in passing is still a question


def _has(folded: str, phrases: tuple[str, ...]) -> bool:
    padded = f" {folded} "
    return any(f" {p} " in padded for p in phrases)


def wants_person(text: str) -> bool:
    """ "cho tôi gặp cán bộ", "hoi nguoi that", "tôi muốn nói chuyện với cán bộ"..."""
    folded = fold(text)
    return bool(folded) and len(folded.split()) <= MAX_WORDS and _has(folded, _PERSON)


def asks_ticket(text: str) -> bool:
    """ "phiếu của tôi", "tình trạng phiếu", or a ticket code on its own."""
    folded = fold(text)
    if not folded or len(folded.split()) > MAX_WORDS:
        return False
    return _has(folded, _TICKET) or ticket_code(text) is not None


def ticket_code(text: str) -> str | None:
    """The canonical ticket code in ``text`` ("ht 4f7k9q" -> "HT-4F7K9Q"), if any."""
    match = TICKET_CODE.search(text or "")
    return f"HT-{match.group(1).upper()}" if match else None
