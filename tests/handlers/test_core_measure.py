"""What the core decides on the committed query sets (handlers.measure): directly answered but
wrong, helpful, honest on out-of-data questions; and the outcome each message reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from handlers.assistant import Assistant
from handlers.conversation import MemoryConversationStore
from handlers.measure import Judged, decision_metrics, judge
from handlers.messages import Incoming
from handlers.outcome import Outcome, OutcomeKind, Turn
from knowledge.base import KnowledgeBase
from knowledge.evaluation import EvalQuery, load_queries

DATA = Path(__file__).resolve().parents[1] / "knowledge" / "data"
DEV = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev_queries.jsonl"

# Floors just under what each set reaches (bench/search.py prints them beside BM25). The
# issue's targets are wrong <= 0.02, helpful >= 0.90, honest >= 0.90 on a held-out set; the
# portal-style sets label the one procedure an officer would point to, stricter than that.
# blind_1, blind_2 and blind_6 were read after their first score (data/README.md): regression
# checks. blind_7, 8, 11, 20 and 25 to 30 were committed unread, after their held-out scores.
# blind_9, blind_10 and blind_12 to blind_19 were scored unseen, then read (issue 10, stop 18);
# blind_21 to blind_24 the same in stop 19.
FLOORS: dict[str, dict[str, float]] = {
    "extra_queries": {"wrong_direct": 0.01, "helpful": 0.95, "honest_out_of_data": 0.97},
    "portal_style_a": {"wrong_direct": 0.01, "helpful": 0.77, "honest_out_of_data": 0.9},
    "portal_style_b": {"wrong_direct": 0.01, "helpful": 0.68, "honest_out_of_data": 0.8},
    "portal_style_c": {"wrong_direct": 0.01, "helpful": 0.71, "honest_out_of_data": 0.9},
    "portal_style_d": {"wrong_direct": 0.01, "helpful": 0.67, "honest_out_of_data": 0.9},
    "portal_style_e": {"wrong_direct": 0.01, "helpful": 0.77, "honest_out_of_data": 0.9},
    # 0.985 / 0.986 since the everyday situations (one question each now a choice without
    # the right one; the other read sets gained)
    "blind_1": {"wrong_direct": 0.0, "helpful": 0.98, "honest_out_of_data": 0.94},
    "blind_2": {"wrong_direct": 0.0, "helpful": 0.98, "honest_out_of_data": 0.93},
    "blind_6": {"wrong_direct": 0.0, "helpful": 0.93, "honest_out_of_data": 0.94},
    "blind_7": {"wrong_direct": 0.0, "helpful": 0.88, "honest_out_of_data": 0.94},
    "blind_8": {"wrong_direct": 0.0, "helpful": 0.93, "honest_out_of_data": 0.83},
    "blind_9": {"wrong_direct": 0.0, "helpful": 0.9, "honest_out_of_data": 1.0},
    "blind_10": {"wrong_direct": 0.0, "helpful": 0.94, "honest_out_of_data": 1.0},
    "blind_11": {"wrong_direct": 0.0, "helpful": 0.83, "honest_out_of_data": 0.88},
    "blind_12": {"wrong_direct": 0.0, "helpful": 0.97, "honest_out_of_data": 1.0},
    "blind_13": {"wrong_direct": 0.0, "helpful": 0.95, "honest_out_of_data": 0.94},
    "blind_14": {"wrong_direct": 0.0, "helpful": 0.94, "honest_out_of_data": 1.0},
    "blind_15": {"wrong_direct": 0.0, "helpful": 0.98, "honest_out_of_data": 1.0},
    "blind_16": {"wrong_direct": 0.0, "helpful": 0.91, "honest_out_of_data": 1.0},
    # one answer the writer labelled otherwise: a question on both the marriage registration
    # and its extract's copy, answered with the copy it ends on
    "blind_17": {"wrong_direct": 0.012, "helpful": 0.91, "honest_out_of_data": 1.0},
    "blind_18": {"wrong_direct": 0.0, "helpful": 0.91, "honest_out_of_data": 1.0},
    "blind_19": {"wrong_direct": 0.0, "helpful": 0.88, "honest_out_of_data": 1.0},
    "blind_20": {"wrong_direct": 0.0, "helpful": 0.84, "honest_out_of_data": 1.0},
    "blind_21": {"wrong_direct": 0.0, "helpful": 0.91, "honest_out_of_data": 1.0},
    "blind_22": {"wrong_direct": 0.0, "helpful": 0.95, "honest_out_of_data": 1.0},
    "blind_23": {"wrong_direct": 0.0, "helpful": 0.91, "honest_out_of_data": 1.0},
    "blind_24": {"wrong_direct": 0.012, "helpful": 0.95, "honest_out_of_data": 0.94},
    # 25 to 28: held out, never read; their single score at the end of stop 19
    "blind_25": {"wrong_direct": 0.0, "helpful": 0.88, "honest_out_of_data": 0.88},
    "blind_26": {"wrong_direct": 0.012, "helpful": 0.91, "honest_out_of_data": 0.88},
    "blind_27": {"wrong_direct": 0.034, "helpful": 0.91, "honest_out_of_data": 0.83},
    "blind_28": {"wrong_direct": 0.012, "helpful": 0.93, "honest_out_of_data": 1.0},
    # 29 and 30: a second held-out pair, written after the end state was fixed, scored once
    "blind_29": {"wrong_direct": 0.0, "helpful": 0.9, "honest_out_of_data": 0.94},
    "blind_30": {"wrong_direct": 0.012, "helpful": 0.88, "honest_out_of_data": 0.88},
}
DEV_FLOORS = {"wrong_direct": 0.025, "helpful": 0.78, "honest_out_of_data": 1.0}


async def metrics(kb: KnowledgeBase, path: Path) -> dict[str, Any]:
    assistant = Assistant(kb, MemoryConversationStore())
    return decision_metrics(await judge(assistant, load_queries(path), channel="cli"))


def holds(report: dict[str, Any], floors: dict[str, float]) -> None:
    assert report["wrong_direct"] <= floors["wrong_direct"], report
    assert report["helpful"] >= floors["helpful"], report
    assert report["honest_out_of_data"] >= floors["honest_out_of_data"], report


@pytest.mark.parametrize("name", sorted(FLOORS))
async def test_the_core_decides_well_on_the_committed_sets(kb: KnowledgeBase, name: str) -> None:
    report = await metrics(kb, DATA / f"{name}.jsonl")
    assert report["n_in_data"] >= 40 and report["n_out_of_data"] >= 10
    holds(report, FLOORS[name])


async def test_the_core_decides_well_on_the_dev_set(kb: KnowledgeBase) -> None:
    if not DEV.exists():
        pytest.skip(f"{DEV} not found")
    holds(await metrics(kb, DEV), DEV_FLOORS)


# --- the metrics themselves ----------------------------------------------------------------


def judged(expected: tuple[str, ...], outcome: Outcome) -> Judged:
    return Judged(EvalQuery("q", expected), outcome, first_chars=10)


def test_the_metrics_count_what_the_issue_defines() -> None:
    answer = OutcomeKind.PROCEDURE
    rows = [
        judged(("1",), Outcome(answer, ("1",))),  # right
        judged(("1",), Outcome(answer, ("2",))),  # wrong
        judged(("1",), Outcome(answer, ("3",), other_levels={"3": ("1",)})),  # right, level
        judged(("1",), Outcome(OutcomeKind.CHOICE, ("2", "1", "3"))),  # helpful choice
        judged(("1",), Outcome(OutcomeKind.CHOICE, ("2", "3", "4", "1"))),  # too long
        judged(("1",), Outcome(OutcomeKind.ABSTAIN)),  # not helpful, not wrong
        judged((), Outcome(answer, ("5",))),  # out of data, answered: wrong
        judged((), Outcome(OutcomeKind.CHOICE, ("5", "6"))),  # offered: not honest
        judged((), Outcome(OutcomeKind.ABSTAIN)),  # honest
        judged((), Outcome(OutcomeKind.SMALLTALK)),  # honest
    ]
    report = decision_metrics(rows)
    assert report["n"] == 10 and report["n_in_data"] == 6 and report["n_out_of_data"] == 4
    assert report["n_wrong_direct"] == 2 and report["wrong_direct"] == 0.2
    assert report["helpful"] == round(3 / 6, 4)
    assert report["honest_out_of_data"] == 0.5
    assert report["longest_first_message"] == 10


# --- the outcome every message reports ----------------------------------------------------------


async def test_each_kind_of_message_reports_its_outcome(kb: KnowledgeBase) -> None:
    bot = Assistant(kb, MemoryConversationStore())

    async def turn(text: str | None = None, payload: str | None = None, user: str = "u") -> Turn:
        return await bot.respond(Incoming("web", user, text=text, payload=payload))

    hello = await turn("xin chào", user="a")
    assert hello.outcome.kind is OutcomeKind.SMALLTALK and hello.outcome.rule.startswith("small")
    assert (await turn("/start", user="b")).outcome.kind is OutcomeKind.OTHER
    typed = await turn("1.001193", user="c")
    assert typed.outcome.kind is OutcomeKind.PROCEDURE
    assert typed.outcome.procedures == ("1.001193",) and typed.outcome.rule == "procedure_code"
    vague = await turn("làm căn cước", user="d")
    assert vague.outcome.kind is OutcomeKind.CHOICE and vague.outcome.rule == "close_candidates"
    picked = await turn(payload=f"pc:{vague.outcome.procedures[1]}", user="d")
    assert picked.outcome.kind is OutcomeKind.PROCEDURE and picked.outcome.rule == "opened"
    assert picked.outcome.procedures == vague.outcome.procedures[1:2]
    none = await turn("ký hợp đồng mua bán điện thế nào", user="e")
    assert none.outcome.kind is OutcomeKind.ABSTAIN and none.outcome.procedures == ()
    assert none.as_json()["kind"] == "abstain" and none.as_json()["procedures"] == []
    follow = await turn("còn lệ phí thì sao?", user="c")
    assert follow.outcome.kind is OutcomeKind.PROCEDURE and follow.outcome.rule == "follow_up"
