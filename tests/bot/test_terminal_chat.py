"""``motcua chat`` and ``motcua ask`` go through the same core; digits pick numbered buttons."""

from __future__ import annotations

import argparse
import io
import json
import re

import pytest

from bot import texts_vi
from bot.bootstrap import Services
from bot.cli import chat
from bot.config import Settings
from handlers.messages import Button, Incoming, Reply
from knowledge.base import KnowledgeBase


class Recorder:
    def __init__(self) -> None:
        self.seen: list[Incoming] = []

    async def handle(self, msg: Incoming) -> list[Reply]:
        self.seen.append(msg)
        return [Reply("Chọn:", (Button("Lệ phí", "pa:1:fee"), Button("Web", url="https://a.vn")))]


async def test_digits_pick_the_numbered_buttons() -> None:
    core = Recorder()
    out = io.StringIO()
    await chat.converse(core, io.StringIO("khai sinh\n\n1\n7\n"), out, prompt=False)
    assert [m.payload or m.text for m in core.seen] == ["khai sinh", "pa:1:fee", "7"]
    assert all(m.channel == "cli" for m in core.seen)
    printed = out.getvalue()
    assert "[1] Lệ phí" in printed and "https://a.vn" in printed


async def test_real_core_in_the_terminal(services: Services) -> None:
    out = io.StringIO()
    await chat.converse(services.assistant, io.StringIO("làm giấy khai sinh cần gì\n"), out)
    assert "khai sinh" in out.getvalue().lower()


def test_parsers_are_registered() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    chat.register(sub)
    args = parser.parse_args(["ask", "lệ phí hộ chiếu"])
    assert args.func is chat.run_ask and args.questions == ["lệ phí hộ chiếu"]
    assert not args.json
    args = parser.parse_args(["ask", "--json", "a", "b"])
    assert args.questions == ["a", "b"] and args.json
    assert parser.parse_args(["chat"]).func is chat.run_chat


def test_ask_refuses_an_empty_question(capsys: pytest.CaptureFixture[str]) -> None:
    assert chat.run_ask(argparse.Namespace(config=None, questions=["  "], json=False)) == 2
    assert "câu hỏi" in capsys.readouterr().err


@pytest.fixture
def ask_on_test_services(
    settings_env: Settings, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``motcua ask`` on a throwaway database and the shared knowledge base."""
    import bot.bootstrap

    real = bot.bootstrap.bootstrap

    async def bootstrap(settings: Settings, **kwargs: object) -> Services:
        return await real(settings_env, kb=kb)

    monkeypatch.setattr(bot.bootstrap, "bootstrap", bootstrap)


ASKED = [
    "con tôi 14 tuổi làm căn cước",  # one procedure (the adult card), at the citizens' level
    "làm căn cước",  # several fit: a choice
    "ký hợp đồng mua bán điện thế nào",  # not in the records
    "xin chào",
    "000.00.20.H56-210615-0001",  # a receipt code (unknown here)
]


@pytest.mark.usefixtures("ask_on_test_services")
def test_ask_json_prints_the_decision_per_question(capsys: pytest.CaptureFixture[str]) -> None:
    """DESIGN.md: one JSON object per question, in order, each in a fresh conversation."""
    assert chat.run_ask(argparse.Namespace(config=None, questions=ASKED, json=True)) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == len(ASKED)
    assert all({"kind", "procedures", "replies"} <= set(r) for r in rows)
    assert [r["kind"] for r in rows] == ["procedure", "choice", "abstain", "smalltalk", "dossier"]
    card, choice, none, hello, dossier = rows
    assert card["procedures"] == ["1.014061"]  # not the card for children under 14
    assert set(card["other_levels"]["1.014061"]) == {"2.000200", "1.001247"}
    assert 2 <= len(choice["procedures"]) <= 3
    offered = [b["payload"] for r in choice["replies"] for b in r["buttons"]]
    assert offered == [f"pc:{code}" for code in choice["procedures"]]
    assert none["procedures"] == [] and "dichvucong.gov.vn" in none["replies"][0]["text"]
    assert hello["procedures"] == [] and dossier["procedures"] == []
    assert all(isinstance(r["replies"][0]["text"], str) for r in rows)


@pytest.mark.usefixtures("ask_on_test_services")
def test_ask_never_invites_a_digit_it_cannot_take(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        chat.run_ask(argparse.Namespace(config=None, questions=["làm căn cước"], json=False)) == 0
    )
    out = capsys.readouterr().out
    assert "số thứ tự" not in out and texts_vi.NUMBERED_HINT not in out
    assert texts_vi.ASK_ONE_SHOT in out
    by_code = re.escape(texts_vi.ASK_BY_CODE).replace(re.escape("{code}"), r"\d+\.\d+")
    assert len(re.findall(by_code, out)) >= 2  # how to ask about each one next


def test_a_one_shot_answer_lists_aspects_on_a_line_and_procedures_by_code() -> None:
    answer = Reply(
        "Thủ tục X", (Button("Hồ sơ", "pa:1.1:documents"), Button("Lệ phí", "pa:1.1:fee"))
    )
    levels = Reply(
        "Ở cấp khác:", (Button("Xem ở Cấp tỉnh", "pa:2.2:fee"), Button("Web", url="https://a.vn"))
    )
    out = chat.format_once([answer, levels])
    assert texts_vi.ASK_ASPECTS.format(labels="Hồ sơ · Lệ phí") in out
    assert f"Xem ở Cấp tỉnh — {texts_vi.ASK_BY_CODE.format(code='2.2')}" in out
    assert "→ Web: https://a.vn" in out and out.endswith(texts_vi.ASK_ONE_SHOT)
    assert "[1]" not in out and texts_vi.NUMBERED_HINT not in out
