"""The conversation core: one ``Incoming`` in, the replies out, whatever the channel."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import unicodedata

from handlers import render
from handlers import texts_vi as t
from handlers.conversation import ConversationState, ConversationStore
from handlers.intents import (
    SmallTalk,
    digit_choice,
    is_follow_up,
    leftover_words,
    small_talk,
    strip_greeting,
)
from handlers.messages import Incoming, Reply
from handlers.outage import OutageLog
from handlers.ports import DossierPort, ProcedureSearch, SearchHit
from handlers.usage import NoUsage, UsageKind, UsageRecorder
from knowledge.aspects import Aspect, detect_aspects
from knowledge.model import Procedure
from knowledge.normalise import fold
from storage.engine import is_unavailable

log = logging.getLogger(__name__)

DEFAULT_PORTAL_URL = "https://dichvucong.gov.vn"
# A message is cut to this many characters before anything reads it: nobody asks a question
# in more, and 100 kB of pasted text must not slow the search down.
MAX_MESSAGE_CHARS = 500
MAX_CHOICES = 3
# knowledge.search scores are the share of the question a record covers (0..100); records
# that cover it fully are ranked by priors (level, popularity, name similarity), which we trust.
# Below CONFIDENT_SCORE, procedures whose scores are within CHOICE_MARGIN of the best one fit
# almost equally: the citizen chooses rather than the bot guessing.
CONFIDENT_SCORE = 95.0
CHOICE_MARGIN = 4.0
CHOOSE_PROCEDURE = "choose_procedure"
FOLLOW_UP_SLACK = 1  # unknown words an aspect question may carry and still be a follow-up
_PROCEDURE_CODE = re.compile(r"^\s*(\d{1,2}\.\d{4,6})\s*$")
_PAYLOAD = re.compile(r"^[\w.:,\-]{1,128}$")
_PAYLOAD_AS_TEXT = re.compile(r"^(?:p_|d_|pa:|pc:|ds:)[\w.:,\-]{1,120}$")
_KNOWN_PAYLOADS = ("p_", "d_", "pa:", "pc:", "ds:")
_KNOWN_ASPECTS = {a.value for a in Aspect}
_SPACES = re.compile(r"[^\S\n]+")


class Assistant:
    """Routes a message to the procedure conversation or the dossier dialog and keeps the state.

    The state of each (channel, user) is loaded before and saved after every message; nothing
    else is remembered between two messages.
    """

    def __init__(
        self,
        kb: ProcedureSearch,
        store: ConversationStore,
        *,
        dossiers: DossierPort | None = None,
        portal_url: str = DEFAULT_PORTAL_URL,
        choice_margin: float = CHOICE_MARGIN,
        usage: UsageRecorder | None = None,
    ) -> None:
        self._kb = kb
        self._store = store
        self._dossiers = dossiers
        self._portal_url = portal_url
        self._margin = choice_margin
        self._usage: UsageRecorder = usage if usage is not None else NoUsage()
        # A database outage is one warning with a count, not a traceback per message.
        self._outage = OutageLog(log, "the database")

    async def handle(self, msg: Incoming) -> list[Reply]:
        """The replies to one message; never raises (a failure becomes a polite apology)."""
        state, loaded = await self._load(msg)
        try:
            replies = await self._route(msg, state)
        except Exception as exc:
            # The state is not saved: a half-done step must not trap the next message.
            if is_unavailable(exc):
                self._outage.failed(exc)
                return [Reply(t.DATABASE_DOWN)]
            log.exception("conversation failed (channel=%s user=%s)", msg.channel, _ref(msg))
            return [Reply(t.INTERNAL_ERROR)]
        await self._save(msg, state, loaded)
        return replies

    def _failed(self, exc: Exception, what: str, msg: Incoming) -> None:
        if is_unavailable(exc):
            self._outage.failed(exc)
        else:
            log.exception("%s (channel=%s user=%s)", what, msg.channel, _ref(msg))

    # --- state ---------------------------------------------------------------------------

    async def _load(self, msg: Incoming) -> tuple[ConversationState, str | None]:
        """The state and the JSON it came from (None when there was none or it failed)."""
        try:
            raw = await self._store.load(msg.channel, msg.user_id)
        except Exception as exc:
            self._failed(exc, "state not loaded", msg)
            return ConversationState(), None
        self._outage.ok()
        return ConversationState.from_json(raw), raw

    async def _save(self, msg: Incoming, state: ConversationState, loaded: str | None) -> None:
        raw = state.to_json()
        if raw == loaded:
            return  # unchanged: a lookup or a repeated question costs no write
        try:
            await self._store.save(msg.channel, msg.user_id, raw)
        except Exception as exc:
            self._failed(exc, "state not saved", msg)

    # --- routing -------------------------------------------------------------------------

    async def _route(self, msg: Incoming, state: ConversationState) -> list[Reply]:
        text, cut = clean_text(msg.text or "")
        msg = dataclasses.replace(msg, text=text)
        payload = (msg.payload or "").strip()
        if not payload and text.lower().startswith("/start "):
            payload = text[len("/start ") :].strip()  # a deep link typed or forwarded as text
            if not payload.startswith(_KNOWN_PAYLOADS):
                return await self._on_command(msg, "/start", state)  # a link we never made
        elif not payload and _PAYLOAD_AS_TEXT.match(text):
            payload = text  # a channel that sends a button's payload back as typed text
        if payload:
            return await self._on_payload(msg, payload, state)
        if msg.image is not None:
            if self._dossiers is None:
                return [Reply(t.IMAGE_UNSUPPORTED)]
            self._count(msg, UsageKind.LOOKUP_PHOTO)
            return await self._dossiers.on_image(msg, state)
        if self._dossiers is not None and (state.pending or "").startswith("dossier_"):
            replies = await self._dossiers.on_pending(msg, state)
            if replies is not None:
                return replies
        if not text:
            return [Reply(t.EMPTY_MESSAGE)]
        replies = await self._on_text(msg, text, state)
        return [Reply(t.TOO_LONG), *replies] if cut else replies

    async def _on_payload(
        self, msg: Incoming, payload: str, state: ConversationState
    ) -> list[Reply]:
        if not _PAYLOAD.match(payload):
            return [Reply(t.STALE_BUTTON)]
        if payload.startswith("d_"):
            if self._dossiers is None:
                return [Reply(t.DOSSIERS_UNAVAILABLE)]
            self._count(msg, UsageKind.LOOKUP_LINK)
            return await self._dossiers.on_token(msg, payload[2:], state)
        if payload.startswith("ds:"):
            if self._dossiers is None:
                return [Reply(t.DOSSIERS_UNAVAILABLE)]
            replies = await self._dossiers.on_payload(msg, payload, state)
            return replies if replies is not None else [Reply(t.STALE_BUTTON)]
        if payload.startswith("p_"):
            return self._opened(msg, payload[2:].replace("-", "."), [], state)
        if payload.startswith("pa:"):  # pa:<code>:<aspect>[,<aspect>...]
            code, _, asked = payload[3:].partition(":")
            aspects = [a for a in asked.split(",") if a in _KNOWN_ASPECTS]
            return self._opened(msg, code, aspects, state)
        if payload.startswith("pc:"):
            aspects = []
            if state.pending == CHOOSE_PROCEDURE:
                aspects = [a for a in state.pending_data.get("aspects", "").split(",") if a]
            return self._opened(msg, payload[3:], aspects, state)
        if payload in ("help", "start"):
            return [Reply(t.HELP)]
        return [Reply(t.STALE_BUTTON)]

    async def _on_text(self, msg: Incoming, text: str, state: ConversationState) -> list[Reply]:
        if text.startswith("/"):
            return await self._on_command(msg, text, state)
        number = digit_choice(text)
        if number is not None:
            if not state.choices:
                return [Reply(t.NO_CHOICE_PENDING)]
            if 1 <= number <= len(state.choices):
                return await self._on_payload(msg, state.choices[number - 1], state)
            return [Reply(t.CHOICE_OUT_OF_RANGE.format(count=len(state.choices)))]
        offered = _offered_codes(state)
        _forget_choice(state)
        code = _PROCEDURE_CODE.match(text)
        if code and self._kb.get(code.group(1)) is not None:
            self._count(msg, UsageKind.QUESTION_ANSWERED, code.group(1))
            return self._open(code.group(1), [], state)
        if self._dossiers is not None:
            # Before small talk: "hồ sơ của tôi mã 000.00.20.H56-..." is a lookup.
            raw = self._dossiers.find_code(text)
            if raw:
                self._count(msg, UsageKind.LOOKUP_ATTEMPT)
                return await self._dossiers.on_receipt_code(msg, raw, state)
        talk = small_talk(text)
        if talk is not None:
            return await self._on_small_talk(msg, talk, state)
        question = strip_greeting(text)
        if not fold(question):
            return [Reply(t.NOT_UNDERSTOOD)]
        replies = self._procedure_question(question, state, offered)
        self._count_question(msg, state, replies)
        return replies

    async def _on_command(self, msg: Incoming, text: str, state: ConversationState) -> list[Reply]:
        command = text.split(maxsplit=1)[0].split("@", maxsplit=1)[0].lower()
        if command == "/start":
            state.pending = None
            state.pending_data = {}
            state.choices = []
            return [Reply(t.GREETING)]
        if command == "/hoso":
            return await self._on_small_talk(msg, SmallTalk.MY_DOSSIERS, state)
        return [Reply(t.HELP)]

    async def _on_small_talk(
        self, msg: Incoming, talk: SmallTalk, state: ConversationState
    ) -> list[Reply]:
        if talk is SmallTalk.MY_DOSSIERS:
            if self._dossiers is None:
                return [Reply(t.DOSSIERS_UNAVAILABLE)]
            return await self._dossiers.on_my_dossiers(msg, state)
        if talk is SmallTalk.LOOKUP_HELP:
            return [Reply(t.LOOKUP_HOW if self._dossiers else t.DOSSIERS_UNAVAILABLE)]
        answers = {
            SmallTalk.GREETING: t.GREETING,
            SmallTalk.THANKS: t.THANKS,
            SmallTalk.GOODBYE: t.GOODBYE,
            SmallTalk.HELP: t.HELP,
        }
        return [Reply(answers[talk])]

    # --- usage counts (anonymous: channel, kind, procedure code) -------------------------

    def _count(self, msg: Incoming, kind: UsageKind, code: str | None = None) -> None:
        try:
            self._usage.record(str(msg.channel), kind.value, code)
        except Exception:  # counting must never cost a citizen their answer
            log.exception("usage not recorded")

    def _count_question(
        self, msg: Incoming, state: ConversationState, replies: list[Reply]
    ) -> None:
        """A typed question ends in exactly one of: a choice, an answer, no procedure."""
        abstained = (
            t.ASK_WHICH_PROCEDURE,
            t.NOT_IN_KNOWLEDGE_BASE.format(portal_url=self._portal_url),
        )
        if state.pending == CHOOSE_PROCEDURE and state.choices:
            self._count(msg, UsageKind.CHOICE_OFFERED)
        elif not replies or replies[0].text in abstained or state.last_procedure is None:
            self._count(msg, UsageKind.QUESTION_ABSTAINED)
        else:
            self._count(msg, UsageKind.QUESTION_ANSWERED, state.last_procedure)

    def _opened(
        self, msg: Incoming, code: str, aspects: list[str], state: ConversationState
    ) -> list[Reply]:
        replies = self._open(code, aspects, state)
        if code and state.last_procedure == code:
            self._count(msg, UsageKind.PROCEDURE_OPENED, code)
        return replies

    # --- procedures ----------------------------------------------------------------------

    def _procedure_question(
        self, question: str, state: ConversationState, offered: list[str]
    ) -> list[Reply]:
        """``offered``: codes of a choice still open when the question came."""
        aspects = [a.value for a in detect_aspects(question)]
        last = self._kb.get(state.last_procedure) if state.last_procedure else None
        aspect_only = bool(aspects) and is_follow_up(question)
        if aspect_only:
            if last is not None:
                return self._answer(last, aspects, state)
            candidates = [p for p in map(self._kb.get, offered) if p is not None]
            if candidates:
                # "còn lệ phí?" before choosing: the same choice, now for that aspect.
                return self._offer_choice(candidates, aspects, state, template=t.CHOOSE_AGAIN)
            return [Reply(t.ASK_WHICH_PROCEDURE)]
        hits = list(self._kb.search(question, top=MAX_CHOICES + 2))
        if not hits:
            if last is not None and aspects and len(leftover_words(question)) <= FOLLOW_UP_SLACK:
                # "còn lệ phí cho bé thì sao?": one word beside the aspect that names no
                # procedure of its own still asks about the one discussed.
                return self._answer(last, aspects, state)
            return [Reply(t.NOT_IN_KNOWLEDGE_BASE.format(portal_url=self._portal_url))]
        close = self._close_hits(hits)
        if last is not None and aspects and any(h.procedure.code == last.code for h in close):
            # "lệ phí khai sinh" right after the birth registration: stay with it.
            return self._answer(last, aspects, state)
        if len(close) > 1 and hits[0].score < CONFIDENT_SCORE:
            state.last_procedure = None  # a new topic: follow-ups wait for the choice
            return self._offer_choice([h.procedure for h in close], aspects, state)
        replies = self._answer(hits[0].procedure, aspects, state)
        others = [h.procedure for h in close[1:]]
        if others:
            # Records that fit as fully as the answer: the ranking chose; let the citizen switch.
            replies.append(Reply(*render.alternatives(others, aspects)))
        return replies

    def _close_hits(self, hits: list[SearchHit]) -> list[SearchHit]:
        """The best hit and those scoring within the margin of it, in ranking order."""
        best = hits[0].score
        close: list[SearchHit] = []
        for hit in hits:
            if abs(best - hit.score) > self._margin or len(close) == MAX_CHOICES:
                continue
            if all(hit.procedure.code != c.procedure.code for c in close):
                close.append(hit)
        return close

    def _offer_choice(
        self,
        procedures: list[Procedure],
        aspects: list[str],
        state: ConversationState,
        template: str = t.CHOOSE_PROCEDURE,
    ) -> list[Reply]:
        text, buttons = render.choice(procedures, template)
        state.pending = CHOOSE_PROCEDURE
        state.pending_data = {"aspects": ",".join(aspects)} if aspects else {}
        state.choices = [b.payload for b in buttons]
        return [Reply(text, buttons)]

    def _open(self, code: str, aspects: list[str], state: ConversationState) -> list[Reply]:
        procedure = self._kb.get(code) if code else None
        _forget_choice(state)
        if procedure is None:
            return [
                Reply(
                    t.PROCEDURE_UNKNOWN_CODE.format(
                        code=code[:20] or "?", portal_url=self._portal_url
                    )
                )
            ]
        return self._answer(procedure, aspects, state)

    def _answer(
        self, procedure: Procedure, aspects: list[str], state: ConversationState
    ) -> list[Reply]:
        _forget_choice(state)
        state.last_procedure = procedure.code
        if not aspects:
            return [
                Reply(
                    render.overview(procedure, self._portal_url), render.aspect_buttons(procedure)
                )
            ]
        text = render.answer(procedure, aspects, self._portal_url)
        return [Reply(text, render.aspect_buttons(procedure, answered=aspects))]


def clean_text(raw: str) -> tuple[str, bool]:
    """The message as the core reads it, and whether it was cut.

    NFC; control and format characters (NUL, bidi marks, zero-width, BOM) and lone surrogates
    dropped; spaces collapsed; at most MAX_MESSAGE_CHARS, cut at a word.
    """
    cut = False
    if len(raw) > MAX_MESSAGE_CHARS * 4:
        raw, cut = raw[: MAX_MESSAGE_CHARS * 4], True
    text = unicodedata.normalize("NFC", raw)
    text = "".join(
        ch
        for ch in text
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    if len(text) > MAX_MESSAGE_CHARS:
        space = text.rfind(" ", 0, MAX_MESSAGE_CHARS)
        text = text[: space if space > MAX_MESSAGE_CHARS // 2 else MAX_MESSAGE_CHARS]
        cut = True
    return text.strip(), cut


def _offered_codes(state: ConversationState) -> list[str]:
    return [c[3:] for c in state.choices if c.startswith("pc:")]


def _forget_choice(state: ConversationState) -> None:
    if state.pending == CHOOSE_PROCEDURE:
        state.pending = None
        state.pending_data = {}
    state.choices = []


def _ref(msg: Incoming) -> str:
    """A short pseudonym of the user for logs (no raw platform id)."""
    return hashlib.sha256(f"{msg.channel}:{msg.user_id}".encode()).hexdigest()[:10]
