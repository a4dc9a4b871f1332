"""``motcua kb update``: validates a newer export, prints the diff, stores it as a version the
running services load without a restart; refuses what would break the knowledge base."""

from __future__ import annotations

import argparse
import json
import lzma
from pathlib import Path

import pytest

from bot.bootstrap import Services, bootstrap
from bot.cli import kb as kb_cli
from bot.config import Settings, StartupError
from knowledge import shipped
from knowledge.base import KnowledgeBase
from knowledge.compressed import open_text
from storage import kb_repo

NEW_CODE = "9.999001"
NEW_NAME = "Cấp giấy phép nuôi chim yến trong nhà ở đô thị"


def _export(tmp_path: Path, *, drop: int = 1, rename: str = "1.001193") -> list[Path]:
    """The shipped export with one record dropped, one renamed and one added (plain JSONL),
    and the defence file as shipped (xz)."""
    with open_text(shipped.export_paths()[0]) as handle:
        records = [json.loads(line) for line in handle]
    out = []
    for i, record in enumerate(records):
        if i < drop:
            continue
        if record["ma_thu_tuc"] == rename:
            record["ten_thu_tuc"] = "Đăng ký khai sinh cho trẻ em (bản cập nhật)"
        out.append(json.dumps(record, ensure_ascii=False))
    out.append(json.dumps({"ma_thu_tuc": NEW_CODE, "ten_thu_tuc": NEW_NAME}, ensure_ascii=False))
    out.append("{ not json")
    first = tmp_path / "procedures_dvcqg_2027.jsonl"
    first.write_text("\n".join(out) + "\n", encoding="utf-8")
    second = tmp_path / "procedures_bqp.jsonl.xz"
    second.write_bytes(shipped.export_paths()[1].read_bytes())
    return [first, second]


def _args(files: list[Path], **kw: object) -> argparse.Namespace:
    base = {"config": None, "files": [str(f) for f in files], "dry_run": False, "force": False}
    return argparse.Namespace(**{**base, "all": False, **kw})


@pytest.mark.slow  # loads and indexes a whole export
async def test_update_prints_the_diff_and_every_service_serves_it(
    settings_env: Settings,
    kb: KnowledgeBase,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    services: Services = await bootstrap(settings_env, kb=kb)
    try:
        assert services.knowledge.get(NEW_CODE) is None
        files = _export(tmp_path)
        assert await _run(kb_cli._update, _args(files, dry_run=True)) == 0
        out = capsys.readouterr().out
        assert "1 added, 1 removed, 1 changed" in out
        assert f"+ [{NEW_CODE}] {NEW_NAME}" in out
        assert "~ [1.001193] Đăng ký khai sinh cho trẻ em (bản cập nhật): name" in out
        assert "procedures_dvcqg_2027.jsonl.xz:2643: invalid JSON" in out  # the skipped line
        assert "Dry run" in out
        async with services.sessions() as session:
            assert await kb_repo.latest_version(session) is None

        assert await _run(kb_cli._update, _args(files)) == 0
        assert "Stored as version 1" in capsys.readouterr().out
        assert await _run(kb_cli._update, _args(files)) == 0
        assert "already stored" in capsys.readouterr().out

        # A running service picks it up at its next poll: no restart.
        assert await services.knowledge.reload(services.sessions)
        assert services.knowledge.export_version == 1
        assert services.knowledge.get(NEW_CODE) is not None
        decision = services.knowledge.decide("nuôi chim yến trong nhà ở đô thị")
        assert [h.procedure.code for h in decision.hits][:1] == [NEW_CODE]
        assert not await services.knowledge.reload(services.sessions)  # nothing newer
    finally:
        await services.aclose()
    # A new process loads the stored export at start.
    restarted = await bootstrap(settings_env)
    try:
        assert restarted.knowledge.export_version == 1
        assert restarted.knowledge.get(NEW_CODE) is not None
        assert len(restarted.knowledge) == len(kb)  # one added, one removed
    finally:
        await restarted.aclose()


async def _run(func: object, args: argparse.Namespace) -> int:
    """The CLI function (it runs its own event loop) in a worker thread."""
    import asyncio

    return await asyncio.to_thread(func, args)  # type: ignore[arg-type]


@pytest.mark.usefixtures("settings_env")
@pytest.mark.slow  # loads and indexes whole exports
async def test_update_refuses_what_would_break_the_knowledge_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    assert await _run(kb_cli._update, _args([empty])) == 1
    assert "no procedure could be read" in capsys.readouterr().err

    broken = tmp_path / "broken.jsonl.xz"
    broken.write_bytes(lzma.compress(b'{"ma_thu_tuc": "1.1", "ten_thu_tuc": "A"}\n')[:20])
    assert await _run(kb_cli._update, _args([broken])) == 1
    assert "cannot read file" in capsys.readouterr().err

    half = _export(tmp_path, drop=1500)[:1]  # most procedures gone: a cut-short export?
    assert await _run(kb_cli._update, _args(half)) == 1
    assert "--force" in capsys.readouterr().err
    assert await _run(kb_cli._update, _args(half, force=True)) == 0

    assert await _run(kb_cli._update, _args([tmp_path / "missing.jsonl"])) == 2


async def test_an_empty_knowledge_base_stops_the_start(
    settings_env: Settings, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    settings_env.knowledge.paths = [empty]
    with pytest.raises(StartupError, match="knowledge base is empty"):
        await bootstrap(settings_env)
