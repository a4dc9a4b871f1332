"""Prometheus series for ``GET /metrics`` (prometheus-client): answers by the core's decision,
receipt-code lookups by outcome, the outbox's backlog and oldest age, pushed messages by channel
and outcome, webhook latency, and the knowledge base in use. Counters are this process's (sum
them over replicas); the outbox gauges are the deployment's, read from the database."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.exposition import generate_latest

from handlers.messages import Reply
from handlers.usage import UsageKind, UsageRecorder
from notifications.ports import SendContext, Sender, SendResult
from storage import outbox_repo
from storage.engine import SessionFactory

# Usage kinds (handlers.usage) -> the label of the series that counts them.
_DECISIONS: dict[str, str] = {
    UsageKind.QUESTION_ANSWERED.value: "answer",
    UsageKind.CHOICE_OFFERED.value: "choice",
    UsageKind.QUESTION_ABSTAINED.value: "abstain",
}
_LOOKUPS: dict[str, str] = {
    UsageKind.LOOKUP_FOUND.value: "found",
    UsageKind.LOOKUP_UNKNOWN.value: "unknown",
    UsageKind.LOOKUP_MALFORMED.value: "malformed",
    UsageKind.LOOKUP_LIMITED.value: "limited",
}
WEBHOOKS = {"/webhooks/telegram": "telegram", "/webhooks/zalo": "zalo"}


class Metrics:
    """The series of one process, in a registry of its own (tests build several apps)."""

    def __init__(self) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # no *_created series
        self.registry = CollectorRegistry()
        r = self.registry
        self.answers = Counter(
            "motcua_answers",
            "Procedure questions by what the core decided (answer, choice, abstain)",
            ["decision"],
            registry=r,
        )
        self.lookups = Counter(
            "motcua_lookups",
            "Receipt-code lookups by outcome (found, unknown, malformed, limited)",
            ["outcome"],
            registry=r,
        )
        self.sends = Counter(
            "motcua_sends",
            "Pushed messages by channel and outcome (sent, retry_after, blocked, ...)",
            ["channel", "outcome"],
            registry=r,
        )
        self.outbox_depth = Gauge(
            "motcua_outbox_depth",
            "Messages waiting to be sent, by channel",
            ["channel"],
            registry=r,
        )
        self.outbox_oldest = Gauge(
            "motcua_outbox_oldest_age_seconds",
            "Age of the oldest message waiting to be sent, by channel",
            ["channel"],
            registry=r,
        )
        self.webhook_latency = Histogram(
            "motcua_webhook_latency_seconds",
            "Time to answer a platform's webhook request, by channel",
            ["channel"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=r,
        )
        self.procedures = Gauge(
            "motcua_knowledge_procedures", "Procedures in the knowledge base in use", registry=r
        )
        for decision in _DECISIONS.values():
            self.answers.labels(decision)  # every series exists from the start, at 0
        for outcome in _LOOKUPS.values():
            self.lookups.labels(outcome)
        self._channels: set[str] = set()

    def usage(self, inner: UsageRecorder) -> UsageRecorder:
        """``inner`` (the report's counts) that also counts decisions and lookups here."""
        return _MeteredUsage(inner, self)

    def sender(self, inner: Sender) -> Sender:
        return _MeteredSender(inner, self)

    async def read_outbox(self, sessions: SessionFactory, now: datetime | None = None) -> None:
        """The backlog gauges, from the database (called on every scrape)."""
        moment = now or datetime.now(UTC)
        async with sessions() as session:
            rows = await outbox_repo.backlog(session)
        seen = set()
        for channel, count, oldest in rows:
            seen.add(channel)
            self.outbox_depth.labels(channel).set(count)
            age = (moment - oldest).total_seconds() if oldest is not None else 0.0
            self.outbox_oldest.labels(channel).set(max(age, 0.0))
        for channel in self._channels - seen:  # drained since the last scrape
            self.outbox_depth.labels(channel).set(0)
            self.outbox_oldest.labels(channel).set(0)
        self._channels |= seen

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _MeteredUsage:
    def __init__(self, inner: UsageRecorder, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    def record(self, channel: str, kind: str, procedure_code: str | None = None) -> None:
        decision = _DECISIONS.get(str(kind))
        if decision is not None:
            self._metrics.answers.labels(decision).inc()
        lookup = _LOOKUPS.get(str(kind))
        if lookup is not None:
            self._metrics.lookups.labels(lookup).inc()
        self._inner.record(channel, kind, procedure_code)


class _MeteredSender:
    def __init__(self, inner: Sender, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    @property
    def channel(self) -> str:
        return self._inner.channel

    async def send(
        self, recipient: str, reply: Reply, context: SendContext | None = None
    ) -> SendResult:
        result = await self._inner.send(recipient, reply, context)
        self._metrics.sends.labels(self.channel, result.outcome.value).inc()
        return result

    def __getattr__(self, name: str) -> object:  # aclose() and the like of the real sender
        return getattr(self._inner, name)


def content_type() -> str:
    return CONTENT_TYPE_LATEST
