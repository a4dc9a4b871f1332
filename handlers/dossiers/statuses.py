"""Canonical dossier statuses, the national one-stop numeric codes 1–10, and overdue.

The numeric codes are the "trạng thái hồ sơ" list of the national public service portal
(DVCQG) and the provincial one-stop systems that sync with it:

    1 Mới đăng ký                          -> received (registered online, not yet checked)
    2 Được tiếp nhận                       -> received
    3 Không được tiếp nhận                 -> rejected
    4 Đang xử lý                           -> processing
    5 Yêu cầu bổ sung giấy tờ              -> supplement_required
    6 Yêu cầu thực hiện nghĩa vụ tài chính -> financial_obligation
    7 Công dân yêu cầu rút hồ sơ           -> withdrawn
    8 Dừng xử lý                           -> paused
    9 Đã xử lý xong                        -> result_ready
    10 Đã trả kết quả                      -> returned

Codes 1 and 2 both map to ``received``: the citizen-facing answer is the same ("the agency has
your dossier"). Going back, ``received`` is reported as 2.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from handlers.texts_vi import DOSSIER_STATUS_LABELS


class DossierStatus(StrEnum):
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
    1: (DossierStatus.RECEIVED, "Mới đăng ký"),
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
# Code 1 (registered online) is only read, never written back.
_TO_NATIONAL = {status: code for code, (status, _) in NATIONAL_CODES.items() if code != 1}

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


def effective_due(due_at: datetime | None, new_due_at: datetime | None) -> datetime | None:
    """The date that counts: the agency's new date (after an apology) or the original one."""
    return new_due_at or due_at


def is_overdue(
    status: DossierStatus | str,
    due_at: datetime | None,
    now: datetime,
    new_due_at: datetime | None = None,
) -> bool:
    """Due time passed and the dossier is not result_ready, returned, rejected or withdrawn."""
    due = effective_due(due_at, new_due_at)
    parsed = parse_status(status)
    return due is not None and parsed is not None and parsed not in CLOSED and now > due
