"""The conversation core: one ``Incoming`` in, the replies out, whatever the channel."""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from handlers import render
from handlers import texts_vi as t
from handlers.choices import degrade
from handlers.conversation import ConversationState, ConversationStore
from handlers.dossiers import codes
from handlers.helpdesk.desk import HandoffHook
from handlers.intents import (
    SmallTalk,
    digit_choice,
    is_follow_up,
    leftover_words,
    small_talk,
    strip_greeting,
)
from handlers.messages import Button, Incoming, Reply
from handlers.outage import OutageLog
from handlers.outcome import Outcome, OutcomeKind, Turn
from handlers.payloads import (
    CORE,
    AskAspects,
    AskPerson,
    ChooseProcedure,
    FullText,
    OpenDossier,
    OpenProcedure,
    Payload,
    Payloads,
    Rate,
    ShowHelp,
    ShowNote,
    Subscribe,
    Unsubscribe,
)
from handlers.ports import DossierPort, ProcedureSearch, RatingHook, SearchHit
from handlers.pseudonyms import pseudonym
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
CHOOSE_PROCEDURE = "choose_procedure"
FOLLOW_UP_SLACK = 1  # unknown words an aspect question may carry and still be a follow-up
_PROCEDURE_CODE = re.compile(r"^\s*(\d{1,2}\.\d{4,6})\s*$")
_KNOWN_ASPECTS = {a.value for a in Aspect}
# knowledge.decision.DecisionKind values (the port speaks plain strings).
ABSTAIN = "abstain"
CHOICE = "choice"
_SPACES = re.compile(r"[^\S\n]+")
_LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def local_today() -> date:
    """Today in Vietnam: the default clock for facts that depend on the date (fee periods)."""
    return datetime.now(UTC).astimezone(_LOCAL).date()


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
        usage: UsageRecorder | None = None,
        today: Callable[[], date] = local_today,
        handoff: HandoffHook | None = None,
        ratings: RatingHook | None = None,
        payloads: Payloads = CORE,
        max_buttons: Mapping[str, int] | None = None,
    ) -> None:
        """``max_buttons``: channel name → the buttons it shows on a message; more become a
        numbered list answered with a digit (handlers.choices). A channel not named: no limit.
        """
        self._kb = kb
        self._ratings = ratings  # the satisfaction question's buttons (notifications/)
        self._payloads = payloads
        self._max_buttons = dict(max_buttons or {})
        self._handoff = handoff  # asking for a person, tickets, unanswered questions
        self._store = store
        self._dossiers = dossiers
        self._portal_url = portal_url
        self._usage: UsageRecorder = usage if usage is not None else NoUsage()
        self._today = today
        # A database outage is one warning with a count, not a traceback per message.
        self._outage = OutageLog(log, "the database")

    async def handle(self, msg: Incoming) -> list[Reply]:
        """The replies to one message; never raises: this is the one place a failure becomes
        the polite apology (channels do not catch and apologise on their own)."""
        return (await self.respond(msg)).replies

    async def respond(self, msg: Incoming) -> Turn:
        """The replies to one message and what was decided; never raises."""
        state, loaded = await self._load(msg)
        out = Outcome()
        try:
            replies = await self._route(msg, state, out)
            if self._handoff is not None:
                await self._handoff.observe(msg, state, replies)
        except Exception as exc:
            # The state is not saved: a half-done step must not trap the next message.
            if is_unavailable(exc):
                self._outage.failed(exc)
                return Turn([Reply(t.DATABASE_DOWN)])
            log.exception("conversation failed (channel=%s user=%s)", msg.channel, _ref(msg))
            return Turn([Reply(t.INTERNAL_ERROR)])
        replies, numbered = degrade(replies, self._max_buttons.get(msg.channel))
        if numbered:
            state.choices = numbered  # the digit that answers the list comes back here
        await self._save(msg, state, loaded)
        return Turn(replies, out)

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

    async def _route(self, msg: Incoming, state: ConversationState, out: Outcome) -> list[Reply]:
        text, cut = clean_text(msg.text or "")
        msg = dataclasses.replace(msg, text=text)
        raw = (msg.payload or "").strip()
        if not raw and text.lower().startswith("/start "):
            raw = text[len("/start ") :].strip()  # a deep link typed or forwarded as text
            if self._payloads.parse(raw) is None:
                return await self._on_command(msg, "/start", state, out)  # a link we never made
        elif not raw and self._payloads.parse(text) is not None:
            raw = text  # a channel that sends a button's payload back as typed text
        if raw:
            return await self._on_payload(msg, self._payloads.parse(raw), state, out)
        if msg.image is not None:
            if self._dossiers is None:
                return [Reply(t.IMAGE_UNSUPPORTED)]
            self._count(msg, UsageKind.LOOKUP_PHOTO)
            out.set(OutcomeKind.DOSSIER)
            return await self._dossiers.on_image(msg, state)
        if self._dossiers is not None and (state.pending or "").startswith("dossier_"):
            replies = await self._dossiers.on_pending(msg, state)
            if replies is not None:
                out.set(OutcomeKind.DOSSIER)
                return replies
        if not text:
            return [Reply(t.EMPTY_MESSAGE)]
        replies = await self._on_text(msg, text, state, out)
        return [Reply(t.TOO_LONG), *replies] if cut else replies

    async def _on_payload(
        self, msg: Incoming, payload: Payload | None, state: ConversationState, out: Outcome
    ) -> list[Reply]:
        """A button pressed or a link opened; a payload we never made is a stale button."""
        match payload:
            case OpenDossier(token=token):
                if self._dossiers is None:
                    return [Reply(t.DOSSIERS_UNAVAILABLE)]
                self._count(msg, UsageKind.LOOKUP_LINK)
                out.set(OutcomeKind.DOSSIER)
                return await self._dossiers.on_token(msg, token, state)
            case Subscribe() | ShowNote() | Unsubscribe():
                if self._dossiers is None:
                    return [Reply(t.DOSSIERS_UNAVAILABLE)]
                out.set(OutcomeKind.DOSSIER)
                return await self._dossiers.on_payload(msg, payload, state)
            case AskPerson() if self._handoff is not None:
                return await self._handoff.on_ask(msg, state)
            case Rate() if self._ratings is not None:
                return await self._ratings.on_rate(msg, payload)
            case OpenProcedure(code=code):
                return self._opened(msg, code, [], state, out)
            case AskAspects(code=code, aspects=asked):
                aspects = [a for a in asked if a in _KNOWN_ASPECTS]
                return self._opened(msg, code, aspects, state, out)
            case FullText(code=code, aspects=asked):
                return self._full(code, [a for a in asked if a in _KNOWN_ASPECTS], state, out)
            case ChooseProcedure(code=code):
                aspects = []
                if state.pending == CHOOSE_PROCEDURE:
                    aspects = [a for a in state.pending_data.get("aspects", "").split(",") if a]
                return self._opened(msg, code, aspects, state, out)
            case ShowHelp():
                return [Reply(t.HELP)]
        return [Reply(t.STALE_BUTTON)]

    async def _on_text(
        self, msg: Incoming, text: str, state: ConversationState, out: Outcome
    ) -> list[Reply]:
        if text.startswith("/"):
            return await self._on_command(msg, text, state, out)
        number = digit_choice(text)
        if number is not None:
            if not state.choices:
                return [Reply(t.NO_CHOICE_PENDING)]
            if 1 <= number <= len(state.choices):
                chosen = self._payloads.parse(state.choices[number - 1])
                return await self._on_payload(msg, chosen, state, out)
            return [Reply(t.CHOICE_OUT_OF_RANGE.format(count=len(state.choices)))]
        offered = _offered_codes(state)
        _forget_choice(state)
        code = _PROCEDURE_CODE.match(text)
        if code and self._kb.get(code.group(1)) is not None:
            self._count(msg, UsageKind.QUESTION_ANSWERED, code.group(1))
            return self._open(code.group(1), [], state, out, rule="procedure_code")
        if self._handoff is not None:
            handled = await self._handoff.on_text(msg, text, state)
            if handled is not None:
                return handled
        # Before small talk: "hồ sơ của tôi mã 000.00.20.H56-..." is a lookup, and anything
        # that looks like a receipt code is never searched as a procedure question.
        if self._dossiers is not None:
            raw = self._dossiers.find_code(text)
            if raw:
                self._count(msg, UsageKind.LOOKUP_ATTEMPT)
                out.set(OutcomeKind.DOSSIER)
                return await self._dossiers.on_receipt_code(msg, raw, state)
        elif codes.find_code(text):
            return [Reply(t.DOSSIERS_UNAVAILABLE)]
        talk = small_talk(text)
        if talk is not None:
            out.set(_TALK_OUTCOME.get(talk, OutcomeKind.SMALLTALK), rule=f"small_talk:{talk}")
            return await self._on_small_talk(msg, talk, state)
        question = strip_greeting(text)
        if not fold(question):
            return [Reply(t.NOT_UNDERSTOOD)]
        replies = self._procedure_question(question, state, offered, out)
        kind = self._count_question(msg, out)
        if self._handoff is not None:
            replies = await self._handoff.after_question(msg, question, kind, replies, state)
        return replies

    async def _on_command(
        self, msg: Incoming, text: str, state: ConversationState, out: Outcome
    ) -> list[Reply]:
        command = text.split(maxsplit=1)[0].split("@", maxsplit=1)[0].lower()
        if command == "/start":
            state.pending = None
            state.pending_data = {}
            state.choices = []
            return [Reply(t.GREETING)]
        if command == "/hoso":
            out.set(OutcomeKind.DOSSIER)
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
        return [Reply(_SMALL_TALK_ANSWERS[talk])]

    # --- usage counts (anonymous: channel, kind, procedure code) -------------------------

    def _count(self, msg: Incoming, kind: UsageKind, code: str | None = None) -> None:
        try:
            self._usage.record(msg.channel, kind.value, code)
        except Exception:  # counting must never cost a citizen their answer
            log.exception("usage not recorded")

    def _count_question(self, msg: Incoming, out: Outcome) -> UsageKind:
        """A typed question ends in exactly one of: a choice, an answer, no procedure."""
        if out.kind is OutcomeKind.CHOICE:
            self._count(msg, UsageKind.CHOICE_OFFERED)
            return UsageKind.CHOICE_OFFERED
        if out.kind is OutcomeKind.PROCEDURE and out.procedures:
            self._count(msg, UsageKind.QUESTION_ANSWERED, out.procedures[0])
            return UsageKind.QUESTION_ANSWERED
        self._count(msg, UsageKind.QUESTION_ABSTAINED)
        return UsageKind.QUESTION_ABSTAINED

    def _opened(
        self,
        msg: Incoming,
        code: str,
        aspects: list[str],
        state: ConversationState,
        out: Outcome,
    ) -> list[Reply]:
        replies = self._open(code, aspects, state, out, rule="opened")
        if code and state.last_procedure == code:
            self._count(msg, UsageKind.PROCEDURE_OPENED, code)
        return replies

    # --- procedures ----------------------------------------------------------------------

    def _procedure_question(
        self, question: str, state: ConversationState, offered: list[str], out: Outcome
    ) -> list[Reply]:
        """``offered``: codes of a choice still open when the question came."""
        aspects = [a.value for a in detect_aspects(question)]
        last = self._kb.get(state.last_procedure) if state.last_procedure else None
        aspect_only = bool(aspects) and is_follow_up(question)
        if aspect_only:
            if last is not None:
                return self._answer(last, aspects, state, out, rule="follow_up")
            candidates = [p for p in map(self._kb.get, offered) if p is not None]
            if candidates:
                # "còn lệ phí?" before choosing: the same choice, now for that aspect.
                return self._offer_choice(
                    candidates,
                    aspects,
                    state,
                    out=out,
                    rule="follow_up_choice",
                    template=t.CHOOSE_AGAIN,
                )
            out.set(OutcomeKind.ABSTAIN, rule="aspect_without_procedure")
            return [Reply(t.ASK_WHICH_PROCEDURE)]
        decision = self._kb.decide(question)
        hits = list(decision.hits)
        if decision.kind == ABSTAIN or not hits:
            if last is not None and aspects and len(leftover_words(question)) <= FOLLOW_UP_SLACK:
                # "còn lệ phí cho bé thì sao?": one word beside the aspect that names no
                # procedure of its own still asks about the one discussed.
                return self._answer(last, aspects, state, out, rule="follow_up")
            out.set(OutcomeKind.ABSTAIN, rule=decision.rule)
            elsewhere = t.OUT_OF_SCOPE_HANDLED_BY.get(decision.handled_by)
            if elsewhere:  # what the records lack, and who handles it instead
                portal = t.OUT_OF_SCOPE_PORTAL.format(portal_url=self._portal_url)
                return [Reply(elsewhere + portal)]
            return [Reply(t.NOT_IN_KNOWLEDGE_BASE.format(portal_url=self._portal_url))]
        if last is not None and aspects and any(last.code in _codes(h) for h in hits):
            # "lệ phí khai sinh" right after the birth registration: stay with it.
            return self._answer(last, aspects, state, out, rule="follow_up")
        out.other_levels = {
            h.procedure.code: tuple(p.code for p in h.siblings) for h in hits if h.siblings
        }
        if decision.kind == CHOICE or len(hits) > 1:
            state.last_procedure = None  # a new topic: follow-ups wait for the choice
            choices = [h.procedure for h in hits]
            return self._offer_choice(choices, aspects, state, out=out, rule=decision.rule)
        best = hits[0]
        replies = self._answer(best.procedure, aspects, state, out, rule=decision.rule)
        if best.siblings:
            replies.append(_other_levels(best, aspects))
        return replies

    def _offer_choice(
        self,
        procedures: list[Procedure],
        aspects: list[str],
        state: ConversationState,
        *,
        out: Outcome,
        rule: str,
        template: str = t.CHOOSE_PROCEDURE,
    ) -> list[Reply]:
        text, buttons = render.choice(procedures, template)
        out.set(OutcomeKind.CHOICE, tuple(p.code for p in procedures), rule)
        state.pending = CHOOSE_PROCEDURE
        state.pending_data = {"aspects": ",".join(aspects)} if aspects else {}
        state.choices = [b.payload for b in buttons]
        return [Reply(text, buttons)]

    def _open(
        self,
        code: str,
        aspects: list[str],
        state: ConversationState,
        out: Outcome,
        rule: str,
    ) -> list[Reply]:
        procedure = self._kb.get(code) if code else None
        _forget_choice(state)
        if procedure is None:
            out.set(OutcomeKind.ABSTAIN, rule="unknown_code")
            return [
                Reply(
                    t.PROCEDURE_UNKNOWN_CODE.format(
                        code=code[:20] or "?", portal_url=self._portal_url
                    )
                )
            ]
        return self._answer(procedure, aspects, state, out, rule)

    def _answer(
        self,
        procedure: Procedure,
        aspects: list[str],
        state: ConversationState,
        out: Outcome,
        rule: str,
    ) -> list[Reply]:
        out.set(OutcomeKind.PROCEDURE, (procedure.code,), rule)
        _forget_choice(state)
        state.last_procedure = procedure.code
        today = self._today()
        if not aspects:
            text = render.overview(procedure, self._portal_url, today=today)
            return [Reply(text, render.aspect_buttons(procedure))]
        answer = render.answer(procedure, aspects, self._portal_url, today=today)
        buttons = render.aspect_buttons(procedure, answered=aspects)
        if answer.more:
            buttons = (render.full_button(procedure, aspects), *buttons)
        return [Reply(answer.text, buttons)]

    def _full(
        self, code: str, aspects: list[str], state: ConversationState, out: Outcome
    ) -> list[Reply]:
        """The full text of what an answer shortened (the "Xem đầy đủ" button)."""
        procedure = self._kb.get(code) if code else None
        if procedure is None or not aspects:
            return [Reply(t.STALE_BUTTON)]
        out.set(OutcomeKind.PROCEDURE, (procedure.code,), "full_text")
        _forget_choice(state)
        state.last_procedure = procedure.code
        text = render.full_answer(procedure, aspects, self._portal_url, today=self._today())
        return [Reply(text, render.aspect_buttons(procedure, answered=aspects))]


_SMALL_TALK_ANSWERS = {
    SmallTalk.GREETING: t.GREETING,
    SmallTalk.THANKS: t.THANKS,
    SmallTalk.GOODBYE: t.GOODBYE,
    SmallTalk.HELP: t.HELP,
    SmallTalk.ACK: t.ACK,
    SmallTalk.IDENTITY: t.IDENTITY,
    SmallTalk.WEATHER: t.WEATHER,
    SmallTalk.PRICES: t.PRICES,
    SmallTalk.JOKE: t.JOKE,
    SmallTalk.INSULT: t.INSULT,
    SmallTalk.OFF_TOPIC: t.OFF_TOPIC,
}


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


def _codes(hit: SearchHit) -> list[str]:
    """The codes of a hit's procedure at every level."""
    return [hit.procedure.code, *(p.code for p in hit.siblings)]


def _other_levels(hit: SearchHit, aspects: list[str]) -> Reply:
    """Which level the answer is about, with a button for each other level."""
    levels = [hit.level] if hit.level else list(hit.procedure.levels)
    level = ", ".join(lv.lower() for lv in levels)
    template = t.LEVEL_ASKED if hit.level_asked else t.LEVEL_FOR_CITIZENS
    buttons = tuple(
        Button(
            t.LEVEL_BUTTON.format(level=", ".join(p.levels) or p.code),
            payload=render.open_payload(p.code, aspects),
        )
        for p in hit.siblings
    )
    return Reply(template.format(level=level), buttons)


def _offered_codes(state: ConversationState) -> list[str]:
    offered = (CORE.parse(c) for c in state.choices)
    return [p.code for p in offered if isinstance(p, ChooseProcedure)]


def _forget_choice(state: ConversationState) -> None:
    if state.pending == CHOOSE_PROCEDURE:
        state.pending = None
        state.pending_data = {}
    state.choices = []


# Small talk that is about dossiers ("hồ sơ của tôi", "tra cứu hồ sơ" without a code).
_TALK_OUTCOME = {
    SmallTalk.MY_DOSSIERS: OutcomeKind.DOSSIER,
    SmallTalk.LOOKUP_HELP: OutcomeKind.DOSSIER,
}


def _ref(msg: Incoming) -> str:
    """A short pseudonym of the user for logs (no raw platform id)."""
    return pseudonym(msg.channel, msg.user_id)
