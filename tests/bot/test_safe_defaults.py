"""Safe defaults: demo dossiers only in a demo database; links printed for citizens never point
at this machine; one signing key for a deployment on a shared database."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from channel_support import a_real_dossier_in

from bot.bootstrap import bootstrap
from bot.cli import main
from bot.cli import qr as qr_cli
from bot.config import (
    DEMO_DATABASE_URL,
    EMBEDDED_DATABASE_URL,
    Settings,
    StartupError,
    for_demo,
    load_settings,
)
from bot.links import Links, NotPublic, public_problem
from handlers.dossiers.demo import DEMO_CODES
from knowledge.base import KnowledgeBase

CODE = "000.00.20.H56-261120-0007"


def test_demo_on_the_embedded_database_goes_to_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOTCUA_DATABASE__URL", raising=False)
    settings = load_settings()
    assert settings.database.url == EMBEDDED_DATABASE_URL
    assert for_demo(settings).database.url == DEMO_DATABASE_URL
    assert for_demo(settings).database_url().endswith("/var/demo.db")
    monkeypatch.setenv("MOTCUA_DATABASE__URL", "postgresql+asyncpg://x@127.0.0.1/motcua")
    assert for_demo(load_settings()).database.url.startswith("postgresql")  # checked, not moved


async def test_demo_refuses_a_database_with_real_dossiers(
    settings_env: Settings, kb: KnowledgeBase
) -> None:
    await a_real_dossier_in(settings_env, kb)
    with pytest.raises(StartupError, match=r"--demo refused: .* 1 dossiers .*var/demo\.db"):
        await bootstrap(settings_env, kb=kb, demo=True)


async def test_demo_database_is_marked_and_reused(
    settings_env: Settings, kb: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> None:
    first = await bootstrap(settings_env, kb=kb, demo=True)
    assert set(DEMO_CODES) <= set(first.demo_codes)
    await first.aclose()
    again = await bootstrap(settings_env, kb=kb, demo=True)  # the demo database stays usable
    await again.aclose()
    plain = await bootstrap(settings_env, kb=kb)  # without --demo: a warning, not a refusal
    await plain.aclose()
    assert "this is the demo database" in caplog.text


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:8080/", True),
        ("http://[::1]:8080", True),
        ("http://0.0.0.0", True),
        ("ftp://motcua.example.gov.vn", True),
        ("https://motcua.example.gov.vn", False),
        ("http://10.0.0.5:8080", False),  # a LAN address other machines reach
    ],
)
def test_public_problem(url: str, refused: bool) -> None:
    assert (public_problem(url) is not None) is refused


def _qr_args(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(**{"config": None, "code": CODE, "out": None, "link": True, **kw})


def test_printed_web_links_need_a_public_url(
    monkeypatch: pytest.MonkeyPatch, settings_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MOTCUA_TELEGRAM__USERNAME", raising=False)
    with pytest.raises(NotPublic, match="MOTCUA_WEB__PUBLIC_URL"):
        Links.for_print(load_settings())
    monkeypatch.setenv("MOTCUA_WEB__PUBLIC_URL", "http://127.0.0.1:8080")
    assert main(["qr", "receipt", CODE, "--link"]) == 2
    assert "MOTCUA_WEB__PUBLIC_URL" in capsys.readouterr().err
    out = Path(settings_env.base_dir) / "var"  # unused: the board is refused before rendering
    assert main(["qr", "board", "--field", "Hộ tịch", "--out", str(out / "b.pdf")]) == 2
    assert "points at this machine" in capsys.readouterr().err
    monkeypatch.setenv("MOTCUA_WEB__PUBLIC_URL", "https://motcua.example.gov.vn")
    assert qr_cli._receipt(_qr_args()) == 0
    assert capsys.readouterr().out.startswith("https://motcua.example.gov.vn/?d=")


def test_telegram_links_do_not_depend_on_public_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MOTCUA_TELEGRAM__USERNAME", "motcua_test_bot")
    assert qr_cli._receipt(_qr_args()) == 0
    assert capsys.readouterr().out.startswith("https://t.me/motcua_test_bot?start=d_")


def test_a_shared_database_needs_a_configured_signing_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MOTCUA_SECURITY__SIGNING_KEY", raising=False)
    monkeypatch.setenv("MOTCUA_DATABASE__URL", "postgresql+asyncpg://motcua@127.0.0.1/motcua")
    with pytest.raises(StartupError, match="MOTCUA_SECURITY__SIGNING_KEY"):
        load_settings().signing_key()
    monkeypatch.setenv("MOTCUA_SECURITY__SIGNING_KEY", "one-key-for-every-replica")
    assert load_settings().signing_key() == b"one-key-for-every-replica"
    # The embedded setup (one machine) keeps a generated key in var/, private to the user.
    monkeypatch.delenv("MOTCUA_SECURITY__SIGNING_KEY")
    monkeypatch.setenv("MOTCUA_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    config = tmp_path / "bot.toml"
    config.write_text("", encoding="utf-8")
    settings = load_settings(config)
    key = settings.signing_key()
    assert key == settings.signing_key() and len(key) >= 32
    assert ((tmp_path / "var" / "signing.key").stat().st_mode & 0o777) == 0o600


def test_serve_refuses_postgres_without_a_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MOTCUA_SECURITY__SIGNING_KEY", raising=False)
    monkeypatch.setenv("MOTCUA_DATABASE__URL", "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    assert main(["ask", "làm hộ chiếu"]) == 2
    assert "MOTCUA_SECURITY__SIGNING_KEY" in capsys.readouterr().err
