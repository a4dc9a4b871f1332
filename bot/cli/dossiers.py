"""``motcua dossiers import FILE.csv|FILE.jsonl``: idempotent import with a reason per bad row."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bot import texts_vi
from bot import texts_vi as T
from bot.config import Settings, load_settings
from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.deadlines import StaffDeadlines, staff_deadlines
from handlers.dossiers.file_encoding import NAMES as ENCODING_NAMES
from handlers.dossiers.file_encoding import EncodingProblem, detect
from handlers.dossiers.ingest import Ingestor, IngestReport, read_file
from handlers.dossiers.ingest_checks import DateOrder
from handlers.dossiers.ingest_errors import RowError
from handlers.dossiers.ports import DossierRecord
from knowledge.loader import load_procedures
from knowledge.model import Procedure
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade_async

PROGRESS_FROM_LINES = 5000  # smaller files finish before a bar would be worth showing


class _Procedures:
    """Procedures by code, enough to compute due dates (no search index needed); the files
    are read on the first row that needs them."""

    def __init__(
        self, procedures: Sequence[Procedure] | None = None, paths: Sequence[Path] = ()
    ) -> None:
        self._by_code = {p.code: p for p in procedures} if procedures is not None else None
        self._paths = list(paths)

    def get(self, code: str) -> Procedure | None:
        if self._by_code is None:
            result = load_procedures(self._paths)
            self._by_code = {p.code: p for p in result.procedures}
        return self._by_code.get(code)


def calendar_from(settings: Settings) -> WorkCalendar:
    return settings.calendar.work_calendar()


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def _with_progress(
    rows: Iterator[tuple[int, Mapping[str, Any] | RowError]], total: int
) -> Iterator[tuple[int, Mapping[str, Any] | RowError]]:
    if total < PROGRESS_FROM_LINES:
        yield from rows
        return
    with tqdm(total=total, unit="dòng", file=sys.stderr, mininterval=0.5) as bar:
        last = 0
        for line, row in rows:
            yield line, row
            bar.update(line - last)
            last = line


async def import_file(
    path: Path,
    url: str,
    calendar: WorkCalendar,
    kb: _Procedures | None,
    *,
    progress: bool,
    supplement_clock: str = "pause",
    date_order: DateOrder | None = None,
) -> IngestReport:
    """Checks the whole file's encoding (EncodingProblem before anything is stored), then
    imports it; the report names the encoding it read."""
    encoding = detect(path, allow_cp1258=path.suffix.lower() == ".csv")
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        ingestor = Ingestor(
            session_factory(engine),
            calendar,
            kb,
            supplement_clock=supplement_clock,
            date_order=date_order,
        )
        rows = read_file(path, encoding)
        if progress:
            rows = _with_progress(rows, _count_lines(path))
        report = await ingestor.ingest_rows(rows, datetime.now(UTC))
    finally:
        await engine.dispose()
    report.encoding = ENCODING_NAMES[encoding]
    return report


def print_report(report: IngestReport, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    if report.encoding:
        print(f"Bảng mã của tệp (encoding): {report.encoding}")
    print(
        f"Đã nhận (accepted): {report.accepted} — mới {report.created}, cập nhật {report.updated},"
        f" sự kiện trạng thái mới {report.events_added}"
    )
    print(f"Bị từ chối (rejected): {len(report.rejected)}")
    for r in report.rejected:
        code = f" [{r.receipt_code}]" if r.receipt_code else ""
        print(f"  dòng {r.line}{code}: {r.reason} — {r.message}")


def _import(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        print(f"Không đọc được tệp {path}", file=sys.stderr)
        return 1
    settings = load_settings(args.config)
    kb = _Procedures(paths=settings.knowledge.paths)
    url = settings.database_url()
    order = DateOrder(args.date_format) if args.date_format else None
    try:
        report = asyncio.run(
            import_file(
                path,
                url,
                calendar_from(settings),
                kb,
                progress=not args.no_progress,
                supplement_clock=settings.calendar.supplement_clock,
                date_order=order,
            )
        )
    except EncodingProblem as exc:
        refusal = texts_vi.IMPORT_ENCODING[exc.reason]
        print(refusal.format(path=path, line=exc.line), file=sys.stderr)
        return 1
    except (OSError, UnicodeDecodeError) as exc:
        print(f"Không đọc được tệp {path}: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - database unreachable, etc.: a message, not a trace
        print(
            f"Không nhập được vào cơ sở dữ liệu {url.rsplit('@', maxsplit=1)[-1]}: {exc}",
            file=sys.stderr,
        )
        return 1
    print_report(report, as_json=args.json)
    return 0


# --- ``motcua dossiers due``: what staff must act on ---------------------------------------------


def _day(moment: datetime | None, calendar: WorkCalendar) -> str | None:
    return calendar.local(moment).strftime("%d/%m/%Y") if moment else None


def deadlines_as_dict(found: StaffDeadlines, calendar: WorkCalendar) -> dict[str, Any]:
    def row(d: DossierRecord) -> dict[str, Any]:
        return {
            "receipt_code": d.receipt_code,
            "procedure": d.procedure_name,
            "agency": d.agency,
            "status": d.status,
            "due": _day(d.due_at, calendar),
            "apology_reason": (d.apology_reason or "").strip() or None,
            "new_due": _day(d.new_due_at, calendar),
        }

    return {
        "due_until": calendar.local(found.until).isoformat(),
        "due_within_one_working_day": [row(d) for d in found.due_soon],
        "overdue_without_apology_details": [row(d) for d in found.letters_owed],
    }


def format_deadlines(found: StaffDeadlines, calendar: WorkCalendar, now: datetime) -> str:
    """The two lists in Vietnamese, as staff read them."""
    until = calendar.local(found.until).strftime("%H:%M %d/%m/%Y")
    lines = [T.DUE_SOON_TITLE.format(until=until, count=len(found.due_soon))]
    lines += [
        T.DUE_SOON_ROW.format(
            code=d.receipt_code,
            procedure=d.procedure_name or "—",
            due=_day(d.due_at, calendar),
            agency=T.LIST_AGENCY.format(agency=d.agency) if d.agency else "",
        )
        for d in found.due_soon
    ]
    lines.append(T.DUE_SOON_HINT if found.due_soon else T.LIST_NONE)
    lines += ["", T.LETTERS_OWED_TITLE.format(count=len(found.letters_owed))]
    for d in found.letters_owed:
        new_due = _day(d.new_due_at, calendar)
        if new_due and d.new_due_at is not None and d.new_due_at <= now:
            new_due = T.NEW_DUE_PASSED.format(date=new_due)
        lines.append(
            T.LETTERS_OWED_ROW.format(
                code=d.receipt_code,
                due=_day(d.due_at, calendar),
                reason=T.RECORDED if (d.apology_reason or "").strip() else T.NOT_RECORDED,
                new_due=new_due or T.NOT_RECORDED,
                agency=T.LIST_AGENCY.format(agency=d.agency) if d.agency else "",
            )
        )
    if not found.letters_owed:
        lines.append(T.LIST_NONE)
    return "\n".join(lines)


async def collect_deadlines(
    settings: Settings, now: datetime, *, agency: str | None, limit: int
) -> StaffDeadlines:
    url = settings.database_url()
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        calendar = settings.calendar.work_calendar()
        return await staff_deadlines(
            session_factory(engine), calendar, now, agency=agency, limit=limit
        )
    finally:
        await engine.dispose()


def _due(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    now = datetime.now(UTC)
    found = asyncio.run(collect_deadlines(settings, now, agency=args.agency, limit=args.limit))
    calendar = settings.calendar.work_calendar()
    if args.json:
        print(json.dumps(deadlines_as_dict(found, calendar), ensure_ascii=False))
    else:
        print(format_deadlines(found, calendar, now))
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("dossiers", help="hồ sơ: nhập dữ liệu từ hệ thống một cửa")
    dsub = parser.add_subparsers(dest="dossiers_command", required=True)
    imp = dsub.add_parser("import", help="nhập tệp CSV hoặc JSONL (idempotent)")
    imp.add_argument("file", type=Path, help="FILE.csv or FILE.jsonl")
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    imp.add_argument("--no-progress", action="store_true", help="no progress bar")
    imp.add_argument(
        "--date-format",
        choices=[o.value for o in DateOrder],
        help="how to read dates like 12/1/2026 (otherwise refused as ambiguous)",
    )
    imp.set_defaults(func=_import)
    due = dsub.add_parser(
        "due",
        help="hồ sơ đến hạn trong một ngày làm việc; hồ sơ quá hạn chưa ghi lý do, ngày hẹn mới",
    )
    due.add_argument("--agency", default=None, help="chỉ hồ sơ của cơ quan này")
    due.add_argument("--limit", type=int, default=200, help="số dòng tối đa mỗi danh sách")
    due.add_argument("--json", action="store_true", help="in một đối tượng JSON")
    due.set_defaults(func=_due)
