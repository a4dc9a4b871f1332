"""Photos cost bounded memory: the size is read from the header, JPEGs are decoded scaled
down, and at most a few decodes run at once (the rest wait, a few; then a polite refusal)."""

from __future__ import annotations

import asyncio
import io
import threading
import time

import pytest
import segno
from PIL import Image

from handlers.conversation import ConversationState
from handlers.dossiers import dialog as dialog_module
from handlers.dossiers.dialog import DossierDialog
from handlers.dossiers.qr_decode import MAX_DECODED_BYTES, ImageTooLarge, decode_qr
from handlers.messages import Incoming
from storage.counters import MemoryCounterStore
from storage.dossier_store import SqlDossierStore
from storage.engine import SessionFactory


def _photo(width: int, height: int, fmt: str, mode: str = "RGB") -> bytes:
    qr = io.BytesIO()
    segno.make("https://example.com/q", error="m").save(qr, kind="png", scale=40, border=4)
    picture = Image.new(mode, (width, height), "white")
    picture.paste(Image.open(qr).convert(mode), (width // 3, height // 3))
    out = io.BytesIO()
    picture.save(out, fmt, quality=85) if fmt == "JPEG" else picture.save(out, fmt)
    return out.getvalue()


def test_a_large_phone_jpeg_is_decoded_scaled_down() -> None:
    # 48 megapixels: 144 MB decoded whole in RGB; draft() decodes it at a quarter per side.
    assert decode_qr(_photo(8000, 6000, "JPEG")) == ["https://example.com/q"]


def test_the_header_decides_before_any_pixel_is_decoded() -> None:
    side = int((MAX_DECODED_BYTES / 3) ** 0.5) + 50
    big_png = _photo(side, side, "PNG")  # compresses well; decoded it would pass the budget
    with pytest.raises(ImageTooLarge):
        decode_qr(big_png)
    small = int((MAX_DECODED_BYTES / 3) ** 0.5) - 50
    assert decode_qr(_photo(small, small, "PNG")) == ["https://example.com/q"]
    assert decode_qr(b"GIF89a not really") == []
    assert decode_qr(b"%PDF-1.4 a receipt as PDF") == []


async def test_decodes_at_once_are_bounded(
    session_factory: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def slow_decode(_: bytes) -> list[str]:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return []

    monkeypatch.setattr(dialog_module, "decode_qr", slow_decode)
    dialog = DossierDialog(
        SqlDossierStore(session_factory),
        signing_key=b"k",
        counters=MemoryCounterStore(),
        max_decodes=2,
    )
    photos = [Incoming("web", f"s{n:020d}", image=b"x", client="1.2.3.4") for n in range(12)]
    replies = await asyncio.gather(*(dialog.on_image(p, ConversationState()) for p in photos))
    assert most == 2
    texts = [r[0].text for r in replies]
    # Eight in hand (two decoding, six waiting) are read; the rest are asked to send again.
    assert sum("chưa đọc được mã QR" in t for t in texts) == 8
    assert sum("đang đọc nhiều ảnh" in t for t in texts) == 4
    later = await dialog.on_image(photos[0], ConversationState())
    assert "chưa đọc được mã QR" in later[0].text
