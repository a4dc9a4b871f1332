"""Procedure records (TTHC) as immutable dataclasses, whatever shape the source file had."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.documents import join_steps
from knowledge.processing_time import (
    ProcessingTime,
    parse_processing_time,
    time_in_steps,
    unit_hint,
)

ONLINE_WAY = "Trực tuyến"
_BARE_NUMBER = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*$")


@dataclass(frozen=True, slots=True)
class SubmissionWay:
    """One way of submitting (Trực tiếp / Trực tuyến / Dịch vụ bưu chính)."""

    way: str
    time: str | None = None
    fee: str | None = None
    # The portal's fee note; it can hold the real fee when ``fee`` says "Miễn phí": show both.
    fee_note: str | None = None
    description: str | None = None

    @property
    def fee_text(self) -> str | None:
        """The fee with its note, never one without the other."""
        parts = [p for p in (self.fee, self.fee_note) if p]
        return " — ".join(parts) if parts else None


@dataclass(frozen=True, slots=True)
class Document:
    """One item of the dossier (thành phần hồ sơ)."""

    name: str
    form: str | None = None
    copies: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Procedure:
    code: str
    name: str
    field: str = ""
    ministry: str = ""
    levels: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    agency: str = ""
    address: str | None = None
    steps: str = ""
    ways: tuple[SubmissionWay, ...] = ()
    documents: tuple[Document, ...] = ()
    documents_raw: str | None = None
    # The crawl cut the steps at the words "Thành phần hồ sơ" and put the rest in the
    # document text: ``documents_raw`` is then steps, never shown as documents.
    steps_in_documents: bool = False
    conditions: str | None = None
    legal_basis: str | None = None
    results: tuple[str, ...] = ()
    detail_url: str | None = None
    source: str = ""

    @property
    def full_steps(self) -> str:
        """The steps as a citizen reads them, with a rest the crawl misplaced put back."""
        if self.steps_in_documents and self.documents_raw:
            return join_steps(self.steps, self.documents_raw)
        return self.steps

    @property
    def documents_text(self) -> str | None:
        """The raw document text when the record has no list and it really is documents."""
        return None if self.steps_in_documents else self.documents_raw

    @property
    def online(self) -> bool:
        return any(w.way.strip().lower() == ONLINE_WAY.lower() for w in self.ways)

    def processing_time(self) -> ProcessingTime | None:
        """Best effort over the ways (direct first), then a deadline stated in the steps.

        A unit-less value ("1") takes its unit from the way's description or the steps.
        """
        ordered = sorted(self.ways, key=lambda w: w.way != "Trực tiếp")
        for way in ordered:
            parsed = parse_processing_time(way.time)
            if parsed is None:
                continue
            if way.time and _BARE_NUMBER.match(way.time):
                unit = unit_hint(parsed.amount, way.description) or unit_hint(
                    parsed.amount, self.steps
                )
                if unit is not None:
                    return ProcessingTime(parsed.amount, unit)
            return parsed
        return time_in_steps(self.steps)
