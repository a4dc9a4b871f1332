"""``motcua chat`` and ``motcua ask`` go through the same core; digits pick numbered buttons."""

from __future__ import annotations

import argparse
import io

import pytest

from bot.bootstrap import Services
from bot.cli import chat
from handlers.messages import Button, Channel, Incoming, Reply


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
    assert all(m.channel is Channel.CLI for m in core.seen)
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
    assert args.func is chat.run_ask and args.question == "lệ phí hộ chiếu"
    assert parser.parse_args(["chat"]).func is chat.run_chat


def test_ask_refuses_an_empty_question(capsys: pytest.CaptureFixture[str]) -> None:
    assert chat.run_ask(argparse.Namespace(config=None, question="  ")) == 2
    assert "câu hỏi" in capsys.readouterr().err
