"""Procedure search benchmark: this project beside the two baselines of ../shared/eval/README.md.

One run prints, on the dev queries: top-1 / top-3 / MRR / abstain rate / latency of
(a) the project's KnowledgeBase.search, (b) rapidfuzz WRatio of the raw query against names (no
normalisation), (c) BM25 (bm25s) over name + field + document names, folded, unigrams +
bigrams; then latency and memory with the knowledge base replicated to 20,000 procedures, and
the time to load and index the shipped data.

Targets (ISSUE 2): top-1 >= 0.70, top-3 >= 0.85, abstain >= 0.9; p99 <= 10 ms at 20,000
procedures; load + index <= 3 s.

    .venv/bin/python bench/search.py [--queries FILE.jsonl] [--replicas 20000]
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bm25s  # noqa: E402
import psutil  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.evaluation import EvalQuery, evaluate, load_queries, percentile  # noqa: E402
from knowledge.loader import load_procedures  # noqa: E402
from knowledge.model import Procedure  # noqa: E402
from knowledge.normalise import fold  # noqa: E402
from knowledge.popularity import load_popularity  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "tthc"
PATHS = [DATA / "procedures_dvcqg_2026.jsonl", DATA / "procedures_bqp.jsonl"]
POPULARITY = DATA / "popularity_citizens_top1000.csv"
QUERIES = ROOT.parent / "shared" / "eval" / "dev_queries.jsonl"
EXTRA = ROOT / "tests" / "knowledge" / "data" / "extra_queries.jsonl"
# FAQ-style sets written by helpers from the procedure data alone (tests/knowledge/data/README).
PORTAL_STYLE = sorted((ROOT / "tests" / "knowledge" / "data").glob("portal_style_*.jsonl"))


def faq(queries: Sequence[EvalQuery]) -> list[EvalQuery]:
    return [q for q in queries if q.source.startswith("dvc-faq")]


def wratio_baseline(procedures: Sequence[Procedure]) -> Callable[[str], list[str]]:
    """README baseline 1: WRatio of the raw query against raw names, no normalisation."""
    names = [p.name for p in procedures]
    codes = [p.code for p in procedures]

    def retrieve(query: str) -> list[str]:
        found = process.extract(
            query, names, scorer=fuzz.WRatio, processor=None, limit=10, score_cutoff=0
        )
        return [codes[index] for _, _, index in found]

    return retrieve


def _uni_bi(text: str) -> list[str]:
    words = fold(text).split()
    return words + [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]


def bm25_baseline(procedures: Sequence[Procedure]) -> Callable[[str], list[str]]:
    """README baseline 2: bm25s over name + field + document names, folded, uni+bigrams."""
    corpus = [
        _uni_bi(" ".join([p.name, p.field, *(d.name for d in p.documents)])) for p in procedures
    ]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    vocab = set(retriever.vocab_dict) if hasattr(retriever, "vocab_dict") else None
    codes = [p.code for p in procedures]

    def retrieve(query: str) -> list[str]:
        tokens = _uni_bi(query)
        if vocab is not None:
            tokens = [t for t in tokens if t in vocab]
        if not tokens:
            return []
        docs, scores = retriever.retrieve([tokens], k=10, show_progress=False)
        return [codes[int(d)] for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    return retrieve


def replicate(procedures: Sequence[Procedure], size: int) -> list[Procedure]:
    out: list[Procedure] = []
    copy = 0
    while len(out) < size:
        for p in procedures:
            if len(out) >= size:
                break
            out.append(p if copy == 0 else dataclasses.replace(p, code=f"{p.code}-r{copy}"))
        copy += 1
    return out


def latency(kb: KnowledgeBase, queries: Sequence[EvalQuery], rounds: int) -> dict[str, float]:
    """Wall and CPU time per query; CPU time shows the cost when other processes share cores."""
    for item in queries:  # warm caches the way a running bot has them
        kb.search(item.query)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        for item in queries:
            start, start_cpu = time.perf_counter(), time.thread_time()
            kb.search(item.query)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": statistics.median(wall),
        "p99_ms": percentile(wall, 99),
        "max_ms": max(wall),
        "cpu_p50_ms": statistics.median(cpu),
        "cpu_p99_ms": percentile(cpu, 99),
        "n": len(wall),
    }


def project_report(kb: KnowledgeBase, queries: Sequence[EvalQuery]) -> dict[str, Any]:
    return evaluate(queries, lambda q: [h.procedure.code for h in kb.search(q, top=10)])


def row(name: str, report: dict[str, Any]) -> str:
    return (
        f"{name:<34} {report['top1']:>6.3f} {report['top3']:>6.3f} {report['mrr']:>6.3f} "
        f"{report['abstain_rate']:>8.3f} {report['p50_ms']:>8.3f} {report['p99_ms']:>8.3f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--replicas", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    queries = load_queries(args.queries)
    gc.collect()
    started, started_cpu = time.perf_counter(), time.process_time()
    kb = KnowledgeBase.from_files(PATHS, POPULARITY)
    load_s, load_cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
    procedures = list(kb)

    print(
        f"queries: {args.queries} ({len(queries)}; "
        f"{sum(1 for q in queries if not q.expected)} out of scope)"
    )
    print(f"knowledge base: {len(kb)} procedures, {len(kb.problems)} load problems")
    print()
    print(
        f"{'retriever':<34} {'top-1':>6} {'top-3':>6} {'MRR':>6} {'abstain':>8} "
        f"{'p50 ms':>8} {'p99 ms':>8}"
    )
    print(row("motcua KnowledgeBase.search", project_report(kb, queries)))
    print(row("baseline rapidfuzz WRatio (names)", evaluate(queries, wratio_baseline(procedures))))
    print(row("baseline BM25 bm25s (folded, 1+2g)", evaluate(queries, bm25_baseline(procedures))))
    # The re-ranking weights were chosen on one half of the dev set and checked on the other:
    # the two halves should agree; the project's own queries are a second, separate check.
    print(row("motcua, dev half A (even lines)", project_report(kb, queries[0::2])))
    print(row("motcua, dev half B (odd lines)", project_report(kb, queries[1::2])))
    print(row("motcua, long FAQ questions only", project_report(kb, faq(queries))))
    if EXTRA.exists():
        print(row("motcua, tests' extra_queries.jsonl", project_report(kb, load_queries(EXTRA))))
    bm25 = bm25_baseline(procedures)
    for path in PORTAL_STYLE:
        written = load_queries(path)
        print(row(f"motcua, {path.stem}", project_report(kb, written)))
        print(row(f"  BM25 on {path.stem}", evaluate(written, bm25)))

    print()
    print(
        f"load + index of the shipped data: {load_s:.2f} s wall, {load_cpu_s:.2f} s CPU "
        f"(target <= 3 s); machine load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores"
    )

    process_info = psutil.Process()
    loaded = load_procedures(PATHS).procedures
    popularity = load_popularity(POPULARITY)
    big = replicate(loaded, args.replicas)
    del kb
    gc.collect()
    rss_before = process_info.memory_info().rss
    started, started_cpu = time.perf_counter(), time.process_time()
    big_kb = KnowledgeBase(big, popularity=popularity)
    index_s, index_cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
    gc.collect()
    rss_after = process_info.memory_info().rss
    timing = latency(big_kb, queries, args.rounds)
    print(
        f"{len(big_kb):,} procedures: index {index_s:.1f} s wall, {index_cpu_s:.1f} s CPU, "
        f"memory +"
        f"{(rss_after - rss_before) / 2**20:.0f} MiB (RSS); latency over {timing['n']} "
        f"queries p50 {timing['p50_ms']:.2f} ms, p99 {timing['p99_ms']:.2f} ms, "
        f"max {timing['max_ms']:.2f} ms (CPU p50 {timing['cpu_p50_ms']:.2f} ms, "
        f"p99 {timing['cpu_p99_ms']:.2f} ms; target p99 <= 10 ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
