"""The citizen's view of one dossier: status in words, dates, days left or overdue, next step.

Pure formatting: what a lookup by code alone may show (the applicant's name only masked).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from handlers import texts_vi as T

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_THU_TUC = re.compile(r"^thủ tục\s+", re.IGNORECASE)
# Statuses where the dossier no longer runs against its due date.
FINISHED = frozenset({"result_ready", "returned", "rejected", "withdrawn"})


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
    def due_at(self) -> datetime | None: ...
    @property
    def status(self) -> str: ...
    @property
    def note(self) -> str | None: ...
    @property
    def apology_reason(self) -> str | None: ...
    @property
    def new_due_at(self) -> datetime | None: ...


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


def countdown_line(
    facts: DossierFacts, now: datetime, working_days: WorkingDaysBetween
) -> str | None:
    """Days left until the (possibly re-promised) due date, or days overdue; None when done."""
    due = facts.new_due_at or facts.due_at
    if due is None or facts.status in FINISHED:
        return None
    today = now.astimezone(VN_TZ).date()
    due_day = due.astimezone(VN_TZ).date()
    if now <= due:
        if due_day == today:
            return T.DOSSIER_DUE_TODAY
        return T.DOSSIER_DAYS_LEFT.format(days=max(1, working_days(today, due_day)))
    late = working_days(due_day, today)
    return T.DOSSIER_OVERDUE_DAYS.format(days=late) if late > 0 else T.DOSSIER_OVERDUE


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
        T.DOSSIER_RECEIVED.format(date=vn_date(facts.received_at)),
    ]
    if facts.due_at is not None:
        lines.append(T.DOSSIER_DUE.format(date=vn_date(facts.due_at)))
    if facts.new_due_at is not None:
        lines.append(T.DOSSIER_NEW_DUE.format(date=vn_date(facts.new_due_at)))
    countdown = countdown_line(facts, now, working_days)
    if countdown:
        lines.append(countdown)
        late = facts.due_at is not None and now > facts.due_at
        if facts.apology_reason and (late or facts.new_due_at is not None):
            lines.append(T.DOSSIER_APOLOGY_REASON.format(reason=facts.apology_reason.strip()))
    step = next_step(facts, agency)
    if step:
        lines += ["", T.DOSSIER_NEXT_STEP_TITLE.format(text=step)]
    return "\n".join(lines)
