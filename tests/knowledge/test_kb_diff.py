"""What an export adds, removes and changes, field by field."""

from __future__ import annotations

from dataclasses import replace

from knowledge.diff import diff_procedures
from knowledge.model import Procedure, SubmissionWay


def test_added_removed_changed_and_unchanged() -> None:
    a = Procedure("1.1", "Đăng ký khai sinh", ways=(SubmissionWay("Trực tiếp", fee="Miễn phí"),))
    b = Procedure("1.2", "Đăng ký kết hôn")
    c = Procedure("1.3", "Đăng ký khai tử")
    new_a = replace(a, ways=(SubmissionWay("Trực tiếp", fee="8.000 đ"),), source="new.jsonl")
    d = Procedure("1.4", "Cấp bản sao trích lục")
    diff = diff_procedures([a, b, c], [new_a, replace(b, source="other.jsonl"), d])
    assert [p.code for p in diff.added] == ["1.4"]
    assert [p.code for p in diff.removed] == ["1.3"]
    assert [(x.new.code, x.fields) for x in diff.changed] == [("1.1", ("ways",))]
    assert diff.unchanged == 1  # the file a record came from is not a change
    assert diff.counts() == {"added": 1, "removed": 1, "changed": 1, "unchanged": 1}
    assert diff_procedures([a], [a]).empty
