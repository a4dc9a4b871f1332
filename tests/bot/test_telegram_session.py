"""The aiogram session every Bot is built on: an answer's model is built once a process."""

from __future__ import annotations

import gc
import weakref

from aiogram.methods import Response
from aiogram.types import Message

from bot.telegram.session import create_session


def test_the_answer_model_outlives_a_collection() -> None:
    # pydantic holds Response[Message] weakly and aiogram asks for it inside a function on every
    # answer: each rebuild after a collection cost ~2.6 ms. Asked for here the same way.
    create_session(timeout=1.0)
    answer_type = weakref.ref(Response[Message])
    gc.collect()
    assert answer_type() is not None
