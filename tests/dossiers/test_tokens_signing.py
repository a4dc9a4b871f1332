"""Signed dossier tokens: round trip, and forged / altered / truncated / foreign tokens refused."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

import pytest

from handlers.dossiers.tokens import (
    MAX_CODE_CHARS,
    TokenError,
    TokenExpired,
    compact_code,
    make_payload,
    make_token,
    verify_token,
)

KEY = b"test-signing-key-0123456789"
CODE = "000.00.20.H56-210615-0001"
TELEGRAM_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


def test_round_trip_gives_the_compact_code() -> None:
    token = make_token(CODE, KEY)
    assert verify_token(token, KEY) == "0000020H562106150001"
    assert verify_token("d_" + token, KEY) == "0000020H562106150001"


def test_any_typed_form_of_the_code_signs_the_same() -> None:
    assert make_token("000.00.20.h56 210615 0001", KEY) == make_token(CODE, KEY)
    assert compact_code("000.00.20.h56-210615-0001") == "0000020H562106150001"


def test_payload_fits_telegram_start_parameter() -> None:
    payload = make_payload(CODE, KEY)
    assert payload.startswith("d_")
    assert TELEGRAM_PAYLOAD.fullmatch(payload)
    # The longest code with the last issue day four base-36 digits can hold.
    longest = make_payload("A" * MAX_CODE_CHARS, KEY, date(2020, 1, 1) + timedelta(36**4 - 1))
    assert len(longest) == 64
    assert TELEGRAM_PAYLOAD.fullmatch(longest)
    assert len(payload) == 42  # a national receipt code issued in the 2020s


def test_a_token_carries_its_issue_day_and_expires() -> None:
    issued = date(2026, 6, 1)
    token = make_token(CODE, KEY, issued)
    assert verify_token(token, KEY, valid_days=180, today=issued) == "0000020H562106150001"
    assert verify_token(token, KEY, valid_days=180, today=issued + timedelta(180))
    with pytest.raises(TokenExpired):
        verify_token(token, KEY, valid_days=180, today=issued + timedelta(181))
    with pytest.raises(TokenExpired):
        verify_token(token, KEY, valid_days=30, today=issued + timedelta(31))
    # Dated more than a day ahead of this server: not one of ours.
    with pytest.raises(TokenError):
        verify_token(token, KEY, today=issued - timedelta(2))
    assert verify_token(token, KEY, today=issued - timedelta(1))


def test_the_issue_day_is_signed() -> None:
    token = make_token(CODE, KEY, date(2026, 6, 1))
    compact, rest = token.split("_", 1)
    later = make_token(CODE, KEY, date(2026, 12, 1))
    moved = compact + "_" + later.split("_", 1)[1][:-16] + rest[-16:]
    with pytest.raises(TokenError) as caught:
        verify_token(moved, KEY, today=date(2026, 12, 1))
    assert not isinstance(caught.value, TokenExpired)


def test_an_undated_token_of_ours_is_expired_and_a_forged_one_is_not() -> None:
    import base64
    import hashlib
    import hmac

    compact = "0000020H562106150001"
    digest = hmac.new(KEY, b"motcua:dossier-token:v1:" + compact.encode(), hashlib.sha256)
    legacy = compact + base64.urlsafe_b64encode(digest.digest()[:12]).decode().rstrip("=")
    with pytest.raises(TokenExpired):
        verify_token(legacy, KEY)
    with pytest.raises(TokenError) as caught:
        verify_token(legacy, b"another-deployment-key")
    assert not isinstance(caught.value, TokenExpired)


def test_code_too_long_for_a_token_is_refused() -> None:
    with pytest.raises(TokenError):
        make_token("A" * (MAX_CODE_CHARS + 1), KEY)
    with pytest.raises(TokenError):
        make_token("...---", KEY)


def test_wrong_key_is_refused() -> None:
    token = make_token(CODE, KEY)
    with pytest.raises(TokenError):
        verify_token(token, b"another-deployment-key")


def test_empty_key_never_signs() -> None:
    with pytest.raises(TokenError):
        make_token(CODE, b"")


def test_forged_token_for_another_code_is_refused() -> None:
    token = make_token(CODE, KEY)
    tag = token[-16:]
    # Someone keeps a valid tag but changes the sequence number to reach another dossier.
    forged = "0000020H562106150002" + token[len("0000020H562106150001") : -16] + tag
    with pytest.raises(TokenError):
        verify_token(forged, KEY)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "d_",
        "d_abc",
        "d_" + "A" * 70,
        "0000020H56 2106150001xxxxxxxxxxxxxxxx",
        "d_é" + "A" * 20,
    ],
)
def test_malformed_tokens_are_refused(bad: str) -> None:
    with pytest.raises(TokenError):
        verify_token(bad, KEY)


def test_every_single_character_change_is_refused() -> None:
    token = make_token(CODE, KEY)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    rng = random.Random(1234)
    for position in range(len(token)):
        for replacement in rng.sample(alphabet, 6):
            if replacement == token[position]:
                continue
            altered = token[:position] + replacement + token[position + 1 :]
            with pytest.raises(TokenError):
                verify_token(altered, KEY)


def test_truncated_or_extended_tokens_are_refused() -> None:
    token = make_token(CODE, KEY)
    for cut in range(1, len(token)):
        with pytest.raises(TokenError):
            verify_token(token[:cut], KEY)
    with pytest.raises(TokenError):
        verify_token(token + "A", KEY)
    with pytest.raises(TokenError):
        verify_token("A" + token, KEY)
