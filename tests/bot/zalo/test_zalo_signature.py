"""The webhook signature: sha256(app_id + raw body + timestamp + OA secret key), replay window."""

from __future__ import annotations

import hashlib

from bot.zalo.signature import Verdict, expected_mac, sign, verify

APP = "4305452148839810431"
KEY = "oa-secret-key"
TS = 1_700_000_000_000
BODY = (
    b'{"app_id":"4305452148839810431","sender":{"id":"246845883529197922"},'
    b'"event_name":"user_send_text","message":{"text":"xin ch\\u00e0o","msg_id":"m1"},'
    b'"timestamp":"1700000000000"}'
)


def _check(header: str | None, body: bytes = BODY, now: int = TS + 1000, **kw: object):
    return verify(header, body, app_id=APP, oa_secret_key=KEY, now_ms=now, **kw)  # type: ignore[arg-type]


def test_mac_is_plain_sha256_of_the_concatenation() -> None:
    want = hashlib.sha256(APP.encode() + BODY + b"1700000000000" + KEY.encode()).hexdigest()
    assert expected_mac(APP, BODY, "1700000000000", KEY) == want
    assert sign(APP, BODY, KEY) == "mac=" + want


def test_accepts_with_and_without_prefix_and_any_hex_case() -> None:
    mac = expected_mac(APP, BODY, "1700000000000", KEY)
    assert _check("mac=" + mac).verdict is Verdict.OK
    assert _check(mac).verdict is Verdict.OK
    assert _check("MAC=" + mac.upper()).verdict is Verdict.OK
    assert _check("mac=" + mac).timestamp_ms == TS


def test_unsigned_and_forged_are_refused() -> None:
    assert _check(None).verdict is Verdict.UNSIGNED
    assert _check("  ").verdict is Verdict.UNSIGNED
    assert _check("mac=" + "0" * 64).verdict is Verdict.FORGED
    # signed with the app secret key instead of the OA secret key
    wrong_key = "mac=" + expected_mac(APP, BODY, "1700000000000", "app-secret")
    assert _check(wrong_key).verdict is Verdict.FORGED


def test_the_raw_bytes_are_signed_not_a_reserialisation() -> None:
    header = sign(APP, BODY, KEY)
    respaced = BODY.replace(b'","', b'", "')
    assert _check(header, respaced).verdict is Verdict.FORGED
    tampered = BODY.replace(b"xin", b"xim")
    assert _check(header, tampered).verdict is Verdict.FORGED


def test_replay_window_both_ways() -> None:
    header = sign(APP, BODY, KEY)
    assert _check(header, now=TS + 299_000).verdict is Verdict.OK
    assert _check(header, now=TS + 301_000).verdict is Verdict.STALE
    assert _check(header, now=TS - 301_000).verdict is Verdict.STALE  # from the future
    assert _check(header, now=TS + 301_000, window_s=600).verdict is Verdict.OK


def test_timestamp_may_be_a_number_and_must_exist() -> None:
    numeric = BODY.replace(b'"timestamp":"1700000000000"', b'"timestamp":1700000000000')
    assert _check(sign(APP, numeric, KEY), numeric).verdict is Verdict.OK
    no_ts = b'{"event_name":"follow"}'
    assert _check("mac=" + "a" * 64, no_ts).verdict is Verdict.MALFORMED
    assert _check("mac=" + "a" * 64, b"not json").verdict is Verdict.MALFORMED


def test_no_configured_key_trusts_nothing() -> None:
    header = "mac=" + expected_mac(APP, BODY, "1700000000000", "")
    checked = verify(header, BODY, app_id=APP, oa_secret_key="", now_ms=TS)
    assert checked.verdict is Verdict.FORGED
