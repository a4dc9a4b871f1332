"""The citizen's view of one dossier: status in words, dates, the clock, next step.

Pure formatting: what a lookup by code alone may show (the applicant's name only masked). The
due date is the clock's (handlers.dossiers.clock); while the clock is stopped the view says what
the citizen should do and never that the dossier is late.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from handlers import texts_vi as T
from handlers.dossiers.statuses import CLOCK_RUNNING, CLOCK_STOPPED, DossierStatus

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_THU_TUC = re.compile(r"^thủ tục\s+", re.IGNORECASE)
_RUNNING = frozenset(str(s) for s in CLOCK_RUNNING)
_STOPPED = frozenset(str(s) for s in CLOCK_STOPPED)


class DossierFacts(Protocol):
    """The fields of a stored dossier the view reads (storage.models.Dossier has them)."""

    @property
    def receipt_code(self) -> str: ...
    @property
    def procedure_name(self) -> str | None: ...
    @property
    def applicant_name(self) -> str | None: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def accepted_at(self) -> datetime | None: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def clock_stopped_at(self) -> datetime | None: ...
    @property
    def status(self) -> str: ...
    @property
    def note(self) -> str | None: ...
    @property
    def apology_reason(self) -> str | None: ...
    @property
    def new_due_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class ShownDossier:
    """A copy of the facts a view shows, so that some can be withheld without touching the
    stored record."""

    receipt_code: str
    procedure_name: str | None
    applicant_name: str | None
    received_at: datetime
    accepted_at: datetime | None
    due_at: datetime | None
    clock_stopped_at: datetime | None
    status: str
    note: str | None
    apology_reason: str | None
    new_due_at: datetime | None

    @classmethod
    def of(cls, dossier: DossierFacts) -> ShownDossier:
        return cls(**{f.name: getattr(dossier, f.name) for f in fields(cls)})


# Working days in (start, end]: the calendar's rule, injected so the view stays pure.
WorkingDaysBetween = Callable[[date, date], int]


def weekdays_between(start: date, end: date) -> int:
    """Working days in (start, end] counting Monday-Friday only (fallback without holidays)."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days += 1
    return days


@dataclass(frozen=True, slots=True)
class AgencyInfo:
    contact: str = "Bộ phận Một cửa"
    collect_place: str = "Bộ phận Một cửa nơi ông/bà đã nộp hồ sơ"
    supplement_clock: str = "pause"  # [calendar] supplement_clock: "pause" or "restart"


def mask_name(name: str | None) -> str:
    """``Nguyễn Văn An`` → ``N*** V** A``: initials only, the given name bare.

    Stars are capped at three so the mask does not leak the length of long words.
    """
    words = (name or "").split()
    if not words:
        return "***"
    if len(words) == 1:
        return words[0][0].upper() + "***"
    masked = [w[0].upper() + "*" * min(len(w) - 1, 3) for w in words[:-1]]
    return " ".join([*masked, words[-1][0].upper()])


def procedure_title(name: str | None) -> str:
    """The name without its leading "Thủ tục" (the label already says it)."""
    text = unicodedata.normalize("NFC", (name or "").strip())
    if not text:
        return T.DOSSIER_PROCEDURE_UNKNOWN
    rest = _THU_TUC.sub("", text, count=1)
    return rest[:1].upper() + rest[1:] if rest else text


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?…" else text + "."


def vn_date(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y")


def status_label(status: str) -> str:
    return T.DOSSIER_STATUS_LABELS.get(status, T.DOSSIER_STATUS_UNKNOWN)


def _days_left(today: date, due: datetime, working_days: WorkingDaysBetween) -> str:
    due_day = due.astimezone(VN_TZ).date()
    if due_day == today:
        return T.DOSSIER_DUE_TODAY
    return T.DOSSIER_DAYS_LEFT.format(days=max(1, working_days(today, due_day)))


def clock_lines(
    facts: DossierFacts, now: datetime, working_days: WorkingDaysBetween, agency: AgencyInfo
) -> list[str]:
    """What the clock says: days left, stopped (and what resumes it), or late (trễ hẹn) with
    both dates and the recorded reason; nothing once the dossier is finished."""
    due, new_due = facts.due_at, facts.new_due_at
    today = now.astimezone(VN_TZ).date()
    reason = (facts.apology_reason or "").strip()
    if facts.status == DossierStatus.REGISTERED:
        return [T.DOSSIER_NOT_ACCEPTED]
    if facts.status in _STOPPED:
        return _stopped_lines(facts, working_days, agency)
    if due is None or facts.status not in _RUNNING:
        return []
    rescheduled = new_due is not None and new_due > due
    if now <= due:
        lines = [_days_left(today, due, working_days)]
        if rescheduled and new_due is not None:  # the agency wrote ahead of the date
            lines.append(T.DOSSIER_RESCHEDULED_AHEAD.format(new_due=vn_date(new_due)))
            if reason:
                lines.append(T.DOSSIER_RESCHEDULE_REASON.format(reason=reason))
        return lines
    if not rescheduled or new_due is None:
        late = working_days(due.astimezone(VN_TZ).date(), today)
        first = T.DOSSIER_LATE_DAYS.format(days=late) if late > 0 else T.DOSSIER_LATE_TODAY
        lines = [first]
        if reason:
            lines.append(T.DOSSIER_APOLOGY_REASON.format(reason=reason))
        return [*lines, T.DOSSIER_LATE_LETTER_FOLLOWS]
    dates = {"due": vn_date(due), "new_due": vn_date(new_due)}
    if now > new_due:
        lines = [T.DOSSIER_LATE_TWICE.format(**dates)]
    else:
        lines = [T.DOSSIER_LATE_RESCHEDULED.format(**dates)]
        if reason:
            lines.append(T.DOSSIER_APOLOGY_REASON.format(reason=reason))
        new_day = new_due.astimezone(VN_TZ).date()
        left = working_days(today, new_day)
        lines.append(
            T.DOSSIER_NEW_DUE_TODAY
            if new_day == today
            else T.DOSSIER_NEW_DUE_LEFT.format(days=max(1, left))
        )
    return lines


def _stopped_lines(
    facts: DossierFacts, working_days: WorkingDaysBetween, agency: AgencyInfo
) -> list[str]:
    since = facts.clock_stopped_at
    when = T.DOSSIER_CLOCK_SINCE.format(date=vn_date(since)) if since else ""
    lines = [T.DOSSIER_CLOCK_STOPPED[facts.status].format(since=when)]
    due = facts.due_at
    if since is None or due is None:
        return lines
    if facts.status == DossierStatus.SUPPLEMENT_REQUIRED and agency.supplement_clock == "restart":
        return [*lines, T.DOSSIER_CLOCK_RESTARTS]
    if since >= due:  # late before it stopped: no days to promise
        return [*lines, T.DOSSIER_CLOCK_RESUMES_LATE]
    days = working_days(since.astimezone(VN_TZ).date(), due.astimezone(VN_TZ).date())
    left = T.DOSSIER_CLOCK_LEFT_DAYS.format(days=days) if days > 0 else T.DOSSIER_CLOCK_LEFT_HOURS
    return [*lines, T.DOSSIER_CLOCK_RESUMES[facts.status].format(left=left)]


def next_step(facts: DossierFacts, agency: AgencyInfo) -> str | None:
    template = T.DOSSIER_NEXT_STEP.get(facts.status)
    if template is None:
        return None
    note = (facts.note or "").strip().rstrip(".")
    missing = T.DOSSIER_NOTE_MISSING.format(contact=agency.contact)
    return _sentence(
        template.format(
            note=note or missing,
            note_suffix=f" ({note})" if note else "",
            place=agency.collect_place,
        )
    )


def render_dossier(
    facts: DossierFacts,
    *,
    now: datetime,
    working_days: WorkingDaysBetween = weekdays_between,
    agency: AgencyInfo | None = None,
) -> str:
    """The lookup answer: never a phone digit, the name masked."""
    agency = agency or AgencyInfo()
    lines = [
        T.DOSSIER_HEADER.format(code=facts.receipt_code),
        T.DOSSIER_PROCEDURE.format(name=procedure_title(facts.procedure_name)),
        T.DOSSIER_APPLICANT.format(name=mask_name(facts.applicant_name)),
        T.DOSSIER_STATUS.format(label=status_label(facts.status)),
    ]
    accepted = facts.accepted_at
    if accepted is None or facts.status == DossierStatus.REGISTERED:
        lines.append(T.DOSSIER_FILED.format(date=vn_date(facts.received_at)))
    else:
        if vn_date(facts.received_at) != vn_date(accepted):  # filed online outside hours
            lines.append(T.DOSSIER_FILED.format(date=vn_date(facts.received_at)))
        lines.append(T.DOSSIER_RECEIVED.format(date=vn_date(accepted)))
    if facts.due_at is not None and facts.status not in _STOPPED:
        lines.append(T.DOSSIER_DUE.format(date=vn_date(facts.due_at)))
        new_due = facts.new_due_at
        if new_due is not None and new_due > facts.due_at and facts.status in _RUNNING:
            lines.append(T.DOSSIER_NEW_DUE.format(date=vn_date(new_due)))
    lines += clock_lines(facts, now, working_days, agency)
    step = next_step(facts, agency)
    if step:
        lines += ["", T.DOSSIER_NEXT_STEP_TITLE.format(text=step)]
    return "\n".join(lines)
