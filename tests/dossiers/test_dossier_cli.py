"""``motcua db upgrade`` and ``motcua dossiers import`` on a throwaway SQLite database."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import db, dossiers
from storage import dossiers_repo
from storage.engine import create_engine, session_factory


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, default=None)
    sub = parser.add_subparsers(required=True)
    db.register(sub)
    dossiers.register(sub)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


async def _status(url: str, code: str) -> str | None:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            dossier = await dossiers_repo.get_by_code(session, code)
            return dossier.status if dossier else None
    finally:
        await engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MOTCUA_DATABASE__URL", url)
    return url


def test_db_upgrade_creates_the_schema(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(["db", "upgrade"]) == 0
    assert "head" in capsys.readouterr().out
    assert asyncio.run(_status(sqlite_url, "000.00.20.H56-260302-0001")) is None


def test_import_csv_reports_lines_and_is_idempotent(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "receipt_code;status;received_at;due_at;applicant_phone\n"
        "000.00.20.h56 260302 0001;4;2026-03-02T09:00;2026-03-06;0912345678\n"
        "000.00.20.H56-260302-0002;4;2026-03-02T09:00;2026-03-06;12\n"
        "000.00.20.H56-260302-0003;4\n",
        encoding="utf-8",
    )
    assert _run(["dossiers", "import", str(path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "accepted): 1" in out
    assert "dòng 3" in out
    assert "bad_phone" in out
    assert "dòng 4" in out
    assert "malformed_row" in out
    assert asyncio.run(_status(sqlite_url, "000.00.20.H56-260302-0001")) == "processing"
    assert _run(["dossiers", "import", str(path), "--json", "--no-progress"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["accepted"], report["created"], report["events_added"]) == (1, 0, 0)
    assert [r["line"] for r in report["rejected"]] == [3, 4]


def test_import_json_array_and_missing_file(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.json"
    row = {
        "receipt_code": "000.00.20.H56-260302-0005",
        "status": "returned",
        "received_at": "2026-03-02T09:00:00+07:00",
        "due_at": "2026-03-05T17:00:00+07:00",
    }
    path.write_text(json.dumps([row, 7], indent=2), encoding="utf-8")
    assert _run(["dossiers", "import", str(path), "--json", "--no-progress"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["accepted"] == 1
    assert [(r["line"], r["reason"]) for r in report["rejected"]] == [(2, "not_an_object")]
    assert asyncio.run(_status(sqlite_url, row["receipt_code"])) == "returned"
    assert _run(["dossiers", "import", str(tmp_path / "nope.csv")]) == 1


def test_unreachable_database_gives_a_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MOTCUA_DATABASE__URL", "postgresql+asyncpg://u:secret@127.0.0.1:1/x")
    path = tmp_path / "in.csv"
    path.write_text("receipt_code,status\n", encoding="utf-8")
    assert _run(["db", "upgrade"]) == 1
    assert _run(["dossiers", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "127.0.0.1:1/x" in err
    assert "secret" not in err
