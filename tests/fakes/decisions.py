"""A procedure search with scripted decisions: the real records, the outcome a test needs (the
conversation's handling of it, not the ranking)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from knowledge.base import KnowledgeBase
from knowledge.model import Procedure


@dataclass(frozen=True)
class ScriptedHit:
    procedure: Procedure
    score: float = 80.0
    siblings: tuple[Procedure, ...] = ()
    level: str = ""
    level_asked: bool = False


@dataclass(frozen=True)
class ScriptedDecision:
    kind: str  # "answer" | "choice" | "abstain"
    rule: str = "scripted"
    hits: Sequence[ScriptedHit] = field(default_factory=tuple)
    handled_by: str = ""


class ScriptedSearch:
    """``script``: question -> (kind, codes); ``default``: the same for any other question
    (abstain when not given)."""

    def __init__(
        self,
        kb: KnowledgeBase,
        script: Mapping[str, tuple[str, Sequence[str]]] | None = None,
        default: tuple[str, Sequence[str]] = ("abstain", ()),
    ) -> None:
        self._kb = kb
        self._script = dict(script or {})
        self._default = default
        self.asked: list[str] = []

    def get(self, code: str) -> Procedure | None:
        return self._kb.get(code)

    def decide(self, query: str) -> ScriptedDecision:
        self.asked.append(query)
        kind, codes = self._script.get(query, self._default)
        hits = [ScriptedHit(p) for c in codes if (p := self._kb.get(c)) is not None]
        return ScriptedDecision(kind, hits=tuple(hits))
