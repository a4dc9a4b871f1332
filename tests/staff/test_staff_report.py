"""The report page on the hand-counted month (tests/one_stop_support.py), on SQLite and
PostgreSQL: the one-stop table in total and per agency, the on-time share by month as an inline
SVG chart, the satisfaction table; an account bound to an agency sees that agency's figures only;
the .xlsx download is the very sheet ``motcua report --xlsx`` writes."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from one_stop_support import EXPECTED_A, EXPECTED_B, EXPECTED_TOTAL, A, B, seed_month
from openpyxl import load_workbook
from staff_support import PASSWORD, add_account

from bot.app import create_app
from bot.bootstrap import Services
from bot.cli import main
from bot.staff.chart import Bar
from bot.staff.report import ReportPage
from handlers.staff.audit import Actor

VIEWER = Actor(1, "xem", "viewer")
VIEWER_A = Actor(2, "xem.a", "viewer", A)
NOVEMBER = {"month": "2026-11"}
LATER = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)  # after November: the month is complete


def _page(services: Services) -> ReportPage:
    return ReportPage(services.sessions, "Asia/Ho_Chi_Minh", clock=lambda: LATER)


def _rows(shown: Any) -> dict[str, str]:
    return {r.label: r.value for r in shown.table if not r.heading}


async def test_the_month_table_chart_and_satisfaction(staff_services: Services) -> None:
    await seed_month(staff_services.sessions)
    shown = await _page(staff_services).build(NOVEMBER, VIEWER)
    assert (shown.start, shown.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert shown.month == "2026-11"
    assert shown.total == EXPECTED_TOTAL
    assert set(shown.by_agency) == {A, B}
    # The table's rows are the .xlsx columns, with Vietnamese numbers.
    headings = [r.label for r in shown.table if r.heading]
    assert headings[:2] == ["Số hồ sơ nhận giải quyết", "Số hồ sơ đã giải quyết"]
    rows = [(r.label, r.value) for r in shown.table if not r.heading]
    assert ("Kỳ trước chuyển qua", "3") in rows and ("Tỷ lệ đúng hạn", "66,7 %") in rows
    assert ("Tỷ lệ quá hạn", "33,3 %") in rows
    assert ("Trong đó: chờ người dân bổ sung, nộp phí", "1") in rows
    assert [(a.name, a.received, a.on_time_pct) for a in shown.agencies] == [
        (A, "6", "50,0 %"),
        (B, "3", "100,0 %"),
    ]
    # Twelve months ending with November: October had A-1 on time, November 2 of 3.
    assert len(shown.bars) == 12 and shown.bars[0].month == date(2025, 12, 1)
    assert shown.bars[-2:] == [Bar(date(2026, 10, 1), 1, 1), Bar(date(2026, 11, 1), 3, 2)]
    assert sum(b.resolved for b in shown.bars[:-2]) == 0
    assert shown.chart is not None
    november = shown.chart.shapes[-1]
    assert november.value == "67" and november.month == "11" and not november.empty
    assert [s.year for s in shown.chart.shapes if s.year] == ["2026"]  # under January
    assert "3 hồ sơ đã giải quyết, 2 đúng hạn (66,7 %)" in november.title
    assert shown.chart.shapes[-2].height > november.height > 0  # 100 % against 67 %
    assert shown.chart.shapes[0].empty and shown.chart.shapes[0].height == 0
    assert [(s.label, s.answers, s.share) for s in shown.satisfaction] == [
        ("Rất hài lòng", "1", "33,3 %"),
        ("Hài lòng", "1", "33,3 %"),
        ("Không hài lòng", "1", "33,3 %"),
        ("Tổng cộng", "3", "100,0 %"),
    ]
    sections = [r.label for r in shown.activity if r.heading]
    assert sections == ["Câu hỏi về thủ tục", "Tra cứu hồ sơ"]


async def test_an_agency_sees_its_own_figures_only(staff_services: Services) -> None:
    await seed_month(staff_services.sessions)
    page = _page(staff_services)
    for query in (NOVEMBER, {**NOVEMBER, "agency": B}):
        mine = await page.build(query, VIEWER_A)
        assert mine.agency == A and mine.bound
        assert mine.total == EXPECTED_A and set(mine.by_agency) == {A}
        assert mine.agencies == []  # no breakdown of the others
        assert mine.activity == []  # the assistant's figures are every agency's
        assert [b.resolved for b in mine.bars[-2:]] == [1, 2]
        assert mine.query() == {"from": "2026-11-01", "to": "2026-11-30"}
    chosen = await page.build({**NOVEMBER, "agency": B}, VIEWER)
    assert chosen.agency == B and not chosen.bound and chosen.total == EXPECTED_B
    assert chosen.query()["agency"] == B


async def _login(client: TestClient[Any, Any], username: str) -> None:
    response = await client.post(
        "/staff/login", data={"username": username, "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 302


def _cells(data: bytes | Path) -> dict[tuple[int, int], Any]:
    ws = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data).active
    assert ws is not None
    return {(c.row, c.column): c.value for row in ws.iter_rows() for c in row}


async def test_the_page_and_the_download_over_http(
    staff_services: Services, tmp_path: Path
) -> None:
    await seed_month(staff_services.sessions)
    await add_account(staff_services.sessions, "xem", "viewer")
    await add_account(staff_services.sessions, "xem.a", "viewer", A)
    async with TestClient(
        TestServer(create_app(staff_services.settings, services=staff_services))
    ) as client:
        await _login(client, "xem")
        page = await client.get("/staff/report", params=NOVEMBER)
        html = await page.text()
        assert page.status == 200
        assert "Từ 01/11/2026 đến 30/11/2026" in html and "66,7 %" in html
        assert html.count('<g class="bar') == 12 and "<svg" in html
        assert "Tháng 11/2026: 3 hồ sơ đã giải quyết, 2 đúng hạn (66,7 %)" in html
        assert "style=" not in html  # the CSP allows no inline style
        link = re.search(r'id="xlsx" href="([^"]+)"', html)
        assert link is not None
        download = await client.get(link.group(1).replace("&amp;", "&"))
        assert download.status == 200
        assert download.content_type.endswith("spreadsheetml.sheet")
        assert "bao-cao-2026-11-01-2026-11-30.xlsx" in download.headers["Content-Disposition"]
        served = _cells(await download.read())

        client.session.cookie_jar.clear()
        await _login(client, "xem.a")
        scoped = await client.get("/staff/report", params={**NOVEMBER, "agency": B})
        text = await scoped.text()
        assert f"Số liệu của {A}" in text and B not in text
        scoped_xlsx = _cells(
            await (
                await client.get(
                    "/staff/report.xlsx",
                    params={"from": "2026-11-01", "to": "2026-11-30", "agency": B},
                )
            ).read()
        )

    # The same sheet as the command line's, cell for cell.
    out = tmp_path / "cli.xlsx"
    argv = ["report", "--from", "2026-11-01", "--to", "2026-11-30", "--xlsx", str(out)]
    assert await asyncio.to_thread(main, argv) == 0
    assert served == _cells(out)
    assert served[(8, 2)] == "Tổng cộng" and served[(8, 3)] == EXPECTED_TOTAL["received_total"]
    assert await asyncio.to_thread(main, [*argv, "--agency", A]) == 0
    assert scoped_xlsx == _cells(out)
    assert A in str(scoped_xlsx[(1, 1)]) and scoped_xlsx[(6, 2)] == A
    assert scoped_xlsx[(6, 3)] == EXPECTED_A["received_total"]
