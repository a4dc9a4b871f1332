"""Statuses: canonical names, national codes 1–10, labels, overdue; phone numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.dossiers.phones import last_digits, mask_phone, normalise_phone
from handlers.dossiers.statuses import (
    CLOSED,
    NATIONAL_CODES,
    DossierStatus,
    is_overdue,
    label_vi,
    national_code,
    parse_status,
)

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (1, DossierStatus.REGISTERED),
        ("2", DossierStatus.RECEIVED),
        (3, DossierStatus.REJECTED),
        (4, DossierStatus.PROCESSING),
        (" 5 ", DossierStatus.SUPPLEMENT_REQUIRED),
        (6, DossierStatus.FINANCIAL_OBLIGATION),
        (7, DossierStatus.WITHDRAWN),
        (8, DossierStatus.PAUSED),
        (9, DossierStatus.RESULT_READY),
        ("10", DossierStatus.RETURNED),
        ("Processing", DossierStatus.PROCESSING),
        ("result_ready", DossierStatus.RESULT_READY),
    ],
)
def test_names_and_national_codes(value: str | int, status: DossierStatus) -> None:
    assert parse_status(value) == status


@pytest.mark.parametrize("value", [0, 11, "99", "done", "", None, True])
def test_unknown_statuses(value: str | int | None) -> None:
    assert parse_status(value) is None


def test_every_status_has_a_code_label_and_round_trips() -> None:
    assert sorted(NATIONAL_CODES) == list(range(1, 11))
    for status in DossierStatus:
        assert parse_status(national_code(status)) == status
        assert label_vi(status)
    assert national_code(DossierStatus.RECEIVED) == 2
    assert national_code(DossierStatus.REGISTERED) == 1
    assert label_vi(1) == "Mới đăng ký, chờ tiếp nhận"
    assert label_vi("returned") == "Đã trả kết quả"


def test_overdue_is_derived() -> None:
    past = NOW - timedelta(minutes=1)
    assert is_overdue(DossierStatus.PROCESSING, past, NOW)
    assert is_overdue("received", past, NOW)
    assert not is_overdue(DossierStatus.PROCESSING, NOW + timedelta(hours=1), NOW)
    assert not is_overdue(DossierStatus.PROCESSING, None, NOW)
    for closed in CLOSED:
        assert not is_overdue(closed, past, NOW)
    # The clock stops while the citizen owes the next step or the dossier is paused.
    for stopped in ("supplement_required", "financial_obligation", "paused", "registered"):
        assert not is_overdue(stopped, past, NOW)


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("912345678", "0912345678"),
        ("02438123456", "02438123456"),
        ("12345", None),
        ("09123abc78", None),
        ("", None),
        (None, None),
    ],
)
def test_phone_normalisation(raw: str | None, phone: str | None) -> None:
    assert normalise_phone(raw) == phone


def test_phone_helpers() -> None:
    assert last_digits("0912345678") == "5678"
    assert mask_phone("0912345678") == "091****678"
    assert "2345" not in mask_phone("0912345678")
