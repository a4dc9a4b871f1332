"""Staff accounts, console sessions and the audit trail. Never commits (the use cases do)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.staff_models import AuditEntry, StaffAccount, StaffSession


async def get_account(session: AsyncSession, username: str) -> StaffAccount | None:
    result = await session.execute(
        select(StaffAccount).where(col(StaffAccount.username) == username)
    )
    return result.scalar_one_or_none()


async def get_account_by_id(session: AsyncSession, account_id: int) -> StaffAccount | None:
    return await session.get(StaffAccount, account_id)


async def list_accounts(session: AsyncSession) -> list[StaffAccount]:
    result = await session.execute(select(StaffAccount).order_by(col(StaffAccount.username)))
    return list(result.scalars())


async def count_admins(session: AsyncSession) -> int:
    value = await session.scalar(
        select(func.count()).where(
            col(StaffAccount.role) == "admin", col(StaffAccount.active).is_(True)
        )
    )
    return int(value or 0)


async def add_account(session: AsyncSession, account: StaffAccount) -> StaffAccount:
    session.add(account)
    await session.flush()
    return account


# --- sessions -------------------------------------------------------------------------------


async def add_session(session: AsyncSession, row: StaffSession) -> StaffSession:
    session.add(row)
    await session.flush()
    return row


async def live_session(
    session: AsyncSession, token_hash: str
) -> tuple[StaffSession, StaffAccount] | None:
    """The session with this token hash and its account, when neither has ended."""
    result = await session.execute(
        select(StaffSession, StaffAccount)
        .join(StaffAccount, col(StaffAccount.id) == col(StaffSession.account_id))
        .where(
            col(StaffSession.token_hash) == token_hash,
            col(StaffSession.ended_at).is_(None),
            col(StaffAccount.active).is_(True),
        )
    )
    row = result.one_or_none()
    return (row[0], row[1]) if row is not None else None


async def touch_session(session: AsyncSession, session_id: int, now: datetime) -> None:
    await session.execute(
        update(StaffSession).where(col(StaffSession.id) == session_id).values(last_seen_at=now)
    )


async def end_session(session: AsyncSession, session_id: int, now: datetime) -> None:
    await session.execute(
        update(StaffSession)
        .where(col(StaffSession.id) == session_id, col(StaffSession.ended_at).is_(None))
        .values(ended_at=now)
    )


async def end_sessions_of(session: AsyncSession, account_id: int, now: datetime) -> int:
    """Ends every open session of an account (disabled, new password); returns how many."""
    result = await session.execute(
        update(StaffSession)
        .where(col(StaffSession.account_id) == account_id, col(StaffSession.ended_at).is_(None))
        .values(ended_at=now)
        .returning(col(StaffSession.id))
    )
    return len(result.all())


# --- the audit trail ------------------------------------------------------------------------


async def add_audit(session: AsyncSession, entry: AuditEntry) -> None:
    session.add(entry)
    await session.flush()


async def list_audit(
    session: AsyncSession,
    *,
    target_kind: str | None = None,
    targets: Sequence[str] = (),
    limit: int = 200,
) -> list[AuditEntry]:
    """Newest first; optionally only the entries about some targets of one kind."""
    stmt = select(AuditEntry)
    if target_kind is not None:
        stmt = stmt.where(col(AuditEntry.target_kind) == target_kind)
        if targets:
            stmt = stmt.where(col(AuditEntry.target).in_(list(targets)))
    result = await session.execute(
        stmt.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit)
    )
    return list(result.scalars())
