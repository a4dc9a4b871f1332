"""Every Zalo error code we know, mapped to what we do about it, in one table."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    REFRESH = "refresh"  # refresh the access token once, then retry the call
    BACK_OFF = "back_off"  # rate limited: wait, then retry
    DEFER_MORNING = "defer_morning"  # night-time block 22:00–06:00: retry after 06:00
    DEFER_TOMORROW = "defer_tomorrow"  # daily quota spent
    FALL_BACK = "fall_back"  # 7-day window closed: transaction card, else ZNS by phone
    END_SUBSCRIPTION = "end_subscription"  # the user cannot or will not receive: stop for good
    DROP = "drop"  # this message can never be delivered to this recipient; no retry
    BUG = "bug"  # our request is wrong: log loudly, do not retry
    RETRY = "retry"  # unknown or transient: retry with backoff


@dataclass(frozen=True, slots=True)
class Rule:
    action: Action
    meaning: str


# OA API v3 and ZNS codes from ZALO_OA.md. Anything absent is RETRY (transient until proven not).
ERRORS: dict[int, Rule] = {
    -216: Rule(Action.REFRESH, "access token invalid"),
    -220: Rule(Action.REFRESH, "access token expired"),
    -124: Rule(Action.REFRESH, "ZNS: access token invalid"),
    -32: Rule(Action.BACK_OFF, "rate limit exceeded"),
    -230: Rule(Action.FALL_BACK, "no interaction within 7 days"),
    -232: Rule(Action.FALL_BACK, "user never interacted with the OA"),
    -234: Rule(Action.DEFER_MORNING, "night-time block (22:00-06:00)"),
    -133: Rule(Action.DEFER_MORNING, "ZNS: night-time block"),
    -144: Rule(Action.DEFER_TOMORROW, "ZNS: daily quota reached"),
    -213: Rule(Action.END_SUBSCRIPTION, "not a follower"),
    -227: Rule(Action.END_SUBSCRIPTION, "user inactive or banned"),
    -244: Rule(Action.END_SUBSCRIPTION, "user refused this message type"),
    -217: Rule(Action.END_SUBSCRIPTION, "user blocked the OA"),
    -108: Rule(Action.DROP, "ZNS: invalid phone number"),
    -118: Rule(Action.DROP, "ZNS: no Zalo account for this phone"),
    -119: Rule(Action.DROP, "ZNS: account cannot receive"),
    -139: Rule(Action.DROP, "ZNS: user refused this template type"),
    -141: Rule(Action.DROP, "ZNS: user refused all ZNS from this OA"),
    -201: Rule(Action.BUG, "invalid parameter"),
    -240: Rule(Action.BUG, "a v2 endpoint was called"),
    -131: Rule(Action.BUG, "ZNS: template not approved"),
}


def rule_for(code: int) -> Rule:
    return ERRORS.get(code, Rule(Action.RETRY, "unknown error"))


class ZaloApiError(Exception):
    """A non-zero ``error`` from Zalo (or an HTTP failure: code 0) and the action it calls for."""

    def __init__(self, code: int, message: str, *, endpoint: str, retry_after: float = 0.0):
        self.code = code
        self.rule = rule_for(code) if code else Rule(Action.RETRY, "HTTP failure")
        self.endpoint = endpoint
        self.retry_after = retry_after
        super().__init__(f"Zalo {endpoint}: error {code} ({self.rule.meaning}): {message}")

    @property
    def action(self) -> Action:
        return self.rule.action
