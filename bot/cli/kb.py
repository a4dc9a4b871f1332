"""`motcua kb search|eval`: query the procedure knowledge base and measure its retrieval."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from bot.config import load_settings
from knowledge.base import KnowledgeBase
from knowledge.evaluation import evaluate, load_queries


def _load_kb(args: argparse.Namespace) -> KnowledgeBase:
    settings = load_settings(args.config)
    return KnowledgeBase.from_files(settings.knowledge.paths, settings.knowledge.popularity)


def _search(args: argparse.Namespace) -> int:
    kb = _load_kb(args)
    if args.explain:
        trace = {"query": args.query, **kb.decide(args.query).trace()}
        if args.json:
            print(json.dumps(trace, ensure_ascii=False))
        else:
            print("\n".join(explain_lines(trace)))
        return 0
    hits = kb.search(args.query, top=args.top)
    if args.json:
        rows = [
            {"code": h.procedure.code, "name": h.procedure.name, "score": h.score} for h in hits
        ]
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if not hits:
        print("Không tìm thấy thủ tục phù hợp.")
        return 0
    for rank, hit in enumerate(hits, start=1):
        print(f"{rank}. [{hit.procedure.code}] {hit.procedure.name} ({hit.score:.1f})")
    return 0


def explain_lines(trace: dict[str, Any]) -> list[str]:
    """A decision's trace (knowledge.decision.Decision.trace) as text."""
    a = trace["analysis"]
    lines = [
        f"question: {trace['query']}",
        f"words: {' '.join(a['words'])}",
        f"content words: {' '.join(a['content']) or '-'}",
    ]
    lines += [f"rewrite: {said!r} -> {read!r}" for said, read in a["rewrites"]]
    lines += [f"correction: {w} -> {fix}" for w, fix in a["corrections"].items()]
    lines += [
        f"correction refused (reads better as written): {w} -> {fix}"
        for w, fix in a["refused_corrections"].items()
    ]
    terms = ", ".join(f"{t} {w:g}" for t, w in a["terms"].items())
    lines += [
        f"heaviest terms: {terms or '-'}",
        f"aspects: {', '.join(a['aspects']) or '-'}; groups named: "
        f"{', '.join(a['groups']) or '-'}; age: {a['age'] or '-'}; levels named: "
        f"{', '.join(a['levels']) or '-'}; out of scope: {'yes' if a['out_of_scope'] else 'no'}",
        "candidates (points of 100; the features add up to the score):",
    ]
    for rank, c in enumerate(trace["candidates"], start=1):
        also = f"; other levels {', '.join(c['siblings'])}" if c["siblings"] else ""
        lines.append(
            f"{rank:>2}. [{c['code']}] {c['name']} — {c['score']:.1f} "
            f"({c['level'] or '-'}{also}; says {c['named']:.0%} of its name)"
        )
        shares = ", ".join(f"{k} {v:+.1f}" for k, v in c["features"].items() if v)
        lines.append(f"      {shares}")
        lines += [f"      doubt: {d}" for d in c["doubts"]]
    d = trace["decision"]
    chosen = f" -> {', '.join(d['procedures'])}" if d["procedures"] else ""
    lines.append(f"decision: {d['kind']} by rule {d['rule']}: {d['reason']}{chosen}")
    return lines


def _eval(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        queries = load_queries(path)
    except (OSError, ValueError, KeyError) as exc:
        print(f"Cannot read {path}: {exc}")
        return 2
    started = time.perf_counter()
    kb = _load_kb(args)
    load_s = time.perf_counter() - started
    report = evaluate(queries, lambda q: [h.procedure.code for h in kb.search(q, top=10)])
    misses = report.pop("misses")
    report["load_s"] = round(load_s, 3)
    report["procedures"] = len(kb)
    report["load_problems"] = len(kb.problems)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    for key, value in report.items():
        print(f"{key:>22}: {value}")
    if args.misses:
        for miss in misses:
            print(json.dumps(miss, ensure_ascii=False))
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    kb = sub.add_parser("kb", help="procedure knowledge base: search and evaluate")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)

    search = kb_sub.add_parser("search", help="ranked procedures for a question")
    search.add_argument("query", help="the question, as a citizen would write it")
    search.add_argument("--top", type=int, default=3, help="how many procedures (default 3)")
    search.add_argument("--json", action="store_true", help='[{"code","name","score"}]')
    search.add_argument(
        "--explain",
        action="store_true",
        help="the analysis, the candidates with each feature's share, and the rule that decided",
    )
    search.set_defaults(func=_search)

    ev = kb_sub.add_parser("eval", help="retrieval metrics on a query file (JSONL)")
    ev.add_argument("file", help='JSONL lines {"query", "expected": [codes], ...}')
    ev.add_argument("--json", action="store_true", help="one JSON object")
    ev.add_argument("--misses", action="store_true", help="also list the queries missed")
    ev.set_defaults(func=_eval)
