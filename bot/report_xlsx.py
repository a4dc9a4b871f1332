"""The one-stop results table as a .xlsx sheet, laid out as staff paste it into their monthly
report: Vietnamese headers, one row per agency and a total row, the percentages, and the
satisfaction table beside it. Used by ``motcua report --xlsx`` and the staff console."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from bot import texts_vi as T

# (key in the one_stop table, sub-header) under each group header; "pct" columns are fractions.
GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        T.XLSX_RECEIVED,
        (
            ("received_total", T.XLSX_TOTAL),
            ("carried_over", T.XLSX_CARRIED_OVER),
            ("received_new_online", T.XLSX_ONLINE),
            ("received_new_direct", T.XLSX_DIRECT),
            ("received_new_postal", T.XLSX_POSTAL),
        ),
    ),
    (
        T.XLSX_RESOLVED,
        (
            ("resolved_total", T.XLSX_TOTAL),
            ("resolved_on_time", T.XLSX_ON_TIME),
            ("resolved_late", T.XLSX_LATE),
            ("resolved_on_time_pct", T.XLSX_ON_TIME_PCT),
            ("resolved_late_pct", T.XLSX_LATE_PCT),
        ),
    ),
    (
        T.XLSX_IN_PROGRESS,
        (
            ("in_progress_total", T.XLSX_TOTAL),
            ("in_progress_within_deadline", T.XLSX_WITHIN),
            ("in_progress_past_deadline", T.XLSX_PAST),
            ("waiting_on_citizen", T.XLSX_WAITING),
        ),
    ),
    (
        T.XLSX_APOLOGIES,
        (
            ("apologies_owed", T.XLSX_APOLOGIES_OWED),
            ("apologies_with_reason", T.XLSX_APOLOGIES_REASON),
        ),
    ),
)
LEVELS = ("very_satisfied", "satisfied", "unsatisfied")
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = PatternFill("solid", fgColor="DDEBF7")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_PCT = "0.0%"
FONT = "Times New Roman"  # the typeface of Vietnamese administrative documents
FIRST_ROW = 4  # title, period, blank line above the headers


def _value(table: Mapping[str, Any], key: str) -> Any:
    """A cell: counts as numbers, percentages as fractions (shown as %), "—" when undefined."""
    if key == "resolved_late_pct":
        pct = table.get("resolved_on_time_pct")
        return "—" if pct is None else round(1 - pct / 100, 3)
    value = table.get(key)
    if key.endswith("_pct"):
        return "—" if value is None else round(value / 100, 3)
    return value


def _box(
    ws: Any, row: int, col: int, value: Any, *, bold: bool = False, head: bool = False
) -> Any:
    cell = ws.cell(row=row, column=col, value=value)
    cell.border = _BOX
    if head:
        cell.fill, cell.alignment = _HEAD, _CENTER
    cell.font = Font(name=FONT, size=11, bold=bold or head)
    return cell


def write_one_stop_xlsx(
    path: Path,
    *,
    start: date,
    end: date,
    total: Mapping[str, Any],
    by_agency: Mapping[str | None, Mapping[str, Any]],
    title_agency: str | None = None,
) -> Path:
    """Writes the sheet and returns ``path``."""
    wb = one_stop_workbook(
        start=start, end=end, total=total, by_agency=by_agency, title_agency=title_agency
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def one_stop_xlsx_bytes(
    *,
    start: date,
    end: date,
    total: Mapping[str, Any],
    by_agency: Mapping[str | None, Mapping[str, Any]],
    title_agency: str | None = None,
) -> bytes:
    """The same sheet as the file ``motcua report --xlsx`` writes, as bytes (the console's
    download)."""
    buffer = io.BytesIO()
    one_stop_workbook(
        start=start, end=end, total=total, by_agency=by_agency, title_agency=title_agency
    ).save(buffer)
    return buffer.getvalue()


def one_stop_workbook(
    *,
    start: date,
    end: date,
    total: Mapping[str, Any],
    by_agency: Mapping[str | None, Mapping[str, Any]],
    title_agency: str | None = None,
) -> Workbook:
    """The one-stop results table as a workbook of one sheet."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = T.XLSX_SHEET
    ws["A1"] = T.XLSX_TITLE + (f" – {title_agency}" if title_agency else "")
    ws["A1"].font = Font(name=FONT, bold=True, size=14)
    ws.row_dimensions[1].height = 26  # room for the marks above capitals (Ế, Ả, Ủ)
    ws["A2"] = T.XLSX_PERIOD.format(start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}")
    ws["A2"].font = Font(name=FONT, italic=True, size=12)
    ws.row_dimensions[2].height = 20
    top, sub = FIRST_ROW, FIRST_ROW + 1
    columns = _headers(ws, top, sub)
    last_col = columns[-1][0]
    row = sub + 1
    named = sorted(by_agency.items(), key=lambda item: (item[0] is None, item[0] or ""))
    for number, (agency, table) in enumerate(named, start=1):
        _box(ws, row, 1, number).alignment = Alignment(horizontal="center")
        _box(ws, row, 2, agency or T.XLSX_NO_AGENCY)
        for c, key in columns:
            cell = _box(ws, row, c, _value(table, key))
            if key.endswith("_pct"):
                cell.number_format = _PCT
        row += 1
    _box(ws, row, 1, None, bold=True)
    _box(ws, row, 2, T.XLSX_GRAND_TOTAL, bold=True)
    for c, key in columns:
        cell = _box(ws, row, c, _value(total, key), bold=True)
        if key.endswith("_pct"):
            cell.number_format = _PCT
    _satisfaction(ws, top, last_col + 2, total)
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 34
    for c in range(3, last_col + 1):
        ws.column_dimensions[get_column_letter(c)].width = 13
    ws.row_dimensions[sub].height = 80  # five short lines of a wrapped sub-header
    ws.freeze_panes = f"C{sub + 1}"
    note_row = row + 2
    for line in T.XLSX_NOTES:
        ws.cell(row=note_row, column=1, value=line).font = Font(name=FONT, italic=True, size=10)
        note_row += 1
    _print_setup(ws)
    return wb


def _headers(ws: Any, top: int, sub: int) -> list[tuple[int, str]]:
    """The two header rows; returns (column, key) of every figure column."""
    for col, label in ((1, T.XLSX_NO), (2, T.XLSX_AGENCY)):
        _box(ws, top, col, label, head=True)
        _box(ws, sub, col, None, head=True)
        ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
    col = 3
    columns: list[tuple[int, str]] = []
    for group, items in GROUPS:
        _box(ws, top, col, group, head=True)
        for offset, (key, label) in enumerate(items):
            _box(ws, sub, col + offset, label, head=True)
            columns.append((col + offset, key))
            if offset:
                _box(ws, top, col + offset, None, head=True)
        end_col = col + len(items) - 1
        ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=end_col)
        col += len(items)
    return columns


def _print_setup(ws: Any) -> None:
    # Printed on one A4 page across, landscape, as the monthly report's annex is.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True


def _satisfaction(ws: Any, top: int, col: int, total: Mapping[str, Any]) -> None:
    """The satisfaction table, beside the results: level, answers, share."""
    satisfaction = total.get("satisfaction") or {}
    levels = satisfaction.get("by_level") or {}
    _box(ws, top, col, T.XLSX_SATISFACTION, head=True)
    _box(ws, top, col + 1, None, head=True)
    _box(ws, top, col + 2, None, head=True)
    ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + 2)
    for offset, label in enumerate((T.XLSX_LEVEL, T.XLSX_ANSWERS, T.XLSX_SHARE)):
        _box(ws, top + 1, col + offset, label, head=True)
    row = top + 2
    for level in LEVELS:
        entry = levels.get(level) or {}
        _box(ws, row, col, T.XLSX_LEVELS[level])
        _box(ws, row, col + 1, entry.get("count", 0))
        pct = entry.get("pct")
        _box(ws, row, col + 2, "—" if pct is None else round(pct / 100, 3)).number_format = _PCT
        row += 1
    _box(ws, row, col, T.XLSX_GRAND_TOTAL, bold=True)
    _box(ws, row, col + 1, satisfaction.get("total", 0), bold=True)
    share = _box(ws, row, col + 2, 1 if satisfaction.get("total") else "—", bold=True)
    share.number_format = _PCT
    ws.column_dimensions[get_column_letter(col)].width = 18
    for c in (col + 1, col + 2):
        ws.column_dimensions[get_column_letter(c)].width = 11
