"""The console's routes: login, the due list and apologies, the report, hand-offs, unanswered
questions, accounts and the audit trail. Handlers stay thin: check, call a use case, render."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import MultiDict, MultiDictProxy

from bot.running import via
from bot.staff import texts_vi as T
from bot.staff.auth import CookieSigner, csrf_ok, same_origin
from bot.staff.pages import STATIC, Pages
from bot.staff.report import ReportPage
from bot.web.limits import client_address
from handlers.staff.accounts import Accounts, LiveSession, SignedIn, Throttled
from handlers.staff.audit import ROLES, Forbidden, NotFound, Refused, decode
from handlers.staff.desk import Desk
from handlers.staff.questions import LiveKnowledge, Questions
from notifications.handoffs import Tickets
from storage import staff_repo
from storage.engine import SessionFactory

log = logging.getLogger(__name__)

MAX_FORM = 64 * 1024
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
Form = MultiDictProxy[Any]
# A console method taking the live session and the form (empty for a GET).
PageHandler = Callable[
    ["StaffConsole", web.Request, LiveSession, Form], Awaitable[web.StreamResponse]
]
_EMPTY: Form = MultiDictProxy(MultiDict())


@dataclass
class StaffDeps:
    accounts: Accounts
    desk: Desk
    tickets: Tickets
    questions: Questions
    knowledge: LiveKnowledge
    sessions: SessionFactory
    report: ReportPage


@web.middleware
async def staff_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if request.path.startswith("/staff"):
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Not "no-referrer": with it browsers send "Origin: null" on our own forms.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith("/staff/static/"):
            response.headers.setdefault("Cache-Control", "no-store")  # pages hold personal data
    return response


def _redirect(path: str, **query: str) -> web.HTTPFound:
    shown = {k: v for k, v in query.items() if v}
    return web.HTTPFound(path + ("?" + urlencode(shown) if shown else ""))


def _safe_next(value: str | None) -> str:
    """Only a path inside the console (never another site) after login."""
    if value and value.startswith("/staff/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/staff/"


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 6 else 1


def _ids(form: Form, name: str) -> list[int]:
    return [int(v) for v in form.getall(name, []) if isinstance(v, str) and v.isdigit()][:500]


class StaffConsole:
    def __init__(self, deps: StaffDeps, pages: Pages, signer: CookieSigner) -> None:
        self.d = deps
        self.pages = pages
        self.signer = signer

    @staticmethod
    def mount(app: web.Application) -> None:
        """The routes; the console itself is ``app[CONSOLE]``, built when the app starts."""
        r, c = app.router, StaffConsole
        r.add_get("/staff", via(CONSOLE, c.root_redirect))
        r.add_get("/staff/login", via(CONSOLE, c.login_page))
        r.add_post("/staff/login", via(CONSOLE, c.login))
        r.add_post("/staff/logout", c._post("viewer", c.logout))
        r.add_get("/staff/", c._get("viewer", c.due))
        r.add_get("/staff/dossiers/{code}", c._get("officer", c.dossier))
        r.add_post("/staff/dossiers/{code}/apology", c._post("officer", c.apology))
        r.add_get("/staff/report", c._get("viewer", c.report))
        r.add_get("/staff/report.xlsx", c._get("viewer", c.report_xlsx))
        r.add_get("/staff/handoffs", c._get("officer", c.handoffs))
        r.add_get("/staff/handoffs/{code}", c._get("officer", c.ticket))
        r.add_post("/staff/handoffs/{code}/reply", c._post("officer", c.ticket_reply))
        r.add_post("/staff/handoffs/{code}/close", c._post("officer", c.ticket_close))
        r.add_get("/staff/questions", c._get("officer", c.questions))
        r.add_post("/staff/questions/link", c._post("officer", c.question_link))
        r.add_post("/staff/questions/dismiss", c._post("officer", c.question_dismiss))
        r.add_post("/staff/phrases/{id:\\d+}/{verdict}", c._post("admin", c.phrase_decide))
        r.add_post("/staff/phrases/reload", c._post("admin", c.phrase_reload))
        r.add_get("/staff/accounts", c._get("admin", c.accounts))
        r.add_post("/staff/accounts", c._post("admin", c.account_add))
        r.add_post("/staff/accounts/{username}/{action}", c._post("admin", c.account_act))
        r.add_get("/staff/audit", c._get("admin", c.audit))
        r.add_static("/staff/static/", STATIC, append_version=False)
        app.middlewares.append(staff_headers)

    def register(self, app: web.Application) -> None:
        """This console alone on ``app`` (tests)."""
        app[CONSOLE] = self
        self.mount(app)

    # --- plumbing ---------------------------------------------------------------------------

    async def _live(self, request: web.Request) -> LiveSession | None:
        token = self.signer.token(request)
        return await self.d.accounts.resume(token) if token else None

    def _html(self, name: str, status: int = 200, **context: Any) -> web.Response:
        return web.Response(
            text=self.pages.render(name, **context), status=status, content_type="text/html"
        )

    def _page(
        self, request: web.Request, live: LiveSession, name: str, active: str, **context: Any
    ) -> web.Response:
        done = request.query.get("done", "")
        error = request.query.get("error", "")
        return self._html(
            name,
            live=live,
            actor=live.actor,
            csrf=live.csrf,
            active=active,
            done=T.DONE.get(done, ""),
            error=T.ERRORS.get(error, T.ERROR_FALLBACK) if error else "",
            **context,
        )

    def _problem(
        self, live: LiveSession | None, status: int, title: str, text: str
    ) -> web.Response:
        return self._html(
            "problem.html",
            status=status,
            live=live,
            actor=live.actor if live else None,
            csrf=live.csrf if live else "",
            active="",
            done="",
            error="",
            title=title,
            text=text,
        )

    def _to_login(self, request: web.Request) -> web.HTTPFound:
        return _redirect("/staff/login", next=request.path_qs if request.method == "GET" else "")

    @staticmethod
    def _get(role: str, handler: PageHandler) -> Handler:
        async def page(request: web.Request) -> web.StreamResponse:
            console = request.app[CONSOLE]
            live = await console._live(request)
            if live is None:
                raise console._to_login(request)
            if not live.actor.can(role):
                return console._problem(live, 403, T.FORBIDDEN_TITLE, T.FORBIDDEN)
            return await console._run(handler, request, live, _EMPTY)

        return page

    @staticmethod
    def _post(role: str, handler: PageHandler) -> Handler:
        async def action(request: web.Request) -> web.StreamResponse:
            console = request.app[CONSOLE]
            if (request.content_length or 0) > MAX_FORM:
                return console._problem(None, 413, T.CSRF_TITLE, T.TOO_LARGE)
            live = await console._live(request)
            if live is None:
                raise _redirect("/staff/login", expired="1")
            form = await request.post()
            if not same_origin(request) or not csrf_ok(live.csrf, form.get("csrf_token")):
                log.info("staff form refused: bad CSRF token or origin")
                return console._problem(live, 403, T.CSRF_TITLE, T.CSRF)
            if not live.actor.can(role):
                return console._problem(live, 403, T.FORBIDDEN_TITLE, T.FORBIDDEN)
            return await console._run(handler, request, live, form)

        return action

    async def _run(
        self, handler: PageHandler, request: web.Request, live: LiveSession, form: Form
    ) -> web.StreamResponse:
        try:
            return await handler(self, request, live, form)
        except Forbidden as exc:
            text = T.FORBIDDEN_AGENCY if "agency" in str(exc) else T.FORBIDDEN
            return self._problem(live, 403, T.FORBIDDEN_TITLE, text)
        except NotFound:
            return self._problem(live, 404, T.NOT_FOUND_TITLE, T.NOT_FOUND)

    # --- login ------------------------------------------------------------------------------

    async def root_redirect(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/staff/")

    async def login_page(self, request: web.Request) -> web.StreamResponse:
        if await self._live(request) is not None:
            raise web.HTTPFound("/staff/")
        notice = ""
        if request.query.get("expired"):
            notice = T.LOGIN_EXPIRED
        elif request.query.get("out"):
            notice = T.LOGGED_OUT
        return self._login_form(request.query.get("next", ""), notice=notice)

    def _login_form(
        self,
        next_path: str,
        *,
        error: str = "",
        notice: str = "",
        status: int = 200,
        name: str = "",
    ) -> web.Response:
        return self._html(
            "login.html",
            status=status,
            actor=None,
            csrf="",
            done="",
            error="",
            next=_safe_next(next_path),
            login_error=error,
            notice=notice,
            username=name,
        )

    async def login(self, request: web.Request) -> web.StreamResponse:
        """``POST /staff/login`` with ``username`` and ``password`` (the tools' contract)."""
        if (request.content_length or 0) > MAX_FORM:
            return self._problem(None, 413, T.CSRF_TITLE, T.TOO_LARGE)
        if not same_origin(request):
            return self._problem(None, 403, T.CSRF_TITLE, T.CSRF)
        form = await request.post()
        username = str(form.get("username") or "")[:64]
        password = str(form.get("password") or "")[:1024]
        next_path = str(form.get("next") or "")
        address = client_address(request.remote, request.headers.get("X-Forwarded-For"))
        outcome = await self.d.accounts.login(username, password, address)
        if isinstance(outcome, Throttled):
            minutes = max(1, (outcome.retry_after_s + 59) // 60)
            response = self._login_form(
                next_path,
                error=T.LOGIN_THROTTLED.format(minutes=minutes),
                status=429,
                name=username,
            )
            response.headers["Retry-After"] = str(outcome.retry_after_s)
            return response
        if not isinstance(outcome, SignedIn):
            return self._login_form(next_path, error=T.LOGIN_WRONG, status=401, name=username)
        response = web.HTTPFound(_safe_next(next_path))
        self.signer.set(request, response, outcome.token)
        log.info("staff login (account #%s)", outcome.actor.id)
        raise response

    async def logout(self, request: web.Request, live: LiveSession, form: Form) -> web.Response:
        await self.d.accounts.logout(live)
        response = _redirect("/staff/login", out="1")
        self.signer.clear(request, response)
        raise response

    # --- due soon and overdue ---------------------------------------------------------------

    async def due(self, request: web.Request, live: LiveSession, form: Form) -> web.Response:
        if not live.actor.can("officer"):
            raise web.HTTPFound("/staff/report")  # a viewer's console is the report
        agency = request.query.get("agency") or None
        procedure = request.query.get("procedure") or None
        pages = {k: _page_number(request.query.get(k)) for k in ("late_page", "soon_page")}
        view = await self.d.desk.due_list(
            live.actor,
            agency=agency,
            procedure=procedure,
            overdue_page=pages["late_page"],
            soon_page=pages["soon_page"],
        )
        shown = {"agency": agency or "", "procedure": procedure or ""}

        def link(**changes: int) -> str:
            """This list with other pages (and the same filters)."""
            query = {**shown, **{k: str(v) for k, v in {**pages, **changes}.items() if v > 1}}
            return "/staff/?" + urlencode({k: v for k, v in query.items() if v})

        return self._page(
            request,
            live,
            "due.html",
            "due",
            view=view,
            agency=agency or "",
            procedure=procedure or "",
            link=link,
        )

    async def dossier(self, request: web.Request, live: LiveSession, form: Form) -> web.Response:
        detail = await self.d.desk.dossier(live.actor, request.match_info["code"])
        earliest = self.d.desk.earliest_new_date(detail.item.row)
        return self._page(
            request,
            live,
            "dossier.html",
            "due",
            detail=detail,
            min_date=earliest,
            changes=self.changes,
        )

    async def apology(self, request: web.Request, live: LiveSession, form: Form) -> web.Response:
        code = request.match_info["code"]
        back = f"/staff/dossiers/{code}"
        try:
            new_due = date.fromisoformat(str(form.get("new_due_date") or ""))
        except ValueError:
            raise _redirect(back, error="bad_date") from None
        try:
            await self.d.desk.record_apology(
                live.actor, code, str(form.get("reason") or ""), new_due
            )
        except Refused as exc:
            raise _redirect(back, error=exc.reason) from None
        log.info("apology recorded by account #%s", live.actor.id)
        raise _redirect(back, done="apology")

    # --- report -----------------------------------------------------------------------------

    async def report(self, request: web.Request, live: LiveSession, form: Form) -> web.Response:
        force = request.query.get("fresh") == "1"
        shown = await self.d.report.build(request.query, live.actor, force=force)
        return self._page(request, live, "report.html", "report", report=shown)

    async def report_xlsx(
        self, request: web.Request, live: LiveSession, form: Form
    ) -> web.StreamResponse:
        """The same sheet as ``motcua report --xlsx``, for the period (and agency) shown."""
        shown = await self.d.report.build(request.query, live.actor)
        name = f"bao-cao-{shown.start.isoformat()}-{shown.end.isoformat()}.xlsx"
        return web.Response(
            body=self.d.report.xlsx(shown),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # --- hand-off ---------------------------------------------------------------------------

    async def handoffs(self, request: web.Request, live: LiveSession, form: Form) -> web.Response:
        closed = request.query.get("closed") == "1"
        lines = await self.d.tickets.listing(live.actor, closed=closed)
        counts = await self.d.tickets.counts(live.actor)
        return self._page(
            request, live, "handoffs.html", "handoffs", lines=lines, closed=closed, counts=counts
        )

    async def ticket(self, request: web.Request, live: LiveSession, form: Form) -> web.Response:
        view = await self.d.tickets.view(live.actor, request.match_info["code"])
        return self._page(request, live, "ticket.html", "handoffs", view=view)

    async def ticket_reply(
        self, request: web.Request, live: LiveSession, form: Form
    ) -> web.Response:
        code = request.match_info["code"]
        back = f"/staff/handoffs/{code}"
        try:
            await self.d.tickets.answer(live.actor, code, str(form.get("text") or ""))
        except Refused as exc:
            raise _redirect(back, error=exc.reason) from None
        raise _redirect(back, done="answered")

    async def ticket_close(
        self, request: web.Request, live: LiveSession, form: Form
    ) -> web.Response:
        code = request.match_info["code"]
        try:
            await self.d.tickets.close(live.actor, code, str(form.get("note") or ""))
        except Refused as exc:
            raise _redirect(f"/staff/handoffs/{code}", error=exc.reason) from None
        raise _redirect("/staff/handoffs", done="closed")

    # --- unanswered questions ---------------------------------------------------------------

    async def questions(self, request: web.Request, live: LiveSession, form: Form) -> web.Response:
        groups = await self.d.questions.groups(live.actor)
        proposed = await self.d.questions.phrases(live.actor, ("proposed",))
        approved = await self.d.questions.phrases(live.actor, ("approved",))
        return self._page(
            request,
            live,
            "questions.html",
            "questions",
            groups=groups,
            proposed=proposed,
            approved=approved,
            loaded=self.d.knowledge.loaded,
            names=self.d.knowledge,
        )

    async def question_link(
        self, request: web.Request, live: LiveSession, form: Form
    ) -> web.Response:
        ids = _ids(form, "ids")
        if not ids:
            raise _redirect("/staff/questions", error="nothing_selected")
        try:
            # A code typed in wins over a suggestion chosen (the page offers both).
            typed = str(form.get("procedure_code_typed") or "").strip()
            await self.d.questions.link(
                live.actor,
                ids,
                typed or str(form.get("procedure_code") or ""),
                str(form.get("phrase") or ""),
            )
        except Refused as exc:
            raise _redirect("/staff/questions", error=exc.reason) from None
        raise _redirect("/staff/questions", done="linked")

    async def question_dismiss(
        self, request: web.Request, live: LiveSession, form: Form
    ) -> web.Response:
        ids = _ids(form, "ids")
        if not ids:
            raise _redirect("/staff/questions", error="nothing_selected")
        await self.d.questions.dismiss(live.actor, ids)
        raise _redirect("/staff/questions", done="dismissed")

    async def phrase_decide(
        self, request: web.Request, live: LiveSession, form: Form
    ) -> web.Response:
        verdict = request.match_info["verdict"]
        if verdict not in ("approve", "reject"):
            raise NotFound(verdict)
        approve = verdict == "approve"
        await self.d.questions.decide(live.actor, int(request.match_info["id"]), approve)
        raise _redirect("/staff/questions", done="approved" if approve else "rejected")

    async def phrase_reload(
        self, request: web.Request, live: LiveSession, form: Form
    ) -> web.Response:
        changed = await self.d.knowledge.reload(self.d.sessions)
        raise _redirect("/staff/questions", done="reloaded" if changed else "reload_same")

    # --- accounts and audit -----------------------------------------------------------------

    async def accounts(self, request: web.Request, live: LiveSession, form: Form) -> web.Response:
        rows = await self.d.accounts.all()
        return self._page(request, live, "accounts.html", "accounts", rows=rows, roles=ROLES)

    async def account_add(
        self, request: web.Request, live: LiveSession, form: Form
    ) -> web.Response:
        try:
            await self.d.accounts.add(
                live.actor,
                str(form.get("username") or ""),
                str(form.get("role") or ""),
                str(form.get("password") or ""),
                str(form.get("agency") or "") or None,
            )
        except Refused as exc:
            raise _redirect("/staff/accounts", error=exc.reason) from None
        raise _redirect("/staff/accounts", done="account_added")

    async def account_act(
        self, request: web.Request, live: LiveSession, form: Form
    ) -> web.Response:
        username, action = request.match_info["username"], request.match_info["action"]
        try:
            if action in ("disable", "enable"):
                await self.d.accounts.set_active(live.actor, username, action == "enable")
                done = f"account_{action}d"
            elif action == "password":
                await self.d.accounts.reset_password(
                    live.actor, username, str(form.get("password") or "")
                )
                done = "password_reset"
            else:
                raise NotFound(action)
        except Refused as exc:
            raise _redirect("/staff/accounts", error=exc.reason) from None
        raise _redirect("/staff/accounts", done=done)

    async def audit(self, request: web.Request, live: LiveSession, form: Form) -> web.Response:
        async with self.d.sessions() as session:
            entries = await staff_repo.list_audit(session, limit=300)
        rows = [(e, self.changes(e.before), self.changes(e.after)) for e in entries]
        return self._page(request, live, "audit.html", "audit", rows=rows)

    def changes(self, raw: str | None) -> list[tuple[str, str]]:
        """(label, value) pairs of an audit row's before/after, for the pages."""
        out = []
        for key, value in decode(raw).items():
            shown = T.EMPTY if value in (None, "", []) else str(value)
            if isinstance(value, bool):
                shown = T.YES if value else T.NO
            elif isinstance(value, list):
                shown = ", ".join(map(str, value))
            elif key == "role":
                shown = T.ROLES.get(str(value), shown)
            elif key == "status":
                shown = T.STATUS_WORDS.get(str(value), shown)
            elif key == "new_due_at" and isinstance(value, str):
                with contextlib.suppress(ValueError):
                    shown = self.pages.day(datetime.fromisoformat(value))
            out.append((T.AUDIT_FIELDS.get(key, key), shown))
        return out


CONSOLE = web.AppKey("staff_console", StaffConsole)
