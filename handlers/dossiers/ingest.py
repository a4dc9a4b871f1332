"""Ingest use case: dossier rows (CSV, JSONL, HTTP API) validated one by one, good rows stored in
batches, bad rows reported with a reason each. Idempotent: a row seen twice adds nothing; a
changed status adds a status event, and the clock of every dossier touched is recomputed from its
history (handlers.dossiers.clock) in the same transaction."""

from __future__ import annotations

import asyncio
import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.clock import ClockKeeper, SupplementClock
from handlers.dossiers.codes import EXAMPLE, ReceiptCode, parse_receipt_code
from handlers.dossiers.file_encoding import UTF8, detect
from handlers.dossiers.ingest_checks import (
    TEXT_LIMITS,
    DateOrder,
    check_lengths,
    day_month,
    not_future,
)
from handlers.dossiers.ingest_errors import RowError
from handlers.dossiers.phones import normalise_phone
from handlers.dossiers.statuses import DossierStatus, parse_status
from handlers.json_bounds import loads as json_loads
from handlers.texts_vi import INGEST_REASONS
from knowledge.model import Procedure
from knowledge.processing_time import ProcessingTime
from storage import dossiers_repo
from storage.engine import SessionFactory

FIELDS = (
    "receipt_code",
    "procedure_code",
    "applicant_name",
    "applicant_phone",
    "received_at",
    "due_at",
    "status",
    "status_at",
    "submitted_via",
    "agency",
    "note",
    "apology_reason",
    "new_due_at",
)
EVENT_FIELDS = ("status", "at", "note", "apology_reason", "new_due_at")
JSON_DEPTH = 8  # a row is a flat object
# submitted_via: our names, Vietnamese words, national codes (1 direct, 2 online, 3 postal).
_VIA = {
    "online": "online",
    "direct": "direct",
    "postal": "postal",
    "truc tuyen": "online",
    "trực tuyến": "online",
    "truc tiep": "direct",
    "trực tiếp": "direct",
    "buu chinh": "postal",
    "bưu chính": "postal",
    "1": "direct",
    "2": "online",
    "3": "postal",
}
_VN_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
BATCH_ROWS = 2000


@dataclass(frozen=True, slots=True)
class IngestRow:
    """One validated import row: the dossier's columns (storage.dossiers_repo.DOSSIER_COLUMNS)
    and whether its status time was missing."""

    receipt_code: str
    procedure_code: str | None
    procedure_name: str | None
    applicant_name: str | None
    applicant_phone: str | None
    received_at: datetime
    base_due_at: datetime | None
    status: str
    status_at: datetime
    submitted_via: str | None
    agency: str | None
    note: str | None
    apology_reason: str | None
    new_due_at: datetime | None
    # status_at was missing: an unchanged status then keeps its stored time, so importing the
    # same file twice adds no event.
    status_at_guessed: bool = False

    def columns(self) -> dict[str, Any]:
        """The row as dossiers_repo.upsert_dossiers takes it."""
        return {name: getattr(self, name) for name in _ROW_COLUMNS}

    def event(self, dossier_id: int) -> dict[str, Any]:
        """The status event this row records (dossiers_repo.add_events)."""
        return {
            "dossier_id": dossier_id,
            "status": self.status,
            "at": self.status_at,
            "note": self.note,
            "apology_reason": self.apology_reason,
            "new_due_at": self.new_due_at,
        }


_ROW_COLUMNS = tuple(f.name for f in fields(IngestRow) if f.name != "status_at_guessed")
# Columns whose empty value keeps what an earlier row of the same batch gave.
_KEPT_WHEN_EMPTY = tuple(c for c in _ROW_COLUMNS if c in dossiers_repo.KEEP_WHEN_EMPTY)


class ProcedureLookup(Protocol):
    """The part of knowledge.base.KnowledgeBase ingest needs."""

    def get(self, code: str) -> Procedure | None: ...


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a row was refused: ``reason`` is a stable machine code, ``message`` Vietnamese."""

    line: int
    reason: str
    message: str
    receipt_code: str | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "receipt_code": self.receipt_code,
            "field": self.field,
            "reason": self.reason,
            "message": self.message,
        }


@dataclass
class IngestReport:
    accepted: int = 0
    created: int = 0
    updated: int = 0
    events_added: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    accepted_codes: list[str] = field(default_factory=list)
    encoding: str | None = None  # of the file read (UTF-8, Windows-1258); None for the API

    def merge(self, other: IngestReport) -> None:
        self.accepted += other.accepted
        self.created += other.created
        self.updated += other.updated
        self.events_added += other.events_added
        self.rejected.extend(other.rejected)
        self.accepted_codes.extend(other.accepted_codes)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "accepted": self.accepted,
            "created": self.created,
            "updated": self.updated,
            "events_added": self.events_added,
            "rejected": [r.as_dict() for r in self.rejected],
        }
        if self.encoding is not None:
            out["encoding"] = self.encoding
        return out


def reason_message(reason: str, field: str | None = None, value: object = None) -> str:
    template = INGEST_REASONS.get(reason, reason)
    shown = "" if value is None else str(value)[:80]
    return template.format(field=field or "", value=shown, example=EXAMPLE)


def rejection(line: int, error: RowError, receipt_code: str | None = None) -> Rejection:
    return Rejection(
        line=line,
        reason=error.reason,
        message=reason_message(error.reason, error.field, error.value),
        receipt_code=receipt_code,
        field=error.field,
    )


# --- field parsing ----------------------------------------------------------------------
def _text(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    limit = TEXT_LIMITS.get(name)
    if limit and len(text) > limit:
        raise RowError("too_long", name, limit)
    return text


def parse_time(
    value: object,
    name: str,
    calendar: WorkCalendar,
    *,
    end_of_day: bool = False,
    order: DateOrder | None = None,
) -> datetime | None:
    """ISO 8601 (or dd/mm/yyyy [hh:mm], refused when day and month could be swapped unless
    ``order`` says which comes first); no offset means local time; a bare date means the
    start of that day, or closing time for due dates."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        if len(text) == 10 and text[4] == "-":
            day = date.fromisoformat(text)
            return _day_time(day, calendar, end_of_day)
        match = _VN_DATE.match(text)
        if match:
            a, b, y, hh, mm, ss = match.groups()
            d, m = day_month(int(a), int(b), order, name, text)
            day = date(int(y), m, d)
            if hh is None:
                return _day_time(day, calendar, end_of_day)
            moment = datetime(int(y), m, d, int(hh), int(mm), int(ss or 0), tzinfo=calendar.tz)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise RowError("bad_datetime", name, text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=calendar.tz)
    return moment


def _day_time(day: date, calendar: WorkCalendar, end_of_day: bool) -> datetime:
    if end_of_day:
        return calendar.end_of_day(day)
    return datetime.combine(day, time(0), tzinfo=calendar.tz)


@lru_cache(maxsize=4096)
def _processing_time(procedure: Procedure) -> ProcessingTime | None:
    return procedure.processing_time()


def parse_code(raw: Mapping[str, Any]) -> str:
    value = raw.get("receipt_code")
    text = "" if value is None else str(value).strip()
    if not text:
        raise RowError("missing_receipt_code", "receipt_code")
    parsed = parse_receipt_code(text)
    if not isinstance(parsed, ReceiptCode):
        raise RowError("malformed_receipt_code", "receipt_code", text)
    return parsed.canonical


def parse_status_field(raw: Mapping[str, Any]) -> DossierStatus:
    value = raw.get("status")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RowError("missing_status", "status")
    status = parse_status(value if isinstance(value, (int, str)) else str(value))
    if status is None:
        raise RowError("unknown_status", "status", value)
    return status


def validate_row(
    raw: Mapping[str, Any],
    kb: ProcedureLookup | None,
    calendar: WorkCalendar,
    now: datetime,
    date_order: DateOrder | None = None,
) -> IngestRow:
    """One import row -> column values for the dossiers table, or RowError."""
    check_lengths(raw)
    code = parse_code(raw)
    received_at = parse_time(raw.get("received_at"), "received_at", calendar, order=date_order)
    if received_at is None:
        raise RowError("missing_received_at", "received_at")
    not_future(received_at, "received_at", now, raw.get("received_at"), "received_in_future")
    status = parse_status_field(raw)
    status_at = parse_time(raw.get("status_at"), "status_at", calendar, order=date_order)
    not_future(status_at, "status_at", now, raw.get("status_at"))
    guessed_at = status_at is None
    if status_at is None:
        first = status in {DossierStatus.RECEIVED, DossierStatus.REGISTERED}
        status_at = received_at if first else now
    phone_raw = _text(raw, "applicant_phone")
    phone = normalise_phone(phone_raw) if phone_raw else None
    if phone_raw and phone is None:
        raise RowError("bad_phone", "applicant_phone", phone_raw)
    via_raw = _text(raw, "submitted_via")
    via = _VIA.get(via_raw.lower()) if via_raw else None
    if via_raw and via is None:
        raise RowError("bad_submitted_via", "submitted_via", via_raw)
    procedure_code = _text(raw, "procedure_code")
    procedure = kb.get(procedure_code) if kb is not None and procedure_code else None
    # The receipt's due date; without one the clock counts the procedure's processing time
    # from acceptance (a registered dossier, not yet accepted, needs neither yet).
    due_at = parse_time(raw.get("due_at"), "due_at", calendar, end_of_day=True, order=date_order)
    if (
        due_at is None
        and status != DossierStatus.REGISTERED
        and (procedure is None or _processing_time(procedure) is None)
    ):
        raise RowError("due_unknown", "due_at", procedure_code or "trống")
    if due_at is not None and due_at < received_at:
        raise RowError("due_before_received", "due_at")
    new_due_at = parse_time(
        raw.get("new_due_at"), "new_due_at", calendar, end_of_day=True, order=date_order
    )
    if new_due_at is not None and new_due_at < received_at:
        raise RowError("due_before_received", "new_due_at")
    return IngestRow(
        receipt_code=code,
        procedure_code=procedure_code,
        procedure_name=procedure.name if procedure else _text(raw, "procedure_name"),
        applicant_name=_text(raw, "applicant_name"),
        applicant_phone=phone,
        received_at=received_at,
        base_due_at=due_at,
        status=status.value,
        status_at=status_at,
        submitted_via=via,
        agency=_text(raw, "agency"),
        note=_text(raw, "note"),
        apology_reason=_text(raw, "apology_reason"),
        new_due_at=new_due_at,
        status_at_guessed=guessed_at,
    )


# --- the use case -----------------------------------------------------------------------
class Ingestor:
    """Stores validated rows in batches; each batch is one transaction."""

    def __init__(
        self,
        factory: SessionFactory,
        calendar: WorkCalendar,
        kb: ProcedureLookup | None = None,
        *,
        supplement_clock: SupplementClock | str = SupplementClock.PAUSE,
        date_order: DateOrder | None = None,
    ) -> None:
        self.factory = factory
        self.calendar = calendar
        self.kb = kb
        self.date_order = date_order  # import --date-format; None: ambiguous dates refused
        self.clock = ClockKeeper(calendar, supplement_clock, self._processing)

    def _processing(self, procedure_code: str) -> ProcessingTime | None:
        procedure = self.kb.get(procedure_code) if self.kb is not None else None
        return _processing_time(procedure) if procedure is not None else None

    async def ingest_rows(
        self, rows: Iterable[tuple[int, Mapping[str, Any] | RowError]], now: datetime
    ) -> IngestReport:
        """Rows as (line number, mapping or a RowError from reading); returns the report."""
        report = IngestReport()
        batch: list[tuple[int, IngestRow]] = []
        # The database writes one batch while the next is validated (aiosqlite and asyncpg
        # do their work off this thread); batches still commit one after another.
        pending: asyncio.Task[IngestReport] | None = None
        for line, raw in rows:
            if isinstance(raw, RowError):
                report.rejected.append(rejection(line, raw))
                continue
            try:
                batch.append(
                    (line, validate_row(raw, self.kb, self.calendar, now, self.date_order))
                )
            except RowError as error:
                code = raw.get("receipt_code") if isinstance(raw, Mapping) else None
                report.rejected.append(rejection(line, error, str(code) if code else None))
            if len(batch) >= BATCH_ROWS:
                if pending is not None:
                    report.merge(await pending)
                pending = asyncio.create_task(self._store(batch, now))
                batch = []
                await asyncio.sleep(0)  # let the write start
        if pending is not None:
            report.merge(await pending)
        if batch:
            report.merge(await self._store(batch, now))
        report.rejected.sort(key=lambda r: r.line)
        return report

    async def _store(self, batch: list[tuple[int, IngestRow]], now: datetime) -> IngestReport:
        report = IngestReport()
        async with self.factory() as session, session.begin():
            codes = {given.receipt_code for _, given in batch}
            existing = await dossiers_repo.current_statuses(session, codes)
            merged: dict[str, IngestRow] = {}
            history: list[IngestRow] = []
            for _, given in batch:
                code = given.receipt_code
                earlier = merged.get(code)
                current = (earlier.status, earlier.status_at) if earlier else existing.get(code)
                values = given
                if current is not None and given.status_at_guessed and current[0] == given.status:
                    values = replace(given, status_at=current[1])
                row = values
                if earlier is not None:
                    # Rows of one batch merge as separate imports would: an empty field keeps
                    # what an earlier row gave (an apology reason recorded mid-history stays).
                    kept = {
                        c: getattr(earlier, c)
                        for c in _KEPT_WHEN_EMPTY
                        if getattr(values, c) is None
                    }
                    row = replace(values, **kept)
                if current is not None and current[1] > values.status_at:
                    # An older status arriving late becomes history, not the current status.
                    row = replace(row, status=current[0], status_at=current[1])
                merged[code] = row
                history.append(values)
                report.accepted_codes.append(code)
            ids = await dossiers_repo.upsert_dossiers(
                session, [row.columns() for row in merged.values()], now
            )
            events = [values.event(ids[values.receipt_code]) for values in history]
            report.events_added = await dossiers_repo.add_events(session, events)
            await self.clock.sync(session, ids.values())
        report.accepted = len(batch)
        report.created = sum(1 for code in merged if code not in existing)
        report.updated = len(merged) - report.created
        return report

    async def ingest_event(
        self, receipt_code: str, raw: Mapping[str, Any], now: datetime
    ) -> tuple[bool, Rejection | None]:
        """One status event for an existing dossier: (added, rejection)."""
        try:
            check_lengths(raw, EVENT_FIELDS)
            code = parse_code({"receipt_code": receipt_code})
            status = parse_status_field(raw)
            given_at = parse_time(raw.get("at"), "at", self.calendar, order=self.date_order)
            not_future(given_at, "at", now, raw.get("at"))
            at = given_at or now
            new_due_at = parse_time(
                raw.get("new_due_at"),
                "new_due_at",
                self.calendar,
                end_of_day=True,
                order=self.date_order,
            )
            note = _text(raw, "note")
            apology = _text(raw, "apology_reason")
        except RowError as error:
            return False, rejection(1, error, receipt_code)
        async with self.factory() as session, session.begin():
            dossier = await dossiers_repo.get_by_code(session, code)
            if dossier is None or dossier.id is None:
                return False, rejection(1, RowError("unknown_dossier", "receipt_code", code), code)
            if given_at is None and dossier.status == status.value:
                return False, None  # a replay without a time: nothing new to record
            added = await dossiers_repo.add_event(
                session,
                dossier.id,
                status.value,
                at,
                note=note,
                apology_reason=apology,
                new_due_at=new_due_at,
            )
            if added and at >= dossier.status_at:
                dossier.status = status.value
                dossier.status_at = at
                if note is not None:
                    dossier.note = note
                if apology is not None:
                    dossier.apology_reason = apology
                if new_due_at is not None:
                    dossier.new_due_at = new_due_at
                dossier.updated_at = now
            if added:
                await session.flush()
                await self.clock.sync(session, [dossier.id])
        return added, None


# --- readers: file rows with line numbers ------------------------------------------------
def _delimiter(header: str) -> str:
    # Spreadsheets in a Vietnamese locale often save with ";" (the comma is the decimal mark).
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_csv(
    path: Path, encoding: str | None = None
) -> Iterator[tuple[int, Mapping[str, Any] | RowError]]:
    """Rows of a CSV file in ``encoding`` (detected over the whole file first when None, so a
    file that cannot be read is refused before any row is stored)."""
    codec = encoding or detect(path)
    with path.open(encoding="utf-8-sig" if codec == UTF8 else codec, newline="") as handle:
        delimiter = _delimiter(handle.readline())
        handle.seek(0)
        if handle.read(1) != "\ufeff":
            handle.seek(0)
        reader = csv.DictReader(handle, restkey="__extra__", delimiter=delimiter)
        if reader.fieldnames:
            # Headers typed by hand: " Receipt_Code" is receipt_code.
            reader.fieldnames = [name.strip().lower() for name in reader.fieldnames]
        for raw in reader:
            line = reader.line_num
            if "__extra__" in raw or any(v is None for v in raw.values()):
                yield line, RowError("malformed_row")
                continue
            # Windows-1258 writes accents as combining marks: compose them (as UTF-8 does).
            yield line, {k: unicodedata.normalize("NFC", v) for k, v in raw.items()}


def read_jsonl(
    path: Path, encoding: str | None = None
) -> Iterator[tuple[int, Mapping[str, Any] | RowError]]:
    if encoding is None:
        detect(path, allow_cp1258=False)  # JSON is UTF-8: checked whole before any row
    with path.open(encoding="utf-8-sig") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                data = json_loads(text, max_depth=JSON_DEPTH)
            except ValueError:
                yield line, RowError("malformed_json")
                continue
            if not isinstance(data, dict):
                yield line, RowError("not_an_object")
                continue
            yield line, data


def read_json(path: Path) -> Iterator[tuple[int, Mapping[str, Any] | RowError]]:
    """A .json file holding one object or a list of them ("line" is the 1-based position);
    a file that is not one JSON document is read as JSON lines."""
    detect(path, allow_cp1258=False)
    try:
        data = json_loads(path.read_text(encoding="utf-8-sig"), max_depth=JSON_DEPTH)
    except ValueError:
        yield from read_jsonl(path, UTF8)
        return
    items = data if isinstance(data, list) else [data]
    for number, item in enumerate(items, start=1):
        yield number, item if isinstance(item, dict) else RowError("not_an_object")


def read_file(
    path: Path, encoding: str | None = None
) -> Iterator[tuple[int, Mapping[str, Any] | RowError]]:
    """Rows of a .csv, .jsonl (one object per line) or .json (an array) file; ``encoding``
    as file_encoding.detect found it (detected here when None)."""
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        return read_jsonl(path, encoding)
    if suffix == ".json":
        return read_json(path)
    return read_csv(path, encoding)
