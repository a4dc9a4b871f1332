"""Nesting depth is bounded before json parses anything; strings may hold any bracket."""

from __future__ import annotations

import json

import pytest

from handlers.json_bounds import JsonTooDeep, depth_exceeds, loads


@pytest.mark.parametrize(
    ("raw", "depth", "too_deep"),
    [
        (b"[]", 1, False),
        (b"[[]]", 1, True),
        (b"[[]]", 2, False),
        (b'{"a":{"b":{}}}', 3, False),
        (b'{"a":{"b":{}}}', 2, True),
        (b'{"a":[1,{"b":"[[[[[[[["}]}', 3, False),
        (b'[{"s":"\\"]]]]"}]', 2, False),
        (b'"just a string"', 1, False),
        (b"[" * 40 + b"]", 32, True),  # unclosed and deep
        (b"{not json", 32, False),  # malformed but shallow: json says so
    ],
)
def test_depth(raw: bytes, depth: int, too_deep: bool) -> None:
    assert depth_exceeds(raw, depth) is too_deep


def test_loads_refuses_deep_documents_as_a_value_error() -> None:
    with pytest.raises(JsonTooDeep):
        loads(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(ValueError):
        loads(b'{"a":' * 2500 + b"1" + b"}" * 2500)
    with pytest.raises(ValueError):
        loads(b"\xff\xfe not utf-8")
    document = {"rows": [{"note": "[{x}]", "name": "Nguyễn Văn An"}] * 3}
    assert loads(json.dumps(document, ensure_ascii=False)) == document
