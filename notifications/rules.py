"""What is due to whom: the notification rules as pure functions over dossier facts and a clock.

Each rule returns a ``Notice``: its facts (data every sender renders from) and the text rendered
from them. The due date is the dossier clock's (handlers.dossiers.clock): nothing is late, and no
apology goes out, while the dossier waits for the citizen or is paused. The rules are listed once,
in notifications.registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol

from handlers.dossiers.statuses import CLOCK_RUNNING, CLOCK_STOPPED, CLOSED, label_vi
from handlers.dossiers.view import mask_name
from handlers.messages import Button
from handlers.payloads import CORE, Rate
from notifications import texts_vi as t
from notifications.notice import Notice, NoticeFacts

FINAL_STATUSES = frozenset(str(s) for s in CLOSED)
# The clock runs: the only statuses a dossier can be late in. Listed so the overdue scan is an
# index range (status IN ..., due_at < now); stopped clocks are simply not in it.
RUNNING_STATUSES = tuple(sorted(str(s) for s in CLOCK_RUNNING))
STOPPED_STATUSES = frozenset(str(s) for s in CLOCK_STOPPED)
# Status changes that are worth a push of their own (``processing`` only when it resumes a
# stopped clock: the citizen learns the new due date).
NOTIFIED_STATUSES = frozenset(
    {
        "received",
        "processing",
        "supplement_required",
        "financial_obligation",
        "paused",
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

RATING_VALUES = {"very_satisfied": 3, "satisfied": 2, "unsatisfied": 1}

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
    due_at: datetime | None  # the clock's
    status: str
    status_at: datetime
    agency: str | None = None
    note: str | None = None
    apology_reason: str | None = None
    new_due_at: datetime | None = None
    applicant_name: str | None = None
    accepted_at: datetime | None = None
    clock_stopped_at: datetime | None = None

    @property
    def received(self) -> datetime:
        """The day the desk accepted it (filing day for an older row without the clock)."""
        return self.accepted_at or self.received_at


@dataclass(frozen=True, slots=True)
class EventFacts:
    id: int
    status: str
    at: datetime
    note: str | None = None
    apology_reason: str | None = None
    new_due_at: datetime | None = None
    previous_status: str | None = None  # the status before this event (None: the first)


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
    supplement_clock: str = "pause"


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


def addressee(name: str | None, *, proved: bool) -> str:
    """ "ông/bà Nguyễn Văn An" to a recipient who proved possession of the dossier (a signed
    receipt token, the phone's last digits, a phone the channel verified: every subscription
    needs one), "ông/bà N*** V** A" otherwise, plain "ông/bà" without a name on record."""
    clean = " ".join((name or "").split())
    if not clean:
        return t.ADDRESSEE_NO_NAME
    return t.ADDRESSEE.format(name=clean if proved else mask_name(clean))


def _facts(d: DossierFacts, rule: str, occurrence: str, **kw: object) -> NoticeFacts:
    base = NoticeFacts(
        rule=rule,
        occurrence=occurrence,
        receipt_code=d.receipt_code,
        procedure_name=d.procedure_name,
        status=d.status,
        received_at=d.received,
        due_at=d.due_at,
        new_due_at=d.new_due_at,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def _header(d: DossierFacts) -> str:
    return t.HEADER.format(code=d.receipt_code, procedure=d.procedure_name or t.UNKNOWN_PROCEDURE)


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _sentence(text: str) -> str:
    return text if not text or text[-1] in ".!?…" else text + "."


def _stop_tail(status: str, ctx: RuleContext) -> str:
    if status == "supplement_required" and ctx.supplement_clock == "restart":
        return t.CLOCK_STOPPED_RESTART
    return t.CLOCK_STOPPED_PAUSE.format(until=t.CLOCK_UNTIL[status])


def status_notice(d: DossierFacts, ev: EventFacts, ctx: RuleContext) -> Notice | None:
    """The message for a status change (event), or None for statuses that need no push."""
    if ev.status not in NOTIFIED_STATUSES:
        return None
    if ev.new_due_at is not None and ev.status == d.status:
        return None  # a new date recorded in the same status (an apology): new_due_notice says it
    note = _clean(ev.note)
    tz = ctx.tz
    resumed = ev.previous_status in STOPPED_STATUSES and ev.status in RUNNING_STATUSES
    if ev.status == "processing" and not resumed:
        return None
    if resumed:
        restarted = ev.previous_status == "supplement_required" and (
            ctx.supplement_clock == "restart"
        )
        body = t.STATUS_RESUMED.format(at=fmt_date(ev.at, tz))
        if d.due_at is not None and d.due_at > ev.at:
            how = t.RESUMED_RESTART if restarted else t.RESUMED_PAUSE
            body += "\n" + t.STATUS_RESUMED_DUE.format(due=fmt_date(d.due_at, tz), how=how)
    elif ev.status == "received":
        received = fmt_date(d.received, tz)
        body = (
            t.STATUS_RECEIVED.format(received=received, due=fmt_date(d.due_at, tz))
            if d.due_at
            else t.STATUS_RECEIVED_NO_DUE.format(received=received)
        )
    elif ev.status == "supplement_required":
        body = (
            t.STATUS_SUPPLEMENT.format(missing=note, place=ctx.collect_place)
            if note
            else t.STATUS_SUPPLEMENT_NO_DETAIL.format(contact=ctx.contact)
        )
        body += "\n" + _stop_tail(ev.status, ctx)
    elif ev.status == "financial_obligation":
        detail = t.STATUS_FINANCIAL_DETAIL.format(note=note) if note else ""
        body = t.STATUS_FINANCIAL.format(detail=detail) + "\n" + _stop_tail(ev.status, ctx)
    elif ev.status == "paused":
        reason = t.STATUS_PAUSED_REASON.format(reason=note) if note else ""
        body = t.STATUS_PAUSED.format(reason=reason, contact=ctx.contact)
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
    facts = _facts(
        d, RULE_STATUS, f"{ev.status}-{ev.id}", status=ev.status, note=note or None, event_at=ev.at
    )
    return Notice(facts, f"{_header(d)}\n\n{body}", after=ev.at)


def satisfaction_notice(d: DossierFacts, ev: EventFacts, ctx: RuleContext) -> Notice | None:
    """After ``returned``: ask how satisfied the citizen is, with three buttons."""
    if ev.status != "returned":
        return None
    buttons = tuple(
        Button(label, Rate(d.id, value).encode()) for value, label in t.RATING_LABELS.items()
    )
    # A minute later, so it arrives after the "returned" message to the same chat.
    return Notice(
        _facts(d, RULE_SATISFACTION, str(ev.id), status=ev.status, event_at=ev.at),
        t.SATISFACTION_QUESTION.format(code=d.receipt_code),
        buttons,
        delay=timedelta(minutes=1),
        after=ev.at,
    )


# --- the apology ----------------------------------------------------------------------------


def missed_due(d: DossierFacts, now: datetime) -> datetime | None:
    """The promised date that has passed while the clock runs (the latest one), or None."""
    if d.status not in RUNNING_STATUSES or d.due_at is None or now <= d.due_at:
        return None
    if d.new_due_at and d.new_due_at > d.due_at and now > d.new_due_at:
        return d.new_due_at
    return d.due_at


def letter_details(d: DossierFacts) -> tuple[str, datetime] | None:
    """The reason and new date the agency recorded for the clock's date, when both are: what
    the official form needs. A reason belongs to the first date it was recorded against."""
    reason = _clean(d.apology_reason)
    if not reason or d.due_at is None or d.new_due_at is None or d.new_due_at <= d.due_at:
        return None
    return reason, d.new_due_at


def apology_letter(
    d: DossierFacts, now: datetime, ctx: RuleContext, *, proved: bool = True
) -> Notice | None:
    """The official form "Phiếu xin lỗi và hẹn lại ngày trả kết quả", once per new date, when
    the agency recorded both the reason and the new date (before the due date, as the rules
    ask, or after it); never while the dossier waits for the citizen or is paused."""
    details = letter_details(d)
    if details is None or d.status not in RUNNING_STATUSES or d.due_at is None:
        return None
    reason, new_due = details
    if now > new_due:
        return None  # too late for this letter: the new date itself was missed
    tz = ctx.tz
    agency = d.agency or ctx.agency_name
    late = now > d.due_at
    facts = _facts(
        d,
        RULE_OVERDUE_APOLOGY,
        f"letter-{new_due.astimezone(tz).date().isoformat()}",
        late=late,
        missed_due_at=d.due_at,
        reason=reason,
        official_form=True,
    )
    why = t.LETTER_LATE if late else t.LETTER_AHEAD
    why += " " + t.LETTER_REASON.format(reason=_sentence(reason))
    text = "\n\n".join(
        [
            t.APOLOGY_TITLE,
            t.APOLOGY_TO.format(addressee=addressee(d.applicant_name, proved=proved)),
            t.LETTER_FACTS.format(
                received=fmt_date(d.received, tz),
                agency=agency,
                code=d.receipt_code,
                procedure=d.procedure_name or t.UNKNOWN_PROCEDURE,
                promised=fmt_date(d.due_at, tz),
            ),
            why,
            t.LETTER_SORRY.format(agency=agency, new_due=fmt_date(new_due, tz)),
            t.APOLOGY_STATUS.format(label=label_vi(d.status)),
            t.APOLOGY_CONTACT.format(contact=ctx.contact),
            t.APOLOGY_LEGAL.format(legal=ctx.legal_reference),
        ]
    )
    return Notice(facts, text)


def overdue_apology(
    d: DossierFacts, now: datetime, ctx: RuleContext, *, proved: bool = True
) -> Notice | None:
    """Once per missed date: the official form when the agency recorded the reason and the new
    date for it, else a plain apology (not titled as the form) saying the letter with the new
    date follows. The reason and date are only ever those recorded."""
    missed = missed_due(d, now)
    if missed is None:
        return None
    if missed == d.due_at and letter_details(d) is not None:
        return apology_letter(d, now, ctx, proved=proved)
    tz = ctx.tz
    agency = d.agency or ctx.agency_name
    # A new date recorded without a reason is passed on; a reason recorded for an earlier date
    # does not belong to this one.
    new_due = d.new_due_at if d.new_due_at and d.new_due_at > missed else None
    facts = _facts(
        d,
        RULE_OVERDUE_APOLOGY,
        missed.astimezone(tz).date().isoformat(),
        late=True,
        missed_due_at=missed,
        new_due_at=new_due,
    )
    parts = [
        t.APOLOGY_TO.format(addressee=addressee(d.applicant_name, proved=proved)),
        t.APOLOGY_FACTS.format(
            code=d.receipt_code,
            procedure=d.procedure_name or t.UNKNOWN_PROCEDURE,
            received=fmt_date(d.received, tz),
            promised=fmt_date(missed, tz),
        ),
        t.APOLOGY_SORRY.format(agency=agency, legal=ctx.legal_reference),
        t.APOLOGY_STATUS.format(label=label_vi(d.status)),
    ]
    if new_due is not None:
        parts.append(t.APOLOGY_NEW_DATE_NO_REASON.format(new_due=fmt_date(new_due, tz)))
    else:
        parts.append(t.APOLOGY_LETTER_FOLLOWS)
    parts.append(t.APOLOGY_CONTACT.format(contact=ctx.contact))
    return Notice(facts, "\n\n".join(parts))


def new_due_notice(d: DossierFacts, ev: EventFacts, ctx: RuleContext) -> Notice | None:
    """The agency recorded a new date (and maybe a reason) with this event: the official letter
    when both are on record for the clock's date, else the new date passed on as is."""
    reason = _clean(ev.apology_reason) or _clean(d.apology_reason)
    new_due = ev.new_due_at or d.new_due_at
    if ev.new_due_at is None and not _clean(ev.apology_reason):
        return None
    if d.status not in RUNNING_STATUSES or new_due is None:
        # Finished, or waiting for the citizen: no apology now. A reason alone: the letter
        # goes once the date is recorded too.
        return None
    recorded = replace(d, apology_reason=reason or None, new_due_at=new_due)
    letter = apology_letter(recorded, ev.at, ctx)
    if letter is not None:
        return replace(letter, after=ev.at)
    body = t.NEW_DUE_DATE.format(
        new_due=fmt_date(new_due, ctx.tz),
        reason=t.NEW_DUE_REASON.format(reason=reason) if reason else "",
        contact=ctx.contact,
    )
    facts = _facts(recorded, RULE_NEW_DUE_DATE, str(ev.id), event_at=ev.at, reason=reason or None)
    return Notice(facts, f"{_header(d)}\n\n{body}", after=ev.at)


# --- reminders ------------------------------------------------------------------------------


def effective_due(d: DossierFacts) -> datetime | None:
    """The date the citizen is waiting for now: the recorded new date when there is one."""
    if d.due_at and d.new_due_at and d.new_due_at > d.due_at:
        return d.new_due_at
    return d.due_at or d.new_due_at


def due_reminder(d: DossierFacts, now: datetime, ctx: RuleContext) -> Notice | None:
    """On the working day before the due date (and until the due time), a reminder once; only
    while the clock runs."""
    due = effective_due(d)
    if due is None or d.status not in RUNNING_STATUSES or now >= due:
        return None
    due_day = due.astimezone(ctx.tz).date()
    remind_on = previous_working_day(due_day, ctx.calendar)
    today = now.astimezone(ctx.tz).date()
    if today < remind_on or d.received.astimezone(ctx.tz).date() >= remind_on:
        return None
    body = t.DUE_REMINDER.format(due=fmt_date(due, ctx.tz))
    facts = _facts(d, RULE_DUE_REMINDER, due_day.isoformat(), due_at=due)
    return Notice(facts, f"{_header(d)}\n\n{body}")


def collect_reminder(d: DossierFacts, now: datetime, ctx: RuleContext) -> Notice | None:
    """A result waiting more than N working days to be collected: one reminder."""
    if d.status != "result_ready":
        return None
    since = d.status_at.astimezone(ctx.tz).date()
    today = now.astimezone(ctx.tz).date()
    if working_days_after(since, today, ctx.calendar) <= ctx.collect_after_working_days:
        return None
    body = t.COLLECT_REMINDER.format(since=since.strftime("%d/%m/%Y"), place=ctx.collect_place)
    facts = _facts(d, RULE_COLLECT_REMINDER, since.isoformat(), event_at=d.status_at)
    return Notice(facts, f"{_header(d)}\n\n{body}")


def parse_rating(payload: str) -> tuple[int, int] | None:
    """``rate:<dossier_id>:<value>`` → (dossier_id, stored value 1..3), None when malformed."""
    rate = CORE.parse(payload)
    if not isinstance(rate, Rate) or rate.value not in RATING_VALUES:
        return None
    return rate.dossier_id, RATING_VALUES[rate.value]
