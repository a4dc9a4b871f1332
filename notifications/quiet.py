"""Quiet hours ("21:00-07:00" local, or "off"): pushes wait for the morning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: time | None
    end: time | None
    tz: tzinfo

    @classmethod
    def parse(cls, spec: str, tz: tzinfo) -> QuietHours:
        """``"HH:MM-HH:MM"`` (may wrap midnight); ``"off"`` or empty disables."""
        spec = spec.strip().lower()
        if spec in ("", "off", "none", "false"):
            return cls(None, None, tz)
        try:
            a, b = (part.strip() for part in spec.split("-"))
            start, end = time.fromisoformat(a), time.fromisoformat(b)
        except ValueError as exc:
            msg = f"quiet hours must look like 21:00-07:00 or off, not {spec!r}"
            raise ValueError(msg) from exc
        return cls(start, end, tz)

    @property
    def enabled(self) -> bool:
        return self.start is not None and self.end is not None and self.start != self.end

    def is_quiet(self, moment: datetime) -> bool:
        if not self.enabled or self.start is None or self.end is None:
            return False
        local = moment.astimezone(self.tz).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime) -> datetime:
        """``moment`` itself when not quiet, else the end of this quiet period."""
        if not self.is_quiet(moment) or self.end is None:
            return moment
        local = moment.astimezone(self.tz)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(moment.tzinfo)
