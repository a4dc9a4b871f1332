"""``motcua kb update``: a newer national export read and validated, compared with the one in
use, and stored in the database as a new version that every replica loads (LiveKnowledge)."""

from __future__ import annotations

import hashlib
import json
import lzma
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from knowledge.compressed import decompress
from knowledge.diff import ExportDiff
from knowledge.loader import LoadResult, ProblemKind, load_export
from storage import kb_repo
from storage.engine import SessionFactory

COMPRESSED = (".xz", ".gz", ".bz2")
# An export that drops more than this share of the procedures in use is most likely cut short:
# it is stored only when asked again with --force.
MAX_REMOVED_SHARE = 0.2
# Problems that mean lines were skipped (the others are repairs of records that are kept).
SKIPPING = frozenset({ProblemKind.FILE, ProblemKind.JSON, ProblemKind.RECORD})


@dataclass(slots=True)
class Export:
    """The files of an export as they will be stored, and what they load to."""

    files: list[tuple[str, bytes]]  # (name, bytes stored: xz unless given compressed)
    sha256: str  # of the plain content, in order: the same data compressed otherwise matches
    loaded: LoadResult


def read_export(paths: Sequence[Path]) -> Export:
    """Reads the files (OSError for one that cannot be read) and loads them as the replicas
    will, from the stored bytes."""
    files: list[tuple[str, bytes]] = []
    digest = hashlib.sha256()
    for path in paths:
        data = path.read_bytes()
        name = path.name
        try:
            plain = decompress(name, data) if name.lower().endswith(COMPRESSED) else data
        except (OSError, EOFError, lzma.LZMAError):
            plain = data  # the load below reports the broken archive, which refuses it
        digest.update(name.split(".", 1)[0].encode() + b"\0")
        digest.update(hashlib.sha256(plain).digest())
        if not name.lower().endswith(COMPRESSED):
            data, name = lzma.compress(plain, preset=6), name + ".xz"
        files.append((name, data))
    return Export(files, digest.hexdigest(), load_export(files))


def refusals(export: Export, diff: ExportDiff, in_use: int, *, force: bool) -> list[str]:
    """Why the export must not be stored (empty when it may)."""
    reasons = [str(p) for p in export.loaded.problems if p.kind is ProblemKind.FILE]
    if not export.loaded.procedures:
        reasons.append("no procedure could be read from these files")
    if not force and in_use and len(diff.removed) > MAX_REMOVED_SHARE * in_use:
        reasons.append(
            f"it removes {len(diff.removed)} of the {in_use} procedures in use (more than "
            f"{MAX_REMOVED_SHARE:.0%}): a cut-short export? Run again with --force if it is meant"
        )
    return reasons


def skipped_lines(loaded: LoadResult) -> list[str]:
    return [str(p) for p in loaded.problems if p.kind in SKIPPING]


async def store(
    sessions: SessionFactory, export: Export, diff: ExportDiff, now: datetime
) -> int | None:
    """Stores the export as the newest version; None when it is the one already stored."""
    summary = json.dumps(
        {
            **diff.counts(),
            "files": [name for name, _ in export.files],
            "problems": export.loaded.counts(),
        },
        ensure_ascii=False,
    )
    async with sessions() as session, session.begin():
        latest = await kb_repo.latest(session)
        if latest is not None and latest.sha256 == export.sha256:
            return None
        return await kb_repo.add_export(
            session,
            export.files,
            sha256=export.sha256,
            procedures=len(export.loaded.procedures),
            summary=summary,
            now=now,
        )
