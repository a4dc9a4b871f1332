"""``motcua chat`` (talk in the terminal) and ``motcua ask`` (one answer), through the core."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot import texts_vi
from bot.config import load_settings
from bot.ports import Responder
from handlers.messages import Channel, Incoming, Reply

TERMINAL_USER = "terminal"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    chat = sub.add_parser("chat", help="trò chuyện với trợ lý trong cửa sổ dòng lệnh")
    chat.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="bot.toml")
    chat.add_argument("--demo", action="store_true", help="nạp hồ sơ mẫu để thử tra cứu")
    chat.set_defaults(func=run_chat)
    ask = sub.add_parser("ask", help="hỏi một câu, in câu trả lời")
    ask.add_argument("question", help='câu hỏi, ví dụ: "làm giấy khai sinh cần gì"')
    ask.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="bot.toml")
    ask.set_defaults(func=run_ask)


def format_replies(replies: list[Reply]) -> tuple[str, list[str]]:
    """Replies as terminal text, buttons numbered; returns the payloads in number order."""
    lines: list[str] = []
    payloads: list[str] = []
    for reply in replies:
        lines.append(reply.text)
        for button in reply.buttons:
            if button.url:
                lines.append(f"  → {button.label}: {button.url}")
            else:
                payloads.append(button.payload)
                lines.append(f"  [{len(payloads)}] {button.label}")
    if payloads:
        lines.append(texts_vi.NUMBERED_HINT)
    return "\n".join(lines), payloads


def to_incoming(line: str, payloads: list[str]) -> Incoming:
    """A digit picks a numbered button; anything else is a question."""
    text = line.strip()
    if text.isdigit() and 1 <= int(text) <= len(payloads):
        return Incoming(Channel.CLI, TERMINAL_USER, payload=payloads[int(text) - 1])
    return Incoming(Channel.CLI, TERMINAL_USER, text=text)


async def converse(
    assistant: Responder, lines: TextIO, out: TextIO, *, prompt: bool = True
) -> None:
    """Reads lines until EOF and prints each answer; usable with any streams (tests)."""
    payloads: list[str] = []
    loop = asyncio.get_running_loop()
    print(texts_vi.CLI_WELCOME, file=out)
    while True:
        if prompt:
            print(texts_vi.CLI_PROMPT, end="", file=out, flush=True)
        line = await loop.run_in_executor(None, lines.readline)
        if not line:
            print(file=out)
            return
        if not line.strip():
            continue
        text, payloads = format_replies(await assistant.handle(to_incoming(line, payloads)))
        print(text, file=out, flush=True)


async def _chat(config: Path | None, demo: bool) -> None:
    from bot.bootstrap import bootstrap

    services = await bootstrap(load_settings(config), demo=demo)
    try:
        await converse(services.assistant, sys.stdin, sys.stdout, prompt=sys.stdin.isatty())
    finally:
        await services.aclose()


async def _ask(config: Path | None, question: str) -> str:
    from bot.bootstrap import bootstrap

    services = await bootstrap(load_settings(config))
    try:
        msg = Incoming(Channel.CLI, TERMINAL_USER, text=question)
        text, _ = format_replies(await services.assistant.handle(msg))
        return text
    finally:
        await services.aclose()


def run_chat(args: argparse.Namespace) -> int:
    try:
        asyncio.run(_chat(args.config, args.demo))
    except KeyboardInterrupt:
        print()
    return 0


def run_ask(args: argparse.Namespace) -> int:
    if not args.question.strip():
        print(texts_vi.CLI_EMPTY_QUESTION, file=sys.stderr)
        return 2
    print(asyncio.run(_ask(args.config, args.question)))
    return 0
