"""Questions the assistant could not answer, grouped by similarity; an officer links a group to
a procedure with a phrase, an admin approves the phrase, and search uses it after the next
reload (``LiveKnowledge``, which swaps in a knowledge base indexed with the learned phrases, and
the newer procedure export that ``motcua kb update`` stored)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from handlers.helpdesk.redact import redact
from handlers.ports import SearchDecision
from handlers.staff import audit
from handlers.staff.audit import Actor, Forbidden, NotFound, Refused
from knowledge.base import KnowledgeBase
from knowledge.learned import lexicon_with
from knowledge.model import Procedure
from knowledge.normalise import fold
from knowledge.similar import group_similar
from storage import kb_repo, questions_repo
from storage.engine import SessionFactory
from storage.staff_models import LearnedPhrase, UnansweredQuestion

log = logging.getLogger(__name__)

MAX_PHRASE = 120
LIST_LIMIT = 500
SUGGESTIONS = 4  # candidate procedures offered per group
SUGGESTED_GROUPS = 40  # groups that get candidates (the most asked first): search costs CPU
Clock = Callable[[], datetime]
# Builds a knowledge base from a stored export's files (name, bytes as stored).
ExportLoader = Callable[[Sequence[tuple[str, bytes]]], KnowledgeBase]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ProcedureLookup(Protocol):
    def get(self, code: str) -> Procedure | None: ...


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A procedure the search finds for a question, for the officer to choose from."""

    code: str
    name: str
    offered: bool  # the assistant offered it (its answer or one of its choices)


class CandidateSearch(Protocol):
    def suggest(self, text: str, top: int = SUGGESTIONS) -> list[Suggestion]: ...


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    lead: UnansweredQuestion
    members: list[UnansweredQuestion]  # the lead first
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def total(self) -> int:
        return sum(m.count for m in self.members)


class LiveKnowledge:
    """The search the assistant uses. ``reload`` (polled by every replica) swaps in the newest
    export stored by ``motcua kb update`` when ``load_export`` is given, and one indexed with
    the approved phrases; the knowledge base it was given is never changed."""

    def __init__(
        self,
        base: KnowledgeBase,
        *,
        export_version: int | None = None,
        load_export: ExportLoader | None = None,
    ) -> None:
        self._base = base
        self._current = base
        self.loaded: frozenset[str] = frozenset()  # folded phrases in use
        self.export_version = export_version  # the stored export in use (None: the files)
        self._load_export = load_export
        self._version: tuple[int, datetime | None] = (0, None)
        self._lock = asyncio.Lock()

    def get(self, code: str) -> Procedure | None:
        return self._current.get(code)

    def decide(self, query: str) -> SearchDecision:
        return self._current.decide(query)

    def __len__(self) -> int:
        return len(self._current)

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self._current)

    @property
    def base(self) -> KnowledgeBase:
        """The procedures in use, without the learned phrases."""
        return self._base

    def suggest(self, text: str, top: int = SUGGESTIONS) -> list[Suggestion]:
        """Candidate procedures for a question the assistant could not answer: what it offered
        first, then what its ranking looked at, best first (none when it saw nothing)."""
        decision = self._current.decide(text)
        offered = {c.procedure.code for c in decision.chosen}
        found: dict[str, Suggestion] = {}
        for candidate in (*decision.chosen, *decision.ranking):
            code = candidate.procedure.code
            if code not in found:
                found[code] = Suggestion(code, candidate.procedure.name, code in offered)
        return list(found.values())[:top]

    async def reload(self, sessions: SessionFactory, *, force: bool = False) -> bool:
        """Rebuilds the index when a newer export was stored or the approved phrases changed;
        True when it did."""
        async with self._lock:
            async with sessions() as session:
                export = await kb_repo.latest_version(session)
                version = await questions_repo.approved_version(session)
                newer = (
                    self._load_export is not None
                    and export is not None
                    and export != self.export_version
                )
                if not newer and version == self._version and not force:
                    return False
                files = await kb_repo.export_files(session, export) if newer and export else []
                pairs = await questions_repo.approved_phrases(session)
            if newer and self._load_export is not None:
                base = await asyncio.to_thread(self._load_export, files)
                if len(base):
                    self._base, self.export_version = base, export
                    log.info("knowledge base: export version %s, %d procedures", export, len(base))
                else:  # kb update refuses an empty export; keep serving what works
                    log.error("stored export version %s has no procedures: not used", export)
            meaning = {
                text: procedure.name
                for text, code in pairs
                if (procedure := self._base.get(code)) is not None
            }
            if meaning:
                rebuilt = await asyncio.to_thread(self._base.with_lexicon, lexicon_with(meaning))
            else:
                rebuilt = self._base
            self._current = rebuilt
            self.loaded = frozenset(fold(p) for p in meaning)
            self._version = version
            log.info("search reloaded with %d learned phrase(s)", len(meaning))
            return True


class Questions:
    def __init__(
        self,
        sessions: SessionFactory,
        procedures: ProcedureLookup,
        *,
        search: CandidateSearch | None = None,
        clock: Clock = _utcnow,
    ) -> None:
        """``search``: where candidate procedures come from (the live search, learned phrases
        included); without it the officer types the code."""
        self._sessions = sessions
        self._procedures = procedures
        self._search = search
        self._clock = clock

    async def groups(self, actor: Actor) -> list[QuestionGroup]:
        """New questions, grouped; the groups asked most often first."""
        if not actor.can("officer"):
            raise Forbidden("questions")
        async with self._sessions() as session:
            rows = await questions_repo.list_questions(session, ("new",), limit=LIST_LIMIT)
        rows.sort(key=lambda q: (-q.count, q.id or 0))
        groups = [
            QuestionGroup(rows[g[0]], [rows[i] for i in g])
            for g in group_similar([r.text for r in rows])
        ]
        groups.sort(key=lambda g: -g.total)
        search = self._search
        if search is None or not groups:
            return groups
        leads = [g.lead.text for g in groups[:SUGGESTED_GROUPS]]
        # The search is CPU work: off the event loop, so other requests are not held up.
        found = await asyncio.to_thread(lambda: [search.suggest(text) for text in leads])
        return [
            replace(g, suggestions=tuple(found[i])) if i < len(found) else g
            for i, g in enumerate(groups)
        ]

    async def phrases(self, actor: Actor, statuses: Sequence[str]) -> list[LearnedPhrase]:
        if not actor.can("officer"):
            raise Forbidden("phrases")
        async with self._sessions() as session:
            return await questions_repo.list_phrases(session, statuses)

    async def link(
        self, actor: Actor, question_ids: Sequence[int], procedure_code: str, phrase: str
    ) -> LearnedPhrase:
        """Links questions to a procedure and proposes ``phrase`` for the search."""
        if not actor.can("officer"):
            raise Forbidden("link")
        code = procedure_code.strip()
        if not code:
            raise Refused("procedure_missing")
        procedure = self._procedures.get(code)
        if procedure is None:
            raise Refused("unknown_procedure")
        phrase = " ".join(phrase.split())
        key = " ".join(fold(phrase).split())
        if len(key) < 3 or len(phrase) > MAX_PHRASE:
            raise Refused("bad_phrase")
        if redact(phrase) != phrase:
            raise Refused("phrase_personal")  # a learned phrase is shown to every officer
        now = self._clock()
        async with self._sessions() as session, session.begin():
            found = await questions_repo.get_questions(session, question_ids)
            if not found or len(found) != len(set(question_ids)):
                raise NotFound("questions")
            ids = [q.id for q in found if q.id is not None]
            await questions_repo.set_question_status(session, ids, "linked", code)
            row = await questions_repo.get_phrase_by_key(session, key)
            before = None
            if row is None:
                row = await questions_repo.add_phrase(
                    session,
                    LearnedPhrase(
                        phrase=key,
                        text=phrase,
                        procedure_code=code,
                        question_id=ids[0] if ids else None,
                        status="proposed",
                        proposed_by=actor.username,
                        proposed_at=now,
                    ),
                )
            else:
                before = {"procedure_code": row.procedure_code, "status": row.status}
                row.text, row.procedure_code, row.status = phrase, code, "proposed"
                row.proposed_by, row.proposed_at = actor.username, now
                row.decided_by = row.decided_at = None
            await audit.record(
                session,
                actor,
                "question_linked",
                "phrase",
                key,
                at=now,
                before=before,
                after={"procedure_code": code, "text": phrase, "questions": ids},
            )
        return row

    async def dismiss(self, actor: Actor, question_ids: Sequence[int]) -> None:
        """Not a procedure question (or nothing to learn): off the list, kept on record."""
        if not actor.can("officer"):
            raise Forbidden("dismiss")
        now = self._clock()
        async with self._sessions() as session, session.begin():
            found = await questions_repo.get_questions(session, question_ids)
            ids = [q.id for q in found if q.id is not None]
            if not ids:
                raise NotFound("questions")
            await questions_repo.set_question_status(session, ids, "dismissed", None)
            await audit.record(
                session,
                actor,
                "question_dismissed",
                "question",
                ",".join(map(str, ids)),
                at=now,
                after={"status": "dismissed"},
            )

    async def decide(self, actor: Actor, phrase_id: int, approve: bool) -> LearnedPhrase:
        """An admin approves a proposed phrase (search uses it after the next reload), or
        rejects it; an approved phrase can be withdrawn the same way."""
        if not actor.can("admin"):
            raise Forbidden("approve")
        now = self._clock()
        async with self._sessions() as session, session.begin():
            row = await questions_repo.get_phrase(session, phrase_id)
            if row is None:
                raise NotFound(str(phrase_id))
            status = "approved" if approve else "rejected"
            if row.status == status:
                return row
            before = {"status": row.status}
            row.status, row.decided_by, row.decided_at = status, actor.username, now
            await audit.record(
                session,
                actor,
                f"phrase_{status}",
                "phrase",
                row.phrase,
                at=now,
                before=before,
                after={"status": status, "procedure_code": row.procedure_code},
            )
        return row
