"""Buttons a channel cannot show become a numbered list the user answers with a digit.

The one "answer with a digit" mechanism: the payloads of the list are kept as the
conversation's ``choices`` (handlers.conversation), which the core reads back when a digit
comes. A push (outside a conversation turn) keeps its list the same way: :func:`offer`.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers import texts_vi as t
from handlers.conversation import ConversationState, ConversationStore
from handlers.intents import digit_choice
from handlers.messages import Reply


def degrade(replies: Sequence[Reply], max_buttons: int | None) -> tuple[list[Reply], list[str]]:
    """The replies as a channel showing at most ``max_buttons`` buttons a message sees them
    (None: no limit), and the payloads of the last numbered list (empty: none made)."""
    if max_buttons is None:
        return list(replies), []
    out: list[Reply] = []
    choices: list[str] = []
    for reply in replies:
        if len(reply.buttons) <= max_buttons:
            out.append(reply)
            continue
        numbered: list[str] = []
        lines: list[str] = []
        for button in reply.buttons:
            if button.url:
                lines.append(t.CHOICE_LINK.format(label=button.label, url=button.url))
            else:
                numbered.append(button.payload)
                lines.append(t.CHOICE_NUMBERED.format(number=len(numbered), label=button.label))
        if numbered:
            lines.append(t.CHOOSE_BY_NUMBER)
            choices = numbered
        tail = "\n".join(lines)
        text = reply.text.strip()
        out.append(Reply(f"{text}\n\n{tail}" if text else tail))
    return out, choices


async def offer(store: ConversationStore, channel: str, user_id: str, choices: list[str]) -> None:
    """Keeps a pushed message's numbered list in the user's conversation, so that a digit
    answers it as it would a list the core made in a turn."""
    raw = await store.load(channel, user_id)
    state = ConversationState.from_json(raw)
    state.choices = list(choices)
    await store.save(channel, user_id, state.to_json())


async def chosen(store: ConversationStore, channel: str, user_id: str, text: str) -> str | None:
    """The payload a digit picks from the user's numbered list; None when ``text`` is not a
    digit or picks nothing (the core answers those). For a channel's own kinds, which the
    channel handles before the core."""
    number = digit_choice(text)
    if number is None:
        return None
    state = ConversationState.from_json(await store.load(channel, user_id))
    return state.choices[number - 1] if 1 <= number <= len(state.choices) else None
