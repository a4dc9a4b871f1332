"""What the conversation core needs from outside, as Protocols: procedure search and dossiers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from handlers.conversation import ConversationState
from handlers.messages import Incoming, Reply
from handlers.payloads import DossierPayload, Rate
from knowledge.model import Procedure


class SearchHit(Protocol):
    """One procedure a decision names (knowledge.search.Hit): score 0..100, higher is better;
    ``siblings``: the same procedure at other levels, ``level`` the one this answer is about,
    ``level_asked`` whether the question named it."""

    @property
    def procedure(self) -> Procedure: ...

    @property
    def score(self) -> float: ...

    @property
    def siblings(self) -> Sequence[Procedure]: ...

    @property
    def level(self) -> str: ...

    @property
    def level_asked(self) -> bool: ...


class SearchDecision(Protocol):
    """What to do with a question (knowledge.decision.Decision): ``kind`` is "answer" (one
    hit), "choice" (2-3 hits) or "abstain" (none); ``rule`` names what decided."""

    @property
    def kind(self) -> str: ...

    @property
    def rule(self) -> str: ...

    @property
    def hits(self) -> Sequence[SearchHit]: ...

    @property
    def handled_by(self) -> str:
        """Out of scope: the kind of body that handles it instead ("" when unknown)."""
        ...


class ProcedureSearch(Protocol):
    """The part of knowledge.base.KnowledgeBase the core uses."""

    def get(self, code: str) -> Procedure | None: ...

    def decide(self, query: str) -> SearchDecision: ...


class DossierPort(Protocol):
    """The dossier dialog (handlers.dossiers.dialog.DossierDialog); it owns its transactions."""

    def find_code(self, text: str) -> str | None:
        """A receipt-code candidate in free text (anything that looks like an attempt)."""
        ...

    async def on_receipt_code(
        self, msg: Incoming, raw: str, state: ConversationState
    ) -> list[Reply]: ...

    async def on_token(self, msg: Incoming, token: str, state: ConversationState) -> list[Reply]:
        """A ``d_<token>`` deep link (the token without its prefix)."""
        ...

    async def on_image(self, msg: Incoming, state: ConversationState) -> list[Reply]:
        """A photo, usually of a receipt's QR code."""
        ...

    async def on_pending(self, msg: Incoming, state: ConversationState) -> list[Reply] | None:
        """The next message while ``state.pending`` starts with ``dossier_``; None: not for it."""
        ...

    async def on_payload(
        self, msg: Incoming, payload: DossierPayload, state: ConversationState
    ) -> list[Reply]:
        """A dossier button: subscribe, unsubscribe, show the agency's note."""
        ...

    async def on_my_dossiers(self, msg: Incoming, state: ConversationState) -> list[Reply]:
        """``/hoso``: the dossiers this user follows."""
        ...


class RatingHook(Protocol):
    """Stores the answer to the satisfaction question (notifications.ratings.Ratings)."""

    async def on_rate(self, msg: Incoming, rate: Rate) -> list[Reply]: ...


@dataclass(frozen=True, slots=True)
class PushPlace:
    """A channel that can push a dossier's updates, as a chat that cannot names it; the
    channel (bot/) supplies it, so the core knows no channel's name or link format."""

    where: str  # how a citizen finds it, e.g. "Telegram (https://t.me/...)"
    button: str = ""  # the label of a button opening it with a payload ("": no button)
    link: Callable[[str], str] | None = None  # a payload → the deep link carrying it
