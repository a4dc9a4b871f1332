"""Canonical dossier statuses, the national one-stop numeric codes 1–10, and overdue.

The numeric codes are the "trạng thái hồ sơ" list of the national public service portal
(DVCQG) and the provincial one-stop systems that sync with it:

    1 Mới đăng ký                          -> registered (filed online, not yet accepted)
    2 Được tiếp nhận                       -> received
    3 Không được tiếp nhận                 -> rejected
    4 Đang xử lý                           -> processing
    5 Yêu cầu bổ sung giấy tờ              -> supplement_required
    6 Yêu cầu thực hiện nghĩa vụ tài chính -> financial_obligation
    7 Công dân yêu cầu rút hồ sơ           -> withdrawn
    8 Dừng xử lý                           -> paused
    9 Đã xử lý xong                        -> result_ready
    10 Đã trả kết quả                      -> returned

A ``registered`` dossier has no due date: the clock starts when the desk accepts it (code 2 or
any later step). The clock stops while the dossier waits for the citizen (``supplement_required``,
``financial_obligation``) or is ``paused`` (see handlers.dossiers.clock).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from handlers.texts_vi import DOSSIER_STATUS_LABELS


class DossierStatus(StrEnum):
    REGISTERED = "registered"
    RECEIVED = "received"
    PROCESSING = "processing"
    SUPPLEMENT_REQUIRED = "supplement_required"
    FINANCIAL_OBLIGATION = "financial_obligation"
    REJECTED = "rejected"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"
    RESULT_READY = "result_ready"
    RETURNED = "returned"


# The one table: national code -> (canonical status, the national label).
NATIONAL_CODES: dict[int, tuple[DossierStatus, str]] = {
    1: (DossierStatus.REGISTERED, "Mới đăng ký"),
    2: (DossierStatus.RECEIVED, "Được tiếp nhận"),
    3: (DossierStatus.REJECTED, "Không được tiếp nhận"),
    4: (DossierStatus.PROCESSING, "Đang xử lý"),
    5: (DossierStatus.SUPPLEMENT_REQUIRED, "Yêu cầu bổ sung giấy tờ"),
    6: (DossierStatus.FINANCIAL_OBLIGATION, "Yêu cầu thực hiện nghĩa vụ tài chính"),
    7: (DossierStatus.WITHDRAWN, "Công dân yêu cầu rút hồ sơ"),
    8: (DossierStatus.PAUSED, "Dừng xử lý"),
    9: (DossierStatus.RESULT_READY, "Đã xử lý xong"),
    10: (DossierStatus.RETURNED, "Đã trả kết quả"),
}
_TO_NATIONAL = {status: code for code, (status, _) in NATIONAL_CODES.items()}

# Short labels in Vietnamese, as a citizen reads them (the texts live in handlers.texts_vi).
LABELS_VI: dict[DossierStatus, str] = {
    status: DOSSIER_STATUS_LABELS[status.value] for status in DossierStatus
}

# Statuses after which the due date no longer matters.
CLOSED = frozenset(
    {
        DossierStatus.RESULT_READY,
        DossierStatus.RETURNED,
        DossierStatus.REJECTED,
        DossierStatus.WITHDRAWN,
    }
)
OPEN = frozenset(DossierStatus) - CLOSED
# The citizen owes the next step: the clock stops, nothing is late meanwhile.
WAITING_ON_CITIZEN = frozenset(
    {DossierStatus.SUPPLEMENT_REQUIRED, DossierStatus.FINANCIAL_OBLIGATION}
)
# Every status that stops the clock.
CLOCK_STOPPED = WAITING_ON_CITIZEN | {DossierStatus.PAUSED}
# The clock runs: the only statuses a dossier can be late in (registered has no clock yet).
CLOCK_RUNNING = OPEN - CLOCK_STOPPED - {DossierStatus.REGISTERED}
# A result (or a refusal) handed down: the dossier is resolved (the one-stop report's word).
RESOLVED = frozenset({DossierStatus.RESULT_READY, DossierStatus.RETURNED, DossierStatus.REJECTED})


def parse_status(value: str | int | None) -> DossierStatus | None:
    """A canonical name ("processing") or a national code (4, "4"); None when unknown."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        entry = NATIONAL_CODES.get(value)
        return entry[0] if entry else None
    text = value.strip().lower()
    if text.isdigit():
        return parse_status(int(text))
    try:
        return DossierStatus(text)
    except ValueError:
        return None


def national_code(status: DossierStatus) -> int:
    return _TO_NATIONAL[status]


def label_vi(status: DossierStatus | str) -> str:
    parsed = parse_status(status)
    return LABELS_VI[parsed] if parsed else str(status)


def is_overdue(status: DossierStatus | str, due_at: datetime | None, now: datetime) -> bool:
    """The clock's due time has passed while the clock runs (received, processing).

    A new date the agency gave with an apology does not make a dossier punctual: it stays late
    (trễ hẹn). Waiting for the citizen, paused, registered or finished is never overdue.
    """
    parsed = parse_status(status)
    return due_at is not None and parsed in CLOCK_RUNNING and now > due_at
