"""The ``motcua`` command line: one module per command group, joined here. Only the module of
the command given is imported, so ``motcua --help`` and every command start fast."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

# Command -> (the module whose register(subparsers) defines it and sets ``func``, its help).
COMMANDS = {
    "serve": ("bot.cli.serve", "chạy web chat, Telegram, Zalo, API và lịch thông báo"),
    "chat": ("bot.cli.chat", "trò chuyện với trợ lý trong cửa sổ dòng lệnh"),
    "ask": ("bot.cli.chat", "hỏi một hoặc nhiều câu, mỗi câu một cuộc trò chuyện mới"),
    "kb": ("bot.cli.kb", "procedure knowledge base: search, evaluate, update"),
    "db": ("bot.cli.db", "database schema"),
    "dossiers": ("bot.cli.dossiers", "hồ sơ: nhập dữ liệu từ hệ thống một cửa"),
    "notify": ("bot.cli.notify", "notifications: rules, outbox, dispatcher"),
    "qr": ("bot.cli.qr", "QR codes for receipts, procedures and procedure boards"),
    "report": ("bot.cli.report", "thống kê hoạt động trong một khoảng thời gian"),
    "staff": ("bot.cli.staff", "tài khoản cán bộ của bàn làm việc /staff/"),
    "telegram": ("bot.cli.telegram", "Telegram: đăng ký webhook với Bot API"),
}
# Commands whose INFO lines are the point (a server's log); the others print their results.
LOGGING_COMMANDS = frozenset({"serve"})


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None, help="bot.toml to read")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="log lines as text or one JSON object per line (for log collectors)",
    )


def _chosen(argv: Sequence[str]) -> str | None:
    """The command named in ``argv`` (after any global options), without importing it."""
    pre = argparse.ArgumentParser(add_help=False)
    _global_options(pre)
    pre.add_argument("command", nargs="?")
    known, _ = pre.parse_known_args(argv)
    command = known.command
    return command if command in COMMANDS else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; the named command's module defines its own arguments, the others are
    listed by name and help only (all of them when ``command`` is "*")."""
    parser = argparse.ArgumentParser(prog="motcua", description="Trợ lý Một cửa (motcua-bot)")
    _global_options(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    chosen = [name for name in COMMANDS if command in (name, "*")]
    for module_name in dict.fromkeys(COMMANDS[name][0] for name in chosen):
        importlib.import_module(module_name).register(sub)
    for name, (_, help_text) in COMMANDS.items():
        if name not in sub.choices:
            sub.add_parser(name, help=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot import logs
    from bot.config import StartupError

    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _chosen(argv)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    logs.configure(
        verbose=args.verbose,
        log_format=getattr(args, "log_format", "text"),
        project_level=logging.INFO if args.command in LOGGING_COMMANDS else logging.WARNING,
    )
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except StartupError as exc:
        print(f"motcua: {exc}", file=sys.stderr)
        return 2
