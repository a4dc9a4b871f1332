"""What the core decided for one message (answered, offered a choice, abstained, ...), beside
the replies: for ``motcua ask --json``, the benchmark and the usage counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from handlers.messages import Reply


class OutcomeKind(StrEnum):
    """The kinds of ``motcua ask --json`` (../shared/DESIGN.md)."""

    PROCEDURE = "procedure"  # one procedure answered
    CHOICE = "choice"  # a short choice of procedures offered
    ABSTAIN = "abstain"  # no procedure: the honest "not in my knowledge base" (or "which one?")
    DOSSIER = "dossier"  # a receipt code, a dossier link or photo, the dossiers followed
    SMALLTALK = "smalltalk"  # greeting, thanks, help, chat the core answers in a line
    OTHER = "other"  # commands, empty or unreadable messages, stale buttons, failures


@dataclass(slots=True)
class Outcome:
    """Filled in while a message is handled; ``rule`` names what decided a procedure question
    (the knowledge base's decision rule, or the conversation's own: a follow-up, a code)."""

    kind: OutcomeKind = OutcomeKind.OTHER
    procedures: tuple[str, ...] = ()
    rule: str = ""
    # The same procedure kept at other levels, for each procedure named (code -> codes).
    other_levels: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def names(self, code: str) -> str | None:
        """The procedure named that is ``code`` or the same procedure at another level."""
        for named in self.procedures:
            if code == named or code in self.other_levels.get(named, ()):
                return named
        return None

    def set(self, kind: OutcomeKind, procedures: tuple[str, ...] = (), rule: str = "") -> None:
        self.kind = kind
        self.procedures = procedures
        self.rule = rule


@dataclass(frozen=True, slots=True)
class Turn:
    """The replies to one message and what the core decided."""

    replies: list[Reply]
    outcome: Outcome = field(default_factory=Outcome)

    def as_json(self) -> dict[str, object]:
        """The ``motcua ask --json`` object of this turn."""
        return {
            "kind": self.outcome.kind.value,
            "procedures": list(self.outcome.procedures),
            "rule": self.outcome.rule,
            "other_levels": {k: list(v) for k, v in self.outcome.other_levels.items()},
            "replies": [
                {
                    "text": r.text,
                    "buttons": [
                        {"text": b.label, "payload": b.payload or b.url or ""} for b in r.buttons
                    ],
                }
                for r in self.replies
            ],
        }
