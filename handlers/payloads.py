"""Button and deep-link payloads: one frozen type per kind, one registry that reads them back.

This module is the only place a payload prefix is written. A kind encodes itself (``encode``)
and reads its body back (``parse``); :class:`Payloads` finds the kind of a raw string. The core's
kinds are in :data:`CORE`; a channel adds its own (``Payloads.extended``) where it is wired.
Every encoding fits Telegram's 64 bytes of ``callback_data`` (a property test keeps it so).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, Self

CALLBACK_LIMIT = 64  # bytes of Telegram's callback_data: every payload fits
MAX_ASPECTS = 3  # aspects a payload carries at most (keeps it within CALLBACK_LIMIT)
# What any payload may contain: ASCII letters, digits and ``_ - . : ,`` (no spaces, no markup).
_SHAPE = re.compile(r"[A-Za-z0-9_.:,\-]{1,128}")
_CODE = re.compile(r"[A-Za-z0-9.]{1,24}")  # a procedure code (1.001193, 2.000123.H56)
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{1,62}")  # a signed dossier token (handlers.dossiers.tokens)
_RECEIPT = re.compile(r"[A-Za-z0-9.\-]{1,40}")  # a receipt code as shown on the receipt
_ASPECT = re.compile(r"[a-z_]{1,10}")  # knowledge.aspects.Aspect values
_WORD = re.compile(r"[a-z_]{1,16}")
_ID = re.compile(r"[0-9]{1,18}")


class Payload(Protocol):
    """What every kind offers: its prefix and its encoding (``PREFIX + body``)."""

    PREFIX: ClassVar[str]

    def encode(self) -> str: ...


class Kind(Protocol):
    """A payload type as the registry sees it: a prefix and a parser of the rest."""

    PREFIX: ClassVar[str]

    @classmethod
    def parse(cls, body: str) -> Payload | None: ...


def _aspects(raw: Iterable[str]) -> tuple[str, ...]:
    """Aspects in order, once each, at most MAX_ASPECTS."""
    return tuple(dict.fromkeys(a for a in raw if a))[:MAX_ASPECTS]


def _parse_aspects(raw: str) -> tuple[str, ...] | None:
    parts = [a for a in raw.split(",") if a]
    if len(parts) > MAX_ASPECTS or not all(_ASPECT.fullmatch(a) for a in parts):
        return None
    return _aspects(parts)


# --- shapes shared by several kinds (a kind is a shape with its own PREFIX) -----------------


@dataclass(frozen=True, slots=True)
class _Bare:
    """A payload that is its prefix alone."""

    PREFIX: ClassVar[str]

    def encode(self) -> str:
        return self.PREFIX

    @classmethod
    def parse(cls, body: str) -> Self | None:
        return cls() if not body else None


@dataclass(frozen=True, slots=True)
class _Receipt:
    """A receipt code as shown on the receipt."""

    PREFIX: ClassVar[str]
    receipt_code: str

    def encode(self) -> str:
        return self.PREFIX + self.receipt_code

    @classmethod
    def parse(cls, body: str) -> Self | None:
        return cls(body) if _RECEIPT.fullmatch(body) else None


@dataclass(frozen=True, slots=True)
class _DossierId:
    """A dossier's row id."""

    PREFIX: ClassVar[str]
    dossier_id: int

    def encode(self) -> str:
        return f"{self.PREFIX}{self.dossier_id}"

    @classmethod
    def parse(cls, body: str) -> Self | None:
        return cls(int(body)) if _ID.fullmatch(body) else None


@dataclass(frozen=True, slots=True)
class _CodeAspects:
    """A procedure code and the aspects asked (at most MAX_ASPECTS, once each)."""

    PREFIX: ClassVar[str]
    code: str
    aspects: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "aspects", _aspects(self.aspects))

    def encode(self) -> str:
        return f"{self.PREFIX}{self.code}:{','.join(self.aspects)}"

    @classmethod
    def parse(cls, body: str) -> Self | None:
        code, _, asked = body.partition(":")
        aspects = _parse_aspects(asked)
        if not _CODE.fullmatch(code) or aspects is None:
            return None
        return cls(code, aspects)


# --- the core's kinds ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenProcedure:
    """``p_<code>``: a procedure-board QR code or link (dots become dashes, as Telegram's
    start payloads allow ``[A-Za-z0-9_-]`` only)."""

    PREFIX: ClassVar[str] = "p_"
    code: str

    def encode(self) -> str:
        return self.PREFIX + self.code.strip().replace(".", "-")

    @classmethod
    def parse(cls, body: str) -> Self | None:
        code = body.replace("-", ".")
        return cls(code) if _CODE.fullmatch(code) else None


@dataclass(frozen=True, slots=True)
class OpenDossier:
    """``d_<token>``: a receipt's QR code or link; the token is signed (dossiers.tokens)."""

    PREFIX: ClassVar[str] = "d_"
    token: str

    def encode(self) -> str:
        return self.PREFIX + self.token

    @classmethod
    def parse(cls, body: str) -> Self | None:
        return cls(body) if _TOKEN.fullmatch(body) else None


@dataclass(frozen=True, slots=True)
class ChooseProcedure:
    """``pc:<code>``: one of the procedures offered as a choice."""

    PREFIX: ClassVar[str] = "pc:"
    code: str

    def encode(self) -> str:
        return self.PREFIX + self.code

    @classmethod
    def parse(cls, body: str) -> Self | None:
        return cls(body) if _CODE.fullmatch(body) else None


@dataclass(frozen=True, slots=True)
class AskAspects(_CodeAspects):
    """``pa:<code>:<aspect>[,<aspect>...]``: what a procedure asks for (fee, documents, ...)."""

    PREFIX: ClassVar[str] = "pa:"


@dataclass(frozen=True, slots=True)
class FullText(_CodeAspects):
    """``pf:<code>:<aspect>[,...]``: the full text of what an answer shortened."""

    PREFIX: ClassVar[str] = "pf:"


@dataclass(frozen=True, slots=True)
class Subscribe(_Receipt):
    """``ds:sub:<receipt code>``: follow this dossier's updates (asks for proof first)."""

    PREFIX: ClassVar[str] = "ds:sub:"


@dataclass(frozen=True, slots=True)
class ShowNote(_Receipt):
    """``ds:note:<receipt code>``: show the agency's note (asks for proof first)."""

    PREFIX: ClassVar[str] = "ds:note:"


@dataclass(frozen=True, slots=True)
class Unsubscribe(_DossierId):
    """``ds:unsub:<dossier id>``: stop following a dossier."""

    PREFIX: ClassVar[str] = "ds:unsub:"


@dataclass(frozen=True, slots=True)
class AskPerson(_Bare):
    """``hd:ask``: hand the conversation to a person (offered after an honest "not found")."""

    PREFIX: ClassVar[str] = "hd:ask"


@dataclass(frozen=True, slots=True)
class Rate:
    """``rate:<dossier id>:<value>``: the answer to the satisfaction question."""

    PREFIX: ClassVar[str] = "rate:"
    dossier_id: int
    value: str

    def encode(self) -> str:
        return f"{self.PREFIX}{self.dossier_id}:{self.value}"

    @classmethod
    def parse(cls, body: str) -> Self | None:
        raw_id, _, value = body.partition(":")
        if not _ID.fullmatch(raw_id) or not _WORD.fullmatch(value):
            return None
        return cls(int(raw_id), value)


@dataclass(frozen=True, slots=True)
class ShowHelp(_Bare):
    """``help``: what the assistant can do."""

    PREFIX: ClassVar[str] = "help"


# --- kinds a channel adds (not in CORE; see Payloads.extended) -----------------------------


@dataclass(frozen=True, slots=True)
class SharePhone(_Bare):
    """``zl:phone``: ask the platform for the user's phone (follow dossiers by phone)."""

    PREFIX: ClassVar[str] = "zl:phone"


@dataclass(frozen=True, slots=True)
class FollowDossier(_DossierId):
    """``zs:<dossier id>``: follow a dossier found by the shared phone number."""

    PREFIX: ClassVar[str] = "zs:"


DossierPayload = Subscribe | ShowNote | Unsubscribe
PHONE_KINDS: tuple[type[Kind], ...] = (SharePhone, FollowDossier)


class Payloads:
    """The registry: which kind a raw payload is. Immutable; ``extended`` adds kinds."""

    def __init__(self, kinds: Iterable[type[Kind]]) -> None:
        found: list[type[Kind]] = []
        for kind in kinds:
            for other in found:
                if kind.PREFIX.startswith(other.PREFIX) or other.PREFIX.startswith(kind.PREFIX):
                    raise ValueError(
                        f"payload prefix {kind.PREFIX!r} clashes with {other.PREFIX!r}"
                    )
            found.append(kind)
        self._kinds = tuple(found)

    @property
    def kinds(self) -> tuple[type[Kind], ...]:
        return self._kinds

    def extended(self, *kinds: type[Kind]) -> Payloads:
        """This registry with a channel's own kinds (a clashing prefix: ValueError)."""
        return Payloads((*self._kinds, *(k for k in kinds if k not in self._kinds)))

    def parse(self, raw: str | None) -> Payload | None:
        """The payload ``raw`` encodes; None when it is none this registry knows."""
        if raw is None or not well_formed(raw):
            return None
        for kind in self._kinds:
            if raw.startswith(kind.PREFIX):
                return kind.parse(raw[len(kind.PREFIX) :])
        return None


def well_formed(raw: str) -> bool:
    """Whether ``raw`` has the shape of a payload at all (a channel's first check of input)."""
    return bool(_SHAPE.fullmatch(raw))


CORE_KINDS: tuple[type[Kind], ...] = (
    OpenProcedure,
    OpenDossier,
    ChooseProcedure,
    AskAspects,
    FullText,
    Subscribe,
    ShowNote,
    Unsubscribe,
    AskPerson,
    Rate,
    ShowHelp,
)
CORE = Payloads(CORE_KINDS)
