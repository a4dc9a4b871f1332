"""``motcua staff add|list|disable|enable|reset-password``: console accounts from the server's
shell (the first admin is made here). Passwords come from standard input, never arguments."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from bot.config import Settings, load_settings
from bot.staff import texts_vi as T
from handlers.staff.accounts import Accounts
from handlers.staff.audit import COMMAND_LINE, ROLES, NotFound, Refused
from notifications.retention import Purged, purge_handoffs
from storage import desk_repo
from storage.counters import MemoryCounterStore
from storage.engine import SessionFactory, create_engine, session_factory
from storage.migrate import upgrade_async

R = TypeVar("R")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    staff = sub.add_parser("staff", help="tài khoản cán bộ của bàn làm việc /staff/")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)

    add = staff_sub.add_parser("add", help="tạo tài khoản")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--agency", default=None, help="chỉ xem hồ sơ của cơ quan này")
    add.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ stdin")
    add.set_defaults(func=_add)

    listing = staff_sub.add_parser("list", help="liệt kê tài khoản")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_list)

    switches = []
    for name, active in (("disable", False), ("enable", True)):
        cmd = staff_sub.add_parser(name, help="khóa tài khoản" if not active else "mở lại")
        cmd.add_argument("username")
        cmd.set_defaults(func=_set_active, active=active)
        switches.append(cmd)

    reset = staff_sub.add_parser("reset-password", help="đặt mật khẩu mới")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ stdin")
    reset.set_defaults(func=_reset)

    purge = staff_sub.add_parser(
        "purge", help="xóa hội thoại hỏi cán bộ và hộp thư trang hỏi đáp đã quá hạn lưu giữ"
    )
    purge.add_argument("--json", action="store_true")
    purge.set_defaults(func=_purge)
    for parser in (add, listing, reset, purge, *switches):
        parser.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="bot.toml")


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        print(T.CLI_NO_PASSWORD, file=sys.stderr)
        return None
    first = getpass.getpass(T.CLI_PASSWORD_PROMPT)
    if getpass.getpass(T.CLI_PASSWORD_AGAIN) != first:
        print(T.CLI_PASSWORD_MISMATCH, file=sys.stderr)
        return None
    return first


def _run(
    args: argparse.Namespace, work: Callable[[Accounts, SessionFactory, Settings], Awaitable[R]]
) -> R:
    async def main() -> R:
        settings = load_settings(getattr(args, "config", None))
        url = settings.database_url()
        await upgrade_async(url)
        engine = create_engine(url)
        try:
            sessions = session_factory(engine)
            return await work(Accounts(sessions, MemoryCounterStore()), sessions, settings)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _refused(reason: str) -> int:
    print(T.ERRORS.get(reason, T.ERROR_FALLBACK), file=sys.stderr)
    return 2


def _add(args: argparse.Namespace) -> int:
    password = _password(args)
    if password is None:
        return 2

    async def work(accounts: Accounts, sessions: SessionFactory, _: Settings) -> bool:
        await accounts.add(COMMAND_LINE, args.username, args.role, password, args.agency)
        if not args.agency:
            return True
        async with sessions() as session:
            return await desk_repo.agency_known(session, args.agency.strip())

    try:
        known = _run(args, work)
    except Refused as exc:
        return _refused(exc.reason)
    agency = T.CLI_AGENCY.format(agency=args.agency.strip()) if args.agency else ""
    print(
        T.CLI_ADDED.format(username=args.username.strip().lower(), role=args.role, agency=agency)
    )
    if not known:
        print(T.CLI_AGENCY_UNKNOWN.format(agency=args.agency.strip()), file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    async def work(
        accounts: Accounts, _s: SessionFactory, _c: Settings
    ) -> list[dict[str, object]]:
        return [
            {
                "username": a.username,
                "role": a.role,
                "agency": a.agency,
                "active": a.active,
                "created_at": a.created_at.isoformat(),
            }
            for a in await accounts.all()
        ]

    rows = _run(args, work)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if not rows:
        print(T.CLI_NONE)
    for row in rows:
        state = T.ACCOUNT_ACTIVE if row["active"] else T.ACCOUNT_DISABLED
        print(
            T.CLI_LINE.format(
                username=row["username"],
                role=row["role"],
                state=state,
                agency=row["agency"] or T.ACCOUNT_ALL_AGENCIES,
            )
        )
    return 0


def _set_active(args: argparse.Namespace) -> int:
    async def work(accounts: Accounts, _s: SessionFactory, _c: Settings) -> None:
        await accounts.set_active(COMMAND_LINE, args.username, args.active)

    try:
        _run(args, work)
    except NotFound:
        print(T.CLI_NOT_FOUND.format(username=args.username), file=sys.stderr)
        return 1
    done = T.CLI_ENABLED if args.active else T.CLI_DISABLED
    print(done.format(username=args.username.strip().lower()))
    return 0


def _reset(args: argparse.Namespace) -> int:
    password = _password(args)
    if password is None:
        return 2

    async def work(accounts: Accounts, _s: SessionFactory, _c: Settings) -> None:
        await accounts.reset_password(COMMAND_LINE, args.username, password)

    try:
        _run(args, work)
    except NotFound:
        print(T.CLI_NOT_FOUND.format(username=args.username), file=sys.stderr)
        return 1
    except Refused as exc:
        return _refused(exc.reason)
    print(T.CLI_RESET.format(username=args.username.strip().lower()))
    return 0


def _purge(args: argparse.Namespace) -> int:
    """What the worker does every few hours, now: see notifications.retention."""

    async def work(_a: Accounts, sessions: SessionFactory, settings: Settings) -> Purged:
        return await purge_handoffs(
            sessions,
            transcript_days=settings.privacy.retention_days,
            inbox_days=settings.privacy.conversation_days,
        )

    purged = _run(args, work)
    if args.json:
        print(json.dumps(purged.as_dict()))
    else:
        print(T.CLI_PURGED.format(**purged.as_dict()))
    return 0
