"""Logging for the command line and the server: one line per event, as text or as JSON for log
collectors; libraries speak only of warnings unless asked (-v)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# Our own packages: INFO lines from ``serve`` tell what the server does.
PROJECT = ("bot", "handlers", "knowledge", "notifications", "storage")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries whose debug lines carry the data itself (SQL parameters: names, phones, receipt
# codes; aiogram's typing indicator names the chat id): quiet even under -v, since logs never
# hold personal data.
NEVER_VERBOSE = (
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "sqlalchemy.orm",
    "aiosqlite",
    "asyncpg",
    "aiogram.utils.chat_action",
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the
    exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False)


def configure(
    *, verbose: bool, log_format: str = "text", project_level: int = logging.INFO
) -> None:
    """Root at WARNING (library INFO lines stay off the terminal), our packages at
    ``project_level``; ``verbose``: everything at DEBUG."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for name in PROJECT:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else project_level)
    for name in NEVER_VERBOSE:
        logging.getLogger(name).setLevel(logging.WARNING)
