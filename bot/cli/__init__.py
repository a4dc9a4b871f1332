"""The ``motcua`` command line: one module per command group, joined here."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

# Each module defines register(subparsers) and sets ``func`` on its parsers.
COMMAND_MODULES = (
    "bot.cli.serve",
    "bot.cli.chat",
    "bot.cli.kb",
    "bot.cli.db",
    "bot.cli.dossiers",
    "bot.cli.notify",
    "bot.cli.qr",
    "bot.cli.report",
    "bot.cli.staff",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="motcua", description="Trợ lý Một cửa (motcua-bot)")
    parser.add_argument("--config", type=Path, default=None, help="bot.toml to read")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)
