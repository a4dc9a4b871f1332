"""Marks on the database (storage.instance_models) and what it holds. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.instance_models import InstanceMark
from storage.models import Dossier

DEMO = "demo"


async def has_mark(session: AsyncSession, name: str) -> bool:
    return await session.get(InstanceMark, name) is not None


async def set_mark(session: AsyncSession, name: str, now: datetime, value: str = "") -> None:
    if await session.get(InstanceMark, name) is None:
        session.add(InstanceMark(name=name, value=value, created_at=now))
        await session.flush()


async def count_dossiers(session: AsyncSession) -> int:
    result = await session.execute(select(func.count()).select_from(Dossier))
    return int(result.scalar_one())
