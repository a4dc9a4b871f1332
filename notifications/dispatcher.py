"""The dispatcher: claims outbox rows and sends them within each channel's limits.

Delivery guarantee: a row is marked ``sent`` in its own transaction right after the platform
accepted it. A crash between the platform's answer and that commit is the only way a message
goes out twice, so after a crash at most ``concurrency`` messages per dispatcher (those in flight)
can be duplicated; every other claimed row is simply claimed again once its lease expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import logging
import math
import os
import random
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiolimiter import AsyncLimiter

from handlers.messages import Button, Reply
from handlers.outage import OutageLog
from notifications.notice import NoticeFacts
from notifications.ports import Outcome, SendContext, Sender, SendGate, SendResult
from notifications.quiet import QuietHours
from storage import outbox_repo as repo
from storage.batching import GroupCommit
from storage.engine import SessionFactory
from storage.subscriptions_repo import end_all_for_user

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
CLAIM_SECONDS = 2.0  # under a rate cap, claim about this many seconds of sending at a time
MAX_CHANNEL_PAUSE_S = 60.0
ChatKey = tuple[str, str]


def utcnow() -> datetime:
    return datetime.now(UTC)


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    """``per_second`` 0 means no global cap; ``per_chat_interval_s`` spaces messages to a chat."""

    per_second: float = 30.0
    per_chat_interval_s: float = 1.0


@dataclass(frozen=True, slots=True)
class DispatcherConfig:
    worker_id: str = field(default_factory=default_worker_id)
    lease: timedelta = timedelta(seconds=120)
    batch_size: int = 500
    window: int = 5000  # claimed rows held in memory at most
    concurrency: int = 4  # sends in flight: the duplicate bound after a crash
    max_attempts: int = 8
    backoff_base_s: float = 2.0
    backoff_max_s: float = 3600.0
    quiet: QuietHours | None = None


@dataclass(slots=True)
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    released: int = 0
    lost_lease: int = 0
    quiet: bool = False

    def as_dict(self) -> dict[str, int | bool]:
        return {name: getattr(self, name) for name in self.__slots__}


def body_to_reply(body: str) -> Reply:
    """The stored body (JSON text + buttons) back to a neutral Reply."""
    data = json.loads(body)
    buttons = tuple(
        Button(b["label"], b.get("payload", ""), b.get("url")) for b in data.get("buttons", [])
    )
    return Reply(data["text"], buttons)


def reply_to_body(reply: Reply) -> str:
    buttons = [
        {"label": b.label, "payload": b.payload, **({"url": b.url} if b.url else {})}
        for b in reply.buttons
    ]
    return json.dumps({"text": reply.text, "buttons": buttons}, ensure_ascii=False)


class _ChannelState:
    """Pacing of one channel inside this process: a global limiter and per-chat spacing."""

    def __init__(self, limits: ChannelLimits) -> None:
        self.limits = limits
        # A bucket of a tenth of a second's worth (at least 1) leaking at the rate: a steady
        # pace whose timer lateness is caught up instead of lost, and never a long burst.
        self.limiter: AsyncLimiter | None = None
        if limits.per_second > 0:
            burst = max(1, round(limits.per_second / 10))
            self.limiter = AsyncLimiter(burst, burst / limits.per_second)
        self.next_allowed: dict[str, float] = {}
        self.paused_until = 0.0

    def prune(self, now: float) -> None:
        self.next_allowed = {k: v for k, v in self.next_allowed.items() if v > now}


class _SentMarks:
    """Marks rows sent as soon as their send returns, many rows per commit under load.

    Each sender waits for its own row's commit before it frees its concurrency slot, so sent-
    but-unmarked messages never exceed ``concurrency``: the duplicate bound after a crash stays
    what per-row commits would give, without a commit per message. A failed commit leaves the
    rows "sending": they come back after the lease.
    """

    def __init__(self, d: Dispatcher) -> None:
        self.d = d
        self.commit: GroupCommit[int, bool] = GroupCommit(self._mark_many, name="outbox-sent")

    async def mark(self, row_id: int) -> bool:
        return await self.commit.submit(row_id)

    async def _mark_many(self, row_ids: list[int]) -> list[bool]:
        async with self.d.factory() as session, session.begin():
            marked = await repo.mark_sent_many(
                session, row_ids, self.d.config.worker_id, self.d.clock()
            )
        return [row_id in marked for row_id in row_ids]


class Dispatcher:
    """Sends due outbox rows through the channel senders; run it in one or many processes."""

    def __init__(
        self,
        factory: SessionFactory,
        senders: Mapping[str, Sender],
        limits: Mapping[str, ChannelLimits] | None = None,
        config: DispatcherConfig | None = None,
        *,
        clock: Clock = utcnow,
        gate: SendGate | None = None,
    ) -> None:
        self.factory = factory
        self.senders = dict(senders)
        self.config = config or DispatcherConfig()
        self.clock = clock
        # Pacing shared with every other dispatcher (Redis); this process's own pacing stands
        # in while the gate cannot be reached.
        self.gate = gate
        self.gate_outage = OutageLog(log, "the shared send limits (Redis)")
        self.stopping = asyncio.Event()  # set by drain(): no new claims, held rows go back
        self._passes = 0
        self._idle = asyncio.Event()
        self._idle.set()
        limits = limits or {}
        self.channels = {
            name: _ChannelState(limits.get(name, ChannelLimits())) for name in self.senders
        }

    # --- one pass -----------------------------------------------------------------------------

    async def run_once(self, stop: asyncio.Event | None = None) -> DispatchStats:
        """Send everything due now (and whatever short retries it needs); then return.

        Setting ``stop`` ends the pass early: sends in flight finish, queued rows go back.
        """
        if self.stopping.is_set():
            return DispatchStats()
        self._passes += 1
        self._idle.clear()
        try:
            return await _Run(self, stop).go()
        finally:
            self._passes -= 1
            if not self._passes:
                self._idle.set()

    async def drain(self, timeout: float = 20.0) -> bool:
        """Stop claiming; let the sends in flight finish and give queued rows back; wait for
        the passes to end (``True``) or ``timeout`` seconds (``False``: what is still claimed
        comes back to another dispatcher when its lease expires)."""
        self.stopping.set()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def run_forever(self, stop: asyncio.Event, poll_interval_s: float = 10.0) -> None:
        while not stop.is_set():
            try:
                stats = await self.run_once(stop)
                if stats.claimed:
                    log.info("dispatch: %s", stats.as_dict())
            except Exception:
                log.exception("dispatch pass failed; trying again after the poll interval")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_interval_s)

    def backoff(self, attempts: int) -> float:
        """Seconds before try number ``attempts + 1``: exponential with jitter, capped."""
        base = self.config.backoff_base_s * 2.0 ** max(attempts - 1, 0)
        return float(min(base, self.config.backoff_max_s) * random.uniform(0.8, 1.2))


class _Run:
    """The state of one ``run_once`` pass: claimed rows queued per chat, sends in flight."""

    def __init__(self, d: Dispatcher, stop: asyncio.Event | None = None) -> None:
        self.d = d
        self.stop = stop
        self.cfg = d.config
        self.stats = DispatchStats()
        self.queues: dict[ChatKey, deque[repo.Claimed]] = {}
        self.heap: list[tuple[float, int, ChatKey]] = []
        self.seq = 0
        self.busy: set[ChatKey] = set()
        self.held = 0  # rows in memory (queued or in flight)
        self.exhausted = False
        self.tries: dict[int, int] = {}  # attempts made in this pass, per row id
        self.marker = _SentMarks(d)
        # Under a cap, claim only a few seconds' worth: rows are not held long, and replicas
        # share the work instead of one taking it all.
        caps = [c.limits.per_second for c in d.channels.values()]
        self.batch, self.window = self.cfg.batch_size, max(self.cfg.window, self.cfg.batch_size)
        if caps and all(cap > 0 for cap in caps):
            # Two batches in memory = at most a quarter of the lease's worth of sending.
            seconds = min(CLAIM_SECONDS, self.cfg.lease.total_seconds() / 8)
            self.batch = min(self.batch, max(self.cfg.concurrency, math.ceil(max(caps) * seconds)))
            self.window = 2 * self.batch

    def _stopped(self) -> bool:
        return self.d.stopping.is_set() or (self.stop is not None and self.stop.is_set())

    async def _hold(self, seconds: float) -> bool:
        """Wait ``seconds`` unless the dispatcher is told to stop first (then ``True``)."""
        if seconds <= 0:
            return self._stopped()
        try:
            await asyncio.wait_for(self.d.stopping.wait(), seconds)
        except TimeoutError:
            return self._stopped()
        return True

    async def _pace(self, state: _ChannelState, row: repo.Claimed) -> bool:
        """Wait for this send's slot: the shared gate's, else this process's limiter.
        ``False`` when the dispatcher stops meanwhile or the row was held too long (it must go
        back unsent)."""
        gate = self.d.gate
        while gate is not None:
            try:
                slot = await gate.reserve(row.channel, row.recipient)
            except Exception as exc:  # noqa: BLE001 - Redis down: pace this process alone
                self.d.gate_outage.failed(exc)
                break
            self.d.gate_outage.ok()
            if await self._hold(slot.wait):
                return False
            if slot.booked:
                return True
            # The chat was busy in another process: ask again, while the lease allows.
            if self.d.clock() - row.claimed_at > self.cfg.lease / 2:
                return False
        if state.limiter is not None:
            await state.limiter.acquire()
        return not self._stopped()

    def _push(self, chat: ChatKey) -> None:
        state = self.d.channels[chat[0]]
        ready = state.next_allowed.get(chat[1], 0.0)
        self.seq += 1
        heapq.heappush(self.heap, (ready, self.seq, chat))

    async def go(self) -> DispatchStats:
        if not self.d.senders:
            return self.stats
        now = time.monotonic()
        for state in self.d.channels.values():
            state.prune(now)
        inflight: set[asyncio.Task[None]] = set()
        try:
            while not self._stopped():
                if not self.exhausted and self.held <= self.window - self.batch:
                    await self._claim()
                if not self.heap:
                    if inflight:
                        await self._wait(inflight, None)
                        continue
                    if self.exhausted:
                        break
                    continue
                ready = self.heap[0][0]
                delay = ready - time.monotonic()
                if delay > 0 or len(inflight) >= self.cfg.concurrency:
                    await self._wait(inflight, delay if delay > 0 else None)
                    continue
                _, _, chat = heapq.heappop(self.heap)
                queue = self.queues.get(chat)
                if not queue or chat in self.busy:
                    continue
                row = queue.popleft()
                self.busy.add(chat)
                task = asyncio.create_task(self._send(chat, row))
                inflight.add(task)
                task.add_done_callback(inflight.discard)
        finally:
            if inflight:
                await asyncio.gather(*inflight, return_exceptions=True)
            await self._release_queued()
        return self.stats

    async def _release_queued(self) -> None:
        """Rows still queued when a pass stops early go back to pending at once."""
        ids = [row.id for queue in self.queues.values() for row in queue]
        self.queues.clear()
        if not ids:
            return
        async with self.d.factory() as session, session.begin():
            self.stats.released += await repo.release(session, ids, self.cfg.worker_id)

    async def _wait(self, inflight: set[asyncio.Task[None]], timeout: float | None) -> None:
        """Until a send finishes (it may free a chat) or ``timeout`` seconds pass."""
        if not inflight:
            await asyncio.sleep(timeout or 0)
            return
        await asyncio.wait(inflight, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)

    async def _claim(self) -> None:
        now = self.d.clock()
        quiet = self.cfg.quiet
        if quiet is not None and quiet.is_quiet(now):
            self.stats.quiet = True
            self.exhausted = True
            return
        async with self.d.factory() as session, session.begin():
            rows = await repo.claim(
                session,
                self.cfg.worker_id,
                list(self.d.senders),
                now,
                lease=self.cfg.lease,
                limit=self.batch,
            )
        self.stats.claimed += len(rows)
        if len(rows) < self.batch:
            self.exhausted = True
        horizon = self.cfg.lease.total_seconds() / 2
        mono = time.monotonic()
        for row in rows:
            chat = (row.channel, row.recipient)
            state = self.d.channels[row.channel]
            queue = self.queues.setdefault(chat, deque())
            # When this row would wait past half its lease, hand it back rather than risk a
            # second dispatcher claiming it while we still hold it.
            wait = (
                max(state.next_allowed.get(row.recipient, 0.0) - mono, 0.0)
                + (len(queue) + (chat in self.busy)) * state.limits.per_chat_interval_s
            )
            if wait > horizon:
                await self._release(row, wait)
                continue
            queue.append(row)
            self.held += 1
            if len(queue) == 1 and chat not in self.busy:
                self._push(chat)

    async def _release(self, row: repo.Claimed, wait_s: float) -> None:
        if wait_s <= 0:
            self.exhausted = False  # due again at once: this pass claims it anew
        async with self.d.factory() as session, session.begin():
            await repo.mark_retry(
                session,
                row.id,
                self.cfg.worker_id,
                next_attempt_at=self.d.clock() + timedelta(seconds=wait_s),
                error=None,
                count_attempt=False,
            )
        self.stats.released += 1

    async def _send(self, chat: ChatKey, row: repo.Claimed) -> None:
        channel, recipient = chat
        state = self.d.channels[channel]
        requeue_after: float | None = None
        try:
            pause = state.paused_until - time.monotonic()
            if pause > 0:
                held = (self.d.clock() - row.claimed_at).total_seconds()
                if held + pause > self.cfg.lease.total_seconds() / 2:
                    await self._release(row, pause)  # a long pause: back to the table
                    return
                if await self._hold(pause):
                    await self._release(row, 0.0)  # stopping: back to the table, unsent
                    return
            if not await self._pace(state, row):
                await self._release(row, 0.0)
                return
            if self.d.clock() - row.claimed_at > self.cfg.lease / 2:
                # Held too long (slow pacing, long retry): another dispatcher may soon take it
                # over, so hand it back unsent rather than risk sending it twice.
                await self._release(row, 0.0)
                return
            try:
                context = SendContext(
                    row.key, row.dossier_id, row.rule, NoticeFacts.from_json(row.facts)
                )
                result = await self.d.senders[channel].send(
                    recipient, body_to_reply(row.body), context
                )
            except Exception as exc:  # a sender should classify; never let one row stop the run
                log.exception("sender %s raised", channel)
                result = SendResult(Outcome.TRANSIENT, error=f"{type(exc).__name__}: {exc}")
            done = time.monotonic()
            state.next_allowed[recipient] = done + state.limits.per_chat_interval_s
            try:
                requeue_after = await self._record(chat, row, result, done)
            except Exception:  # the database failed: the row comes back after its lease
                log.exception("could not record the outcome of outbox row %s", row.id)
        finally:
            self.busy.discard(chat)
            if requeue_after is not None:
                state.next_allowed[recipient] = max(
                    state.next_allowed.get(recipient, 0.0), time.monotonic() + requeue_after
                )
                self.queues.setdefault(chat, deque()).appendleft(row)
            else:
                self.held -= 1
            if self.queues.get(chat):
                self._push(chat)

    async def _record(
        self, chat: ChatKey, row: repo.Claimed, result: SendResult, done: float
    ) -> float | None:
        """Store the outcome; returns seconds to wait before retrying in this pass, or None."""
        cfg, worker, now = self.cfg, self.cfg.worker_id, self.d.clock()
        channel, recipient = chat
        state = self.d.channels[channel]
        held_for = (now - row.claimed_at).total_seconds()
        room = cfg.lease.total_seconds() / 2 - held_for
        if result.outcome is Outcome.SENT:
            if await self.marker.mark(row.id):
                self.stats.sent += 1
            else:
                self.stats.lost_lease += 1
            return None
        async with self.d.factory() as session, session.begin():
            if result.outcome is Outcome.RETRY_AFTER:
                wait = max(result.retry_after, 1.0)
                # A flood wait (seconds) concerns the bot as a whole: the channel pauses too.
                # A long one (a night block, a user's daily quota) only defers this row.
                if wait <= MAX_CHANNEL_PAUSE_S:
                    state.paused_until = max(state.paused_until, done + wait)
                    await self._share_pause(channel, wait)
                self.stats.retried += 1
                if wait < room:
                    return wait
                await repo.mark_retry(
                    session,
                    row.id,
                    worker,
                    next_attempt_at=now + timedelta(seconds=wait),
                    error=result.error or "429 retry_after",
                    count_attempt=False,
                )
                return None
            if result.outcome is Outcome.BLOCKED:
                await repo.mark_failed(session, row.id, worker, result.error or "blocked")
                await end_all_for_user(session, channel, recipient, reason="blocked", now=now)
                await repo.cancel_for_recipient(
                    session, channel, recipient, "blocked", worker=worker
                )
                self.stats.blocked += 1
                self._drop_chat(chat)
                return None
            if result.outcome is Outcome.PERMANENT:
                await repo.mark_failed(session, row.id, worker, result.error or "permanent")
                self.stats.failed += 1
                return None
            # Transient: back off, then give up after max_attempts with the reason kept.
            self.tries[row.id] = self.tries.get(row.id, 0) + 1
            attempts = row.attempts + self.tries[row.id]
            error = result.error or "transient error"
            if attempts >= cfg.max_attempts:
                await repo.mark_failed(session, row.id, worker, error)
                self.stats.failed += 1
                return None
            self.stats.retried += 1
            wait = self.d.backoff(attempts)
            if wait < room:
                await repo.record_failed_attempt(session, row.id, worker, error)
                return wait
            await repo.mark_retry(
                session,
                row.id,
                worker,
                next_attempt_at=now + timedelta(seconds=wait),
                error=error,
                count_attempt=True,
            )
            return None

    async def _share_pause(self, channel: str, seconds: float) -> None:
        """Other dispatchers hold the channel too: the flood wait concerns the bot."""
        if self.d.gate is None:
            return
        try:
            await self.d.gate.pause(channel, seconds)
        except Exception as exc:  # noqa: BLE001 - this process pauses anyway
            self.d.gate_outage.failed(exc)

    def _drop_chat(self, chat: ChatKey) -> None:
        """The chat blocked the bot: its queued rows were cancelled in the database."""
        queue = self.queues.pop(chat, None)
        if queue:
            self.held -= len(queue)
