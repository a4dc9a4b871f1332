"""Every payload kind reads back what it wrote and fits Telegram's 64 bytes of callback_data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers import payloads as p
from knowledge.aspects import Aspect

codes = st.from_regex(r"[0-9]{1,2}\.[0-9]{6}(\.[A-Z][0-9]{2})?", fullmatch=True)
aspects = st.lists(st.sampled_from([a.value for a in Aspect]), max_size=5).map(tuple)
ids = st.integers(min_value=1, max_value=10**18 - 1)
receipts = st.from_regex(
    r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}-[0-9]{6}-[0-9]{4}", fullmatch=True
)
tokens = st.from_regex(r"[A-Za-z0-9_\-]{1,62}", fullmatch=True)
ratings = st.sampled_from(["very_satisfied", "satisfied", "unsatisfied"])

every_kind = st.one_of(
    codes.map(p.OpenProcedure),
    tokens.map(p.OpenDossier),
    codes.map(p.ChooseProcedure),
    st.builds(p.AskAspects, codes, aspects),
    st.builds(p.FullText, codes, aspects),
    receipts.map(p.Subscribe),
    receipts.map(p.ShowNote),
    ids.map(p.Unsubscribe),
    st.just(p.AskPerson()),
    st.builds(p.Rate, ids, ratings),
    st.just(p.ShowHelp()),
    st.just(p.SharePhone()),
    ids.map(p.FollowDossier),
)
REGISTRY = p.CORE.extended(*p.PHONE_KINDS)


@given(every_kind)
def test_every_kind_round_trips_within_callback_data(payload: p.Payload) -> None:
    raw = payload.encode()
    assert len(raw.encode()) <= p.CALLBACK_LIMIT
    assert p.well_formed(raw)
    assert REGISTRY.parse(raw) == payload


def test_the_strategies_cover_every_kind() -> None:
    assert {k.__name__ for k in REGISTRY.kinds} == {
        "OpenProcedure", "OpenDossier", "ChooseProcedure", "AskAspects", "FullText", "Subscribe",
        "ShowNote", "Unsubscribe", "AskPerson", "Rate", "ShowHelp", "SharePhone", "FollowDossier",
    }  # fmt: skip


@given(st.text(max_size=80))
def test_anything_else_parses_to_a_known_kind_or_none(raw: str) -> None:
    payload = REGISTRY.parse(raw)
    assert payload is None or REGISTRY.parse(payload.encode()) == payload


def test_channel_kinds_are_not_the_cores() -> None:
    assert p.CORE.parse("zl:phone") is None
    assert REGISTRY.parse("zl:phone") == p.SharePhone()


def test_a_clashing_prefix_is_refused() -> None:
    class Clash:
        PREFIX = "ds:"

        @classmethod
        def parse(cls, body: str) -> None:
            return None

    with pytest.raises(ValueError, match="clashes"):
        p.CORE.extended(Clash)


@pytest.mark.parametrize(
    "raw",
    ["pa:1.001193:fee,fee,time,place,online", "d_", "p_", "ds:unsub:x", "rate:7:", "hd:asked",
     "pc:1.0 01", "x" * 129, "pa:1.001193:FEE"],
)  # fmt: skip
def test_malformed_payloads_are_none(raw: str) -> None:
    assert p.CORE.parse(raw) is None


def test_aspects_are_kept_once_and_at_most_three() -> None:
    payload = p.AskAspects("1.001193", ("fee", "fee", "time", "place", "online"))
    assert payload.aspects == ("fee", "time", "place")
    assert payload.encode() == "pa:1.001193:fee,time,place"
