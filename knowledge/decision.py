"""What to do with a question: answer one procedure, offer a short choice, or abstain, and the
rule that decided (with the evidence, for ``motcua kb search --explain``).

The ranking (knowledge.search) orders the records; this module merges the levels of one
procedure (xã / tỉnh / trung ương) into one candidate, keeps the level where citizens go (or
the one the question names), and decides:

- ANSWER only when the best candidate is clear of the next one by a wide margin, and nothing
  about it is in doubt (a record for a force's own people, an age the question contradicts);
- CHOICE of 2-3 close candidates when none is clear but the best fits well enough;
- ABSTAIN otherwise: an honest "not in my knowledge base" beats a wrong office.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from knowledge.audience import age_fit, citizen_level, citizen_level_rank
from knowledge.index import FloatArray
from knowledge.model import Procedure
from knowledge.search import (
    RERANK_FEATURES,
    RERANK_WEIGHTS,
    SCORE_FULL,
    Gate,
    Hit,
    QueryAnalysis,
    Searcher,
    score_points,
)

MAX_CHOICES = 3
# Calibrated on the dev set, the tests' own, the portal-style and the blind sets 1-2
# (bench/search.py; the grid is described in tests/knowledge/data/README.md). The best
# candidate is answered alone when it leads the next procedure by ANSWER_GAP points (of 100):
# below a lead of 12 about one answer in four was wrong, above 14 about one in fifty.
ANSWER_GAP = 14.0
ANSWER_MIN = 30.0  # ... and scores at least this much
# ... or when the question says its whole name (NAMED_MIN of it, qualifiers included) and the
# close ones much less: "đăng ký kết hôn" is not "đăng ký kết hôn lưu động".
NAMED_MIN = 0.9
NAMED_LEAD = 0.2
CHOICE_MIN = 30.0  # a choice is offered only when the best scores this much, else abstain
CHOICE_BAND = 16.0  # candidates within this many points of the best join the choice


class DecisionKind(StrEnum):
    ANSWER = "answer"
    CHOICE = "choice"
    ABSTAIN = "abstain"


class Rule(StrEnum):
    """What decided; the abstain rules of the ranking (knowledge.search.Gate) come first."""

    CLEAR_WINNER = "clear_winner"  # answer: far ahead of the next procedure
    NAMES_IT = "names_it"  # answer: the question says its whole name, not the others'
    CLOSE_CANDIDATES = "close_candidates"  # choice: none is clear of the others
    DOUBT_ON_BEST = "doubt_on_best"  # choice: the best is for other people or another age
    WEAK_BEST = "weak_best"  # abstain: even the best fits too loosely to offer
    ONLY_DOUBTFUL = "only_doubtful"  # abstain: the only candidate is for other people


@dataclass(frozen=True, slots=True)
class Candidate:
    """One procedure (its levels merged) as the decision saw it."""

    procedure: Procedure
    score: float  # 0..100, the best of its levels
    # Each ranking feature's share of the score, in points (they add up to the score).
    contributions: tuple[tuple[str, float], ...] = ()
    siblings: tuple[Procedure, ...] = ()  # the same procedure at the other levels
    doubts: tuple[str, ...] = ()  # why it cannot be the one answer
    level: str = ""  # the level shown (one the question names, else the citizens' one)
    level_asked: bool = False
    named: float = 0.0  # share of its whole name the question says (1: names exactly it)


@dataclass(frozen=True, slots=True)
class Decision:
    kind: DecisionKind
    rule: str  # a Rule or a knowledge.search.Gate value
    reason: str  # the rule with its figures, in a line
    chosen: tuple[Candidate, ...]  # the answer, or the choice; empty when abstaining
    analysis: QueryAnalysis
    ranking: tuple[Candidate, ...] = field(default=())  # what was looked at, best first

    @property
    def hits(self) -> list[Hit]:
        return [Hit(c.procedure, c.score, c.siblings, c.level, c.level_asked) for c in self.chosen]


def decide(searcher: Searcher, query: str, *, look_at: int = 8) -> Decision:
    """The decision for ``query``; ``look_at``: how many candidates the explanation keeps."""
    analysis = searcher.analyse(query)
    if not analysis.terms or analysis.out_of_scope:
        early = Gate.NOTHING_ASKED if not analysis.terms else Gate.OUT_OF_SCOPE
        return _abstain(early, analysis, ())
    scored = searcher.scored(analysis)
    ranking = tuple(_merge(searcher, analysis, scored))[:look_at]
    gate = searcher.gate(analysis, _with_sibling_penalty(searcher, scored))
    if gate is not None:
        return _abstain(gate, analysis, ranking)
    best = ranking[0]
    lead = best.score - ranking[1].score if len(ranking) > 1 else best.score
    if best.score < CHOICE_MIN:
        return _abstain(
            Rule.WEAK_BEST, analysis, ranking, f"best {best.score:.1f} < {CHOICE_MIN:g}"
        )
    if not best.doubts and best.score >= ANSWER_MIN and lead >= ANSWER_GAP:
        reason = f"best {best.score:.1f}, ahead of the next by {lead:.1f} >= {ANSWER_GAP:g}"
        return Decision(DecisionKind.ANSWER, Rule.CLEAR_WINNER, reason, (best,), analysis, ranking)
    close = [c for c in ranking[:MAX_CHOICES] if best.score - c.score <= CHOICE_BAND]
    if (
        not best.doubts
        and best.score >= ANSWER_MIN
        and best.named >= NAMED_MIN
        and all(best.named - c.named >= NAMED_LEAD for c in close[1:])
    ):
        reason = (
            f"says {best.named:.0%} of its name; the close ones at most "
            f"{max((c.named for c in close[1:]), default=0):.0%}"
        )
        return Decision(DecisionKind.ANSWER, Rule.NAMES_IT, reason, (best,), analysis, ranking)
    if best.doubts:
        # The best is about the right thing for other people: offer it beside the next ones.
        close = [c for c in ranking[:MAX_CHOICES] if c.score >= CHOICE_MIN]
        if len(close) < 2:
            return _abstain(Rule.ONLY_DOUBTFUL, analysis, ranking, "; ".join(best.doubts))
        reason = f"best in doubt ({'; '.join(best.doubts)})"
        return Decision(
            DecisionKind.CHOICE, Rule.DOUBT_ON_BEST, reason, tuple(close), analysis, ranking
        )
    if len(close) < 2:
        # Nothing else is near, yet the lead is short of ANSWER_GAP (a low best score):
        # the next one still goes beside it.
        close = [c for c in ranking[:2] if c.score >= CHOICE_MIN]
    if len(close) < 2:
        reason = f"best {best.score:.1f} < {ANSWER_MIN:g} and alone"
        return _abstain(Rule.WEAK_BEST, analysis, ranking, reason)
    reason = (
        f"best {best.score:.1f} leads by {lead:.1f} < {ANSWER_GAP:g}; "
        f"{len(close)} within {CHOICE_BAND:g} points"
    )
    return Decision(
        DecisionKind.CHOICE, Rule.CLOSE_CANDIDATES, reason, tuple(close), analysis, ranking
    )


def _abstain(
    rule: str, analysis: QueryAnalysis, ranking: tuple[Candidate, ...], reason: str = ""
) -> Decision:
    return Decision(DecisionKind.ABSTAIN, rule, reason or rule, (), analysis, ranking)


def _with_sibling_penalty(
    searcher: Searcher, scored: Sequence[tuple[float, int, object]]
) -> list[tuple[float, int]]:
    """The ranking as knowledge.search ranks it (the gate was calibrated on it)."""
    return searcher.spread([(final, doc) for final, doc, _ in scored])


def _merge(
    searcher: Searcher,
    analysis: QueryAnalysis,
    scored: Sequence[tuple[float, int, FloatArray]],
) -> list[Candidate]:
    """One candidate per procedure: its levels merged, shown at the level a citizen would
    use (or the one the question names), scored as the best of them."""
    groups: dict[str, list[tuple[float, int, FloatArray]]] = {}
    for item in scored:
        groups.setdefault(searcher.sibling_keys[item[1]], []).append(item)
    out = []
    for members in groups.values():
        final, doc, features = members[0]
        docs = [m[1] for m in members]
        shown = min(
            docs, key=lambda d: citizen_level_rank(searcher.procedures[d], analysis.levels)
        )
        level = citizen_level(searcher.procedures[shown], analysis.levels)
        out.append(
            Candidate(
                procedure=searcher.procedures[shown],
                score=score_points(final),
                contributions=_contributions(features),
                siblings=tuple(searcher.procedures[d] for d in docs if d != shown),
                doubts=_doubts(searcher, analysis, shown),
                level=level,
                level_asked=level in analysis.levels,
                named=round(searcher.whole_name_coverage(doc, analysis), 3),
            )
        )
    out.sort(key=lambda c: -c.score)
    return out


def _contributions(features: FloatArray) -> tuple[tuple[str, float], ...]:
    points = np.asarray(RERANK_WEIGHTS) * features * (100 / SCORE_FULL)
    pairs = zip(RERANK_FEATURES, points.tolist(), strict=True)
    return tuple((name, round(value, 1)) for name, value in pairs)


def _doubts(searcher: Searcher, analysis: QueryAnalysis, doc: int) -> tuple[str, ...]:
    out = []
    other = searcher.record_groups[doc] - analysis.groups
    if other:
        out.append(f"for {', '.join(sorted(other))}")
    ages = searcher.record_ages[doc]
    if age_fit(ages, analysis.ages) < 0:
        out.append(f"for ages {ages}, asked {analysis.ages}")
    return tuple(out)
