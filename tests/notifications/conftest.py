"""Fixtures of the notification tests: the fake Bot API on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fakes.bot_api import FakeBotAPI


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        yield api
