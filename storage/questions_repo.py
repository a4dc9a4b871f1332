"""Unanswered questions (already stripped of personal data) and the phrases staff taught the
search. Never commits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.staff_models import LearnedPhrase, UnansweredQuestion
from storage.statements import upsert_insert

QUESTIONS = UnansweredQuestion.__table__  # type: ignore[attr-defined]
PHRASES = LearnedPhrase.__table__  # type: ignore[attr-defined]


async def record_question(
    session: AsyncSession, key: str, text: str, kind: str, now: datetime
) -> None:
    """One more time this wording was asked (a new row the first time)."""
    stmt = upsert_insert(session, QUESTIONS).values(
        key=key, text=text, kind=kind, count=1, first_at=now, last_at=now, status="new"
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={"count": QUESTIONS.c.count + 1, "last_at": now, "kind": kind},
    )
    await session.execute(stmt)


async def list_questions(
    session: AsyncSession, statuses: Collection[str], *, limit: int = 500
) -> list[UnansweredQuestion]:
    """The most recently asked first."""
    result = await session.execute(
        select(UnansweredQuestion)
        .where(col(UnansweredQuestion.status).in_(list(statuses)))
        .order_by(col(UnansweredQuestion.last_at).desc())
        .limit(limit)
    )
    return list(result.scalars())


async def get_questions(session: AsyncSession, ids: Collection[int]) -> list[UnansweredQuestion]:
    result = await session.execute(
        select(UnansweredQuestion).where(col(UnansweredQuestion.id).in_(list(ids)))
    )
    return list(result.scalars())


async def set_question_status(
    session: AsyncSession, ids: Collection[int], status: str, procedure_code: str | None
) -> None:
    await session.execute(
        update(UnansweredQuestion)
        .where(col(UnansweredQuestion.id).in_(list(ids)))
        .values(status=status, procedure_code=procedure_code)
    )


async def count_questions(session: AsyncSession) -> dict[str, int]:
    status = col(UnansweredQuestion.status)
    result = await session.execute(select(status, func.count()).group_by(status))
    return {str(s): int(n) for s, n in result.all()}


# --- learned phrases ------------------------------------------------------------------------


async def get_phrase(session: AsyncSession, phrase_id: int) -> LearnedPhrase | None:
    return await session.get(LearnedPhrase, phrase_id)


async def get_phrase_by_key(session: AsyncSession, phrase: str) -> LearnedPhrase | None:
    result = await session.execute(
        select(LearnedPhrase).where(col(LearnedPhrase.phrase) == phrase)
    )
    return result.scalar_one_or_none()


async def add_phrase(session: AsyncSession, row: LearnedPhrase) -> LearnedPhrase:
    session.add(row)
    await session.flush()
    return row


async def list_phrases(
    session: AsyncSession, statuses: Collection[str], *, limit: int = 500
) -> list[LearnedPhrase]:
    result = await session.execute(
        select(LearnedPhrase)
        .where(col(LearnedPhrase.status).in_(list(statuses)))
        .order_by(col(LearnedPhrase.id).desc())
        .limit(limit)
    )
    return list(result.scalars())


async def approved_phrases(session: AsyncSession) -> list[tuple[str, str]]:
    """(phrase as written, procedure code) of every approved phrase, oldest first."""
    result = await session.execute(
        select(col(LearnedPhrase.text), col(LearnedPhrase.procedure_code))
        .where(col(LearnedPhrase.status) == "approved")
        .order_by(col(LearnedPhrase.id))
    )
    return [(str(t), str(c)) for t, c in result.all()]


async def approved_version(session: AsyncSession) -> tuple[int, datetime | None]:
    """Changes whenever a phrase is approved or withdrawn: (count, latest decision time)."""
    row = (
        await session.execute(
            select(func.count(), func.max(col(LearnedPhrase.decided_at))).where(
                col(LearnedPhrase.status) == "approved"
            )
        )
    ).one()
    return int(row[0] or 0), row[1]
