"""Pushes outbox messages to Zalo: ``ZaloSender`` (subscribers, by Zalo user id) and
``ZnsSender`` (ZNS template by the dossier's phone, for a citizen who never messaged the OA).

Both classify every Zalo error through ``bot.zalo.errors`` into a dispatcher outcome and never
raise. Zalo blocks OA messages 22:00–06:00 (Vietnam time): nothing is attempted then. Cards and
templates are rendered from the outbox row's facts (``SendContext.facts``), never from its text.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.zalo import NAME as ZALO
from bot.zalo import texts_vi as T
from bot.zalo.client import Sent
from bot.zalo.errors import Action, ZaloApiError
from bot.zalo.inbox import user_ref
from bot.zalo.render import handoff_card, render, status_card
from handlers import choices
from handlers.conversation import ConversationStore
from handlers.dossiers.phones import mask_phone
from handlers.dossiers.statuses import label_vi
from handlers.messages import Reply
from handlers.texts_vi import DOSSIER_STATUS_UNKNOWN
from notifications.handoffs import RULE_HANDOFF_REPLY
from notifications.notice import NoticeFacts
from notifications.ports import SENT, Outcome, SendContext, SendResult
from storage.zalo_repo import ZnsDossier

log = logging.getLogger(__name__)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NIGHT_START, NIGHT_END = time(22, 0), time(6, 0)
RATE_WINDOW_S = 60.0  # Zalo counts requests per minute
ZNS_CHANNEL = "zns"


def seconds_until_morning(now: datetime) -> float:
    """0 outside Zalo's night block; else the seconds left until 06:00 Vietnam time."""
    local = now.astimezone(VN)
    if NIGHT_END <= local.time() < NIGHT_START:
        return 0.0
    morning = local.replace(hour=NIGHT_END.hour, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning += timedelta(days=1)
    return (morning - local).total_seconds()


def seconds_until_tomorrow(now: datetime) -> float:
    """Until 06:00 tomorrow, Vietnam time (a spent daily ZNS quota)."""
    local = now.astimezone(VN)
    morning = (local + timedelta(days=1)).replace(
        hour=NIGHT_END.hour, minute=0, second=0, microsecond=0
    )
    return (morning - local).total_seconds()


class ZaloOutbound(Protocol):
    """The part of bot.zalo.client.ZaloClient the senders use."""

    def rate_wait(self, window_s: float = 60.0) -> float: ...

    async def send_message(
        self, user_id: str, message: dict[str, Any], *, kind: str = "cs"
    ) -> Sent: ...

    async def send_zns(
        self, phone: str, template_id: str, template_data: dict[str, str], tracking_id: str
    ) -> Sent: ...


def classify(exc: ZaloApiError, now: datetime) -> SendResult:
    """A Zalo error → what the dispatcher does next (the table is bot.zalo.errors.ERRORS)."""
    error = str(exc)[:300]
    match exc.action:
        case Action.BACK_OFF:
            return SendResult(Outcome.RETRY_AFTER, max(exc.retry_after, RATE_WINDOW_S), error)
        case Action.DEFER_MORNING:
            wait = seconds_until_morning(now) or RATE_WINDOW_S
            return SendResult(Outcome.RETRY_AFTER, wait, error)
        case Action.DEFER_TOMORROW:
            return SendResult(Outcome.RETRY_AFTER, seconds_until_tomorrow(now), error)
        case Action.END_SUBSCRIPTION:
            return SendResult(Outcome.BLOCKED, error=error)
        case Action.DROP | Action.BUG | Action.FALL_BACK:
            return SendResult(Outcome.PERMANENT, error=error)
        case Action.REFRESH | Action.RETRY:
            return SendResult(Outcome.TRANSIENT, error=error)
    return SendResult(Outcome.TRANSIENT, error=error)


def _night(now: datetime) -> SendResult | None:
    wait = seconds_until_morning(now)
    if wait:
        return SendResult(Outcome.RETRY_AFTER, wait, "Zalo night-time block (22:00-06:00)")
    return None


class ZaloSender:
    """``notifications.ports.Sender`` for Zalo subscribers; the recipient is the Zalo user id.

    A consultation message needs the user's last interaction within 7 days; when Zalo says the
    window is closed (-230/-232) the notice goes out as a transaction card (allowed for a year),
    which carries the receipt code, the notice text and a link to the web lookup.
    """

    def __init__(
        self,
        client: ZaloOutbound,
        *,
        lookup_url: str | None = None,
        choices: ConversationStore | None = None,
        zns: ZnsSender | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._lookup_url = lookup_url
        self._choices = choices  # where a numbered list is kept for the user's digit answer
        self._zns = zns  # the phone route when neither a message nor a card can reach the user
        self._clock = clock

    @property
    def channel(self) -> str:
        return ZALO

    async def send(
        self, recipient: str, reply: Reply, context: SendContext | None = None
    ) -> SendResult:
        now = self._clock()
        blocked = _night(now)
        if blocked is not None:
            return blocked
        wait = self._client.rate_wait(RATE_WINDOW_S)
        if wait > 0:
            return SendResult(Outcome.RETRY_AFTER, wait, "X-RateLimit-Remain is 0")
        rendered = render(reply)
        try:
            for message in rendered.messages:
                await self._client.send_message(recipient, message)
        except ZaloApiError as exc:
            if exc.action is Action.FALL_BACK:
                return await self._card(recipient, reply, exc, context)
            return self._log(classify(exc, now), recipient)
        if rendered.choices and self._choices is not None:
            await choices.offer(self._choices, self.channel, recipient, rendered.choices)
        return SENT

    async def _card(
        self, recipient: str, reply: Reply, first: ZaloApiError, context: SendContext | None
    ) -> SendResult:
        if context is not None and context.rule == RULE_HANDOFF_REPLY:
            # The key starts with the ticket code (notifications.handoffs.reply_key).
            ticket = context.key.split(":", 1)[0]
            card = handoff_card(ticket_code=ticket, text=_answer_only(reply.text))
        else:
            facts = context.facts if context is not None else None
            if facts is None:  # a row without facts (no dossier): nothing to put on a card
                return await self._by_phone(recipient, reply, first, context)
            card = card_for(facts, reply.text, self._lookup_url)
        try:
            await self._client.send_message(recipient, card, kind="transaction")
        except ZaloApiError as exc:
            return await self._by_phone(recipient, reply, exc, context)
        log.info("zalo user %s: window closed, sent a transaction card", user_ref(recipient))
        return SENT

    async def _by_phone(
        self, recipient: str, reply: Reply, error: ZaloApiError, context: SendContext | None
    ) -> SendResult:
        """ZNS to the dossier's phone, under the row's own idempotency key, when a template
        for the notice's rule is configured; otherwise the Zalo error stands."""
        zns = self._zns
        if zns is None or context is None or context.dossier_id is None:
            return self._log(classify(error, self._clock()), recipient)
        if not zns.can_send(context.rule):
            return self._log(classify(error, self._clock()), recipient)
        result = await zns.send(
            f"{context.rule}:{context.dossier_id}:{context.occurrence}", reply, context
        )
        log.info("zalo user %s unreachable, ZNS by phone: %s", user_ref(recipient), result.outcome)
        return result

    @staticmethod
    def _log(result: SendResult, recipient: str) -> SendResult:
        log.info("zalo push to %s: %s %s", user_ref(recipient), result.outcome, result.error)
        return result


def _day(moment: datetime | None) -> str:
    return moment.astimezone(VN).strftime("%d/%m/%Y") if moment else ""


def _answer_only(text: str) -> str:
    """The officer's words without the heading line (the card has its own header)."""
    head, _, rest = text.partition("\n\n")
    return rest or head


def _vn_date(iso: str) -> str:
    """``2026-11-20`` → ``20/11/2026``; empty when not a date."""
    parts = iso.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{parts[2]}/{parts[1]}/{parts[0]}"
    return ""


def card_for(facts: NoticeFacts, text: str, lookup_url: str | None) -> dict[str, Any]:
    """The transaction card of a notice, from its facts: the status it reports, red and marked
    late when the clock's date passed, and the date the citizen now waits for."""
    status = facts.status or ""
    label = label_vi(status) if status else DOSSIER_STATUS_UNKNOWN
    if facts.late:
        label = T.CARD_LATE.format(label=label)
    due = facts.new_due_at or facts.due_at
    return status_card(
        receipt_code=facts.receipt_code,
        status="overdue" if facts.late else status,
        status_label=label,
        text=text,
        procedure_name=facts.procedure_name,
        due=_day(due) or None,
        lookup_url=lookup_url,
    )


class ZnsDossiers(Protocol):
    """storage.zalo_repo.SqlZaloUsers."""

    async def zns_facts(self, dossier_id: int) -> ZnsDossier | None: ...


def tracking_id(dossier_id: int, rule: str, occurrence: str) -> str:
    """Our idempotency key "dossier:rule:occurrence" (the outbox key's head), ≤ 48 characters
    as ZNS requires (hashed when longer)."""
    key = f"{dossier_id}:{rule}:{occurrence}"
    return key if len(key) <= 48 else "k" + hashlib.sha256(key.encode()).hexdigest()[:40]


class ZnsSender:
    """``notifications.ports.Sender`` for channel ``zns``; the recipient is ``<rule>:<dossier
    id>:<occurrence>`` (notifications.jobs, by-phone audience), the phone comes from the
    dossier, the template id per rule from settings (``[zalo] zns_templates``), the template
    data from the notice's facts (``promised_date``: the date that was missed)."""

    def __init__(
        self,
        client: ZaloOutbound,
        dossiers: ZnsDossiers,
        templates: dict[str, str],
        *,
        contact: str = "",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._dossiers = dossiers
        self._templates = templates
        self._contact = contact
        self._clock = clock

    @property
    def channel(self) -> str:
        return ZNS_CHANNEL

    def can_send(self, rule: str) -> bool:
        return bool(self._templates.get(rule))

    async def send(
        self, recipient: str, reply: Reply, context: SendContext | None = None
    ) -> SendResult:
        rule, raw_id, occurrence = (recipient.split(":", 2) + ["", ""])[:3]
        template = self._templates.get(rule)
        if not template or not raw_id.isdigit():
            return SendResult(Outcome.PERMANENT, error=f"no ZNS template for {rule!r}")
        dossier = await self._dossiers.zns_facts(int(raw_id))
        if dossier is None or not dossier.phone:
            return SendResult(Outcome.PERMANENT, error="dossier without a phone")
        now = self._clock()
        blocked = _night(now)
        if blocked is not None:
            return blocked
        phone = "84" + dossier.phone[1:] if dossier.phone.startswith("0") else dossier.phone
        facts = context.facts if context is not None else None
        data = self._from_facts(facts) if facts is not None else self._data(dossier, occurrence)
        try:
            await self._client.send_zns(
                phone, template, data, tracking_id(dossier.id, rule, occurrence)
            )
        except ZaloApiError as exc:
            result = classify(exc, now)
            log.info("ZNS %s to %s: %s", rule, mask_phone(dossier.phone), result.outcome)
            return result
        return SENT

    def _from_facts(self, f: NoticeFacts) -> dict[str, str]:
        return {
            "receipt_code": f.receipt_code,
            "procedure_name": (f.procedure_name or "")[:100],
            "status": (label_vi(f.status) if f.status else "")[:100],
            "received_date": _day(f.received_at),
            "due_date": _day(f.due_at),
            "promised_date": _day(f.missed_due_at or f.due_at),
            "new_due_date": _day(f.new_due_at),
            "reason": (f.reason or "")[:100],
            "contact": self._contact[:100],
        }

    def _data(self, d: ZnsDossier, occurrence: str) -> dict[str, str]:
        """A row written without facts (before they were stored): the dossier as it is now."""
        return {
            "receipt_code": d.receipt_code,
            "procedure_name": (d.procedure_name or "")[:100],
            "received_date": _day(d.received_at),
            "due_date": _day(d.due_at),
            "promised_date": _vn_date(occurrence) or _day(d.due_at),
            "new_due_date": _day(d.new_due_at),
            "reason": (d.apology_reason or "")[:100],
            "contact": self._contact[:100],
        }
