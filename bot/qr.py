"""QR codes (segno) for receipts and procedures, and the printable A4 procedure board (fpdf2)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF

from handlers import texts_vi as T

FONT_DIRS = (
    Path(__file__).resolve().parent / "fonts",
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
FONT_REGULAR = "DejaVuSans.ttf"
FONT_BOLD = "DejaVuSans-Bold.ttf"
QR_FORMATS = (".png", ".svg", ".pdf", ".eps")


class QrError(RuntimeError):
    """A QR file cannot be written (unknown format, no font with Vietnamese glyphs, ...)."""


def make_qr(data: str) -> segno.QRCode:
    # Level M survives a smudged or slightly torn receipt while keeping modules large.
    return segno.make(data, error="m", micro=False)


def save_qr(data: str, out: Path, *, scale: int = 10) -> Path:
    """One QR code in the format the file name says (.png, .svg, .pdf, .eps)."""
    suffix = out.suffix.lower()
    if suffix not in QR_FORMATS:
        raise QrError(f"unsupported format {suffix or '(none)'}; use one of {QR_FORMATS}")
    out.parent.mkdir(parents=True, exist_ok=True)
    make_qr(data).save(str(out), scale=scale, border=4)
    return out


def qr_png_bytes(data: str, *, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    make_qr(data).save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


def find_font(name: str) -> Path:
    for folder in FONT_DIRS:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise QrError(
        f"font {name} not found in {', '.join(map(str, FONT_DIRS))}; install fonts-dejavu-core"
    )


@dataclass(frozen=True, slots=True)
class BoardItem:
    name: str
    code: str
    link: str


# Layout of the A4 board, in millimetres: two columns of cards, each a QR code beside its name.
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 12.0
COLUMNS = 2
CARD_H = 38.0
QR_SIZE = 32.0
GAP = 4.0


class _Board(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=8)
        text = self.footer_text.format(page=self.page_no(), pages="{nb}")
        self.cell(0, 6, text, align="C")


def render_board(field: str, items: Sequence[BoardItem], out: Path, *, agency: str) -> Path:
    """A printable sheet for a posted procedure board: a heading, then one card per procedure."""
    pdf = _Board(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(find_font(FONT_REGULAR)))
    pdf.add_font("DejaVu", "B", str(find_font(FONT_BOLD)))
    pdf.footer_text = T.QR_BOARD_FOOTER.format(agency=agency, page="{page}", pages="{pages}")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(T.QR_BOARD_TITLE.format(field=field))
    pdf.set_creator("motcua-bot")
    col_w = (PAGE_W - 2 * MARGIN - (COLUMNS - 1) * GAP) / COLUMNS
    bottom = PAGE_H - 16

    def new_page() -> float:
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 16)
        pdf.multi_cell(
            0, 8, T.QR_BOARD_TITLE.format(field=field), align="C", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_font("DejaVu", size=10)
        pdf.multi_cell(0, 5, T.QR_BOARD_HINT, align="C", new_x="LMARGIN", new_y="NEXT")
        return pdf.get_y() + 4

    top = new_page()
    for index, item in enumerate(items):
        column = index % COLUMNS
        if column == 0 and index > 0:
            top += CARD_H + GAP
        if top + CARD_H > bottom:
            top = new_page()
        x = MARGIN + column * (col_w + GAP)
        pdf.set_draw_color(180, 180, 180)
        pdf.rect(x, top, col_w, CARD_H)
        pdf.image(io.BytesIO(qr_png_bytes(item.link)), x=x + 3, y=top + 3, w=QR_SIZE, h=QR_SIZE)
        text_x = x + QR_SIZE + 6
        text_w = col_w - QR_SIZE - 9
        pdf.set_xy(text_x, top + 3)
        pdf.set_font("DejaVu", "B", 10)
        # Long names are cut to the card; the QR code leads to the full record anyway.
        wrapped = pdf.multi_cell(text_w, 4.6, item.name, dry_run=True, output="LINES")
        lines = [str(line) for line in wrapped] if isinstance(wrapped, list) else [item.name]
        shown = lines[:5]
        if len(lines) > 5:
            shown[-1] = shown[-1].rstrip()[:-1] + "…"
        pdf.multi_cell(text_w, 4.6, "\n".join(shown), align="L")
        pdf.set_xy(text_x, top + CARD_H - 8)
        pdf.set_font("DejaVu", size=8)
        pdf.cell(text_w, 5, T.QR_BOARD_CODE.format(code=item.code))
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))
    return out
