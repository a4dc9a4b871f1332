"""`motcua kb search|eval|update`: query the procedure knowledge base the replicas serve,
measure its retrieval, and replace it with a newer national export."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import kb_source
from bot.config import Settings, load_settings
from knowledge.base import KnowledgeBase
from knowledge.evaluation import evaluate, load_queries

if TYPE_CHECKING:
    from handlers.kb_update import Export
    from knowledge.diff import ExportDiff

SHOWN = 20  # procedures listed per section of an update's diff (--all lists every one)


def _load_kb(args: argparse.Namespace) -> KnowledgeBase:
    """The knowledge base the replicas serve: the newest stored export, else the files."""
    kb, _ = asyncio.run(kb_source.served_once(load_settings(args.config)))
    return kb


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
        f"{', '.join(a['levels']) or '-'}; out of scope: {_scope(a)}",
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


def _update(args: argparse.Namespace) -> int:
    from handlers import kb_update
    from knowledge.diff import diff_procedures

    settings = load_settings(args.config)
    try:
        export = kb_update.read_export([Path(f) for f in args.files])
    except OSError as exc:
        print(f"Cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    loaded = export.loaded
    notes = ", ".join(f"{kind} {n}" for kind, n in sorted(loaded.counts().items())) or "none"
    print(
        f"Read {len(args.files)} file(s): {len(loaded.procedures)} procedures; load notes: {notes}"
    )
    skipped = kb_update.skipped_lines(loaded)
    if skipped:
        print(f"Lines skipped ({len(skipped)}):")
        for line in skipped if args.all else skipped[:SHOWN]:
            print(f"  {line}")
    current, version = asyncio.run(kb_source.served_once(settings))
    where = f"stored export version {version}" if version else "the configured files"
    diff = diff_procedures(current, loaded.procedures)
    counts = diff.counts()
    print(
        f"Against the knowledge base in use ({where}, {len(current)} procedures): "
        f"{counts['added']} added, {counts['removed']} removed, {counts['changed']} changed, "
        f"{counts['unchanged']} unchanged"
    )
    limit = None if args.all else SHOWN
    for sign, procedures in (("+", diff.added), ("-", diff.removed)):
        for p in procedures[:limit]:
            print(f"  {sign} [{p.code}] {p.name}")
        if limit is not None and len(procedures) > limit:
            print(f"  {sign} ... {len(procedures) - limit} more (--all lists them)")
    for changed in diff.changed[:limit]:
        print(f"  ~ [{changed.new.code}] {changed.new.name}: {', '.join(changed.fields)}")
    if limit is not None and len(diff.changed) > limit:
        print(f"  ~ ... {len(diff.changed) - limit} more (--all lists them)")
    refused = kb_update.refusals(export, diff, len(current), force=args.force)
    if refused:
        for reason in refused:
            print(f"Not stored: {reason}", file=sys.stderr)
        return 1
    if args.dry_run:
        print("Dry run: nothing stored.")
        return 0
    stored = asyncio.run(_store(settings, export, diff))
    if stored is None:
        print("This export is the one already stored: nothing to do.")
        return 0
    print(
        f"Stored as version {stored}. Every running replica serves it within a minute "
        "(no restart); new processes load it at start."
    )
    return 0


async def _store(settings: Settings, export: Export, diff: ExportDiff) -> int | None:
    from handlers import kb_update
    from storage.engine import create_engine, session_factory

    engine = create_engine(settings.database_url())
    try:
        return await kb_update.store(session_factory(engine), export, diff, datetime.now(UTC))
    finally:
        await engine.dispose()


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    kb = sub.add_parser("kb", help="procedure knowledge base: search, evaluate, update")
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

    up = kb_sub.add_parser(
        "update",
        help="validate a newer national export, print the diff, store it for every replica",
    )
    up.add_argument("files", nargs="+", help="JSONL files (plain, .xz or .gz), in load order")
    up.add_argument("--dry-run", action="store_true", help="validate and compare only")
    up.add_argument(
        "--force", action="store_true", help="store even if it removes many procedures"
    )
    up.add_argument("--all", action="store_true", help="list every procedure of the diff")
    up.set_defaults(func=_update)


def _scope(analysis: dict[str, Any]) -> str:
    """ "yes (handled by banks)", "yes", or "no"."""
    if not analysis["out_of_scope"]:
        return "no"
    return f"yes (handled by {analysis['handled_by']})" if analysis["handled_by"] else "yes"
