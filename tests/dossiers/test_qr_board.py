"""QR files and the printable procedure board: links, formats, Vietnamese text, readable codes."""

from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from bot.cli import qr as qr_cli
from bot.links import Links, procedure_payload
from bot.qr import BoardItem, QrError, render_board, save_qr
from handlers.dossiers.qr_decode import decode_qr, token_from_text
from handlers.dossiers.tokens import verify_token

NAMES = [
    "Thủ tục đăng ký khai sinh",
    "Thủ tục đăng ký kết hôn có yếu tố nước ngoài",
    "Thủ tục cấp bản sao trích lục hộ tịch",
]
POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, default=None)
    sub = parser.add_subparsers(dest="command", required=True)
    qr_cli.register(sub)
    args = parser.parse_args(list(argv))
    result: int = args.func(args)
    return result


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True)
    return re.sub(r"\s+", " ", out.stdout)


def pdf_page_png(path: Path, tmp: Path, dpi: int = 150) -> Path:
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", str(path), str(tmp / "page")],
        check=True,
    )
    return next(tmp.glob("page*.png"))


def test_links_prefer_telegram_then_web() -> None:
    tg = Links(b"k", telegram_username="motcua_bot", web_url="https://mc.example.vn")
    assert tg.procedure("1.001193") == "https://t.me/motcua_bot?start=p_1-001193"
    link = tg.dossier("000.00.20.H56-210615-0001")
    assert link.startswith("https://t.me/motcua_bot?start=d_")
    payload = token_from_text(link)
    assert payload is not None
    assert verify_token(payload, b"k") == "0000020H562106150001"
    web = Links(b"k", web_url="http://127.0.0.1:8080")
    assert web.procedure("1.001193") == "http://127.0.0.1:8080/?p=1-001193"
    assert web.dossier("000.00.20.H56-210615-0001").startswith(
        "http://127.0.0.1:8080/?d=0000020H56"
    )
    assert procedure_payload("2.000123.H56") == "p_2-000123-H56"


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_save_qr_formats(tmp_path: Path, suffix: str) -> None:
    out = save_qr("https://t.me/motcua_bot?start=p_1-001193", tmp_path / f"q{suffix}")
    data = out.read_bytes()
    assert data[:4] in (b"\x89PNG", b"<?xm", b"<svg", b"%PDF")
    if suffix == ".png":
        assert decode_qr(data) == ["https://t.me/motcua_bot?start=p_1-001193"]


def test_save_qr_refuses_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(QrError):
        save_qr("x", tmp_path / "q.gif")


@needs_poppler
def test_board_pdf_has_names_with_diacritics_and_readable_codes(tmp_path: Path) -> None:
    items = [
        BoardItem(name, f"1.00{i}193", f"https://t.me/motcua_bot?start=p_1-00{i}193")
        for i, name in enumerate(NAMES)
    ]
    out = render_board("Hộ tịch", items, tmp_path / "board.pdf", agency="UBND xã Hòa Bình")
    text = pdf_text(out)
    assert "Thủ tục hành chính – lĩnh vực Hộ tịch" in text
    for name in NAMES:
        assert name in text
    assert "UBND xã Hòa Bình" in text
    page = pdf_page_png(out, tmp_path)
    with Image.open(page) as image:
        assert image.width > 1000
        buf = io.BytesIO()
        image.save(buf, format="PNG")
    assert sorted(decode_qr(buf.getvalue())) == sorted(i.link for i in items)


@needs_poppler
def test_board_with_many_procedures_spans_pages(tmp_path: Path) -> None:
    items = [
        BoardItem(f"Thủ tục số {i} về đất đai", f"1.{i:06d}", f"p_1-{i:06d}") for i in range(30)
    ]
    out = render_board("Đất đai", items, tmp_path / "many.pdf", agency="Một cửa")
    text = pdf_text(out)
    assert "Trang 3/3" in text
    assert all(f"Thủ tục số {i} về đất đai" in text for i in range(30))


def test_cli_receipt_link(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("MOTCUA_TELEGRAM__USERNAME", "motcua_bot")
    monkeypatch.setenv("MOTCUA_SECURITY__SIGNING_KEY", "cli-test-key")
    assert run_cli("qr", "receipt", "000.00.20.h56 210615 0001", "--link") == 0
    link = capsys.readouterr().out.strip()
    assert re.fullmatch(r"https://t\.me/motcua_bot\?start=d_[A-Za-z0-9_-]{1,62}", link)
    payload = token_from_text(link)
    assert payload is not None
    assert verify_token(payload, b"cli-test-key") == "0000020H562106150001"
    out = tmp_path / "r.png"
    assert run_cli("qr", "receipt", "000.00.20.H56-210615-0001", "--out", str(out)) == 0
    assert decode_qr(out.read_bytes()) == [link]
    assert run_cli("qr", "receipt", "1.001193", "--link") == 2


@pytest.mark.slow  # renders and reads back a PDF
def test_cli_procedure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MOTCUA_TELEGRAM__USERNAME", raising=False)
    monkeypatch.setenv("MOTCUA_TELEGRAM__USERNAME", "")
    monkeypatch.setenv("MOTCUA_WEB__PUBLIC_URL", "https://motcua.example.gov.vn")
    out = tmp_path / "p.png"
    assert run_cli("qr", "procedure", "1.001193", "--out", str(out)) == 0
    assert decode_qr(out.read_bytes()) == ["https://motcua.example.gov.vn/?p=1-001193"]
    assert run_cli("qr", "procedure", "1.001193", "--out", str(tmp_path / "p.svg")) == 0
    assert (tmp_path / "p.svg").read_text().count("<svg") == 1
    assert run_cli("qr", "procedure", "9.999999", "--out", str(tmp_path / "x.png")) == 2
    assert not (tmp_path / "x.png").exists()


@needs_poppler
@pytest.mark.slow  # renders a whole field's board
def test_cli_board_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTCUA_WEB__PUBLIC_URL", "https://motcua.example.gov.vn")
    out = tmp_path / "hotich.pdf"
    assert run_cli("qr", "board", "--field", "ho tich", "--out", str(out)) == 0
    assert "Hộ tịch" in capsys.readouterr().out
    text = pdf_text(out)
    assert "lĩnh vực Hộ tịch" in text
    assert "Thủ tục đăng ký khai sinh" in text
    assert run_cli("qr", "board", "--field", "không có lĩnh vực này", "--out", str(out)) == 2
