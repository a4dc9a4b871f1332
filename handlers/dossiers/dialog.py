"""The dossier side of the conversation (handlers.ports.DossierPort): lookup, tokens, QR photos,
subscriptions with proof of possession. It owns its transactions."""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from collections.abc import Callable, Collection
from datetime import UTC, datetime

from handlers import texts_vi as T
from handlers.conversation import ConversationState
from handlers.dossiers import codes
from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.lookup import (
    DossierLookup,
    Found,
    Limited,
    Malformed,
    Unknown,
    channel_failure_windows,
    counter_store,
    lookup_windows,
    user_key,
)
from handlers.dossiers.phones import last_digits, normalise_phone
from handlers.dossiers.qr_decode import decode_qr, procedure_from_text, token_from_text
from handlers.dossiers.ratelimit import CounterStore, Decision, RateLimiter, Window
from handlers.dossiers.tokens import PREFIX as TOKEN_PREFIX
from handlers.dossiers.tokens import TokenError, verify_token
from handlers.dossiers.view import (
    AgencyInfo,
    WorkingDaysBetween,
    procedure_title,
    render_dossier,
    status_label,
)
from handlers.messages import Button, Incoming, Reply
from handlers.usage import NoUsage, UsageKind, UsageRecorder
from knowledge.normalise import fold
from storage import contacts_repo, dossiers_repo, subscriptions_repo
from storage.engine import SessionFactory
from storage.models import Dossier

log = logging.getLogger(__name__)

PENDING_DIGITS = "dossier_phone_digits"
SUB_PREFIX = "ds:sub:"
UNSUB_PREFIX = "ds:unsub:"
# Wrong phone digits: three tries an hour per user, and ten a day per dossier whoever tries
# (so many accounts cannot share the guessing of one dossier's 10,000 combinations).
PHONE_WINDOWS = (Window(3, 3600),)
PHONE_DOSSIER_WINDOWS = (Window(10, 86400),)
MAX_LISTED = 10
# Nothing more will happen to these dossiers: no point in offering notifications.
NOTHING_TO_FOLLOW = frozenset({"returned", "rejected", "withdrawn"})
_DIGITS = re.compile(r"\d")
_SEPARATORS = re.compile(r"[\s.,;:!*\-–]+")
SHORT_ANSWER = 16


# What a typed-code lookup came to, for the period report (anonymous: no code, no user).
_LOOKUP_KINDS: dict[type, str] = {
    Found: UsageKind.LOOKUP_FOUND,
    Unknown: UsageKind.LOOKUP_UNKNOWN,
    Malformed: UsageKind.LOOKUP_MALFORMED,
    Limited: UsageKind.LOOKUP_LIMITED,
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return T.DOSSIER_WAIT_SECONDS.format(n=max(1, seconds))
    return T.DOSSIER_WAIT_MINUTES.format(n=(seconds + 59) // 60)


class DossierDialog:
    """Implements handlers.ports.DossierPort over the storage repositories."""

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        signing_key: bytes,
        counters: CounterStore | None = None,
        per_minute: int = 10,
        per_day: int = 60,
        channel_failures_per_minute: int = 300,
        working_days: WorkingDaysBetween | None = None,
        agency: AgencyInfo | None = None,
        clock: Callable[[], datetime] = _utcnow,
        usage: UsageRecorder | None = None,
        push_channels: Collection[str] | None = None,
        telegram_url: str = "",
    ) -> None:
        """``push_channels``: the channels the outbox can reach (None: all of them); on any
        other (the web chat) nobody is subscribed, the citizen is told where pushes come from.
        ``telegram_url``: the bot's plain link (``https://t.me/<bot>``), when known."""
        self._sessions = sessions
        self._push = None if push_channels is None else frozenset(str(c) for c in push_channels)
        self._telegram_url = telegram_url.rstrip("/")
        self._key = signing_key
        store = counters if counters is not None else counter_store()
        self._counters = store
        wall = lambda: clock().timestamp()  # noqa: E731 - the limiters share the dialog's clock
        self._lookup = DossierLookup(
            sessions,
            RateLimiter(store, lookup_windows(per_minute, per_day), name="lookup", clock=wall),
            RateLimiter(
                store,
                channel_failure_windows(channel_failures_per_minute),
                name="lookup-fail",
                clock=wall,
            ),
        )
        self._phone_user = RateLimiter(store, PHONE_WINDOWS, name="phone", clock=wall)
        self._phone_dossier = RateLimiter(store, PHONE_DOSSIER_WINDOWS, name="phone-d", clock=wall)
        self._working_days = working_days or WorkCalendar().working_days_between
        self._agency = agency or AgencyInfo()
        self._clock = clock
        self._usage: UsageRecorder = usage if usage is not None else NoUsage()

    async def aclose(self) -> None:
        """Close the shared counters' connection (Redis), if any."""
        close = getattr(self._counters, "aclose", None)
        if close is not None:
            await close()

    # --- DossierPort ------------------------------------------------------------------------

    def find_code(self, text: str) -> str | None:
        return codes.find_code(text)

    async def on_receipt_code(
        self, msg: Incoming, raw: str, state: ConversationState
    ) -> list[Reply]:
        outcome = await self._lookup.by_typed_code(msg.channel, msg.user_id, raw)
        self._usage.record(str(msg.channel), _LOOKUP_KINDS[type(outcome)])
        if isinstance(outcome, Limited):
            return [self._limited(outcome.decision)]
        if isinstance(outcome, Malformed):
            return [self._malformed(outcome)]
        if isinstance(outcome, Unknown):
            return [self._unknown(outcome.code)]
        dossier = outcome.dossier
        buttons: tuple[Button, ...] = ()
        if not outcome.subscribed and dossier.status not in NOTHING_TO_FOLLOW:
            if not self._can_push(msg):
                return [Reply(self._render(dossier)), self._push_elsewhere(dossier.receipt_code)]
            buttons = (Button(T.DOSSIER_BUTTON_SUBSCRIBE, SUB_PREFIX + dossier.receipt_code),)
        return [Reply(self._render(dossier), buttons)]

    async def on_token(self, msg: Incoming, token: str, state: ConversationState) -> list[Reply]:
        decision = await self._lookup.allowed(msg.channel, msg.user_id)
        if not decision.allowed:
            return [self._limited(decision)]
        try:
            compact = verify_token(token, self._key)
        except TokenError:
            log.info("refused a dossier token from %s", msg.channel)
            await self._lookup.spend_failure(msg.channel, msg.user_id)
            return [Reply(T.DOSSIER_TOKEN_INVALID)]
        canonical = codes.canonical_code(compact)
        if canonical is None:  # signed by us, but not a receipt code: an old or odd format
            return [Reply(T.DOSSIER_TOKEN_INVALID)]
        if not self._can_push(msg):
            async with self._sessions() as session:
                found = await dossiers_repo.get_by_code(session, canonical)
            if found is None:
                return [self._unknown(canonical)]
            if found.status in NOTHING_TO_FOLLOW:
                return [Reply(self._render(found))]
            # The token proves possession: on Telegram the same token subscribes at once.
            return [Reply(self._render(found)), self._push_elsewhere(found.receipt_code, token)]
        async with self._sessions() as session, session.begin():
            dossier = await dossiers_repo.get_by_code(session, canonical)
            if dossier is None or dossier.id is None:
                return [self._unknown(canonical)]
            _, new = await subscriptions_repo.add_subscription(
                session, dossier.id, msg.channel, msg.user_id, self._clock()
            )
        if state.pending == PENDING_DIGITS:
            self._clear(state)
        done = T.DOSSIER_SUBSCRIBED if new else T.DOSSIER_ALREADY_SUBSCRIBED
        return [Reply(self._render(dossier)), Reply(done.format(code=dossier.receipt_code))]

    async def on_image(self, msg: Incoming, state: ConversationState) -> list[Reply]:
        texts = await asyncio.to_thread(decode_qr, msg.image or b"")
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
            self._clear(state)  # a dossier step this version does not know: start afresh
            return None
        code = state.pending_data.get("code", "")
        text = (msg.text or "").strip()
        if not text or not code:
            self._clear(state)
            return None
        if _is_cancel(text):
            self._clear(state)
            return [Reply(T.DOSSIER_PHONE_CANCELLED)]
        answer = _SEPARATORS.sub("", text)
        if answer.isdigit() and len(answer) == 4:
            return await self._check_digits(msg, state, code, answer)
        if _DIGITS.search(text) and len(text) <= SHORT_ANSWER:
            return [Reply(T.DOSSIER_PHONE_DIGITS_FORMAT)]  # a try that went wrong: no attempt
        # Anything else (a question, "lệ phí 2024 là bao nhiêu") means the user moved on.
        self._clear(state)
        return None

    async def on_payload(
        self, msg: Incoming, payload: str, state: ConversationState
    ) -> list[Reply] | None:
        if payload.startswith(SUB_PREFIX):
            return await self._subscribe_request(msg, payload[len(SUB_PREFIX) :], state)
        if payload.startswith(UNSUB_PREFIX):
            return await self._unsubscribe(msg, payload[len(UNSUB_PREFIX) :])
        return None

    async def on_my_dossiers(self, msg: Incoming, state: ConversationState) -> list[Reply]:
        if not self._can_push(msg):
            return [Reply(T.DOSSIER_PUSH_MY_NONE)]
        async with self._sessions() as session:
            rows = await subscriptions_repo.list_for_user(session, msg.channel, msg.user_id)
        if not rows:
            return [Reply(T.DOSSIER_MY_NONE)]
        lines = [T.DOSSIER_MY_TITLE]
        buttons = []
        for n, (_, dossier) in enumerate(rows[:MAX_LISTED], start=1):
            lines.append(
                T.DOSSIER_MY_ITEM.format(
                    n=n,
                    code=dossier.receipt_code,
                    procedure=procedure_title(dossier.procedure_name),
                    label=status_label(dossier.status),
                )
            )
            label = T.DOSSIER_BUTTON_UNSUBSCRIBE.format(code=dossier.receipt_code)
            buttons.append(Button(label, f"{UNSUB_PREFIX}{dossier.id}"))
        lines += ["", T.DOSSIER_MY_FOOTER]
        return [Reply("\n".join(lines), tuple(buttons))]

    # --- subscriptions ----------------------------------------------------------------------

    async def _subscribe_request(
        self, msg: Incoming, raw: str, state: ConversationState
    ) -> list[Reply]:
        canonical = codes.canonical_code(raw)
        if canonical is None:
            return [Reply(T.DOSSIER_MALFORMED.format(raw=raw[:40], example=codes.EXAMPLE))]
        if not self._can_push(msg):
            # No phone digits asked for a subscription that could never be delivered.
            return [self._push_elsewhere(canonical)]
        # A hand-made payload must not become a way round the lookup limit.
        decision = await self._lookup.allowed(msg.channel, msg.user_id)
        if not decision.allowed:
            return [self._limited(decision)]
        async with self._sessions() as session, session.begin():
            row = await dossiers_repo.get_for_user(session, canonical, msg.channel, msg.user_id)
            dossier, subscribed = row if row is not None else (None, False)
            if dossier is None or dossier.id is None:
                await self._lookup.spend_failure(msg.channel, msg.user_id)
                return [self._unknown(canonical)]
            if subscribed:
                return [Reply(T.DOSSIER_ALREADY_SUBSCRIBED.format(code=canonical))]
            on_file = normalise_phone(dossier.applicant_phone)
            contact = await contacts_repo.get_contact(session, msg.channel, msg.user_id)
            if on_file and contact is not None and normalise_phone(contact.phone) == on_file:
                # The channel verified this phone (e.g. Zalo's shared info): proof enough.
                await subscriptions_repo.add_subscription(
                    session, dossier.id, msg.channel, msg.user_id, self._clock()
                )
                return [Reply(T.DOSSIER_SUBSCRIBED.format(code=canonical))]
        if last_digits(on_file) is None:
            return [Reply(T.DOSSIER_PHONE_NONE.format(code=canonical))]
        locked = await self._phone_locked(msg, canonical)
        if locked is not None:
            return [locked]
        state.pending = PENDING_DIGITS
        state.pending_data = {"code": canonical}
        return [Reply(T.DOSSIER_ASK_PHONE_DIGITS.format(code=canonical))]

    async def _check_digits(
        self, msg: Incoming, state: ConversationState, code: str, digits: str
    ) -> list[Reply]:
        locked = await self._phone_locked(msg, code)
        if locked is not None:
            self._clear(state)
            return [locked]
        async with self._sessions() as session, session.begin():
            dossier = await dossiers_repo.get_by_code(session, code)
            if dossier is None or dossier.id is None:
                self._clear(state)
                return [self._unknown(code)]
            expected = last_digits(normalise_phone(dossier.applicant_phone)) or ""
            if expected and hmac.compare_digest(digits.encode(), expected.encode()):
                _, new = await subscriptions_repo.add_subscription(
                    session, dossier.id, msg.channel, msg.user_id, self._clock()
                )
                self._clear(state)
                done = T.DOSSIER_SUBSCRIBED if new else T.DOSSIER_ALREADY_SUBSCRIBED
                return [Reply(done.format(code=code))]
        user = user_key(msg.channel, msg.user_id)
        await self._phone_user.spend(user)
        await self._phone_dossier.spend(code)
        log.info("wrong phone digits for a dossier from %s", msg.channel)
        locked = await self._phone_locked(msg, code)
        if locked is not None:
            self._clear(state)
            return [locked]
        left = min(
            await self._phone_user.remaining(user), await self._phone_dossier.remaining(code)
        )
        return [Reply(T.DOSSIER_PHONE_WRONG.format(left=left))]

    async def _phone_locked(self, msg: Incoming, code: str) -> Reply | None:
        for limiter, key in (
            (self._phone_user, user_key(msg.channel, msg.user_id)),
            (self._phone_dossier, code),
        ):
            decision = await limiter.check(key)
            if not decision.allowed:
                wait = _wait_text(decision.retry_after_s)
                return Reply(T.DOSSIER_PHONE_LOCKED.format(wait=wait))
        return None

    async def _unsubscribe(self, msg: Incoming, raw_id: str) -> list[Reply]:
        if not raw_id.isdigit():
            return [Reply(T.DOSSIER_UNSUB_UNKNOWN)]
        async with self._sessions() as session, session.begin():
            dossier = await dossiers_repo.get_by_id(session, int(raw_id))
            ended = dossier is not None and await subscriptions_repo.end_subscription(
                session, int(raw_id), msg.channel, msg.user_id, reason="user", now=self._clock()
            )
        if not ended or dossier is None:
            return [Reply(T.DOSSIER_UNSUB_UNKNOWN)]
        return [Reply(T.DOSSIER_UNSUBSCRIBED.format(code=dossier.receipt_code))]

    # --- channels without pushes ------------------------------------------------------------

    def _can_push(self, msg: Incoming) -> bool:
        return self._push is None or str(msg.channel) in self._push

    def _push_elsewhere(self, code: str, token: str | None = None) -> Reply:
        """Where this dossier's updates can come from, since this chat cannot push them."""
        push = self._push or frozenset()
        where = []
        buttons: tuple[Button, ...] = ()
        if "telegram" in push:
            if self._telegram_url:
                where.append(T.DOSSIER_PUSH_TELEGRAM_LINK.format(url=self._telegram_url))
                if token is not None:
                    link = f"{self._telegram_url}?start={TOKEN_PREFIX}{token}"
                    buttons = (Button(T.DOSSIER_BUTTON_TELEGRAM, url=link),)
            else:
                where.append(T.DOSSIER_PUSH_TELEGRAM)
        if "zalo" in push:
            where.append(T.DOSSIER_PUSH_ZALO)
        if not where:
            return Reply(T.DOSSIER_PUSH_NOWHERE.format(code=code))
        text = T.DOSSIER_PUSH_ELSEWHERE.format(code=code, where=T.DOSSIER_PUSH_OR.join(where))
        return Reply(text, buttons)

    # --- replies ----------------------------------------------------------------------------

    def _render(self, dossier: Dossier) -> str:
        return render_dossier(
            dossier, now=self._clock(), working_days=self._working_days, agency=self._agency
        )

    def _limited(self, decision: Decision) -> Reply:
        if decision.window_s >= 86400:
            return Reply(T.DOSSIER_RATE_LIMITED_DAY.format(contact=self._agency.contact))
        wait = _wait_text(decision.retry_after_s)
        return Reply(T.DOSSIER_RATE_LIMITED_MINUTE.format(wait=wait))

    def _malformed(self, outcome: Malformed) -> Reply:
        raw = outcome.raw.strip()
        if outcome.problem is codes.CodeProblem.PROCEDURE_CODE:
            return Reply(T.DOSSIER_PROCEDURE_NOT_RECEIPT.format(raw=raw, example=codes.EXAMPLE))
        return Reply(T.DOSSIER_MALFORMED.format(raw=raw[:40], example=codes.EXAMPLE))

    def _unknown(self, code: str) -> Reply:
        return Reply(T.DOSSIER_UNKNOWN.format(code=code, contact=self._agency.contact))

    @staticmethod
    def _clear(state: ConversationState) -> None:
        state.pending = None
        state.pending_data = {}


def _is_cancel(text: str) -> bool:
    return fold(text) in T.DOSSIER_CANCEL_WORDS
