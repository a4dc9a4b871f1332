"""What is due to whom: the notification rules as pure functions over dossier facts and a clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol

from handlers.dossiers.statuses import CLOSED, OPEN
from handlers.messages import Button
from notifications import texts_vi as t

# Overdue is derived (DESIGN.md): the due time passed and the dossier is not in a closed status.
FINAL_STATUSES = frozenset(str(s) for s in CLOSED)
# The open statuses, listed so the overdue scan is an index range (status IN ..., due_at < now).
OPEN_STATUSES = tuple(sorted(str(s) for s in OPEN))
# Status changes that are worth a push of their own.
NOTIFIED_STATUSES = frozenset(
    {
        "received",
        "supplement_required",
        "financial_obligation",
        "result_ready",
        "rejected",
        "returned",
    }
)

RULE_STATUS = "status"
RULE_DUE_REMINDER = "due_reminder"
RULE_OVERDUE_APOLOGY = "overdue_apology"
RULE_COLLECT_REMINDER = "collect_reminder"
RULE_SATISFACTION = "satisfaction"
RULE_NEW_DUE_DATE = "new_due_date"
RULES = (
    RULE_STATUS,
    RULE_DUE_REMINDER,
    RULE_OVERDUE_APOLOGY,
    RULE_COLLECT_REMINDER,
    RULE_SATISFACTION,
    RULE_NEW_DUE_DATE,
)

RATING_VALUES = {"very_satisfied": 3, "satisfied": 2, "unsatisfied": 1}
RATING_PREFIX = "rate:"

# A due reminder never looks further ahead than this (Tết holidays are the longest gap).
REMINDER_HORIZON = timedelta(days=21)


class WorkingCalendar(Protocol):
    """The dossier calendar: weekends, VN public holidays, extra days off, make-up working days."""

    def is_working_day(self, day: date) -> bool: ...


@dataclass(frozen=True, slots=True)
class DossierFacts:
    id: int
    receipt_code: str
    procedure_name: str | None
    received_at: datetime
    due_at: datetime | None
    status: str
    status_at: datetime
    agency: str | None = None
    note: str | None = None
    apology_reason: str | None = None
    new_due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class EventFacts:
    id: int
    status: str
    at: datetime
    note: str | None = None
    apology_reason: str | None = None
    new_due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """One message a rule wants sent to every subscriber of a dossier, once per occurrence."""

    rule: str
    occurrence: str
    text: str
    buttons: tuple[Button, ...] = ()
    delay: timedelta = timedelta(0)
    # News from before a chat subscribed is not pushed to it (it saw the status when it did).
    after: datetime | None = None


@dataclass(frozen=True, slots=True)
class RuleContext:
    calendar: WorkingCalendar
    tz: tzinfo
    agency_name: str
    contact: str
    collect_place: str
    legal_reference: str
    collect_after_working_days: int = 3
    status_lookback: timedelta = field(default=timedelta(days=3))


def fmt_date(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y")


def fmt_datetime(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M %d/%m/%Y")


def previous_working_day(day: date, calendar: WorkingCalendar) -> date:
    """The last working day strictly before ``day``."""
    day -= timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def working_days_after(start: date, end: date, calendar: WorkingCalendar) -> int:
    """Working days in (start, end]: how long something has been waiting, in working days."""
    count, day = 0, start + timedelta(days=1)
    while day <= end:
        count += calendar.is_working_day(day)
        day += timedelta(days=1)
    return count


def _header(d: DossierFacts) -> str:
    return t.HEADER.format(code=d.receipt_code, procedure=d.procedure_name or t.UNKNOWN_PROCEDURE)


def _clean(text: str | None) -> str:
    return (text or "").strip()


def status_notice(d: DossierFacts, ev: EventFacts, ctx: RuleContext) -> Notice | None:
    """The message for a status change (event), or None for statuses that need no push."""
    if ev.status not in NOTIFIED_STATUSES:
        return None
    if ev.new_due_at is not None and ev.status == d.status:
        return None  # a new date recorded in the same status (an apology): new_due_notice says it
    note = _clean(ev.note)
    tz = ctx.tz
    if ev.status == "received":
        body = (
            t.STATUS_RECEIVED.format(
                received=fmt_date(d.received_at, tz), due=fmt_date(d.due_at, tz)
            )
            if d.due_at
            else t.STATUS_RECEIVED_NO_DUE.format(received=fmt_date(d.received_at, tz))
        )
    elif ev.status == "supplement_required":
        body = (
            t.STATUS_SUPPLEMENT.format(missing=note, place=ctx.collect_place)
            if note
            else t.STATUS_SUPPLEMENT_NO_DETAIL.format(contact=ctx.contact)
        )
    elif ev.status == "financial_obligation":
        detail = t.STATUS_FINANCIAL_DETAIL.format(note=note) if note else ""
        body = t.STATUS_FINANCIAL.format(detail=detail)
    elif ev.status == "result_ready":
        body = t.STATUS_RESULT_READY.format(place=ctx.collect_place, since=fmt_datetime(ev.at, tz))
    elif ev.status == "rejected":
        body = (
            t.STATUS_REJECTED.format(reason=note, contact=ctx.contact)
            if note
            else t.STATUS_REJECTED_NO_REASON.format(contact=ctx.contact)
        )
    else:  # returned
        body = t.STATUS_RETURNED.format(at=fmt_date(ev.at, tz), agency=d.agency or ctx.agency_name)
    return Notice(RULE_STATUS, f"{ev.status}-{ev.id}", f"{_header(d)}\n\n{body}", after=ev.at)


def new_due_notice(d: DossierFacts, ev: EventFacts, ctx: RuleContext) -> Notice | None:
    """The agency recorded a new date (and maybe a reason) with this event: pass it on as is."""
    if ev.new_due_at is None or d.status in FINAL_STATUSES:
        return None
    reason = _clean(ev.apology_reason)
    body = t.NEW_DUE_DATE.format(
        new_due=fmt_date(ev.new_due_at, ctx.tz),
        reason=t.NEW_DUE_REASON.format(reason=reason) if reason else "",
        contact=ctx.contact,
    )
    return Notice(RULE_NEW_DUE_DATE, str(ev.id), f"{_header(d)}\n\n{body}", after=ev.at)


def satisfaction_notice(d: DossierFacts, ev: EventFacts, ctx: RuleContext) -> Notice | None:
    """After ``returned``: ask how satisfied the citizen is, with three buttons."""
    if ev.status != "returned":
        return None
    buttons = tuple(
        Button(label, f"{RATING_PREFIX}{d.id}:{value}") for value, label in t.RATING_LABELS.items()
    )
    # A minute later, so it arrives after the "returned" message to the same chat.
    return Notice(
        RULE_SATISFACTION,
        str(ev.id),
        t.SATISFACTION_QUESTION.format(code=d.receipt_code),
        buttons,
        delay=timedelta(minutes=1),
        after=ev.at,
    )


def effective_due(d: DossierFacts) -> datetime | None:
    """The date the citizen is waiting for now: the recorded new date when there is one."""
    if d.due_at and d.new_due_at and d.new_due_at > d.due_at:
        return d.new_due_at
    return d.due_at or d.new_due_at


def due_reminder(d: DossierFacts, now: datetime, ctx: RuleContext) -> Notice | None:
    """On the working day before the due date (and until the due time), a reminder once."""
    due = effective_due(d)
    if due is None or d.status in FINAL_STATUSES or now >= due:
        return None
    due_day = due.astimezone(ctx.tz).date()
    remind_on = previous_working_day(due_day, ctx.calendar)
    today = now.astimezone(ctx.tz).date()
    if today < remind_on or d.received_at.astimezone(ctx.tz).date() >= remind_on:
        return None
    body = t.DUE_REMINDER.format(due=fmt_date(due, ctx.tz))
    return Notice(RULE_DUE_REMINDER, due_day.isoformat(), f"{_header(d)}\n\n{body}")


def missed_due(d: DossierFacts, now: datetime) -> datetime | None:
    """The promised date that has passed (the latest one), or None when nothing is overdue."""
    if d.status in FINAL_STATUSES or d.due_at is None or now <= d.due_at:
        return None
    if d.new_due_at and d.new_due_at > d.due_at and now > d.new_due_at:
        return d.new_due_at
    return d.due_at


def needs_apology_details(d: DossierFacts, now: datetime) -> bool:
    """Overdue with no reason or no future new date recorded: staff must record them."""
    missed = missed_due(d, now)
    if missed is None:
        return False
    has_reason = bool(_clean(d.apology_reason)) and missed == d.due_at
    has_new_date = d.new_due_at is not None and d.new_due_at > now
    return not (has_reason and has_new_date)


def overdue_apology(d: DossierFacts, now: datetime, ctx: RuleContext) -> Notice | None:
    """The form "Phiếu xin lỗi và hẹn lại ngày trả kết quả", once per missed date.

    The reason and new date are only those the agency recorded; the bot never makes them up.
    """
    missed = missed_due(d, now)
    if missed is None:
        return None
    tz = ctx.tz
    parts = [
        t.APOLOGY_TITLE,
        t.APOLOGY_FACTS.format(
            code=d.receipt_code,
            procedure=d.procedure_name or t.UNKNOWN_PROCEDURE,
            received=fmt_date(d.received_at, tz),
            promised=fmt_date(missed, tz),
        ),
        t.APOLOGY_SORRY.format(agency=d.agency or ctx.agency_name, legal=ctx.legal_reference),
    ]
    # A reason recorded with the first new date belongs to the first missed date only.
    reason = _clean(d.apology_reason) if missed == d.due_at else ""
    if reason:
        parts.append(t.APOLOGY_REASON.format(reason=reason))
    if d.new_due_at is not None and d.new_due_at > missed and d.new_due_at > now:
        parts.append(t.APOLOGY_NEW_DATE.format(new_due=fmt_date(d.new_due_at, tz)))
    else:
        parts.append(t.APOLOGY_NEW_DATE_PENDING)
    parts.append(t.APOLOGY_CONTACT.format(contact=ctx.contact))
    occurrence = missed.astimezone(tz).date().isoformat()
    return Notice(RULE_OVERDUE_APOLOGY, occurrence, "\n\n".join(parts))


def collect_reminder(d: DossierFacts, now: datetime, ctx: RuleContext) -> Notice | None:
    """A result waiting more than N working days to be collected: one reminder."""
    if d.status != "result_ready":
        return None
    since = d.status_at.astimezone(ctx.tz).date()
    today = now.astimezone(ctx.tz).date()
    if working_days_after(since, today, ctx.calendar) <= ctx.collect_after_working_days:
        return None
    body = t.COLLECT_REMINDER.format(since=since.strftime("%d/%m/%Y"), place=ctx.collect_place)
    return Notice(RULE_COLLECT_REMINDER, since.isoformat(), f"{_header(d)}\n\n{body}")


def parse_rating(payload: str) -> tuple[int, int] | None:
    """``rate:<dossier_id>:<value>`` → (dossier_id, stored value 1..3), None when malformed."""
    if not payload.startswith(RATING_PREFIX):
        return None
    parts = payload[len(RATING_PREFIX) :].split(":")
    if len(parts) != 2 or not parts[0].isdigit() or parts[1] not in RATING_VALUES:
        return None
    return int(parts[0]), RATING_VALUES[parts[1]]
