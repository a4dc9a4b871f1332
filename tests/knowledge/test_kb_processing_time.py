"""Processing time parsed from the portal's text, unit-less values included."""

from __future__ import annotations

import pytest

from knowledge.base import KnowledgeBase
from knowledge.model import Procedure, SubmissionWay
from knowledge.processing_time import ProcessingTime, parse_processing_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 Ngày làm việc", ProcessingTime(1, "working_days")),
        ("05 ngày làm việc", ProcessingTime(5, "working_days")),
        ("02 Giờ", ProcessingTime(2, "hours")),
        ("Trong ngày", ProcessingTime(0, "same_day")),
        ("30 Ngày", ProcessingTime(30, "days")),
        ("1,5 Ngày làm việc", ProcessingTime(1.5, "working_days")),
        ("3", ProcessingTime(3, "working_days")),
        ("2 tháng", ProcessingTime(60, "days")),
        ("", None),
        (None, None),
        ("Theo quy định", None),
    ],
)
def test_parse_processing_time(text: str | None, expected: ProcessingTime | None) -> None:
    assert parse_processing_time(text) == expected


def test_unit_less_time_takes_its_unit_from_the_description_or_steps() -> None:
    in_description = Procedure(
        code="x.1",
        name="A",
        ways=(SubmissionWay("Trực tiếp", time="3", description="Trong 03 giờ làm việc"),),
    )
    assert in_description.processing_time() == ProcessingTime(3, "hours")
    in_steps = Procedure(
        code="x.2",
        name="B",
        steps="Giải quyết trong 1 ngày kể từ khi nhận đủ hồ sơ.",
        ways=(SubmissionWay("Trực tiếp", time="1"),),
    )
    assert in_steps.processing_time() == ProcessingTime(1, "days")
    nowhere = Procedure(code="x.3", name="C", ways=(SubmissionWay("Trực tuyến", time="1"),))
    assert nowhere.processing_time() == ProcessingTime(1, "working_days")


def test_direct_submission_time_is_preferred() -> None:
    procedure = Procedure(
        code="x.4",
        name="D",
        ways=(
            SubmissionWay("Trực tuyến", time="10 Ngày làm việc"),
            SubmissionWay("Trực tiếp", time="15 Ngày làm việc"),
        ),
    )
    assert procedure.processing_time() == ProcessingTime(15, "working_days")
    assert procedure.online


def test_shipped_birth_registration_has_a_time(kb: KnowledgeBase) -> None:
    birth = kb.get("1.001193")
    assert birth is not None
    time = birth.processing_time()
    assert time is not None and time.amount >= 0


def test_a_deadline_in_the_steps_is_used_when_no_way_has_a_time() -> None:
    procedure = Procedure(
        code="x.5",
        name="E",
        steps="Bước 2: Trong thời hạn 05 ngày làm việc kể từ ngày nhận hồ sơ, cơ quan trả lời.",
        ways=(SubmissionWay("Trực tiếp"),),
    )
    assert procedure.processing_time() == ProcessingTime(5, "working_days")
    assert Procedure(code="x.6", name="F", steps="Bước 1: nộp hồ sơ.").processing_time() is None
