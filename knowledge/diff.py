"""What a newer procedure export adds, removes and changes against the one in use."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from knowledge.model import Procedure

# The file a record came from is not part of what it says.
_IGNORED = frozenset({"source"})
FIELDS = tuple(f.name for f in dataclasses.fields(Procedure) if f.name not in _IGNORED)


@dataclass(slots=True)
class Changed:
    old: Procedure
    new: Procedure
    fields: tuple[str, ...]  # Procedure fields whose value differs (``ways``: time, fee, ...)


@dataclass(slots=True)
class ExportDiff:
    added: list[Procedure] = field(default_factory=list)
    removed: list[Procedure] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
        }


def diff_procedures(old: Iterable[Procedure], new: Iterable[Procedure]) -> ExportDiff:
    """Procedures by code: added and changed in the new export's order, removed in the old's."""
    before = {p.code: p for p in old}
    after = {p.code: p for p in new}
    result = ExportDiff()
    for code, procedure in after.items():
        previous = before.get(code)
        if previous is None:
            result.added.append(procedure)
            continue
        differs = tuple(f for f in FIELDS if getattr(previous, f) != getattr(procedure, f))
        if differs:
            result.changed.append(Changed(previous, procedure, differs))
        else:
            result.unchanged += 1
    result.removed = [p for code, p in before.items() if code not in after]
    return result
