"""Neutral replies rendered as Zalo OA messages: ≤ 2,000 characters per message, up to four
buttons on a message (more become the core's numbered list, handlers.choices); dossier status
as a transaction card."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.zalo import texts_vi as T
from handlers.choices import degrade
from handlers.messages import Button, Reply
from handlers.split import split_text

TEXT_LIMIT = 2000
MAX_BUTTONS = 4
TITLE_LIMIT = 100  # a button's title
# Zalo names transaction templates by business kind; a dossier is closest to a contract/order.
# (unsure which kind Zalo approves for a public service: keep it in one place.)
CARD_TEMPLATE = "transaction_contract"
# The only colours Zalo lets the "Trạng thái" row carry.
STATUS_COLOURS = {
    "received": "blue",
    "processing": "blue",
    "supplement_required": "yellow",
    "financial_obligation": "yellow",
    "paused": "grey",
    "withdrawn": "grey",
    "rejected": "red",
    "overdue": "red",
    "result_ready": "green",
    "returned": "green",
}


@dataclass(frozen=True, slots=True)
class Rendered:
    messages: list[dict[str, Any]]
    # Payloads in the order of a numbered list, so that a reply "2" can be mapped back.
    choices: list[str] = field(default_factory=list)


def button(b: Button) -> dict[str, Any]:
    title = b.label[:TITLE_LIMIT]
    if b.url:
        return {"title": title, "type": "oa.open.url", "payload": {"url": b.url}}
    # oa.query.show sends the payload back as the user's text: events.to_incoming maps it back.
    return {"title": title, "type": "oa.query.show", "payload": b.payload}


def render(reply: Reply) -> Rendered:
    """The messages of one reply; ``choices``: the payloads of the numbered list made of
    buttons beyond MAX_BUTTONS (the caller keeps them with handlers.choices.offer)."""
    (degraded,), choices = degrade([reply], MAX_BUTTONS)
    text = degraded.text.strip()
    buttons = list(degraded.buttons)
    parts = split_text(text, TEXT_LIMIT) or ([""] if buttons else [])
    messages: list[dict[str, Any]] = [{"text": part} for part in parts]
    if buttons:
        messages[-1]["attachment"] = {
            "type": "template",
            "payload": {"buttons": [button(b) for b in buttons]},
        }
    return Rendered(messages, choices)


def request_info_form() -> dict[str, Any]:
    """The ``request_user_info`` form: the user answers with ``user_submit_info``."""
    return {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "request_user_info",
                "elements": [{"title": T.INFO_TITLE, "subtitle": T.INFO_SUBTITLE}],
            },
        }
    }


def status_card(
    *,
    receipt_code: str,
    status: str,
    status_label: str,
    text: str,
    procedure_name: str | None = None,
    due: str | None = None,
    lookup_url: str | None = None,
) -> dict[str, Any]:
    """A transaction card: a "Mã hồ sơ" row, the coloured "Trạng thái" row, a lookup button."""
    rows: list[dict[str, str]] = [{"key": T.CARD_CODE, "value": receipt_code[:100]}]
    if procedure_name:
        rows.append({"key": T.CARD_PROCEDURE, "value": _cut(procedure_name, 100)})
    rows.append(
        {
            "key": T.CARD_STATUS,
            "value": status_label[:100],
            "style": STATUS_COLOURS.get(status, "grey"),
        }
    )
    if due:
        rows.append({"key": T.CARD_DUE, "value": due[:100]})
    elements: list[dict[str, Any]] = [
        {"type": "header", "content": T.CARD_HEADER, "align": "left"},
        {"type": "text", "align": "left", "content": _cut(text, 250)},
        {"type": "table", "content": rows},
    ]
    payload: dict[str, Any] = {
        "template_type": CARD_TEMPLATE,
        "language": "VI",
        "elements": elements,
    }
    if lookup_url:
        payload["buttons"] = [button(Button(T.CARD_LOOKUP, url=lookup_url))]
    return {"attachment": {"type": "template", "payload": payload}}


def handoff_card(*, ticket_code: str, text: str) -> dict[str, Any]:
    """An officer's answer as a transaction card: the "Mã phiếu" row, the answer's start and,
    when it is longer than a card holds, how to read the rest."""
    elements: list[dict[str, Any]] = [
        {"type": "header", "content": T.CARD_HANDOFF_HEADER, "align": "left"},
        {"type": "text", "align": "left", "content": _cut(text, 250)},
    ]
    if len(" ".join(text.split())) > 250:
        elements.append({"type": "text", "align": "left", "content": T.CARD_HANDOFF_MORE})
    rows = [
        {"key": T.CARD_TICKET, "value": ticket_code[:100]},
        {"key": T.CARD_TICKET_STATE, "value": T.CARD_TICKET_ANSWERED, "style": "green"},
    ]
    elements.append({"type": "table", "content": rows})
    payload = {"template_type": CARD_TEMPLATE, "language": "VI", "elements": elements}
    return {"attachment": {"type": "template", "payload": payload}}


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
