"""What the core decides on a query file: answers that are wrong, help, honesty, message length.

Each question is asked in a fresh conversation, as ``motcua ask`` does, and judged by the core's
outcome (handlers.outcome), not by the raw ranking: a right procedure in third place helps only
when the core offers it in a short choice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from handlers.assistant import Assistant
from handlers.messages import Incoming
from handlers.outcome import Outcome, OutcomeKind
from knowledge.evaluation import EvalQuery

HELPFUL_CHOICE = 3  # a choice this short still helps: the right procedure is one tap away


@dataclass(frozen=True, slots=True)
class Judged:
    """One question, what the core did, and the length of the first message it sent."""

    query: EvalQuery
    outcome: Outcome
    first_chars: int

    @property
    def answered(self) -> str | None:
        """The procedure answered directly, if any."""
        if self.outcome.kind is OutcomeKind.PROCEDURE and self.outcome.procedures:
            return self.outcome.procedures[0]
        return None

    @property
    def right(self) -> bool:
        """A procedure named is a right one, at the level shown or another (the same
        procedure kept at several levels is one answer, its other levels one tap away)."""
        return any(self.outcome.names(code) for code in self.query.expected)

    @property
    def wrong(self) -> bool:
        """Answered one procedure that is not a right one (any, for out-of-data questions)."""
        return self.answered is not None and not self.right

    @property
    def helpful(self) -> bool:
        """In-data: answered right, or a right one in a choice of at most HELPFUL_CHOICE."""
        if not self.query.expected:
            return False
        if self.answered is not None:
            return self.right
        return (
            self.outcome.kind is OutcomeKind.CHOICE
            and len(self.outcome.procedures) <= HELPFUL_CHOICE
            and self.right
        )

    @property
    def honest(self) -> bool:
        """Out-of-data: no procedure answered or offered."""
        return not self.query.expected and not self.outcome.procedures


async def judge(
    assistant: Assistant, queries: Sequence[EvalQuery], *, channel: str
) -> list[Judged]:
    """Each question in its own conversation (a user id of its own), on the caller's
    ``channel`` (a terminal's, not a citizen's: nothing is learned from it)."""
    out = []
    run = uuid.uuid4().hex[:8]  # conversations of another call must not carry over
    for number, item in enumerate(queries):
        msg = Incoming(channel, f"measure-{run}-{number}", text=item.query)
        turn = await assistant.respond(msg)
        first = len(turn.replies[0].text) if turn.replies else 0
        out.append(Judged(item, turn.outcome, first))
    return out


def decision_metrics(judged: Sequence[Judged]) -> dict[str, Any]:
    """Shares over a query file; ``wrong_direct`` is over all questions (the one that matters)."""
    n = len(judged)
    in_data = [j for j in judged if j.query.expected]
    out_of_data = [j for j in judged if not j.query.expected]
    kinds = [j.outcome.kind for j in judged]

    def share(count: int, total: int) -> float:
        return round(count / total, 4) if total else 0.0

    return {
        "n": n,
        "n_in_data": len(in_data),
        "n_out_of_data": len(out_of_data),
        "wrong_direct": share(sum(j.wrong for j in judged), n),
        "n_wrong_direct": sum(j.wrong for j in judged),
        "helpful": share(sum(j.helpful for j in in_data), len(in_data)),
        "honest_out_of_data": share(sum(j.honest for j in out_of_data), len(out_of_data))
        if out_of_data
        else 1.0,
        "answered": share(kinds.count(OutcomeKind.PROCEDURE), n),
        "choice": share(kinds.count(OutcomeKind.CHOICE), n),
        "abstained": share(kinds.count(OutcomeKind.ABSTAIN), n),
        "longest_first_message": max((j.first_chars for j in judged), default=0),
    }
