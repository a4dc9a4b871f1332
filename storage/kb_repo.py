"""Stored procedure exports (storage.kb_models): the latest version, its files, a new one.
Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.kb_models import KnowledgeExport, KnowledgeExportFile


async def latest_version(session: AsyncSession) -> int | None:
    """The id of the newest stored export; None while none was stored (the shipped data)."""
    result = await session.execute(select(func.max(col(KnowledgeExport.id))))
    value = result.scalar_one_or_none()
    return int(value) if value is not None else None


async def latest(session: AsyncSession) -> KnowledgeExport | None:
    result = await session.execute(
        select(KnowledgeExport).order_by(col(KnowledgeExport.id).desc()).limit(1)
    )
    return result.scalar_one_or_none()


async def export_files(session: AsyncSession, version: int) -> list[tuple[str, bytes]]:
    """(name, stored bytes) of the export's files, in load order."""
    result = await session.execute(
        select(col(KnowledgeExportFile.name), col(KnowledgeExportFile.data))
        .where(col(KnowledgeExportFile.export_id) == version)
        .order_by(col(KnowledgeExportFile.position))
    )
    return [(str(name), bytes(data)) for name, data in result.all()]


async def add_export(
    session: AsyncSession,
    files: Sequence[tuple[str, bytes]],
    *,
    sha256: str,
    procedures: int,
    summary: str,
    now: datetime,
) -> int:
    """Stores a new export; its id (the new version) is returned."""
    row = KnowledgeExport(sha256=sha256, procedures=procedures, summary=summary, created_at=now)
    session.add(row)
    await session.flush()
    assert row.id is not None
    for position, (name, data) in enumerate(files):
        session.add(KnowledgeExportFile(export_id=row.id, position=position, name=name, data=data))
    await session.flush()
    return row.id


async def list_exports(session: AsyncSession, limit: int = 20) -> list[KnowledgeExport]:
    """The newest first."""
    result = await session.execute(
        select(KnowledgeExport).order_by(col(KnowledgeExport.id).desc()).limit(limit)
    )
    return list(result.scalars())
