"""The one list of notification rules. The scheduler, ``motcua notify run-once`` and every
channel's extra jobs (ZNS by phone) iterate it: a new rule is added here and nowhere else.

Each rule is fed by a source (what the database is asked) and turns each dossier it gets into a
Notice or nothing. ``by_phone`` rules also reach applicants nobody follows, by phone (ZNS), where
a template for the notice's rule is configured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from notifications import rules
from notifications.notice import Notice
from notifications.rules import DossierFacts, EventFacts, RuleContext


class Source(StrEnum):
    EVENTS = "events"  # recent status events (and recorded new dates) of a dossier
    OVERDUE = "overdue"  # clock running, due time passed
    DUE_SOON = "due_soon"  # clock running, due (or new date) within the reminder horizon
    RESULT_WAITING = "result_waiting"  # result ready and not collected for some days


class Audience(StrEnum):
    FOLLOWERS = "followers"  # chats subscribed to the dossier
    PHONE = "phone"  # the applicant's phone, for dossiers nobody follows (ZNS)


OnEvent = Callable[[DossierFacts, EventFacts, RuleContext], Notice | None]
OnScan = Callable[[DossierFacts, datetime, RuleContext], Notice | None]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    source: Source
    on_event: OnEvent | None = None
    on_scan: OnScan | None = None
    by_phone: bool = False

    def notice(
        self, d: DossierFacts, event: EventFacts | None, now: datetime, ctx: RuleContext
    ) -> Notice | None:
        if self.on_event is not None:
            return self.on_event(d, event, ctx) if event is not None else None
        return self.on_scan(d, now, ctx) if self.on_scan is not None else None


REGISTRY: tuple[Rule, ...] = (
    Rule(rules.RULE_STATUS, Source.EVENTS, on_event=rules.status_notice),
    # A recorded reason and new date: the official letter (rule overdue_apology), or the date.
    Rule(rules.RULE_NEW_DUE_DATE, Source.EVENTS, on_event=rules.new_due_notice, by_phone=True),
    Rule(rules.RULE_SATISFACTION, Source.EVENTS, on_event=rules.satisfaction_notice),
    Rule(rules.RULE_DUE_REMINDER, Source.DUE_SOON, on_scan=rules.due_reminder),
    Rule(rules.RULE_OVERDUE_APOLOGY, Source.OVERDUE, on_scan=rules.overdue_apology, by_phone=True),
    Rule(rules.RULE_COLLECT_REMINDER, Source.RESULT_WAITING, on_scan=rules.collect_reminder),
)
# Every outbox rule a notice may carry (a registry rule may send another's, e.g. the letter).
OUTBOX_RULES = tuple(dict.fromkeys(r.name for r in REGISTRY))


def sources(registry: tuple[Rule, ...] = REGISTRY) -> tuple[Source, ...]:
    """The sources the rules use, in registry order: one scheduled job each."""
    return tuple(dict.fromkeys(r.source for r in registry))
