"""Neutral message types that every channel adapter converts to and from."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a user did: typed text, sent a photo, pressed a button or opened a deep link.

    ``payload`` carries a button's payload or a deep-link start payload (``p_...``, ``d_...``);
    ``image`` the raw bytes of a photo (a receipt's QR code, usually). ``client`` is the
    client's network address where the platform does not vouch for ``user_id`` (the web chat,
    whose session ids cost nothing): limits count it, never the user id; None elsewhere.
    """

    # The adapter's own name (bot.channel.Channel.name): opaque here; what the core needs to
    # know of a channel (pushes, buttons, hand-offs) it is told at bootstrap, by name.
    channel: str
    user_id: str
    text: str | None = None
    image: bytes | None = None
    payload: str | None = None
    client: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    """A choice offered to the user; ``payload`` comes back as ``Incoming.payload``.

    A button with ``url`` opens a link instead of sending a payload.
    """

    label: str
    payload: str = ""
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """Plain text (channels escape it for their markup) and optional buttons."""

    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
