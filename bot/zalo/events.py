"""Zalo webhook bodies parsed into typed events, and text/payload events mapped to ``Incoming``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.zalo import NAME as ZALO
from handlers import json_bounds
from handlers.messages import Incoming
from handlers.payloads import CORE, PHONE_KINDS

# Payloads our buttons carry (``oa.query.show`` sends them back as typed text): the core's
# and Zalo's own (phone sharing, following a dossier found by phone).
PAYLOADS = CORE.extended(*PHONE_KINDS)
MAX_DEPTH = 16  # Zalo's events nest five or six levels
OTHER_KINDS = frozenset(
    {"link", "sticker", "audio", "video", "location", "file", "business_card", "gif"}
)


@dataclass(frozen=True, slots=True)
class Envelope:
    """What every event carries: its name, the signed timestamp and the key used to dedupe it."""

    name: str
    timestamp_ms: int
    key: str


@dataclass(frozen=True, slots=True)
class UserText:
    env: Envelope
    user_id: str
    text: str


@dataclass(frozen=True, slots=True)
class UserImage:
    env: Envelope
    user_id: str
    url: str | None


@dataclass(frozen=True, slots=True)
class UserOther:
    """A link, sticker, voice note, video, location, file or business card: we cannot read it."""

    env: Envelope
    user_id: str
    kind: str


@dataclass(frozen=True, slots=True)
class Follow:
    env: Envelope
    user_id: str


@dataclass(frozen=True, slots=True)
class Unfollow:
    env: Envelope
    user_id: str


@dataclass(frozen=True, slots=True)
class SubmitInfo:
    """The answer to our ``request_user_info`` form; we keep only the phone."""

    env: Envelope
    user_id: str
    phone: str | None


@dataclass(frozen=True, slots=True)
class Withdraw:
    env: Envelope
    user_id: str


@dataclass(frozen=True, slots=True)
class AnonymousText:
    env: Envelope
    conversation_id: str
    text: str


@dataclass(frozen=True, slots=True)
class ZnsDelivery:
    """ZNS delivery receipt: ``user_received_message`` carrying our ``tracking_id``."""

    env: Envelope
    tracking_id: str
    msg_id: str | None
    delivery_time: str | None


@dataclass(frozen=True, slots=True)
class Ignored:
    """Read/delivery receipts, echoes of our own sends, events we do not know."""

    env: Envelope
    reason: str


ZaloEvent = (
    UserText
    | UserImage
    | UserOther
    | Follow
    | Unfollow
    | SubmitInfo
    | Withdraw
    | AnonymousText
    | ZnsDelivery
    | Ignored
)


class BadEvent(ValueError):
    """The body is not a Zalo event we can read."""


def _str(value: Any) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    return None


def _get(data: dict[str, Any], *path: str) -> Any:
    node: Any = data
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _user(data: dict[str, Any]) -> str | None:
    for path in (("sender", "id"), ("follower", "id"), ("user_id",)):
        found = _str(_get(data, *path))
        if found:
            return found
    return None


def parse(raw_body: bytes) -> ZaloEvent:
    """Reads one webhook body; raises :class:`BadEvent` when it is not an event at all."""
    try:
        data = json_bounds.loads(raw_body, max_depth=MAX_DEPTH)
    except ValueError as exc:  # malformed, too deep, or not UTF-8
        raise BadEvent("not JSON") from exc
    if not isinstance(data, dict):
        raise BadEvent("not an object")
    name = _str(data.get("event_name"))
    ts = _str(data.get("timestamp"))
    if not name or not ts or not ts.isdigit():
        raise BadEvent("no event_name or timestamp")
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    assert isinstance(message, dict)
    msg_id = _str(message.get("msg_id"))
    user = _user(data)
    key = f"zalo:{name}:{msg_id}" if msg_id else f"zalo:{name}:{user or '-'}:{ts}"
    env = Envelope(name=name, timestamp_ms=int(ts), key=key[:200])
    return _classify(env, data, message, user)


def _classify(
    env: Envelope, data: dict[str, Any], message: dict[str, Any], user: str | None
) -> ZaloEvent:
    name = env.name
    if name == "user_received_message":
        tracking = _str(message.get("tracking_id"))
        if tracking:
            return ZnsDelivery(
                env, tracking, _str(message.get("msg_id")), _str(message.get("delivery_time"))
            )
        return Ignored(env, "receipt")
    if name == "user_seen_message" or name.startswith("oa_send_"):
        return Ignored(env, "receipt" if name == "user_seen_message" else "echo")
    if name == "anonymous_send_text":
        conversation = _str(message.get("conversation_id"))
        text = message.get("text")
        if conversation and isinstance(text, str):
            return AnonymousText(env, conversation, text)
        return Ignored(env, "anonymous")
    if user is None:
        return Ignored(env, "no user")
    if name == "user_send_text":
        text = message.get("text")
        return UserText(env, user, text if isinstance(text, str) else "")
    if name == "user_send_image":
        return UserImage(env, user, _image_url(message))
    if name.startswith("user_send_") and name[len("user_send_") :] in OTHER_KINDS:
        return UserOther(env, user, name[len("user_send_") :])
    if name == "follow":
        return Follow(env, user)
    if name == "unfollow":
        return Unfollow(env, user)
    if name == "user_submit_info":
        return SubmitInfo(env, user, _str(_get(data, "info", "phone")))
    if name == "user_withdraw":
        return Withdraw(env, user)
    return Ignored(env, "unknown")


def _image_url(message: dict[str, Any]) -> str | None:
    attachments = message.get("attachments")
    if not isinstance(attachments, list):
        return None
    for item in attachments:
        url = _get(item, "payload", "url") if isinstance(item, dict) else None
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            return url
    return None


def to_incoming(event: UserText) -> Incoming:
    """A typed text; a button's ``oa.query.show`` payload comes back here and becomes a payload."""
    text = event.text.strip()
    if PAYLOADS.parse(text) is not None:
        return Incoming(channel=ZALO, user_id=event.user_id, payload=text)
    return Incoming(channel=ZALO, user_id=event.user_id, text=event.text)
