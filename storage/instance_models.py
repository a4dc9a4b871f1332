"""Facts about the database itself, e.g. that it is the demo database (``serve --demo``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class InstanceMark(SQLModel, table=True):
    __tablename__ = "instance_marks"

    name: str = Field(sa_type=String(64), primary_key=True)
    value: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
