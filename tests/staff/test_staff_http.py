"""The console over HTTP (the form contract tools rely on): login sets a signed HttpOnly
SameSite=Strict cookie, every form needs the page's CSRF token, another site's form is refused,
roles and agencies are enforced, pages carry the CSP and no-store, the CLI makes accounts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from staff_support import AGENCY_A, LATE_A, LATE_B, PASSWORD, add_account, seed_desk

from bot.app import create_app
from bot.bootstrap import Services
from bot.cli import main
from storage import dossiers_repo, staff_repo

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _login(client: TestClient[Any, Any], username: str) -> str:
    """Logs in; returns the CSRF token of the first page."""
    response = await client.post(
        "/staff/login", data={"username": username, "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 302, await response.text()
    page = await client.get("/staff/report")
    found = CSRF.search(await page.text())
    assert found is not None
    return found.group(1)


async def test_login_cookie_and_the_pages_headers(staff_services: Services) -> None:
    await add_account(staff_services.sessions, "lan", "officer")
    async with TestClient(
        TestServer(create_app(staff_services.settings, services=staff_services))
    ) as client:
        first = await client.get("/staff/handoffs", allow_redirects=False)
        assert first.status == 302
        assert first.headers["Location"] in (
            "/staff/login?next=/staff/handoffs",
            "/staff/login?next=%2Fstaff%2Fhandoffs",
        )
        wrong = await client.post("/staff/login", data={"username": "lan", "password": "sai"})
        assert wrong.status == 401 and "không đúng" in await wrong.text()
        ok = await client.post(
            "/staff/login",
            data={"username": "lan", "password": PASSWORD, "next": "/staff/handoffs"},
            allow_redirects=False,
        )
        assert ok.status == 302 and ok.headers["Location"] == "/staff/handoffs"
        cookie = ok.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/staff" in cookie
        assert "Secure" not in cookie  # plain http here; __Host- and Secure behind https
        page = await client.get("/staff/handoffs")
        assert page.status == 200
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["X-Frame-Options"] == "DENY"
        # A forged cookie (token without the server's signature) is no session at all.
        real = next(c for c in client.session.cookie_jar if c.key == "motcua_staff")
        token = real.value.rpartition(".")[0]
        client.session.cookie_jar.clear()
        client.session.cookie_jar.update_cookies({"motcua_staff": f"{token}.{'0' * 32}"})
        forged = await client.get("/staff/handoffs", allow_redirects=False)
        assert forged.status == 302


async def test_login_never_redirects_off_the_console(staff_services: Services) -> None:
    await add_account(staff_services.sessions, "lan", "officer")
    async with TestClient(
        TestServer(create_app(staff_services.settings, services=staff_services))
    ) as client:
        for target in ("https://evil.example/", "//evil.example/x", "/staff/\\evil"):
            response = await client.post(
                "/staff/login",
                data={"username": "lan", "password": PASSWORD, "next": target},
                allow_redirects=False,
            )
            assert response.headers["Location"] == "/staff/"


async def test_forms_need_the_csrf_token_and_the_same_origin(staff_services: Services) -> None:
    await seed_desk(staff_services.sessions)
    await add_account(staff_services.sessions, "lan", "officer")
    day = (datetime.now(staff_services.calendar.tz).date() + timedelta(days=7)).isoformat()
    form = {"reason": "Chờ xác minh", "new_due_date": day}
    async with TestClient(
        TestServer(create_app(staff_services.settings, services=staff_services))
    ) as client:
        token = await _login(client, "lan")
        url = f"/staff/dossiers/{LATE_A}/apology"
        missing = await client.post(url, data=form)
        assert missing.status == 403 and "không hợp lệ" in await missing.text()
        wrong = await client.post(url, data={**form, "csrf_token": token + "x"})
        assert wrong.status == 403
        foreign = await client.post(
            url, data={**form, "csrf_token": token}, headers={"Origin": "https://evil.example"}
        )
        assert foreign.status == 403
        async with staff_services.sessions() as session:
            dossier = await dossiers_repo.get_by_code(session, LATE_A)
        assert dossier is not None and dossier.apology_reason is None  # nothing was recorded

        done = await client.post(url, data={**form, "csrf_token": token}, allow_redirects=False)
        assert done.status == 302 and done.headers["Location"].endswith("?done=apology")
        page = await client.get(done.headers["Location"])
        assert "Đã ghi lý do" in await page.text()
        refused = await client.post(
            url,
            data={"reason": "", "new_due_date": day, "csrf_token": token},
            allow_redirects=False,
        )
        assert refused.headers["Location"].endswith("?error=reason_missing")
        bad_date = await client.post(
            url,
            data={"reason": "x", "new_due_date": "31/12/2026", "csrf_token": token},
            allow_redirects=False,
        )
        assert bad_date.headers["Location"].endswith("?error=bad_date")

        # Logging out needs the token too, and ends the session on the server.
        assert (await client.post("/staff/logout")).status == 403
        out = await client.post("/staff/logout", data={"csrf_token": token}, allow_redirects=False)
        assert out.headers["Location"] == "/staff/login?out=1"
        after = await client.get("/staff/", allow_redirects=False)
        assert after.status == 302 and after.headers["Location"].startswith("/staff/login")


async def test_roles_and_agencies(staff_services: Services) -> None:
    await seed_desk(staff_services.sessions)
    await add_account(staff_services.sessions, "xem", "viewer")
    await add_account(staff_services.sessions, "an.tran", "officer", AGENCY_A)
    app = create_app(staff_services.settings, services=staff_services)
    async with TestClient(TestServer(app)) as viewer:
        token = await _login(viewer, "xem")
        home = await viewer.get("/staff/", allow_redirects=False)
        assert home.headers["Location"] == "/staff/report"  # a viewer's console is the report
        for path in ("/staff/handoffs", "/staff/questions", f"/staff/dossiers/{LATE_A}"):
            assert (await viewer.get(path)).status == 403
        post = await viewer.post(
            f"/staff/dossiers/{LATE_A}/apology",
            data={"reason": "x", "new_due_date": "2030-01-01", "csrf_token": token},
        )
        assert post.status == 403
        assert (await viewer.get("/staff/accounts")).status == 403
    async with TestClient(
        TestServer(create_app(staff_services.settings, services=staff_services))
    ) as officer:
        token = await _login(officer, "an.tran")
        listing = await (await officer.get("/staff/")).text()
        assert LATE_A in listing and LATE_B not in listing
        other = await officer.get(f"/staff/dossiers/{LATE_B}")
        assert other.status == 403 and "không thuộc cơ quan" in await other.text()
        post = await officer.post(
            f"/staff/dossiers/{LATE_B}/apology",
            data={"reason": "x", "new_due_date": "2030-01-01", "csrf_token": token},
        )
        assert post.status == 403
        assert (await officer.get("/staff/dossiers/000.00.20.H56-261110-0999")).status == 404
        typed = await officer.get("/staff/dossiers/000.00.20.h56 261110 0001")
        assert typed.status == 200 and LATE_A in await typed.text()


async def test_login_throttle_answers_429(staff_services: Services) -> None:
    await add_account(staff_services.sessions, "lan", "officer")
    limit = staff_services.settings.staff.login_failures_per_account
    async with TestClient(
        TestServer(create_app(staff_services.settings, services=staff_services))
    ) as client:
        for _ in range(limit):
            wrong = await client.post("/staff/login", data={"username": "lan", "password": "x"})
            assert wrong.status == 401
        throttled = await client.post(
            "/staff/login", data={"username": "lan", "password": PASSWORD}
        )
        assert throttled.status == 429 and int(throttled.headers["Retry-After"]) > 0
        assert "quá nhiều lần" in await throttled.text()


def test_cli_accounts(
    staff_services: Services, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = main(
        ["staff", "add", "Lan", "--role", "officer", "--agency", "Không có", "--password-stdin"]
    )
    out = capsys.readouterr()
    assert code == 0 and "Đã tạo tài khoản lan" in out.out
    assert "chưa có hồ sơ nào của cơ quan" in out.err
    monkeypatch.setattr("sys.stdin", io.StringIO("ngắn\n"))
    assert main(["staff", "add", "minh", "--role", "admin", "--password-stdin"]) == 2
    assert "ít nhất 10 ký tự" in capsys.readouterr().err
    assert main(["staff", "list", "--json"]) == 0
    (row,) = __import__("json").loads(capsys.readouterr().out)
    assert row["username"] == "lan" and row["agency"] == "Không có" and row["active"] is True
    assert main(["staff", "disable", "lan"]) == 0
    assert main(["staff", "disable", "nobody"]) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO("mật khẩu mới đủ dài\n"))
    assert main(["staff", "reset-password", "lan", "--password-stdin"]) == 0
    capsys.readouterr()
    assert main(["staff", "list"]) == 0
    assert "Đã khóa" in capsys.readouterr().out


async def test_cli_changes_are_audited(staff_services: Services) -> None:
    await add_account(staff_services.sessions, "lan", "officer")
    async with staff_services.sessions() as session:
        (entry,) = await staff_repo.list_audit(session)
    assert (entry.actor, entry.actor_id, entry.action, entry.target) == (
        "cli",
        None,
        "account_added",
        "lan",
    )


def test_behind_https_the_cookie_is_secure_and_host_bound() -> None:
    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    from bot.staff.auth import SECURE_COOKIE, CookieSigner

    signer = CookieSigner(b"key", https=True)
    request = make_mocked_request("GET", "/staff/")
    response = web.Response()
    signer.set(request, response, "tok")
    cookie = response.cookies[SECURE_COOKIE]
    assert SECURE_COOKIE == "__Host-motcua_staff"
    assert cookie["secure"] and cookie["httponly"] and cookie["path"] == "/"
    assert cookie["samesite"] == "Strict"
    signed = make_mocked_request(
        "GET", "/staff/", headers={"Cookie": f"{SECURE_COOKIE}={cookie.value}"}
    )
    assert signer.token(signed) == "tok"
    other = CookieSigner(b"another deployment's key", https=True)
    assert other.token(signed) is None


async def test_the_due_list_pages_keep_the_filters(staff_services: Services) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "receipt_code": f"000.00.20.H56-261002-{n:04d}",
            "procedure_code": "1.001193",
            "received_at": now - timedelta(days=30),
            "due_at": now - timedelta(days=10, minutes=n),
            "status": "processing",
            "status_at": now - timedelta(days=29),
            "agency": AGENCY_A,
        }
        for n in range(1, 61)
    ]
    async with staff_services.sessions() as session, session.begin():
        await dossiers_repo.upsert_dossiers(session, rows, now)
    await add_account(staff_services.sessions, "lan", "officer")
    async with TestClient(
        TestServer(create_app(staff_services.settings, services=staff_services))
    ) as client:
        await _login(client, "lan")
        first = await (await client.get("/staff/", params={"agency": AGENCY_A})).text()
        assert "Quá hạn (60)" in first and "Hồ sơ 1–50 trong 60" in first
        found = re.search(r'href="(/staff/\?[^"]*late_page=2[^"]*)"', first)
        assert found is not None and "agency=" in found.group(1)
        second = await (await client.get(found.group(1).replace("&amp;", "&"))).text()
        assert "Hồ sơ 51–60 trong 60" in second and "Trang trước" in second
        assert second.count('<article class="card dossier late">') == 10
        odd = await client.get("/staff/", params={"late_page": "x"})
        assert odd.status == 200  # a bad page number is the first page
