"""The web chat in headless Chromium: a question answered with buttons, a deep link, the phone
layout (screenshot saved to tests/_artifacts/webchat_phone.png)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
import segno
from aiohttp import web
from browser_support import ARGS, ARTIFACTS, CHROMIUM, PHONE, need_chromium
from channel_support import RECEIPT, SIGNING_KEY, seed_dossier

from bot.app import create_app
from bot.bootstrap import Services
from handlers.dossiers.tokens import make_token

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
async def base_url(services: Services) -> AsyncIterator[str]:
    runner = web.AppRunner(create_app(services.settings, services=services), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_chat_in_a_phone_browser(base_url: str, services: Services) -> None:
    need_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(
                viewport=PHONE,
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="vi-VN",
            )
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(base_url + "/")
            bot = page.locator(".msg.bot")
            await bot.first.wait_for()
            assert "Trợ lý Một cửa" in await bot.first.inner_text()

            # Type a question with the keyboard and send it with Enter.
            await page.locator("#text").focus()
            await page.keyboard.type("làm giấy khai sinh cần gì")
            await page.keyboard.press("Enter")
            await bot.nth(1).wait_for()  # (the page's CSP forbids wait_for_function's eval)
            answer = await bot.nth(1).inner_text()
            assert "khai sinh" in answer.lower()
            buttons = page.locator(".msg.bot .buttons button")
            assert await buttons.count() > 0

            await page.wait_for_timeout(600)  # let the smooth scroll to the answer finish
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "webchat_phone.png"))
            await buttons.last.scroll_into_view_if_needed()
            await page.wait_for_timeout(400)
            await page.screenshot(path=str(ARTIFACTS / "webchat_phone_buttons.png"))

            # Layout facts on the phone: nothing overflows sideways, the input stays visible.
            overflow = await page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0
            page_scroll = await page.evaluate(
                "document.documentElement.scrollHeight - window.innerHeight"
            )
            assert page_scroll <= 0  # only the message log scrolls; header and input stay
            title = await page.locator("h1").bounding_box()
            assert title is not None and title["y"] >= 0
            box = await page.locator("#text").bounding_box()
            assert box is not None
            assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            assert await page.locator("#log").get_attribute("aria-live") == "polite"
            assert await page.locator("label[for=text]").count() == 1

            # A button press is a message of its own.
            count = await bot.count()
            await buttons.first.press("Enter")
            await bot.nth(count).wait_for()

            # A printed QR code opens a procedure directly.
            linked = await context.new_page()
            await linked.goto(base_url + "/?p=1.001193")
            await linked.locator(".msg.bot").first.wait_for()
            assert "khai sinh" in (await linked.locator(".msg.bot").first.inner_text()).lower()
            assert "?p=" not in linked.url  # a reload does not open it again

            # ... and a receipt's QR code opens the dossier.
            await seed_dossier(services.sessions)
            token = make_token(RECEIPT, SIGNING_KEY.encode())
            dossier = await context.new_page()
            await dossier.goto(f"{base_url}/?d={token}")
            await dossier.locator(".msg.bot").first.wait_for()
            assert RECEIPT in await dossier.locator(".msg.bot").first.inner_text()

            # A photo of the QR code, chosen with the photo button, is read the same way.
            png = io.BytesIO()
            segno.make_qr(f"d_{token}").save(png, kind="png", scale=8)
            count = await dossier.locator(".msg.bot").count()
            await dossier.locator("#photo").set_input_files(
                files=[{"name": "qr.png", "mimeType": "image/png", "buffer": png.getvalue()}]
            )
            await dossier.locator(".msg.bot").nth(count).wait_for()
            assert RECEIPT in await dossier.locator(".msg.bot").nth(count).inner_text()
            assert errors == []
        finally:
            await browser.close()
