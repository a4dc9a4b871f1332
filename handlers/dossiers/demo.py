"""Demo dossiers for ``motcua serve --demo``: a few hundred realistic dossiers around today.

Deterministic for a given seed and day. Stable receipt codes (phone on file 0912345678, so the
last four digits are 5678) let a newcomer try every kind of answer:

    000.00.20.H56-260101-0001  đang xử lý, còn hạn
    000.00.20.H56-260101-0002  yêu cầu bổ sung hồ sơ (thời hạn tạm dừng)
    000.00.20.H56-260101-0003  đã có kết quả, chờ trả
    000.00.20.H56-260101-0004  quá hạn (chưa có lý do, ngày hẹn mới)
    000.00.20.H56-260101-0005  đã trả kết quả
    000.00.20.H56-260101-0006  mới đăng ký trực tuyến tối qua, chờ tiếp nhận
    000.00.20.H56-260101-0007  trễ hẹn, cơ quan đã ghi lý do và ngày hẹn mới
    000.00.20.H56-260101-0008  chờ nộp lệ phí (thời hạn tạm dừng)
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from handlers.dossiers.calendar import WorkCalendar
from handlers.dossiers.due import compute_due
from handlers.dossiers.ingest import Ingestor, ProcedureLookup
from handlers.dossiers.statuses import DossierStatus as S
from storage import instance_repo
from storage.engine import SessionFactory

DEMO_PHONE = "0912345678"
DEMO_CODES = tuple(f"000.00.20.H56-260101-000{i}" for i in range(1, 9))
DEFAULT_SEED = 20260101


@dataclass(frozen=True)
class _DemoProcedure:
    code: str
    name: str
    time: str  # processing time as the portal words it (used when no KB is given)
    agency: str
    weight: int


# Common citizen procedures (codes from the national portal data in ../shared/data/tthc).
PROCEDURES = (
    _DemoProcedure("1.004194", "Đăng ký tạm trú", "03 ngày làm việc", "Công an phường", 16),
    _DemoProcedure(
        "1.001456",
        "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)",
        "08 ngày làm việc",
        "Phòng Quản lý xuất nhập cảnh, Công an tỉnh",
        14,
    ),
    _DemoProcedure("1.001193", "Thủ tục đăng ký khai sinh", "01 ngày làm việc", "UBND phường", 14),
    _DemoProcedure(
        "2.000815",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền"
        " của Việt Nam cấp hoặc chứng nhận",
        "Trong ngày",
        "UBND phường",
        12,
    ),
    _DemoProcedure("1.004222", "Đăng ký thường trú", "07 ngày làm việc", "Công an phường", 10),
    _DemoProcedure(
        "1.004873",
        "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân",
        "03 ngày làm việc",
        "UBND phường",
        10,
    ),
    _DemoProcedure("1.000894", "Thủ tục đăng ký kết hôn", "01 ngày làm việc", "UBND phường", 8),
    _DemoProcedure("3.000347", "Đổi giấy phép lái xe", "05 ngày làm việc", "Sở Xây dựng", 8),
    _DemoProcedure("1.000656", "Thủ tục đăng ký khai tử", "01 ngày làm việc", "UBND phường", 4),
)
AGENCIES = ("000.00.20.H56", "000.00.21.H56", "000.20.21.H56", "000.00.13.H29")

_SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
_MIDDLE = [
    "Văn",
    "Thị",
    "Hữu",
    "Đức",
    "Minh",
    "Thanh",
    "Ngọc",
    "Quốc",
    "Gia",
    "Bảo",
    "Thu",
    "Xuân",
]
_GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dung",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Minh",
    "Nam",
    "Ngân",
    "Phúc",
    "Phương",
    "Quân",
    "Quang",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Trung",
    "Tuấn",
    "Vy",
    "Yến",
]
_PHONE_PREFIXES = [
    "090",
    "091",
    "093",
    "094",
    "096",
    "097",
    "098",
    "032",
    "033",
    "034",
    "035",
    "036",
    "037",
    "038",
    "039",
    "070",
    "077",
    "081",
    "083",
    "085",
]
_SUPPLEMENT_NOTES = (
    "Bổ sung bản sao giấy tờ chứng minh chỗ ở hợp pháp.",
    "Bổ sung giấy chứng sinh (bản chính).",
    "Ảnh chân dung chưa đúng quy cách, đề nghị nộp lại ảnh 4x6 nền trắng.",
    "Tờ khai còn thiếu chữ ký của người yêu cầu.",
)
_APOLOGY_REASONS = (
    "Hồ sơ cần xác minh thêm thông tin tại nơi cư trú trước đây.",
    "Hệ thống cơ sở dữ liệu dân cư gián đoạn, chưa đối chiếu được thông tin.",
)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"


def _phone(rng: random.Random) -> str:
    return rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(10_000_000):07d}"


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _office_time(day: date, rng: random.Random, calendar: WorkCalendar) -> datetime:
    minutes = rng.randrange(8 * 60, 16 * 60 + 30)
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=calendar.tz)


def _processing(proc: _DemoProcedure, kb: ProcedureLookup | None) -> Any:
    found = kb.get(proc.code) if kb is not None else None
    parsed = found.processing_time() if found is not None else None
    return parsed or proc.time


def _row(
    code: str,
    proc: _DemoProcedure,
    *,
    name: str,
    phone: str,
    received: datetime,
    due: datetime,
    status: S,
    status_at: datetime,
    via: str,
    **extra: str,
) -> dict[str, str]:
    row = {
        "receipt_code": code,
        "procedure_code": proc.code,
        "applicant_name": name,
        "applicant_phone": phone,
        "received_at": _iso(received),
        "due_at": _iso(due),
        "status": status.value,
        "status_at": _iso(status_at),
        "submitted_via": via,
        "agency": proc.agency,
        "note": "",
        "apology_reason": "",
        "new_due_at": "",
    }
    row.update(extra)
    return row


def _history(
    row: dict[str, str], received: datetime, status: S, status_at: datetime
) -> list[dict[str, str]]:
    """The received row first, then the current status: the import records both as events."""
    if status in {S.RECEIVED, S.REGISTERED}:
        return [row]
    first = {**row, "status": S.RECEIVED.value, "status_at": _iso(received)}
    first.update(note="", apology_reason="", new_due_at="")
    return [first, {**row, "status": status.value, "status_at": _iso(status_at)}]


def _stable_rows(
    now: datetime, calendar: WorkCalendar, kb: ProcedureLookup | None
) -> list[dict[str, str]]:
    today = calendar.local(now).date()
    name = "Nguyễn Văn An"
    plans = (
        # (procedure, working days ago received, status)
        (PROCEDURES[1], 3, S.PROCESSING),
        (PROCEDURES[0], 2, S.SUPPLEMENT_REQUIRED),
        (PROCEDURES[2], 2, S.RESULT_READY),
        (PROCEDURES[4], 12, S.PROCESSING),
        (PROCEDURES[5], 10, S.RETURNED),
        (PROCEDURES[2], 1, S.REGISTERED),
        (PROCEDURES[7], 9, S.PROCESSING),
        (PROCEDURES[6], 1, S.FINANCIAL_OBLIGATION),
    )
    notes = {
        S.SUPPLEMENT_REQUIRED: _SUPPLEMENT_NOTES[0],
        S.FINANCIAL_OBLIGATION: "Lệ phí 20.000 đồng, nộp tại quầy hoặc trên Cổng Dịch vụ công.",
    }
    rows: list[dict[str, str]] = []
    for code, (proc, ago, status) in zip(DEMO_CODES, plans, strict=True):
        day = _working_days_back(calendar, today, ago)
        received = datetime.combine(day, time(9, 0), tzinfo=calendar.tz)
        due = compute_due(received, _processing(proc, kb), calendar) or calendar.end_of_day(day)
        status_at = min(received + timedelta(days=1), now)
        extra = {"note": notes[status]} if status in notes else {}
        via = "direct"
        if status == S.REGISTERED:  # filed online last evening, not yet accepted: no due date
            received = datetime.combine(day, time(20, 30), tzinfo=calendar.tz)
            status_at, via = received, "online"
            extra["due_at"] = ""
        elif code == DEMO_CODES[6]:  # late: the agency recorded a reason and a new date
            extra["apology_reason"] = _APOLOGY_REASONS[0]
            extra["new_due_at"] = _iso(calendar.end_of_day(calendar.add_working_days(today, 3)))
        row = _row(
            code,
            proc,
            name=name,
            phone=DEMO_PHONE,
            received=received,
            due=due,
            status=status,
            status_at=status_at,
            via=via,
            **extra,
        )
        rows.extend(_history(row, received, status, status_at))
    return rows


def _working_days_back(calendar: WorkCalendar, today: date, n: int) -> date:
    day = today
    for _ in range(n):
        day -= timedelta(days=1)
        while not calendar.is_working_day(day):
            day -= timedelta(days=1)
    return day


def generate_demo_rows(
    now: datetime,
    calendar: WorkCalendar,
    *,
    n: int = 300,
    seed: int = DEFAULT_SEED,
    kb: ProcedureLookup | None = None,
) -> list[dict[str, str]]:
    """Import rows (contract shape, as strings) for the stable demo dossiers and ``n`` more.

    A dossier that moved past "received" gives two rows (its history), so there are more rows
    than dossiers.
    """
    rng = random.Random(seed)
    today = calendar.local(now).date()
    rows = _stable_rows(now, calendar, kb)
    weights = [p.weight for p in PROCEDURES]
    sequences: dict[tuple[str, date], int] = {}
    for _ in range(n):
        proc = rng.choices(PROCEDURES, weights)[0]
        day = _working_days_back(calendar, today, rng.randrange(0, 25))
        received = _office_time(day, rng, calendar)
        if received > now:
            received = now - timedelta(minutes=rng.randrange(5, 120))
            day = calendar.local(received).date()
        agency = rng.choice(AGENCIES)
        seq = sequences.get((agency, day), rng.randrange(1, 40)) + rng.randrange(1, 4)
        sequences[(agency, day)] = seq
        code = f"{agency}-{day:%y%m%d}-{seq:04d}"
        due = compute_due(received, _processing(proc, kb), calendar) or calendar.end_of_day(day)
        extra: dict[str, str] = {}
        if due < now:
            status = rng.choices(
                [S.RETURNED, S.RESULT_READY, S.PROCESSING, S.SUPPLEMENT_REQUIRED, S.REJECTED],
                [60, 15, 15, 5, 5],
            )[0]
            if status == S.PROCESSING and rng.random() < 0.4:
                # The agency recorded an apology with a reason and a new date.
                extra["apology_reason"] = rng.choice(_APOLOGY_REASONS)
                new_due = calendar.end_of_day(
                    calendar.add_working_days(today, rng.randrange(1, 4))
                )
                extra["new_due_at"] = _iso(new_due)
        else:
            status = rng.choices(
                [
                    S.RECEIVED,
                    S.PROCESSING,
                    S.SUPPLEMENT_REQUIRED,
                    S.FINANCIAL_OBLIGATION,
                    S.RESULT_READY,
                ],
                [20, 50, 12, 6, 12],
            )[0]
        if status == S.SUPPLEMENT_REQUIRED:
            extra["note"] = rng.choice(_SUPPLEMENT_NOTES)
        if status == S.REJECTED:
            extra["note"] = "Hồ sơ không đủ điều kiện theo quy định."
        span = max((min(due, now) - received).total_seconds(), 60.0)
        status_at = received + timedelta(seconds=rng.uniform(0.3, 1.0) * span)
        if status == S.RECEIVED:
            status_at = received
        via = rng.choices(["direct", "online", "postal"], [55, 40, 5])[0]
        row = _row(
            code,
            proc,
            name=_name(rng),
            phone=_phone(rng),
            received=received,
            due=due,
            status=status,
            status_at=status_at,
            via=via,
            **extra,
        )
        rows.extend(_history(row, received, status, status_at))
    return rows


async def load_demo(
    session_factory: SessionFactory,
    calendar: WorkCalendar,
    kb: ProcedureLookup | None = None,
    now: datetime | None = None,
    *,
    n: int = 300,
    seed: int = DEFAULT_SEED,
) -> list[str]:
    """Imports the demo dossiers (idempotent within a day); returns their receipt codes, the
    five stable ones first."""
    moment = now or datetime.now(UTC)
    rows = generate_demo_rows(moment, calendar, n=n, seed=seed, kb=kb)
    ingestor = Ingestor(session_factory, calendar, kb)
    report = await ingestor.ingest_rows(enumerate(rows, start=1), moment)
    seen: dict[str, None] = dict.fromkeys(DEMO_CODES)
    seen.update(dict.fromkeys(report.accepted_codes))
    return list(seen)


class NotADemoDatabase(Exception):
    """The database holds dossiers that are not demo data: the demo must not mix with them."""

    def __init__(self, dossiers: int) -> None:
        super().__init__(f"{dossiers} dossiers that are not demo data")
        self.dossiers = dossiers


async def claim_demo_database(session_factory: SessionFactory, now: datetime) -> None:
    """Marks the database as the demo's; NotADemoDatabase when it already holds dossiers and
    is not marked (real dossiers: demo rows would show up in their reports and lists)."""
    async with session_factory() as session, session.begin():
        if await instance_repo.has_mark(session, instance_repo.DEMO):
            return
        dossiers = await instance_repo.count_dossiers(session)
        if dossiers:
            raise NotADemoDatabase(dossiers)
        await instance_repo.set_mark(session, instance_repo.DEMO, now)


async def is_demo_database(session_factory: SessionFactory) -> bool:
    async with session_factory() as session:
        return await instance_repo.has_mark(session, instance_repo.DEMO)
