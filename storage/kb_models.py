"""The national procedure exports stored by ``motcua kb update``: each a version that every
replica polls, with its files as they were given (compressed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, String, Text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class KnowledgeExport(SQLModel, table=True):
    """One stored export; its id is the version the replicas compare with theirs."""

    __tablename__ = "knowledge_exports"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(sa_type=String(64))  # of the plain files, in order: same data, same hash
    procedures: int
    summary: str = Field(default="", sa_type=Text)  # what the update added, removed, changed
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class KnowledgeExportFile(SQLModel, table=True):
    """One file of an export, compressed (xz unless it came compressed)."""

    __tablename__ = "knowledge_export_files"

    export_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("knowledge_exports.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    position: int = Field(primary_key=True)
    name: str = Field(sa_type=String(255))
    data: bytes = Field(sa_type=LargeBinary)
