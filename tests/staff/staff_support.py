"""What the staff console tests share: constants, accounts and seeded dossiers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.messages import Reply
from handlers.staff.accounts import Accounts
from handlers.staff.audit import COMMAND_LINE
from notifications.ports import SENT, SendContext, SendResult
from storage import dossiers_repo, subscriptions_repo
from storage.counters import MemoryCounterStore
from storage.engine import SessionFactory

SIGNING_KEY = "staff-tests-signing-key"
PASSWORD = "mật khẩu đủ dài 2026"
AGENCY_A = "UBND xã Tân Phú"
AGENCY_B = "UBND phường Bến Thành"
LATE_A = "000.00.20.H56-261110-0001"  # overdue, agency A, followed on Telegram
LATE_B = "000.00.20.H56-261110-0002"  # overdue, agency B
SOON_A = "000.00.20.H56-261120-0003"  # due within a working day, agency A
LATER_A = "000.00.20.H56-261120-0004"  # due in weeks: not on the desk's list
CHAT = "1001"


async def add_account(
    sessions: SessionFactory, username: str, role: str, agency: str | None = None
) -> None:
    await Accounts(sessions, MemoryCounterStore()).add(
        COMMAND_LINE, username, role, PASSWORD, agency
    )


def _row(code: str, agency: str, due: datetime, received: datetime) -> dict[str, object]:
    return {
        "receipt_code": code,
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "0912345678",
        "received_at": received,
        # As an import stores them: the receipt's due date is the clock's, the desk accepted
        # the dossier when it was received (handlers.dossiers.clock).
        "due_at": due,
        "base_due_at": due,
        "status": "processing",
        "status_at": received + timedelta(hours=1),
        "agency": agency,
    }


async def seed_desk(sessions: SessionFactory, now: datetime | None = None) -> None:
    """Two overdue dossiers (agencies A and B), one due within hours, one due in weeks; the
    first is followed by a Telegram chat."""
    now = now or datetime.now(UTC)
    rows = [
        _row(LATE_A, AGENCY_A, now - timedelta(days=3), now - timedelta(days=20)),
        _row(LATE_B, AGENCY_B, now - timedelta(days=2), now - timedelta(days=20)),
        _row(SOON_A, AGENCY_A, now + timedelta(hours=3), now - timedelta(days=5)),
        _row(LATER_A, AGENCY_A, now + timedelta(days=30), now - timedelta(days=1)),
    ]
    async with sessions() as session, session.begin():
        ids = await dossiers_repo.upsert_dossiers(session, rows, now)
        events = [
            {
                "dossier_id": ids[str(r["receipt_code"])],
                "status": "processing",
                "at": r["status_at"],
            }
            for r in rows
        ]
        await dossiers_repo.add_events(session, events)
        await subscriptions_repo.add_subscription(
            session, ids[LATE_A], "telegram", CHAT, now - timedelta(days=10)
        )


class RecordingSender:
    """A channel sender that keeps what it was asked to send."""

    def __init__(self, channel: str) -> None:
        self._channel = channel
        self.sent: list[tuple[str, Reply, SendContext | None]] = []

    @property
    def channel(self) -> str:
        return self._channel

    async def send(
        self, recipient: str, reply: Reply, context: SendContext | None = None
    ) -> SendResult:
        self.sent.append((recipient, reply, context))
        return SENT
