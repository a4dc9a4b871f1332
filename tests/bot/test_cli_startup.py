"""Fast, quiet commands: ``motcua --help`` imports no channel library; ``motcua ask`` prints
answers and no library INFO lines; an installed copy finds its data from any folder."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot import logs
from bot.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    env["MOTCUA_DATABASE__URL"] = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    env["MOTCUA_KNOWLEDGE__CACHE_DIR"] = os.environ.get(
        "MOTCUA_KNOWLEDGE__CACHE_DIR", str(tmp_path / "cache")
    )
    env.update(extra)
    return env


@pytest.mark.slow  # a fresh interpreter
def test_help_imports_no_channel_library(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", "--help"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=ROOT,
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    assert "bot.cli" in imported
    heavy = {"aiogram", "aiohttp", "sqlalchemy", "alembic", "rapidfuzz", "apscheduler"}
    assert not heavy & {name.split(".")[0] for name in imported}
    for command in COMMANDS:
        assert command in result.stdout


def test_every_command_parses_with_its_own_module() -> None:
    parser = build_parser("*")
    for argv in (["ask", "x"], ["kb", "update", "f.jsonl"], ["telegram", "set-webhook"]):
        assert parser.parse_args(argv).func is not None
    args = build_parser("serve").parse_args(["serve", "--demo", "--log-format", "json"])
    assert args.demo and args.log_format == "json"


@pytest.mark.slow  # two fresh interpreters, each loading the knowledge base
def test_ask_is_quiet_and_answers(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "làm giấy khai sinh cần gì"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        check=True,
    )
    assert "Đăng ký khai sinh" in result.stdout
    assert " INFO " not in result.stderr, result.stderr  # alembic, aiogram, our own
    verbose = subprocess.run(
        [sys.executable, "-m", "bot", "-v", "ask", "làm hộ chiếu"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        check=True,
    )
    assert " INFO bot.kb_source: knowledge base" in verbose.stderr


def test_json_log_lines() -> None:
    logs.configure(verbose=False, log_format="json")
    buffer = io.StringIO()
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    try:
        logging.getLogger("bot.test").warning("one %s", "event")
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("bot.test").exception("two\nlines")
    finally:
        logs.configure(verbose=False)
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 2  # one line per event, traceback included
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "one event" and first["level"] == "WARNING"
    assert first["logger"] == "bot.test" and first["time"].endswith("+00:00")
    assert second["message"] == "two\nlines" and "ValueError: boom" in second["exception"]


@pytest.mark.slow
def test_an_installed_copy_answers_from_an_empty_folder(tmp_path: Path) -> None:
    """The wheel holds the data; installed elsewhere and run from an empty folder (no bot.toml,
    no ../shared), it answers procedure questions."""
    source = tmp_path / "src"  # a copy: building writes build/ beside the sources
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "var", "build", "*.egg-info", "__pycache__", ".*_cache", "tests"
        ),
    )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
    )
    [wheel] = wheels.glob("motcua_bot-*.whl")
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), wheel],
        check=True,
        capture_output=True,
    )
    assert (site / "knowledge" / "data" / "procedures_dvcqg_2026.jsonl.xz").is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    env = _env(tmp_path, PYTHONPATH=str(site))
    env.pop("MOTCUA_DATABASE__URL")  # the installed default: var/ in the working folder
    probe = "import bot, knowledge.shipped as s; print(bot.__file__); print(s.data_dir())"
    where = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        cwd=empty,
        check=False,
    )
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "làm giấy khai sinh cần gì"],
        capture_output=True,
        text=True,
        env=env,
        cwd=empty,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["kind"] == "procedure" and answer["procedures"] == ["1.001193"]
    assert (empty / "var" / "motcua.db").is_file()  # beside where it runs, not in site-packages
