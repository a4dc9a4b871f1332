"""Handles one verified, first-seen Zalo event: asks the core, renders and sends the answer,
and keeps the Zalo-only parts (welcome, phone sharing, follow by phone, withdrawal)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

from bot.one_at_a_time import KeyedLock
from bot.ports import Responder
from bot.zalo import NAME as ZALO
from bot.zalo import texts_vi as T
from bot.zalo.client import Sent
from bot.zalo.errors import ZaloApiError
from bot.zalo.events import (
    PAYLOADS,
    AnonymousText,
    Follow,
    Ignored,
    SubmitInfo,
    Unfollow,
    UserImage,
    UserOther,
    UserText,
    Withdraw,
    ZaloEvent,
    ZnsDelivery,
    to_incoming,
)
from bot.zalo.flood import FloodGate, Verdict
from bot.zalo.render import render, request_info_form
from handlers import choices
from handlers.conversation import ConversationStore
from handlers.dossiers.phones import normalise_phone
from handlers.dossiers.possession import Followed, LinkedDossier
from handlers.messages import Button, Incoming, Reply
from handlers.payloads import FollowDossier, SharePhone
from handlers.pseudonyms import pseudonym

log = logging.getLogger(__name__)

# Our own button payloads (handlers.payloads' phone kinds), handled here, never by the core.
LINK_PHONE = SharePhone().encode()


class Outbound(Protocol):
    """The part of ZaloClient the inbox uses."""

    async def send_message(
        self, user_id: str, message: dict[str, Any], *, kind: str = "cs"
    ) -> Sent: ...

    async def download(self, url: str) -> bytes | None: ...


class Possession(Protocol):
    """handlers.dossiers.possession.Possession: a phone Zalo verified proves possession."""

    async def link_phone(self, follower: tuple[str, str], phone: str) -> list[LinkedDossier]: ...

    async def follow_by_phone(
        self, follower: tuple[str, str], dossier_id: int
    ) -> tuple[Followed, str | None]: ...


class ZaloUsers(Protocol):
    """storage.zalo_repo.SqlZaloUsers."""

    async def forget(self, user_id: str, state_channels: tuple[str, ...]) -> dict[str, int]: ...


def user_ref(user_id: str) -> str:
    """A short pseudonym for logs: never the Zalo user id itself."""
    return pseudonym("zalo", user_id)


class ZaloInbox:
    def __init__(
        self,
        responder: Responder,
        client: Outbound,
        users: ZaloUsers,
        possession: Possession,
        store: ConversationStore,
        *,
        flood: FloodGate,
        locks: KeyedLock | None = None,
    ) -> None:
        """``flood``: the per-user message limit (on the app's shared counters); ``locks``:
        the per-user lock the responder serialises with (OneAtATime.locks), so that a user's
        events and the core's answers to them queue in one line."""
        self._responder = responder
        self._flood = flood
        self.stats: Counter[str] = Counter()
        self._client = client
        self._users = users
        self._possession = possession
        self._store = store
        self._locks = locks if locks is not None else KeyedLock()

    async def handle(self, event: ZaloEvent) -> None:
        """One event; a user's events are handled in order (one at a time per user here)."""
        user = getattr(event, "user_id", None)
        if not isinstance(user, str):
            await self._handle(event)
            return
        if isinstance(event, UserText | UserImage | UserOther) and not await self._let_in(user):
            return
        async with self._locks.hold((ZALO, user)):
            await self._handle(event)

    async def _let_in(self, user_id: str) -> bool:
        """The flood limit on what a user writes (never on follow, phone sharing, withdrawal)."""
        verdict = await self._flood.check(user_id)
        if verdict is Verdict.ALLOW:
            return True
        self.stats["flooded"] += 1
        if verdict is Verdict.NOTIFY:
            log.warning("zalo user %s over the message limit: ignored for now", user_ref(user_id))
            # Raw, so that a numbered list the user was answering stays valid.
            await self._send_raw(user_id, render(Reply(T.FLOODED)).messages)
        return False

    async def _handle(self, event: ZaloEvent) -> None:
        match event:
            case UserText():
                await self._on_text(event)
            case UserImage():
                await self._on_image(event)
            case UserOther():
                await self._send(event.user_id, [Reply(T.UNSUPPORTED)])
            case Follow():
                await self._send(
                    event.user_id, [Reply(T.WELCOME, (Button(T.LINK_PHONE_BUTTON, LINK_PHONE),))]
                )
            case Unfollow():
                log.info("zalo user %s unfollowed", user_ref(event.user_id))
            case SubmitInfo():
                await self._on_phone(event)
            case Withdraw():
                counts = await self._users.forget(event.user_id, (ZALO,))
                log.info(
                    "zalo user %s withdrew consent: deleted %s", user_ref(event.user_id), counts
                )
            case AnonymousText():
                log.info("anonymous Zalo message ignored (no user id to answer)")
            case ZnsDelivery():
                log.info("ZNS %s delivered at %s", event.tracking_id, event.delivery_time)
            case Ignored():
                log.debug("zalo %s ignored (%s)", event.env.name, event.reason)

    async def _on_text(self, event: UserText) -> None:
        text = event.text.strip()
        if not text:
            await self._send(event.user_id, [Reply(T.EMPTY_TEXT)])
            return
        # A digit that picks one of Zalo's own buttons from a numbered list is handled here;
        # any other digit is the core's to read (the same list, in the conversation state).
        chosen = await choices.chosen(self._store, ZALO, event.user_id, text)
        match PAYLOADS.parse(chosen or text):
            case SharePhone():
                await self._send_raw(event.user_id, [request_info_form()])
                return
            case FollowDossier(dossier_id=dossier_id):
                await self._on_follow_dossier(event.user_id, dossier_id)
                return
        await self._send(event.user_id, await self._responder.handle(to_incoming(event)))

    async def _on_image(self, event: UserImage) -> None:
        data = await self._client.download(event.url) if event.url else None
        if not data:
            await self._send(event.user_id, [Reply(T.IMAGE_UNREADABLE)])
            return
        msg = Incoming(ZALO, event.user_id, image=data)
        await self._send(event.user_id, await self._responder.handle(msg))

    async def _on_phone(self, event: SubmitInfo) -> None:
        phone = normalise_phone(event.phone)
        if phone is None:
            await self._send(event.user_id, [Reply(T.PHONE_MISSING)])
            return
        dossiers = await self._possession.link_phone((ZALO, event.user_id), phone)
        log.info(
            "zalo user %s shared a phone; %d dossiers match",
            user_ref(event.user_id),
            len(dossiers),
        )
        if not dossiers:
            await self._send(event.user_id, [Reply(T.PHONE_NO_DOSSIER)])
            return
        open_ = [d for d in dossiers if not d.subscribed]
        if not open_:
            await self._send(
                event.user_id, [Reply(T.PHONE_ALL_FOLLOWED.format(count=len(dossiers)))]
            )
            return
        buttons = tuple(
            Button(T.FOLLOW_BUTTON.format(code=d.receipt_code), FollowDossier(d.id).encode())
            for d in open_
        )
        await self._send(
            event.user_id, [Reply(T.PHONE_DOSSIERS.format(count=len(dossiers)), buttons)]
        )

    async def _on_follow_dossier(self, user_id: str, dossier_id: int) -> None:
        follower = (ZALO, user_id)
        result, code = await self._possession.follow_by_phone(follower, dossier_id)
        if result in (Followed.SUBSCRIBED, Followed.ALREADY, Followed.FULL):
            text = {
                Followed.SUBSCRIBED: T.SUBSCRIBED,
                Followed.ALREADY: T.ALREADY_SUBSCRIBED,
                Followed.FULL: T.SUBSCRIBERS_FULL,
            }[result]
            await self._send(user_id, [Reply(text.format(code=code or ""))])
        elif result is Followed.NO_PHONE:
            await self._send(
                user_id, [Reply(T.PHONE_MISSING, (Button(T.LINK_PHONE_BUTTON, LINK_PHONE),))]
            )
        else:
            await self._send(user_id, [Reply(T.SUBSCRIBE_REFUSED)])

    # --- sending -----------------------------------------------------------------------------

    async def _send(self, user_id: str, replies: Sequence[Reply]) -> None:
        messages: list[dict[str, Any]] = []
        numbered: list[str] = []
        for reply in replies:
            rendered = render(reply)
            messages.extend(rendered.messages)
            numbered = rendered.choices or numbered
        if numbered:  # our own list (the core numbers its replies itself)
            await choices.offer(self._store, ZALO, user_id, numbered)
        await self._send_raw(user_id, messages)

    async def _send_raw(self, user_id: str, messages: Sequence[dict[str, Any]]) -> None:
        for message in messages:
            try:
                await self._client.send_message(user_id, message)
            except ZaloApiError as exc:
                # An answer is worth nothing late: log and drop the rest of this answer.
                log.warning(
                    "reply to zalo user %s not sent: %s (%s)", user_ref(user_id), exc, exc.action
                )
                return
