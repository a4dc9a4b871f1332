"""Deep links for Telegram (``start`` payloads) and the web chat (``?d=`` / ``?p=``)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from bot.config import Settings, StartupError
from handlers.dossiers.tokens import make_token
from handlers.payloads import OpenDossier, OpenProcedure

PUBLIC_URL_SETTING = "MOTCUA_WEB__PUBLIC_URL ([web] public_url in bot.toml)"


class NotPublic(StartupError):
    """A link for citizens would point at this machine (or nowhere): printed on paper it would
    fail for everyone who scans it."""


def public_problem(url: str) -> str | None:
    """Why ``url`` cannot be printed for citizens (None when it can): unset, not http(s), or a
    loopback / unspecified host."""
    if not url.strip():
        return "is not set"
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return f"is not an http(s) address: {url!r}"
    if host == "localhost" or host.endswith(".localhost"):
        return f"points at this machine: {url!r}"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.is_loopback or address.is_unspecified:
        return f"points at this machine: {url!r}"
    return None


def procedure_payload(code: str) -> str:
    """``1.001193`` → ``p_1-001193`` (dots are not allowed in Telegram start payloads)."""
    return OpenProcedure(code).encode()


@dataclass(frozen=True, slots=True)
class Links:
    """Builds the links a QR code or a message carries for this deployment."""

    signing_key: bytes
    telegram_username: str = ""
    web_url: str = "http://127.0.0.1:8080"

    @classmethod
    def for_print(cls, settings: Settings) -> Links:
        """Links to print for citizens (QR boards, receipts): refused (NotPublic) when they
        would be web links and ``public_url`` is unset or loopback. Telegram links (a bot
        username is set) do not depend on it."""
        links = cls.from_settings(settings)
        problem = public_problem(settings.web.public_url)
        if not links.telegram_username and problem is not None:
            raise NotPublic(
                f"the web address printed for citizens {problem}: set {PUBLIC_URL_SETTING} "
                "to the address citizens reach (e.g. https://motcua.example.gov.vn), or "
                "MOTCUA_TELEGRAM__USERNAME to print Telegram links"
            )
        return links

    @classmethod
    def from_settings(cls, settings: Settings) -> Links:
        web = settings.web.public_url.strip().rstrip("/")
        if not web:
            host = "127.0.0.1" if settings.web.host in ("", "0.0.0.0", "::") else settings.web.host
            web = f"http://{host}:{settings.web.port}"
        return cls(
            signing_key=settings.signing_key(),
            telegram_username=settings.telegram.username.strip().lstrip("@"),
            web_url=web,
        )

    def telegram_chat(self) -> str:
        """The bot's plain link (``https://t.me/<bot>``)."""
        return f"https://t.me/{self.telegram_username}"

    def telegram(self, payload: str) -> str:
        """The bot's link that starts it with ``payload``."""
        return f"{self.telegram_chat()}?start={quote(payload, safe='')}"

    def web(self, param: str, value: str) -> str:
        return f"{self.web_url}/?{param}={quote(value, safe='')}"

    def dossier_token(self, receipt_code: str) -> str:
        return make_token(receipt_code, self.signing_key)

    def dossier_telegram(self, receipt_code: str) -> str:
        return self.telegram(OpenDossier(self.dossier_token(receipt_code)).encode())

    def dossier_web(self, receipt_code: str) -> str:
        return self.web("d", self.dossier_token(receipt_code))

    def dossier(self, receipt_code: str) -> str:
        """What a receipt's QR code holds: Telegram when a bot username is known, else web."""
        if self.telegram_username:
            return self.dossier_telegram(receipt_code)
        return self.dossier_web(receipt_code)

    def procedure_telegram(self, code: str) -> str:
        return self.telegram(procedure_payload(code))

    def procedure_web(self, code: str) -> str:
        return self.web("p", procedure_payload(code)[len(OpenProcedure.PREFIX) :])

    def procedure(self, code: str) -> str:
        """What a procedure-board QR code holds."""
        if self.telegram_username:
            return self.procedure_telegram(code)
        return self.procedure_web(code)
