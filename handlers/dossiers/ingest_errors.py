"""Why an ingested row is refused: a stable machine reason, the field and the value shown."""

from __future__ import annotations


class RowError(Exception):
    def __init__(self, reason: str, field: str | None = None, value: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.value = value
