"""The dossier side of the conversation (handlers.ports.DossierPort): lookup, tokens, QR photos,
subscriptions with proof of possession. It owns its transactions.

Proof of possession is the receipt's signed QR token, the last four digits of the phone on
file (or the phone a platform verified), or a subscription made with one of them. A code alone
shows the status, procedure, dates and the masked name; the agency's notes need proof. Limits
count the requester (handlers.dossiers.lookup): wrong digits lock the one who guesses, never
the dossier's owner.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

from handlers import texts_vi as T
from handlers.conversation import ConversationState
from handlers.dossiers import codes
from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.lookup import Gate, LookupGuard, LookupLimits, read_dossier, requester
from handlers.dossiers.phones import last_digits, normalise_phone
from handlers.dossiers.ports import DossierRecord, DossierStore, DossierUnit, Follower
from handlers.dossiers.possession import MAX_SUBSCRIBERS, Followed, Possession, phone_matches
from handlers.dossiers.qr_decode import (
    ImageTooLarge,
    decode_qr,
    procedure_from_text,
    token_from_text,
)
from handlers.dossiers.tokens import DEFAULT_VALID_DAYS, TokenError, TokenExpired, verify_token
from handlers.dossiers.view import (
    VN_TZ,
    AgencyInfo,
    DossierFacts,
    ShownDossier,
    WorkingDaysBetween,
    procedure_title,
    render_dossier,
    status_label,
)
from handlers.messages import Button, Incoming, Reply
from handlers.payloads import DossierPayload, OpenDossier, ShowNote, Subscribe, Unsubscribe
from handlers.ports import PushPlace
from handlers.ratelimit import CounterStore, Decision, RateLimiter, Window
from handlers.usage import NoUsage, UsageKind, UsageRecorder
from knowledge.normalise import fold
from storage.counters import MemoryCounterStore

log = logging.getLogger(__name__)

PENDING_DIGITS = "dossier_phone_digits"
# After proof by phone digits: a "Nhận thông báo" press for the same dossier needs no more.
PENDING_PROVEN = "dossier_proven"
# What proven digits are for.
FOR_VIEW, FOR_SUBSCRIBE = "view", "subscribe"
# Wrong phone digits, per requester (address or platform user): three an hour, ten a day.
PHONE_WINDOWS = (Window(3, 3600), Window(10, 86400))
# A dossier with this many wrong tries today is under attack: whoever has already guessed
# wrong on it may not try it again today. Its owner, who has not, still can.
PHONE_ATTACKED = (Window(10, 86400),)
PHONE_PAIR = (Window(1, 86400),)
MAX_LISTED = 10
MAX_DECODES = 2  # photos decoded at once: each may take up to qr_decode.MAX_DECODED_BYTES
MAX_PHOTOS_IN_HAND = 8  # decoding or waiting for a slot; past it "try again in a moment"
# Nothing more will happen to these dossiers: no point in offering notifications.
NOTHING_TO_FOLLOW = frozenset({"returned", "rejected", "withdrawn"})
_DIGITS = re.compile(r"\d")
_SEPARATORS = re.compile(r"[\s.,;:!*\-–]+")
SHORT_ANSWER = 16


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return T.DOSSIER_WAIT_SECONDS.format(n=max(1, seconds))
    return T.DOSSIER_WAIT_MINUTES.format(n=(seconds + 59) // 60)


def code_only(dossier: DossierFacts) -> ShownDossier:
    """The dossier as a code-only lookup may show it: the agency's notes withheld (a note the
    agency wrote is replaced by where to find it, so the view never says there is none)."""
    note = T.DOSSIER_NOTE_HIDDEN if (dossier.note or "").strip() else None
    return replace(ShownDossier.of(dossier), note=note, apology_reason=None)


class DossierDialog:
    """Implements handlers.ports.DossierPort over the dossier ports (handlers.dossiers.ports)."""

    def __init__(
        self,
        store: DossierStore,
        *,
        signing_key: bytes,
        counters: CounterStore | None = None,
        per_minute: int = 10,
        per_day: int = 60,
        failures_per_hour: int = 12,
        storm_per_minute: int = 120,
        token_days: int = DEFAULT_VALID_DAYS,
        max_subscribers: int = MAX_SUBSCRIBERS,
        max_decodes: int = MAX_DECODES,
        working_days: WorkingDaysBetween | None = None,
        agency: AgencyInfo | None = None,
        clock: Callable[[], datetime] = _utcnow,
        usage: UsageRecorder | None = None,
        push_channels: Collection[str] | None = None,
        push_places: Sequence[PushPlace] = (),
        vouched: Collection[str] | None = None,
    ) -> None:
        """``push_channels``: the channels the outbox can reach (None: all of them); on any
        other (the web chat) nobody is subscribed, the citizen is told where pushes come from:
        ``push_places``, as the channels describe themselves (bot/). ``vouched``: the channels
        whose platform vouches for a user id (None: all), so that limits count the user; a
        message from another channel is counted by its client's address."""
        self._store = store
        self._push = None if push_channels is None else frozenset(push_channels)
        self._vouched = None if vouched is None else frozenset(vouched)
        self._places = tuple(push_places)
        self._key = signing_key
        limited = counters if counters is not None else MemoryCounterStore()
        wall = lambda: clock().timestamp()  # noqa: E731 - the limiters share the dialog's clock
        limits = LookupLimits(per_minute, per_day, failures_per_hour, storm_per_minute)
        self._guard = LookupGuard(limited, limits, clock=wall)
        self._phone_user = RateLimiter(limited, PHONE_WINDOWS, name="phone", clock=wall)
        self._phone_dossier = RateLimiter(limited, PHONE_ATTACKED, name="phone-d", clock=wall)
        self._phone_pair = RateLimiter(limited, PHONE_PAIR, name="phone-p", clock=wall)
        self._token_days = token_days
        self._possession = Possession(store, max_subscribers=max_subscribers, clock=clock)
        self._decodes = asyncio.Semaphore(max(1, max_decodes))
        self._photos_in_hand = 0
        self._working_days = working_days or WorkCalendar().working_days_between
        self._agency = agency or AgencyInfo()
        self._clock = clock
        self._usage: UsageRecorder = usage if usage is not None else NoUsage()

    def _requester(self, msg: Incoming) -> str:
        return requester(msg, self._vouched)

    # --- DossierPort ------------------------------------------------------------------------

    def find_code(self, text: str) -> str | None:
        return codes.find_code(text)

    async def on_receipt_code(
        self, msg: Incoming, raw: str, state: ConversationState
    ) -> list[Reply]:
        parsed = codes.parse_receipt_code(raw)
        if isinstance(parsed, codes.MalformedCode):
            self._count(msg, UsageKind.LOOKUP_MALFORMED)
            return [self._malformed(parsed.reason, raw)]
        code = parsed.canonical
        key = self._requester(msg)
        gate = await self._guard.admit(key)
        if isinstance(gate, Decision):
            self._count(msg, UsageKind.LOOKUP_LIMITED)
            return [self._too_many_failures(gate)]
        if gate is not Gate.OPEN:
            # Asked before the dossier is read: the answer does not tell whether it exists.
            self._count(msg, UsageKind.LOOKUP_LIMITED)
            return [self._ask_digits(state, code, FOR_VIEW, gate)]
        row = await read_dossier(self._store, code, _follower(msg))
        if row is None:
            await self._guard.not_revealed(key)
            await self._guard.failed(key)
            self._count(msg, UsageKind.LOOKUP_UNKNOWN)
            return [self._unknown(code)]
        self._count(msg, UsageKind.LOOKUP_FOUND)
        dossier, subscribed = row
        if subscribed:  # proved possession when subscribing
            return [Reply(self._render(dossier, proven=True))]
        return self._code_only_replies(msg, dossier)

    async def on_token(self, msg: Incoming, token: str, state: ConversationState) -> list[Reply]:
        try:
            compact = verify_token(
                token, self._key, valid_days=self._token_days, today=self._today()
            )
        except TokenExpired:
            return [Reply(T.DOSSIER_TOKEN_EXPIRED)]
        except TokenError:
            log.info("refused a dossier token from %s", msg.channel)
            await self._guard.failed(self._requester(msg))
            return [Reply(T.DOSSIER_TOKEN_INVALID)]
        canonical = codes.canonical_code(compact)
        if canonical is None:  # signed by us, but not a receipt code: an old or odd format
            return [Reply(T.DOSSIER_TOKEN_INVALID)]
        if not self._can_push(msg):
            async with self._store.reading() as unit:
                found = await unit.dossier(canonical)
            if found is None:
                return [self._unknown(canonical)]
            if found.status in NOTHING_TO_FOLLOW:
                return [Reply(self._render(found, proven=True))]
            # The token proves possession: on a channel that pushes it subscribes at once.
            return [
                Reply(self._render(found, proven=True)),
                self._push_elsewhere(found.receipt_code, token),
            ]
        async with self._store.writing() as unit:
            dossier = await unit.dossier(canonical)
            if dossier is None or dossier.id is None:
                return [self._unknown(canonical)]
            done = await self._subscribe(unit, dossier, msg)
        if state.pending == PENDING_DIGITS:
            self._clear(state)
        return [Reply(self._render(dossier, proven=True)), Reply(done)]

    async def on_image(self, msg: Incoming, state: ConversationState) -> list[Reply]:
        if self._photos_in_hand >= MAX_PHOTOS_IN_HAND:
            return [Reply(T.DOSSIER_QR_BUSY)]
        self._photos_in_hand += 1
        try:
            async with self._decodes:
                texts = await asyncio.to_thread(decode_qr, msg.image or b"")
        except ImageTooLarge:
            return [Reply(T.DOSSIER_QR_TOO_LARGE)]
        finally:
            self._photos_in_hand -= 1
        if not texts:
            return [Reply(T.DOSSIER_QR_NOT_FOUND)]
        for text in texts:
            token = token_from_text(text)
            if token is not None:
                return await self.on_token(msg, token, state)
        for text in texts:
            # Some one-stop systems print the bare receipt code in the QR: a typed code, then.
            raw = codes.find_code(text)
            if raw is not None and codes.canonical_code(raw) is not None:
                return await self.on_receipt_code(msg, raw, state)
        for text in texts:
            procedure = procedure_from_text(text)
            if procedure is not None:
                code = procedure[2:].replace("-", ".")
                return [
                    Reply(T.DOSSIER_QR_PROCEDURE.format(code=code), (Button(code, procedure),))
                ]
        return [Reply(T.DOSSIER_QR_FOREIGN)]

    async def on_pending(self, msg: Incoming, state: ConversationState) -> list[Reply] | None:
        if state.pending != PENDING_DIGITS:
            self._clear(state)  # proven earlier, or a step this version does not know
            return None
        code = state.pending_data.get("code", "")
        purpose = state.pending_data.get("for", FOR_SUBSCRIBE)
        text = (msg.text or "").strip()
        if not text or not code:
            self._clear(state)
            return None
        if _is_cancel(text):
            self._clear(state)
            return [Reply(T.DOSSIER_PHONE_CANCELLED)]
        answer = _SEPARATORS.sub("", text)
        if answer.isdigit() and len(answer) == 4:
            return await self._check_digits(msg, state, code, answer, purpose)
        if _DIGITS.search(text) and len(text) <= SHORT_ANSWER:
            return [Reply(T.DOSSIER_PHONE_DIGITS_FORMAT)]  # a try that went wrong: no attempt
        # Anything else (a question, "lệ phí 2024 là bao nhiêu") means the user moved on.
        self._clear(state)
        return None

    async def on_payload(
        self, msg: Incoming, payload: DossierPayload, state: ConversationState
    ) -> list[Reply]:
        match payload:
            case Subscribe(receipt_code=code):
                return await self._subscribe_request(msg, code, state)
            case Unsubscribe(dossier_id=dossier_id):
                return await self._unsubscribe(msg, dossier_id)
            case ShowNote(receipt_code=code):
                return await self._note_request(msg, code, state)

    async def on_my_dossiers(self, msg: Incoming, state: ConversationState) -> list[Reply]:
        if not self._can_push(msg):
            return [Reply(T.DOSSIER_PUSH_MY_NONE)]
        async with self._store.reading() as unit:
            rows = await unit.followed(_follower(msg))
        if not rows:
            return [Reply(T.DOSSIER_MY_NONE)]
        lines = [T.DOSSIER_MY_TITLE]
        buttons = []
        for n, dossier in enumerate(rows[:MAX_LISTED], start=1):
            lines.append(
                T.DOSSIER_MY_ITEM.format(
                    n=n,
                    code=dossier.receipt_code,
                    procedure=procedure_title(dossier.procedure_name),
                    label=status_label(dossier.status),
                )
            )
            label = T.DOSSIER_BUTTON_UNSUBSCRIBE.format(code=dossier.receipt_code)
            if dossier.id is not None:  # a stored row always has one
                buttons.append(Button(label, Unsubscribe(dossier.id).encode()))
        lines += ["", T.DOSSIER_MY_FOOTER]
        return [Reply("\n".join(lines), tuple(buttons))]

    # --- proof by phone digits, subscriptions -----------------------------------------------

    async def _note_request(
        self, msg: Incoming, raw: str, state: ConversationState
    ) -> list[Reply]:
        canonical = codes.canonical_code(raw)
        if canonical is None:
            return [Reply(T.DOSSIER_MALFORMED.format(raw=raw[:40], example=codes.EXAMPLE))]
        locked = await self._phone_locked(self._requester(msg), canonical)
        if locked is not None:
            return [locked]
        return [self._ask_digits(state, canonical, FOR_VIEW)]

    async def _subscribe_request(
        self, msg: Incoming, raw: str, state: ConversationState
    ) -> list[Reply]:
        canonical = codes.canonical_code(raw)
        if canonical is None:
            return [Reply(T.DOSSIER_MALFORMED.format(raw=raw[:40], example=codes.EXAMPLE))]
        if not self._can_push(msg):
            # No phone digits asked for a subscription that could never be delivered.
            return [self._push_elsewhere(canonical)]
        proven = state.pending == PENDING_PROVEN and state.pending_data.get("code") == canonical
        key = self._requester(msg)
        # A hand-made payload must not become a way round the lookup limits.
        refused = await self._guard.refused(key)
        if not refused.allowed and not proven:
            return [self._too_many_failures(refused)]
        async with self._store.writing() as unit:
            row = await unit.dossier_for(canonical, _follower(msg))
            dossier, subscribed = row if row is not None else (None, False)
            if dossier is None or dossier.id is None:
                await self._guard.failed(key)
                return [self._unknown(canonical)]
            if subscribed:
                return [Reply(T.DOSSIER_ALREADY_SUBSCRIBED.format(code=canonical))]
            on_file = normalise_phone(dossier.applicant_phone)
            if proven or phone_matches(dossier, await unit.verified_phone(_follower(msg))):
                # Digits given a moment ago, or the channel verified this phone (Zalo's
                # shared info): proof enough.
                self._clear(state)
                return [Reply(await self._subscribe(unit, dossier, msg))]
        if last_digits(on_file) is None:
            return [Reply(T.DOSSIER_PHONE_NONE.format(code=canonical))]
        locked = await self._phone_locked(key, canonical)
        if locked is not None:
            return [locked]
        return [self._ask_digits(state, canonical, FOR_SUBSCRIBE)]

    async def _subscribe(self, unit: DossierUnit, dossier: DossierRecord, msg: Incoming) -> str:
        """Subscribes the chat (within the caller's unit of work) unless the dossier already
        has its share of followers; returns what to tell the citizen."""
        code = dossier.receipt_code
        followed = await self._possession.follow(unit, dossier, _follower(msg))
        if followed is Followed.FULL:
            return T.DOSSIER_SUBSCRIBERS_FULL.format(code=code, contact=self._agency.contact)
        if followed is Followed.SUBSCRIBED:
            return T.DOSSIER_SUBSCRIBED.format(code=code)
        return T.DOSSIER_ALREADY_SUBSCRIBED.format(code=code)

    async def _check_digits(
        self, msg: Incoming, state: ConversationState, code: str, digits: str, purpose: str
    ) -> list[Reply]:
        key = self._requester(msg)
        locked = await self._phone_locked(key, code)
        if locked is not None:
            self._clear(state)
            return [locked]
        async with self._store.writing() as unit:
            row = await unit.dossier_for(code, _follower(msg))
            dossier, subscribed = row if row is not None else (None, False)
            expected = last_digits(normalise_phone(dossier.applicant_phone if dossier else None))
            if (
                dossier is not None
                and expected
                and hmac.compare_digest(digits.encode(), expected.encode())
            ):
                self._clear(state)
                if purpose == FOR_SUBSCRIBE:
                    return [Reply(await self._subscribe(unit, dossier, msg))]
                return self._proven_replies(msg, state, dossier, subscribed)
        # The same answer whether the code exists or not: a step-up tells a guesser nothing.
        await self._phone_user.charge(key)
        if dossier is not None:
            await self._phone_dossier.charge(code)
            await self._phone_pair.charge(f"{key}|{code}")
        log.info("wrong phone digits for a dossier from %s", msg.channel)
        locked = await self._phone_locked(key, code)
        if locked is not None:
            self._clear(state)
            return [locked]
        left = await self._phone_user.remaining(key)
        return [Reply(T.DOSSIER_PHONE_WRONG.format(code=code, left=left))]

    async def _phone_locked(self, key: str, code: str) -> Reply | None:
        """Locked for this requester: too many wrong digits, or this dossier is under attack
        and this requester is among those who guessed wrong on it."""
        decision = await self._phone_user.check(key)
        if decision.allowed and not (await self._phone_dossier.check(code)).allowed:
            decision = await self._phone_pair.check(f"{key}|{code}")
        if decision.allowed:
            return None
        return Reply(T.DOSSIER_PHONE_LOCKED.format(wait=_wait_text(decision.retry_after_s)))

    def _ask_digits(
        self, state: ConversationState, code: str, purpose: str, gate: Gate | None = None
    ) -> Reply:
        state.pending = PENDING_DIGITS
        state.pending_data = {"code": code, "for": purpose}
        if gate is Gate.STORM:
            return Reply(T.DOSSIER_STEP_UP_STORM.format(code=code))
        if gate is Gate.STEP_UP:
            return Reply(T.DOSSIER_STEP_UP_BUSY.format(code=code))
        if purpose == FOR_VIEW:
            return Reply(T.DOSSIER_ASK_DIGITS_NOTE.format(code=code))
        return Reply(T.DOSSIER_ASK_PHONE_DIGITS.format(code=code))

    async def _unsubscribe(self, msg: Incoming, dossier_id: int) -> list[Reply]:
        async with self._store.writing() as unit:
            dossier = await unit.dossier_by_id(dossier_id)
            ended = dossier is not None and await unit.unfollow(
                dossier_id, _follower(msg), self._clock()
            )
        if not ended or dossier is None:
            return [Reply(T.DOSSIER_UNSUB_UNKNOWN)]
        return [Reply(T.DOSSIER_UNSUBSCRIBED.format(code=dossier.receipt_code))]

    # --- channels without pushes ------------------------------------------------------------

    def _can_push(self, msg: Incoming) -> bool:
        return self._push is None or msg.channel in self._push

    def _push_elsewhere(self, code: str, token: str | None = None) -> Reply:
        """Where this dossier's updates can come from, since this chat cannot push them."""
        where = [place.where for place in self._places]
        buttons: tuple[Button, ...] = ()
        if token is not None:
            payload = OpenDossier(token).encode()
            buttons = tuple(
                Button(place.button, url=place.link(payload))
                for place in self._places
                if place.link is not None and place.button
            )
        if not where:
            return Reply(T.DOSSIER_PUSH_NOWHERE.format(code=code))
        text = T.DOSSIER_PUSH_ELSEWHERE.format(code=code, where=T.DOSSIER_PUSH_OR.join(where))
        return Reply(text, buttons)

    # --- replies ----------------------------------------------------------------------------

    def _render(self, dossier: DossierFacts, *, proven: bool) -> str:
        return render_dossier(
            dossier if proven else code_only(dossier),
            now=self._clock(),
            working_days=self._working_days,
            agency=self._agency,
        )

    def _code_only_replies(self, msg: Incoming, dossier: DossierFacts) -> list[Reply]:
        """Status without the agency's notes; proof (the button) shows them or subscribes."""
        code = dossier.receipt_code
        buttons: list[Button] = []
        if _has_notes(dossier):
            buttons.append(Button(T.DOSSIER_BUTTON_NOTE, ShowNote(code).encode()))
        if dossier.status in NOTHING_TO_FOLLOW:
            return [Reply(self._render(dossier, proven=False), tuple(buttons))]
        if not self._can_push(msg):
            return [
                Reply(self._render(dossier, proven=False), tuple(buttons)),
                self._push_elsewhere(code),
            ]
        buttons.insert(0, Button(T.DOSSIER_BUTTON_SUBSCRIBE, Subscribe(code).encode()))
        return [Reply(self._render(dossier, proven=False), tuple(buttons))]

    def _proven_replies(
        self, msg: Incoming, state: ConversationState, dossier: DossierFacts, subscribed: bool
    ) -> list[Reply]:
        """The whole record after proof; following it then needs no second proof."""
        text = self._render(dossier, proven=True)
        if subscribed or dossier.status in NOTHING_TO_FOLLOW or not self._can_push(msg):
            return [Reply(text)]
        state.pending = PENDING_PROVEN
        state.pending_data = {"code": dossier.receipt_code}
        button = Button(T.DOSSIER_BUTTON_SUBSCRIBE, Subscribe(dossier.receipt_code).encode())
        return [Reply(text, (button,))]

    def _too_many_failures(self, decision: Decision) -> Reply:
        wait = _wait_text(decision.retry_after_s)
        return Reply(T.DOSSIER_TOO_MANY_FAILURES.format(wait=wait, contact=self._agency.contact))

    def _malformed(self, problem: codes.CodeProblem, raw: str) -> Reply:
        raw = raw.strip()
        if problem is codes.CodeProblem.PROCEDURE_CODE:
            return Reply(T.DOSSIER_PROCEDURE_NOT_RECEIPT.format(raw=raw, example=codes.EXAMPLE))
        return Reply(T.DOSSIER_MALFORMED.format(raw=raw[:40], example=codes.EXAMPLE))

    def _unknown(self, code: str) -> Reply:
        return Reply(T.DOSSIER_UNKNOWN.format(code=code, contact=self._agency.contact))

    def _count(self, msg: Incoming, kind: UsageKind) -> None:
        self._usage.record(msg.channel, kind)

    def _today(self) -> date:
        return self._clock().astimezone(VN_TZ).date()

    @staticmethod
    def _clear(state: ConversationState) -> None:
        state.pending = None
        state.pending_data = {}


def _is_cancel(text: str) -> bool:
    return fold(text) in T.DOSSIER_CANCEL_WORDS


def _follower(msg: Incoming) -> Follower:
    return msg.channel, msg.user_id


def _has_notes(dossier: DossierFacts) -> bool:
    return bool((dossier.note or "").strip() or (dossier.apology_reason or "").strip())
