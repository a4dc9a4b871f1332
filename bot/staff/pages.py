"""Page rendering: one jinja2 environment (autoescaped) over templates/, with date filters."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.staff import texts_vi
from bot.staff.report import count, percent
from handlers.dossiers.statuses import label_vi
from storage.desk_repo import SentRow

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


def sent_line(row: SentRow) -> str:
    """What was sent about a dossier, by which channel, in what state; the official apology
    letter is named as the form it is."""
    rule = texts_vi.RULES.get(row.rule, row.rule)
    if row.rule == "overdue_apology" and row.occurrence.startswith("letter-"):
        rule = texts_vi.LETTER
    return texts_vi.SENT_LINE.format(
        rule=rule,
        channel=texts_vi.CHANNELS.get(row.channel, row.channel),
        status=texts_vi.SENT_STATUSES.get(row.status, row.status),
    )


class Pages:
    def __init__(self, tz: tzinfo) -> None:
        self._tz = tz
        self._env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(("html",)),
            undefined=StrictUndefined,  # a misspelt name fails the test, not the officer
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters["day"] = self.day
        self._env.filters["moment"] = self.moment
        self._env.filters["status"] = label_vi
        self._env.filters["sent"] = sent_line
        self._env.filters["count"] = count
        self._env.filters["pct"] = percent
        self._env.globals["T"] = texts_vi

    def day(self, value: datetime | date | None) -> str:
        if value is None:
            return texts_vi.EMPTY
        if isinstance(value, datetime):
            value = value.astimezone(self._tz).date()
        return value.strftime("%d/%m/%Y")

    def moment(self, value: datetime | None) -> str:
        if value is None:
            return texts_vi.EMPTY
        return value.astimezone(self._tz).strftime("%H:%M %d/%m/%Y")

    def render(self, name: str, **context: Any) -> str:
        return self._env.get_template(name).render(**context)
