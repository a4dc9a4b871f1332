"""The staff console in headless Chromium (Debian's), on SQLite and PostgreSQL: login, wrong
password, the throttle, logout; a forged CSRF token refused; a viewer and another agency's
officer refused; a reason recorded and the apology queued; hand-off round trips with a citizen
on the web chat and on Telegram (the fake Bot API); questions, accounts and the audit trail.
Phone-size screenshots of each page go to tests/_artifacts/staff_*.png."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from browser_support import ARGS, ARTIFACTS, CHROMIUM, PHONE, need_chromium
from fakes.bot_api import FakeBotAPI
from sqlalchemy import select
from staff_support import (
    AGENCY_A,
    LATE_A,
    LATE_B,
    PASSWORD,
    SIGNING_KEY,
    add_account,
    seed_desk,
)

from bot.app import create_app
from bot.bootstrap import Services, bootstrap
from bot.config import load_settings
from bot.senders.setup import build_service, telegram_sender
from handlers.messages import Incoming
from knowledge.base import KnowledgeBase
from storage.engine import SessionFactory
from storage.models import OutboxMessage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 900}
CODE = re.compile(r"HT-[2-9A-HJKMNP-Z]{6}")


async def _serve(services: Services) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(create_app(services.settings, services=services), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest.fixture
async def base_url(staff_services: Services) -> AsyncIterator[str]:
    runner, url = await _serve(staff_services)
    try:
        yield url
    finally:
        await runner.cleanup()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    need_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def _phone(browser: Any) -> Any:
    context = await browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    page = await context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


async def _shot(page: Any, name: str, *, full: bool = True) -> None:
    """A screenshot under tests/_artifacts, and the layout facts every page must keep."""
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow}px"


async def _login(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    await page.goto(base_url + "/staff/login")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("form.stack button[type=submit]")
    await page.wait_for_load_state()


async def _outbox(sessions: SessionFactory) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.execute(select(OutboxMessage))).scalars())


async def test_login_throttle_csrf_and_an_apology(
    browser: Any, base_url: str, staff_services: Services
) -> None:
    sessions = staff_services.sessions
    await seed_desk(sessions)
    await add_account(sessions, "lan", "officer")
    page = await _phone(browser)

    await page.goto(base_url + "/staff/")
    assert page.url.startswith(base_url + "/staff/login")
    await _shot(page, "staff_login_phone")
    await _login(page, base_url, "lan", "mật khẩu sai")
    assert "không đúng" in await page.locator("#login-error").inner_text()
    assert await page.input_value("#username") == "lan"  # the name stays, the password not
    await _shot(page, "staff_login_wrong_phone")

    await _login(page, base_url, "lan")
    assert page.url == base_url + "/staff/"
    assert await page.locator("article.dossier.late").count() == 2
    await _shot(page, "staff_due_phone")

    await page.click(f"a[href='/staff/dossiers/{LATE_A}'] >> nth=0")
    await page.wait_for_load_state()
    await _shot(page, "staff_dossier_phone")
    # A forged token in the form: refused, and nothing is recorded.
    await page.locator("form[action$='/apology'] input[name=csrf_token]").evaluate(
        "el => { el.value = 'forged-token' }"
    )
    new_date = datetime.now(staff_services.calendar.tz).date() + timedelta(days=7)
    await page.fill("#reason", "Chờ kết quả xác minh của Công an xã")
    await page.fill("#new_due_date", new_date.isoformat())
    await page.click("form[action$='/apology'] button[type=submit]")
    await page.wait_for_load_state()
    assert "Yêu cầu không hợp lệ" in await page.locator("h1").inner_text()
    await _shot(page, "staff_csrf_refused_phone")
    assert await _outbox(sessions) == []

    await page.goto(f"{base_url}/staff/dossiers/{LATE_A}")
    await page.fill("#reason", "Chờ kết quả xác minh của Công an xã")
    await page.fill("#new_due_date", new_date.isoformat())
    await page.click("form[action$='/apology'] button[type=submit]")
    await page.wait_for_load_state()
    assert "Đã ghi lý do" in await page.locator(".flash.ok").inner_text()
    await build_service(staff_services.settings, sessions, {"telegram": _Unused()}).jobs.run_all()
    # The official letter, once, as soon as the reason and the new date are recorded.
    (letter,) = await _outbox(sessions)
    assert letter.rule == "overdue_apology" and "PHIẾU XIN LỖI" in letter.body
    assert "xác minh của Công an xã" in letter.body
    assert new_date.strftime("%d/%m/%Y") in letter.body
    await page.reload()
    sent = await page.locator("#sent-title + ul.sent").inner_text()
    assert "Phiếu xin lỗi và hẹn lại ngày trả kết quả" in sent
    assert "Ghi lý do chậm, ngày hẹn mới" in await page.locator("ul.audit").inner_text()
    facts = await page.locator("dl.facts").inner_text()
    assert "Hẹn trả ban đầu" in facts and new_date.strftime("%d/%m/%Y") in facts
    await _shot(page, "staff_dossier_recorded_phone")
    # Still late (trễ hẹn) on the list, with both dates; the letter is no longer owed.
    await page.goto(base_url + "/staff/")
    card = page.locator("article.dossier.late", has_text=LATE_A)
    assert "Trễ hẹn, đã hẹn lại" in await card.inner_text()
    assert await page.locator("article.dossier.late").count() == 2
    await _shot(page, "staff_due_rescheduled_phone")

    await page.click(".logout button")
    await page.wait_for_load_state()
    assert "đã đăng xuất" in await page.locator(".flash.ok").inner_text()
    await page.goto(base_url + "/staff/")
    assert page.url.startswith(base_url + "/staff/login")

    limit = staff_services.settings.staff.login_failures_per_account
    for _ in range(limit):
        await _login(page, base_url, "lan", "đoán bừa")
    await _login(page, base_url, "lan")  # the right password, too late
    assert "quá nhiều lần" in await page.locator("#login-error").inner_text()
    assert page.url.startswith(base_url + "/staff/login")
    await _shot(page, "staff_login_throttled_phone")
    assert page.errors == []


class _Unused:
    """A Telegram sender the rule scans need to see (they queue only for channels that send)."""

    channel = "telegram"

    async def send(self, *args: object, **kwargs: object) -> object:
        raise AssertionError("nothing is dispatched in this test")


async def test_a_viewer_and_another_agencys_officer_are_refused(
    browser: Any, base_url: str, staff_services: Services
) -> None:
    await seed_desk(staff_services.sessions)
    await add_account(staff_services.sessions, "xem", "viewer")
    await add_account(staff_services.sessions, "an.tran", "officer", AGENCY_A)
    page = await _phone(browser)
    await _login(page, base_url, "xem")
    assert page.url == base_url + "/staff/report"
    assert await page.locator("table.report tbody tr").count() > 10
    await _shot(page, "staff_report_phone")
    await page.goto(base_url + "/staff/handoffs")
    assert "Không có quyền" in await page.locator("h1").inner_text()
    await _shot(page, "staff_forbidden_phone")
    nav = await page.locator("nav.nav").inner_text()
    assert "Báo cáo" in nav and "Hỏi cán bộ" not in nav

    officer = await _phone(browser)
    await _login(officer, base_url, "an.tran")
    listing = await officer.locator("main").inner_text()
    assert LATE_A in listing and LATE_B not in listing
    assert await officer.locator("#agency").count() == 0  # bound to one agency: no chooser
    await officer.goto(f"{base_url}/staff/dossiers/{LATE_B}")
    assert "không thuộc cơ quan" in await officer.locator("main").inner_text()
    assert page.errors == [] and officer.errors == []


async def _answer_in_console(page: Any, base_url: str, code: str, text: str) -> None:
    await page.goto(base_url + "/staff/handoffs")
    await page.click(f"a[href='/staff/handoffs/{code}']")
    await page.wait_for_load_state()
    await page.fill("#text", text)
    await page.click("form[action$='/reply'] button[type=submit]")
    await page.wait_for_load_state()
    assert "Đã gửi trả lời" in await page.locator(".flash.ok").inner_text()


async def test_hand_off_round_trip_on_the_web_chat(
    browser: Any, base_url: str, staff_services: Services
) -> None:
    await add_account(staff_services.sessions, "lan", "officer")
    citizen = await _phone(browser)
    await citizen.goto(base_url + "/")
    bot = citizen.locator(".msg.bot")
    await bot.first.wait_for()
    await citizen.fill("#text", "cho tôi nói chuyện với cán bộ")
    await citizen.press("#text", "Enter")
    await bot.nth(1).wait_for()
    opened = await bot.nth(1).inner_text()
    code = CODE.search(opened)
    assert code is not None and "Giờ làm việc" in opened
    await citizen.fill("#text", "Tôi nộp hồ sơ khai sinh cho con từ tuần trước mà chưa thấy gọi")
    await citizen.press("#text", "Enter")
    await bot.nth(2).wait_for()

    officer = await _phone(browser)
    await _login(officer, base_url, "lan")
    await officer.goto(base_url + "/staff/handoffs")
    assert code.group(0) in await officer.locator("main").inner_text()
    await _shot(officer, "staff_handoffs_phone")
    await officer.click(f"a[href='/staff/handoffs/{code.group(0)}']")
    await officer.wait_for_load_state()
    transcript = await officer.locator("ol.transcript").inner_text()
    assert "chưa thấy gọi" in transcript
    await _shot(officer, "staff_ticket_phone")
    answer = "Hồ sơ của ông/bà đang được xử lý, hẹn trả ngày 10/12. Cán bộ Lan."
    await _answer_in_console(officer, base_url, code.group(0), answer)
    stats = await build_service(
        staff_services.settings, staff_services.sessions, {}
    ).dispatcher.run_once()
    assert stats.sent == 1

    # The open page picks the answer up (as its timer would, here at once).
    count = await bot.count()
    await citizen.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    await bot.nth(count).wait_for()
    assert "Cán bộ Lan" in await bot.nth(count).inner_text()
    await citizen.wait_for_timeout(400)
    await _shot(citizen, "webchat_handoff_phone", full=False)
    # Opened again later: the answer is not shown twice.
    await citizen.reload()
    await bot.first.wait_for()
    await citizen.wait_for_timeout(800)
    assert "Cán bộ Lan" not in await citizen.locator("#log").inner_text()

    await officer.reload()
    assert "Đã đến kênh của người dân" in await officer.locator("ol.transcript").inner_text()
    await _shot(officer, "staff_ticket_answered_phone")
    await officer.fill("#note", "Đã hướng dẫn, hồ sơ đúng hạn")
    await officer.click("form[action$='/close'] button[type=submit]")
    await officer.wait_for_load_state()
    assert "Đã đóng phiếu" in await officer.locator(".flash.ok").inner_text()
    await citizen.fill("#text", "phiếu của tôi")
    await citizen.press("#text", "Enter")
    await citizen.wait_for_timeout(800)
    assert "đã đóng" in (await bot.last.inner_text())
    assert citizen.errors == [] and officer.errors == []


@pytest.fixture
async def telegram(
    db_url: str,
    session_factory: SessionFactory,
    monkeypatch: pytest.MonkeyPatch,
    kb: KnowledgeBase,
) -> AsyncIterator[tuple[FakeBotAPI, Services, str]]:
    """The whole app polling the fake Bot API, the console on the same server."""
    async with FakeBotAPI() as api:
        monkeypatch.setenv("MOTCUA_DATABASE__URL", db_url)
        monkeypatch.setenv("MOTCUA_SECURITY__SIGNING_KEY", SIGNING_KEY)
        monkeypatch.setenv("MOTCUA_NOTIFICATIONS__QUIET_HOURS", "off")
        monkeypatch.setenv("MOTCUA_TELEGRAM__TOKEN", api.token)
        monkeypatch.setenv("MOTCUA_TELEGRAM__API_BASE", api.base_url)
        monkeypatch.delenv("MOTCUA_WEB__PUBLIC_URL", raising=False)
        services = await bootstrap(load_settings(), kb=kb, notifications=False)
        runner, url = await _serve(services)
        try:
            yield api, services, url
        finally:
            await runner.cleanup()
            await services.aclose()


async def test_hand_off_round_trip_on_telegram(
    browser: Any, telegram: tuple[FakeBotAPI, Services, str]
) -> None:
    api, services, base_url = telegram
    chat = 4242
    await add_account(services.sessions, "lan", "officer")
    api.push_message(chat, "gap can bo")
    (opened,) = await api.wait_for("sendMessage", chat_id=chat, timeout=15)
    code = CODE.search(opened["text"])
    assert code is not None
    api.push_message(chat, "Tôi cần hỏi về đăng ký tạm trú cho người thuê nhà")
    await api.wait_for("sendMessage", 2, chat_id=chat, timeout=15)

    officer = await _phone(browser)
    await _login(officer, base_url, "lan")
    answer = "Chủ nhà ký xác nhận vào tờ khai, rồi ông/bà nộp tại Công an xã."
    await _answer_in_console(officer, base_url, code.group(0), answer)
    sender = telegram_sender(services.settings)
    assert sender is not None
    try:
        stats = await build_service(
            services.settings, services.sessions, {"telegram": sender}
        ).dispatcher.run_once()
    finally:
        await sender.aclose()
    assert stats.sent == 1
    pushed = await api.wait_for(
        "sendMessage", chat_id=chat, where=lambda p: "Công an xã" in p["text"], timeout=15
    )
    assert code.group(0) in pushed[-1]["text"]
    replies = await services.assistant.handle(
        Incoming("telegram", str(chat), text="phiếu của tôi")
    )
    assert "cán bộ đã trả lời" in replies[0].text and "Công an xã" in replies[0].text
    assert officer.errors == []


async def test_questions_accounts_and_audit_pages(
    browser: Any, base_url: str, staff_services: Services
) -> None:
    services = staff_services
    await add_account(services.sessions, "boss", "admin")
    for i, text in enumerate(
        (
            "giấy báo hỷ",
            "lam giay bao hy o dau",
            "xin giấy phép nuôi chim yến",
            "giấy báo hỷ",
            "làm căn cước",
        )
    ):
        await services.assistant.handle(Incoming("web", f"asker-{i:015d}", text=text))
    page = await _phone(browser)
    await _login(page, base_url, "boss")
    await page.goto(base_url + "/staff/questions")
    assert await page.locator("article.question").count() == 3
    await _shot(page, "staff_questions_phone")
    # A question the assistant answered with a choice: the officer picks one of its candidates.
    card = page.locator("article.question", has_text="làm căn cước")
    offered = card.locator("label.choice", has_text="Trợ lý đã đưa ra")
    assert await offered.count() >= 2
    name = await offered.first.inner_text()
    await offered.first.click()
    await card.locator("form[action$='/link'] button").click()
    await page.wait_for_load_state()
    assert "chờ quản trị viên duyệt" in await page.locator(".flash.ok").inner_text()
    proposed = await page.locator("#proposed-title + div").inner_text()
    assert name.split()[0] in proposed  # the chosen procedure's code
    wedding = page.locator("article.question", has_text="báo hỷ")
    # No candidate fits "báo hỷ": the officer types the code instead of choosing one.
    assert await wedding.locator("fieldset.choices input[type=radio]").count() >= 1
    await wedding.locator("input[name=procedure_code_typed]").fill("1.000894")
    await wedding.locator("input[name=phrase]").fill("giấy báo hỷ")
    await wedding.locator("form[action$='/link'] button").click()
    await page.wait_for_load_state()
    assert "chờ quản trị viên duyệt" in await page.locator(".flash.ok").inner_text()
    await page.click("form[action$='/approve'] button")
    await page.wait_for_load_state()
    await page.click("form[action='/staff/phrases/reload'] button")
    await page.wait_for_load_state()
    assert "Đã nạp lại" in await page.locator(".flash.ok").inner_text()
    assert "đang dùng" in await page.locator("#approved-title + div").inner_text()
    await _shot(page, "staff_questions_learned_phone")
    replies = await services.assistant.handle(
        Incoming("web", "asker-after-00001", text="giấy báo hỷ")
    )
    assert "kết hôn" in replies[0].text.lower()

    await page.goto(base_url + "/staff/accounts")
    await page.fill("#new-username", "minh.le")
    await page.select_option("#new-role", "viewer")
    await page.fill("#new-password", "một mật khẩu đủ dài")
    await page.click("form[action='/staff/accounts'] button")
    await page.wait_for_load_state()
    assert "Đã tạo tài khoản" in await page.locator(".flash.ok").inner_text()
    await _shot(page, "staff_accounts_phone")
    await page.goto(base_url + "/staff/audit")
    audit = await page.locator("main").inner_text()
    for action in ("Tạo tài khoản", "Duyệt cụm từ", "Gắn câu hỏi với thủ tục", "Đăng nhập"):
        assert action in audit
    await _shot(page, "staff_audit_phone")
    assert page.errors == []


async def test_desktop_due_list(browser: Any, base_url: str, staff_services: Services) -> None:
    await seed_desk(staff_services.sessions)
    await add_account(staff_services.sessions, "lan", "officer")
    context = await browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = await context.new_page()
    await _login(page, base_url, "lan")
    await page.select_option("#agency", AGENCY_A)
    await page.click("form.filters button[type=submit]")
    await page.wait_for_load_state()
    assert LATE_B not in await page.locator("main").inner_text()
    await _shot(page, "staff_due_desktop")


async def test_report_page_table_chart_and_xlsx_download(
    browser: Any, base_url: str, staff_services: Services, tmp_path: Path
) -> None:
    """A viewer picks November: the one-stop table, the chart of the on-time share by month and
    the satisfaction table on a phone; the .xlsx downloads and opens with openpyxl; an officer
    bound to an agency sees that agency's figures only."""
    from one_stop_support import EXPECTED_A, EXPECTED_TOTAL, A, B, seed_month
    from openpyxl import load_workbook

    await seed_month(staff_services.sessions)
    await add_account(staff_services.sessions, "xem", "viewer")
    await add_account(staff_services.sessions, "an.tran", "officer", A)
    page = await _phone(browser)
    await _login(page, base_url, "xem")
    await page.fill("#month", "2026-11")
    await page.click("form.filters:has(#month) button[type=submit]")
    await page.wait_for_load_state()
    assert "Từ 01/11/2026 đến 30/11/2026" in await page.locator("h2.period").inner_text()
    table = await page.locator("table.one-stop").inner_text()
    assert "Kỳ trước chuyển qua\t3" in table and "66,7 %" in table
    assert await page.locator("figure.chart svg g.bar").count() == 12
    box = await page.locator("figure.chart svg").bounding_box()
    assert box is not None and 300 <= box["width"] <= 390  # the column's width on a phone
    november = page.locator("figure.chart svg g.bar").last
    assert await november.locator("text.value").text_content() == "67"
    assert await november.locator("rect").count() == 1
    satisfaction = await page.locator("table.satisfaction").inner_text()
    assert "Rất hài lòng\t1\t33,3 %" in satisfaction and "Tổng cộng\t3" in satisfaction
    agencies = await page.locator("table.agencies").inner_text()
    assert A in agencies and B in agencies
    await _shot(page, "staff_report_month_phone")

    async with page.expect_download() as waiting:
        await page.click("#xlsx")
    download = await waiting.value
    assert download.suggested_filename == "bao-cao-2026-11-01-2026-11-30.xlsx"
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    ws = load_workbook(saved).active
    assert ws is not None and ws.title == "Kết quả giải quyết TTHC"
    assert ws.cell(row=2, column=1).value == "Kỳ báo cáo: từ ngày 01/11/2026 đến ngày 30/11/2026"
    rows = {ws.cell(row=r, column=2).value: r for r in range(6, 9)}
    assert list(rows) == [A, B, "Tổng cộng"]
    assert ws.cell(row=rows["Tổng cộng"], column=3).value == EXPECTED_TOTAL["received_total"]

    # The agency's own report, from the breakdown's link.
    await page.click(f"table.agencies a:text-is('{A}')")
    await page.wait_for_load_state()
    assert f"Số liệu của {A}" in await page.locator("p.scope").inner_text()
    await page.click("figure.chart + details summary")  # the chart's figures as a table
    assert "11/2026\t2\t1\t50,0 %" in await page.locator("table.chart-data").inner_text()
    await _shot(page, "staff_report_agency_phone")

    officer = await _phone(browser)
    await _login(officer, base_url, "an.tran")
    await officer.goto(base_url + "/staff/report?month=2026-11&agency=" + B)
    main = await officer.locator("main").inner_text()
    assert f"Số liệu của {A}" in main and B not in main
    assert "Hoạt động của Trợ lý" not in main
    one_stop = await officer.locator("table.one-stop").inner_text()
    assert f"Kỳ trước chuyển qua\t{EXPECTED_A['carried_over']}" in one_stop
    await _shot(officer, "staff_report_scoped_phone")

    desktop = await (await browser.new_context(viewport=DESKTOP, locale="vi-VN")).new_page()
    await _login(desktop, base_url, "xem")
    await desktop.goto(base_url + "/staff/report?month=2026-11")
    await _shot(desktop, "staff_report_desktop")
    assert page.errors == [] and officer.errors == []
