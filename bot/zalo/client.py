"""A thin Zalo OA v3 / ZNS client of our own (aiohttp): sends, uploads nothing, downloads photos.

The token travels in the ``access_token`` header, never the query string. An expired token is
refreshed once and the call retried; every other error is raised as :class:`ZaloApiError` whose
``action`` (from :mod:`bot.zalo.errors`) tells the caller what to do.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.zalo.errors import Action, ZaloApiError
from bot.zalo.tokens import TokenManager

log = logging.getLogger(__name__)

TEXT_LIMIT = 2000
MAX_IMAGE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: str
    rate_remain: int | None  # X-RateLimit-Remain, when Zalo sent it


class ZaloClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenManager,
        *,
        api_base: str = "https://openapi.zalo.me",
        zns_base: str = "https://business.openapi.zalo.me",
        timeout_s: float = 10,
    ) -> None:
        self._session = session
        self.tokens = tokens
        self._api = api_base.rstrip("/")
        self._zns = zns_base.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.rate_limit: int | None = None
        self.rate_remain: int | None = None
        self.rate_seen_at = 0.0  # time.monotonic() of the last X-RateLimit-Remain

    # --- OA messages by user id -----------------------------------------------------------

    async def send_message(
        self, user_id: str, message: dict[str, Any], *, kind: str = "cs"
    ) -> Sent:
        """POST ``/v3.0/oa/message/{kind}`` (cs = consultation, transaction, promotion)."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        return await self._call(f"{self._api}/v3.0/oa/message/{kind}", body, f"message/{kind}")

    async def send_text(self, user_id: str, text: str) -> Sent:
        if len(text) > TEXT_LIMIT:
            raise ValueError("split texts longer than 2,000 characters before sending")
        return await self.send_message(user_id, {"text": text})

    async def send_zns(
        self, phone: str, template_id: str, template_data: dict[str, str], tracking_id: str
    ) -> Sent:
        """A ZNS template message by phone; ``tracking_id`` is our idempotency key (≤ 48)."""
        body = {
            "phone": phone,
            "template_id": template_id,
            "template_data": template_data,
            "tracking_id": tracking_id[:48],
        }
        return await self._call(f"{self._zns}/message/template", body, "zns")

    async def download(self, url: str) -> bytes | None:
        """A photo the user sent (Zalo CDN URL); None when it cannot be fetched."""
        if not url.startswith(("https://", "http://")):
            return None
        try:
            async with self._session.get(url, timeout=self._timeout) as resp:
                if resp.status != 200:
                    return None
                data = await resp.content.read(MAX_IMAGE_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError):
            log.warning("could not download a Zalo image")
            return None
        return data if len(data) <= MAX_IMAGE_BYTES else None

    # --- plumbing -------------------------------------------------------------------------

    async def _call(self, url: str, body: dict[str, Any], endpoint: str) -> Sent:
        token = await self.tokens.access_token()
        try:
            return await self._post(url, body, endpoint, token)
        except ZaloApiError as exc:
            if exc.action is not Action.REFRESH:
                raise
        token = await self.tokens.refresh(token)
        return await self._post(url, body, endpoint, token)

    async def _post(self, url: str, body: dict[str, Any], endpoint: str, token: str) -> Sent:
        try:
            async with self._session.post(
                url, json=body, headers={"access_token": token}, timeout=self._timeout
            ) as resp:
                self._note_rate(resp.headers)
                if resp.status != 200:
                    raise ZaloApiError(
                        0,
                        f"HTTP {resp.status}",
                        endpoint=endpoint,
                        retry_after=_retry_after(resp.headers),
                    )
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ZaloApiError(0, type(exc).__name__, endpoint=endpoint) from exc
        if not isinstance(data, dict):
            raise ZaloApiError(0, "not a JSON object", endpoint=endpoint)
        code = data.get("error", 0)
        if not isinstance(code, int):
            code = int(code) if str(code).lstrip("-").isdigit() else 0
        if code != 0:
            error = ZaloApiError(code, str(data.get("message", "")), endpoint=endpoint)
            if error.action is Action.BUG:
                log.error("%s — a bug on our side; fields: %s", error, sorted(body))
            raise error
        payload = data.get("data") if isinstance(data.get("data"), dict) else {}
        assert isinstance(payload, dict)
        return Sent(
            str(payload.get("message_id") or payload.get("msg_id") or ""), self.rate_remain
        )

    def _note_rate(self, headers: Any) -> None:
        for name, attr in (
            ("X-RateLimit-Limit", "rate_limit"),
            ("X-RateLimit-Remain", "rate_remain"),
        ):
            value = headers.get(name)
            if value is not None and str(value).strip().isdigit():
                setattr(self, attr, int(value))
                self.rate_seen_at = time.monotonic()

    def rate_wait(self, window_s: float = 60.0) -> float:
        """Seconds to hold sends: Zalo said no request remains, less than a window ago."""
        if self.rate_remain != 0:
            return 0.0
        return max(0.0, window_s - (time.monotonic() - self.rate_seen_at))


def _retry_after(headers: Any) -> float:
    value = headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else 0.0
    except ValueError:
        return 0.0
