"""A request middleware that retries Telegram's transient failures (429, 5xx, network faults)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
)

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, TelegramEntityTooLarge):
        return False
    return isinstance(exc, TelegramRetryAfter | TelegramServerError | TelegramNetworkError)


class RetryMiddleware(BaseRequestMiddleware):
    """Waits what a 429 asks (up to ``max_retry_after``), backs off on 5xx and network faults.

    getUpdates is left alone: the polling loop has its own backoff. A 403 (the user blocked
    the bot) and other client errors are never retried.
    """

    def __init__(
        self,
        attempts: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        max_retry_after: float = 60.0,
    ) -> None:
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TelegramRetryAfter):
            return float(exc.retry_after)
        delay: float = self.backoff * 2 ** (state.attempt_number - 1)
        return min(delay, self.max_backoff)

    def _retryable(self, exc: BaseException) -> bool:
        if isinstance(exc, TelegramRetryAfter) and exc.retry_after > self.max_retry_after:
            return False
        return _transient(exc)

    @staticmethod
    def _log(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        logger.warning(
            "telegram request failed (attempt %d): %s; retrying in %.1fs",
            state.attempt_number,
            exc,
            state.upcoming_sleep,
        )

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if method.__api_method__ == GetUpdates.__api_method__:
            return await make_request(bot, method)
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=retry_if_exception(self._retryable),
            before_sleep=self._log,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await make_request(bot, method)
        raise AssertionError("unreachable: tenacity reraises the last error")  # pragma: no cover
