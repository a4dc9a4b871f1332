"""``motcua chat`` (talk in the terminal) and ``motcua ask`` (one answer per question, each in a
fresh conversation, as text or as the core's decision in JSON), through the core."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TextIO

from bot import texts_vi
from bot.config import for_demo, load_settings
from bot.ports import Responder
from handlers.assistant import Assistant
from handlers.conversation import MemoryConversationStore
from handlers.messages import Incoming, Reply
from handlers.outcome import Turn
from handlers.payloads import CORE, AskAspects, ChooseProcedure, OpenProcedure

# ``Incoming.channel`` of the terminal's messages (``motcua chat``, ``motcua ask``); it runs
# outside the app's channels, so no officer's answer or push can reach it.
NAME = "cli"
TERMINAL_USER = "terminal"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    chat = sub.add_parser("chat", help="trò chuyện với trợ lý trong cửa sổ dòng lệnh")
    chat.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="bot.toml")
    chat.add_argument("--demo", action="store_true", help="nạp hồ sơ mẫu để thử tra cứu")
    chat.set_defaults(func=run_chat)
    ask = sub.add_parser("ask", help="hỏi một hoặc nhiều câu, mỗi câu một cuộc trò chuyện mới")
    ask.add_argument(
        "questions", nargs="+", metavar="question", help='ví dụ: "làm giấy khai sinh cần gì"'
    )
    ask.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="bot.toml")
    ask.add_argument(
        "--json",
        action="store_true",
        help='mỗi câu một dòng JSON: {"kind", "procedures", "rule", "replies"}',
    )
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
        return Incoming(NAME, TERMINAL_USER, payload=payloads[int(text) - 1])
    return Incoming(NAME, TERMINAL_USER, text=text)


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

    settings = load_settings(config)
    services = await bootstrap(for_demo(settings) if demo else settings, demo=demo)
    try:
        await converse(services.assistant, sys.stdin, sys.stdout, prompt=sys.stdin.isatty())
    finally:
        await services.aclose()


def format_once(replies: list[Reply]) -> str:
    """Replies of a one-shot question: nothing can be answered with a digit afterwards, so a
    button that opens a procedure says how to ask about it next (by its code), the aspect
    buttons of an answer are listed on one line, and no number is offered."""
    lines: list[str] = []
    asked_next = False
    for reply in replies:
        lines.append(reply.text)
        codes = {None if b.url else procedure_in(b.payload) for b in reply.buttons}
        aspects = len(reply.buttons) > 1 and len(codes) == 1 and None not in codes
        if aspects:  # one procedure's aspects: what else the answer covers
            labels = " · ".join(b.label for b in reply.buttons)
            lines.append(f"  {texts_vi.ASK_ASPECTS.format(labels=labels)}")
            continue
        for button in reply.buttons:
            code = procedure_in(button.payload)
            if button.url:
                lines.append(f"  → {button.label}: {button.url}")
            elif code:
                asked_next = True
                lines.append(f"  • {button.label} — {texts_vi.ASK_BY_CODE.format(code=code)}")
            else:
                lines.append(f"  • {button.label}")
    if asked_next:
        lines.append(texts_vi.ASK_ONE_SHOT)
    return "\n".join(lines)


def procedure_in(payload: str) -> str | None:
    """The procedure code a button opens (``pc:``, ``pa:`` and ``p_`` payloads)."""
    match CORE.parse(payload):
        case ChooseProcedure(code=code) | AskAspects(code=code) | OpenProcedure(code=code):
            return code
    return None


async def ask_all(assistant: Assistant, questions: list[str]) -> list[Turn]:
    """Each question in a fresh conversation: a new user in a store of its own."""
    turns = []
    for number, question in enumerate(questions):
        msg = Incoming(NAME, f"{TERMINAL_USER}-ask-{number}", text=question)
        turns.append(await assistant.respond(msg))
    return turns


async def _ask(config: Path | None, questions: list[str]) -> list[Turn]:
    from bot.bootstrap import bootstrap

    services = await bootstrap(load_settings(config))
    try:
        assistant = Assistant(
            services.knowledge,
            MemoryConversationStore(),
            dossiers=services.dossiers,
            portal_url=services.settings.knowledge.portal_url,
        )
        return await ask_all(assistant, questions)
    finally:
        await services.aclose()


def run_chat(args: argparse.Namespace) -> int:
    try:
        asyncio.run(_chat(args.config, args.demo))
    except KeyboardInterrupt:
        print()
    return 0


def run_ask(args: argparse.Namespace) -> int:
    questions = [q for q in args.questions if q.strip()]
    if not questions:
        print(texts_vi.CLI_EMPTY_QUESTION, file=sys.stderr)
        return 2
    turns = asyncio.run(_ask(args.config, questions))
    for number, turn in enumerate(turns):
        if args.json:
            print(json.dumps(turn.as_json(), ensure_ascii=False))
            continue
        if len(turns) > 1:
            print(("\n" if number else "") + f"» {questions[number]}")
        print(format_once(turn.replies))
    return 0
