"""The citizen side of the hand-off desk, hooked into the conversation core.

A citizen who asks for a person (or taps "Hỏi cán bộ" after an honest "not found") gets a
ticket code and the office hours; while the ticket is open every message and the assistant's
answers are added to it, so officers see the conversation. "phiếu của tôi" tells its state.
Questions the assistant abstained on or answered with a choice are stored, stripped of
personal data, for staff to learn from.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Protocol

from handlers import texts_vi as t
from handlers.conversation import ConversationState
from handlers.dossiers.calendar import WorkCalendar
from handlers.helpdesk import intents
from handlers.helpdesk.redact import redact
from handlers.messages import Button, Incoming, Reply
from handlers.payloads import AskPerson
from handlers.ratelimit import CounterStore, RateLimiter, Window, check_all
from handlers.usage import UsageKind
from knowledge.normalise import fold
from storage import handoff_repo, questions_repo
from storage.engine import SessionFactory
from storage.staff_models import HandoffTicket

log = logging.getLogger(__name__)

ASK_PAYLOAD = AskPerson().encode()  # the button offered after an honest "not found"
MAX_LINE = 2000  # characters of one transcript line
MIN_QUESTION = 3  # shorter questions ("?") teach nothing
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class HandoffHook(Protocol):
    """What the conversation core calls (handlers/assistant.py); every method is cheap for
    a citizen without a ticket."""

    async def on_text(
        self, msg: Incoming, text: str, state: ConversationState
    ) -> list[Reply] | None: ...

    async def on_ask(self, msg: Incoming, state: ConversationState) -> list[Reply]:
        """The "ask a person" button (:class:`handlers.payloads.AskPerson`)."""
        ...

    async def after_question(
        self,
        msg: Incoming,
        question: str,
        kind: str,
        replies: list[Reply],
        state: ConversationState,
    ) -> list[Reply]: ...

    async def observe(
        self, msg: Incoming, state: ConversationState, replies: list[Reply]
    ) -> None: ...


def new_ticket_code() -> str:
    return "HT-" + "".join(secrets.choice(intents.TICKET_ALPHABET) for _ in range(6))


class HelpDesk:
    """``HandoffHook`` over the database; ``reachable``: channels an officer's reply can reach."""

    def __init__(
        self,
        sessions: SessionFactory,
        calendar: WorkCalendar,
        counters: CounterStore,
        *,
        reachable: Collection[str],
        contact: str,
        per_user_per_day: int = 3,
        per_channel_per_hour: int = 100,
        clock: Clock = _utcnow,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._calendar = calendar
        self._reachable = frozenset(reachable)
        self._contact = contact
        self._clock = clock
        self._per_user = RateLimiter(
            counters, (Window(per_user_per_day, 86400),), name="handoff-user", clock=wall
        )
        self._per_channel = RateLimiter(
            counters, (Window(per_channel_per_hour, 3600),), name="handoff-channel", clock=wall
        )

    # --- hooks ------------------------------------------------------------------------------

    async def on_text(
        self, msg: Incoming, text: str, state: ConversationState
    ) -> list[Reply] | None:
        if intents.wants_person(text):
            return await self._open(msg, state, text)
        if intents.asks_ticket(text):
            return await self._ticket_state(msg, intents.ticket_code(text))
        if state.handoff.pop("describe", "") and state.handoff.get("ticket"):
            # The description asked for when the ticket opened: for the officer, not a search.
            return [Reply(t.HANDOFF_ADDED.format(code=state.handoff["ticket"]))]
        return None

    async def on_ask(self, msg: Incoming, state: ConversationState) -> list[Reply]:
        return await self._open(msg, state, None)

    async def after_question(
        self,
        msg: Incoming,
        question: str,
        kind: str,
        replies: list[Reply],
        state: ConversationState,
    ) -> list[Reply]:
        """Store an unanswered question; after a "not found", offer a person."""
        if msg.channel not in self._reachable:
            # No officer can answer there (the terminal chat, ``motcua ask``): not a citizen.
            return replies
        if kind not in (UsageKind.QUESTION_ABSTAINED, UsageKind.CHOICE_OFFERED):
            return replies
        if replies and replies[0].text == t.ASK_WHICH_PROCEDURE:
            return replies  # "còn lệ phí?" with nothing discussed: not a question to learn
        await self._remember(question, "choice" if kind == UsageKind.CHOICE_OFFERED else "abstain")
        if kind != UsageKind.QUESTION_ABSTAINED or state.handoff.get("ticket"):
            return replies
        if not replies or replies[-1].buttons:
            return replies
        state.handoff["asked"] = question[:MAX_LINE]
        state.handoff["turn"] = "asked"
        last = replies[-1]
        offer = Reply(last.text, (Button(t.HANDOFF_BUTTON, ASK_PAYLOAD),))
        return [*replies[:-1], offer]

    async def observe(self, msg: Incoming, state: ConversationState, replies: list[Reply]) -> None:
        """After every message: forget a stale question; add the turn to an open ticket."""
        data = state.handoff
        if not data:
            return
        turn = data.pop("turn", "")
        if turn != "asked":
            data.pop("asked", None)  # the question waits for the button one message only
        code = data.get("ticket")
        if not code or turn == "opened":
            return
        if (msg.text is None and msg.image is None) or (msg.text or "").startswith("/"):
            return  # a button, a deep link or a command (the web page sends /start): not words
        try:
            if not await self._append(msg, code, replies):
                data.pop("ticket", None)
                data.pop("describe", None)
        except Exception:  # the citizen's answer must not fail for the transcript
            log.exception("hand-off transcript not written")

    # --- tickets ----------------------------------------------------------------------------

    async def _open(
        self, msg: Incoming, state: ConversationState, text: str | None
    ) -> list[Reply]:
        if msg.channel not in self._reachable:
            return [Reply(t.HANDOFF_UNAVAILABLE.format(contact=self._contact))]
        now = self._clock()
        hours = self._hours(now)
        async with self._sessions() as session:
            existing = await handoff_repo.open_for_user(session, msg.channel, msg.user_id)
        if existing is not None:
            state.handoff["ticket"] = existing.code  # observe() adds this message to it
            return [Reply(t.HANDOFF_ALREADY_OPEN.format(code=existing.code, hours=hours))]
        user_key = f"{msg.channel}:{msg.user_id}"
        decision = await check_all((self._per_user, user_key), (self._per_channel, msg.channel))
        if not decision.allowed:
            return [Reply(t.HANDOFF_BUSY.format(contact=self._contact))]
        await self._per_user.charge(user_key)
        await self._per_channel.charge(msg.channel)
        asked = state.handoff.get("asked")
        lines = [line for line in (asked, text) if line]
        code = await self._create(msg, lines, now)
        state.handoff = {"ticket": code, "turn": "opened"}
        body = t.HANDOFF_OPENED.format(code=code, hours=hours)
        if not asked:
            state.handoff["describe"] = "1"
            body += "\n\n" + t.HANDOFF_DESCRIBE
        log.info("hand-off ticket opened on %s", msg.channel)
        return [Reply(body)]

    async def _create(self, msg: Incoming, lines: list[str], now: datetime) -> str:
        async with self._sessions() as session, session.begin():
            code = new_ticket_code()
            while await handoff_repo.by_code(session, code) is not None:
                code = new_ticket_code()
            ticket = await handoff_repo.add_ticket(
                session,
                HandoffTicket(
                    code=code,
                    channel=msg.channel,
                    user_id=msg.user_id,
                    status="open",
                    created_at=now,
                    updated_at=now,
                    last_citizen_at=now,
                ),
            )
            assert ticket.id is not None
            for line in lines:
                await handoff_repo.add_message(session, ticket.id, "citizen", line[:MAX_LINE], now)
        return code

    async def _append(self, msg: Incoming, code: str, replies: list[Reply]) -> bool:
        """Adds the citizen's message and the answers to the ticket; False when it is gone."""
        now = self._clock()
        said = msg.text or t.HANDOFF_PHOTO
        async with self._sessions() as session, session.begin():
            ticket = await handoff_repo.by_code(session, code)
            mine = ticket is not None and (ticket.channel, ticket.user_id) == (
                msg.channel,
                msg.user_id,
            )
            if ticket is None or ticket.id is None or not mine or ticket.status == "closed":
                return False
            await handoff_repo.add_message(session, ticket.id, "citizen", said[:MAX_LINE], now)
            for reply in replies:
                await handoff_repo.add_message(
                    session, ticket.id, "assistant", reply.text[:MAX_LINE], now
                )
            ticket.status = "open"
            ticket.last_citizen_at = now
            ticket.updated_at = now
        return True

    async def _ticket_state(self, msg: Incoming, code: str | None) -> list[Reply]:
        async with self._sessions() as session:
            tickets = await handoff_repo.of_user(session, msg.channel, msg.user_id, limit=5)
            if code is not None:
                chosen = next((x for x in tickets if x.code == code), None)
                if chosen is None:
                    return [Reply(t.HANDOFF_UNKNOWN_TICKET.format(code=code))]
            elif not tickets:
                return [Reply(t.HANDOFF_NO_TICKET)]
            else:
                chosen = tickets[0]
            assert chosen.id is not None
            last = await handoff_repo.last_officer_message(session, chosen.id)
        tz = self._calendar.tz
        lines = [
            t.HANDOFF_STATE_TITLE.format(
                code=chosen.code,
                created=chosen.created_at.astimezone(tz).strftime("%H:%M %d/%m/%Y"),
                state=t.HANDOFF_STATES.get(chosen.status, chosen.status),
            )
        ]
        if chosen.status == "open":
            lines.append(self._hours(self._clock()))
        if last is not None:
            lines.append(
                t.HANDOFF_LAST_REPLY.format(
                    at=last.at.astimezone(tz).strftime("%H:%M %d/%m/%Y"), text=last.text
                )
            )
        others = [x.code for x in tickets if x.code != chosen.code]
        if others:
            lines.append(t.HANDOFF_OTHERS.format(codes=", ".join(others)))
        return [Reply("\n\n".join(lines))]

    # --- unanswered questions ---------------------------------------------------------------

    async def _remember(self, question: str, kind: str) -> None:
        text = redact(question)
        key = " ".join(fold(text).split())[:255]
        if len(key) < MIN_QUESTION:
            return
        try:
            async with self._sessions() as session, session.begin():
                await questions_repo.record_question(session, key, text, kind, self._clock())
        except Exception:  # learning must never cost a citizen their answer
            log.exception("unanswered question not stored")

    # --- office hours -----------------------------------------------------------------------

    def _hours(self, now: datetime) -> str:
        opening = self.next_opening(now)
        if opening is None:
            return t.HANDOFF_HOURS
        local = opening.astimezone(self._calendar.tz)
        when = t.HANDOFF_OPENING.format(
            time=local.strftime("%H:%M"),
            weekday=t.HANDOFF_WEEKDAYS[local.weekday()],
            date=local.strftime("%d/%m/%Y"),
        )
        return t.HANDOFF_HOURS + "\n" + t.HANDOFF_AFTER_HOURS.format(opening=when)

    def next_opening(self, now: datetime) -> datetime | None:
        """None during office hours; else when the desk opens next (the calendar's periods)."""
        opening = self._calendar.receive(now)
        return None if opening <= self._calendar.local(now) else opening
