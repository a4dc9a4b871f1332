"""Receipt QR photos: segno → PNG → zxing-cpp, also scaled, rotated, noisy; links to tokens."""

from __future__ import annotations

import io
import random

import pytest
import segno
from PIL import Image, ImageDraw, ImageFilter

from handlers.dossiers.qr_decode import decode_qr, procedure_from_text, token_from_text

TOKEN = "d_0000020H562106150001vuh_u2LuaCYsBiIU"
LINK = f"https://t.me/motcua_bot?start={TOKEN}"


def qr_png(data: str, scale: int = 6) -> bytes:
    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def photo_like(data: str, *, angle: float, seed: int) -> bytes:
    """The QR on a grey desk, turned, blurred and speckled like a phone photo (JPEG)."""
    code = Image.open(io.BytesIO(qr_png(data, scale=5))).convert("L")
    code = code.resize((int(code.width * 1.7), int(code.height * 1.7)), Image.Resampling.BILINEAR)
    paper = Image.new("L", (code.width + 120, code.height + 160), 235)
    ImageDraw.Draw(paper).text((20, 10), "GIAY BIEN NHAN HO SO", fill=40)
    paper.paste(code, (60, 80))
    scene = Image.new("L", (paper.width + 400, paper.height + 400), 90)
    scene.paste(paper.rotate(angle, expand=True, fillcolor=90), (150, 120))
    scene = scene.filter(ImageFilter.GaussianBlur(1.2))
    rng = random.Random(seed)
    pixels = scene.load()
    assert pixels is not None
    for _ in range(scene.width * scene.height // 25):
        x, y = rng.randrange(scene.width), rng.randrange(scene.height)
        pixels[x, y] = max(0, min(255, int(pixels[x, y]) + rng.randint(-60, 60)))  # type: ignore[arg-type]
    out = io.BytesIO()
    scene.convert("RGB").save(out, format="JPEG", quality=70)
    return out.getvalue()


def test_round_trip_png() -> None:
    assert decode_qr(qr_png(LINK)) == [LINK]


@pytest.mark.parametrize(("angle", "seed"), [(0, 1), (12, 2), (-25, 3), (90, 4), (180, 5)])
def test_photo_like_images(angle: float, seed: int) -> None:
    assert decode_qr(photo_like(LINK, angle=angle, seed=seed)) == [LINK]


def test_large_photo_is_scaled_down_and_still_read() -> None:
    code = Image.open(io.BytesIO(qr_png(LINK, scale=30))).convert("RGB")
    big = Image.new("RGB", (4000, 3000), (200, 200, 200))
    big.paste(code, (1200, 700))
    out = io.BytesIO()
    big.save(out, format="JPEG", quality=85)
    assert decode_qr(out.getvalue()) == [LINK]


def test_no_qr_and_not_an_image() -> None:
    blank = io.BytesIO()
    Image.new("RGB", (400, 300), (255, 255, 255)).save(blank, format="PNG")
    assert decode_qr(blank.getvalue()) == []
    assert decode_qr(b"not an image at all") == []
    assert decode_qr(b"") == []


@pytest.mark.parametrize(
    "text",
    [
        LINK,
        TOKEN,
        f"https://motcua.example.gov.vn/?d={TOKEN[2:]}",
        f"http://127.0.0.1:8080/?d={TOKEN[2:]}&utm=qr",
        f"  {LINK}\n",
    ],
)
def test_every_link_form_gives_the_token(text: str) -> None:
    assert token_from_text(text) == TOKEN


@pytest.mark.parametrize(
    "text",
    ["hello", "https://example.com/?q=d_x y", "javascript:alert(1)?d=abc", "d_bad token", ""],
)
def test_foreign_texts_give_no_token(text: str) -> None:
    assert token_from_text(text) is None


def test_procedure_links() -> None:
    assert procedure_from_text("https://t.me/motcua_bot?start=p_1-001193") == "p_1-001193"
    assert procedure_from_text("http://127.0.0.1:8080/?p=1-001193") == "p_1-001193"
    assert procedure_from_text(LINK) is None
