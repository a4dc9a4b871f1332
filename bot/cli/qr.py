"""``motcua qr receipt|procedure|board``: QR codes for receipts, procedures and posted boards."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings, load_settings
from bot.links import Links
from bot.qr import BoardItem, QrError, render_board, save_qr
from handlers.dossiers.codes import EXAMPLE, canonical_code
from knowledge.loader import load_procedures
from knowledge.model import Procedure
from knowledge.normalise import fold
from knowledge.popularity import load_popularity


def _procedures(settings: Settings) -> dict[str, Procedure]:
    result = load_procedures(settings.knowledge.paths)
    by_code: dict[str, Procedure] = {}
    for procedure in result.procedures:
        by_code[procedure.code] = procedure  # a later record of a code wins, as in the KB
    return by_code


def _by_popularity(settings: Settings, procedures: list[Procedure]) -> list[Procedure]:
    """Most used first (the portal's ranking), so the top of the board serves most people."""
    path = settings.knowledge.popularity
    ranks = load_popularity(path) if path is not None and path.is_file() else {}
    return sorted(procedures, key=lambda p: ranks.get(p.code, len(ranks) + 1))


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def _receipt(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    code = canonical_code(args.code)
    if code is None:
        return _fail(f"not a receipt code: {args.code!r} (e.g. {EXAMPLE})")
    link = Links.for_print(settings).dossier(code)
    if args.link:
        print(link)
    if args.out is None:
        return 0 if args.link else _fail("give --out FILE.png or --link")
    try:
        save_qr(link, args.out)
    except QrError as exc:
        return _fail(str(exc))
    print(f"QR for dossier {code} written to {args.out}")
    return 0


def _procedure(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    code = args.code.strip()
    procedure = _procedures(settings).get(code)
    if procedure is None:
        return _fail(f"unknown procedure code {code!r} (e.g. 1.001193)")
    link = Links.for_print(settings).procedure(code)
    if args.link:
        print(link)
    try:
        save_qr(link, args.out)
    except QrError as exc:
        return _fail(str(exc))
    print(f"QR for {code} ({procedure.name}) written to {args.out}")
    return 0


def _board(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    wanted = fold(args.field)
    known = _procedures(settings).values()
    procedures = [p for p in known if fold(p.field) == wanted]
    if not procedures:
        fields = sorted({p.field for p in known if p.field})
        near = [f for f in fields if wanted and wanted in fold(f)]
        hint = ", ".join(near or fields[:15])
        return _fail(f"no procedures in field {args.field!r}; fields: {hint}")
    procedures = _by_popularity(settings, procedures)
    if args.limit:
        procedures = procedures[: args.limit]
    links = Links.for_print(settings)
    items = [BoardItem(p.name, p.code, links.procedure(p.code)) for p in procedures]
    try:
        render_board(procedures[0].field, items, args.out, agency=settings.agency.name)
    except QrError as exc:
        return _fail(str(exc))
    print(f"Board {procedures[0].field!r}: {len(items)} procedures written to {args.out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("qr", help="QR codes for receipts, procedures and procedure boards")
    qr_sub = parser.add_subparsers(dest="qr_command", required=True)

    receipt = qr_sub.add_parser("receipt", help="the QR code printed on a dossier receipt")
    receipt.add_argument("code", help="receipt code, e.g. 000.00.20.H56-210615-0001")
    receipt.add_argument("--out", type=Path, default=None, help="F.png, .svg or .pdf")
    receipt.add_argument("--link", action="store_true", help="print the deep link it holds")
    receipt.set_defaults(func=_receipt)

    procedure = qr_sub.add_parser("procedure", help="the QR code of one procedure")
    procedure.add_argument("code", help="procedure code, e.g. 1.001193")
    procedure.add_argument("--out", type=Path, required=True, help="F.png, .svg or .pdf")
    procedure.add_argument("--link", action="store_true", help="also print the link it holds")
    procedure.set_defaults(func=_procedure)

    board = qr_sub.add_parser("board", help="a printable A4 sheet of one field's procedures")
    board.add_argument("--field", required=True, help='field (lĩnh vực), e.g. "Hộ tịch"')
    board.add_argument("--out", type=Path, required=True, help="F.pdf")
    board.add_argument("--limit", type=int, default=0, help="at most this many procedures")
    board.set_defaults(func=_board)
