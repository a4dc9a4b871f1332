"""Retrieval metrics on a query file (../shared/eval format), for `kb eval` and the bench."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Retriever = Callable[[str], Sequence[str]]  # query -> ranked codes (empty = abstain)


@dataclass(frozen=True, slots=True)
class EvalQuery:
    query: str
    expected: tuple[str, ...]
    aspect: str | None = None
    source: str = ""


def load_queries(path: Path | str) -> list[EvalQuery]:
    out = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            out.append(
                EvalQuery(
                    query=str(row["query"]),
                    expected=tuple(str(c) for c in row.get("expected") or ()),
                    aspect=row.get("aspect"),
                    source=str(row.get("source") or ""),
                )
            )
    return out


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def evaluate(queries: Sequence[EvalQuery], retrieve: Retriever) -> dict[str, Any]:
    """top1/top3/MRR over answerable queries, abstain rate over out-of-scope ones, latency."""
    answerable = [q for q in queries if q.expected]
    out_of_scope = [q for q in queries if not q.expected]
    top1 = top3 = 0
    reciprocal = 0.0
    abstained_answerable = 0
    abstained = 0
    latencies: list[float] = []
    misses: list[dict[str, Any]] = []
    for item in queries:
        start = time.perf_counter()
        codes = list(retrieve(item.query))
        latencies.append((time.perf_counter() - start) * 1000)
        if not item.expected:
            abstained += not codes
            if codes:
                misses.append({"query": item.query, "expected": [], "got": codes[:3]})
            continue
        if not codes:
            abstained_answerable += 1
        rank = next((i for i, c in enumerate(codes) if c in item.expected), None)
        if rank is not None:
            reciprocal += 1 / (rank + 1)
            top1 += rank == 0
            top3 += rank < 3
        if rank != 0:
            misses.append({"query": item.query, "expected": list(item.expected), "got": codes[:3]})
    n = len(answerable)
    return {
        "n": len(queries),
        "n_answerable": n,
        "top1": round(top1 / n, 4) if n else 0.0,
        "top3": round(top3 / n, 4) if n else 0.0,
        "mrr": round(reciprocal / n, 4) if n else 0.0,
        "answerable_abstained": abstained_answerable,
        "n_out_of_scope": len(out_of_scope),
        "abstain_rate": round(abstained / len(out_of_scope), 4) if out_of_scope else 1.0,
        "p50_ms": round(statistics.median(latencies), 3) if latencies else 0.0,
        "p99_ms": round(percentile(latencies, 99), 3),
        "misses": misses,
    }
