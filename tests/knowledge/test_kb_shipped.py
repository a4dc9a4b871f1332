"""The export shipped in knowledge/data: found by importlib.resources, read compressed, the same
records as the plain files; exports held in memory load alike; a broken archive is reported."""

from __future__ import annotations

import gzip
import lzma
from pathlib import Path

from knowledge import shipped
from knowledge.base import KnowledgeBase
from knowledge.compressed import open_text
from knowledge.loader import ProblemKind, load_export, load_procedures
from knowledge.popularity import load_popularity


def _sample(n: int = 40) -> str:
    with open_text(shipped.export_paths()[0]) as handle:
        return "".join(next(handle) for _ in range(n))


def test_the_shipped_export_is_found_and_complete() -> None:
    paths = shipped.export_paths()
    assert [p.name for p in paths] == list(shipped.EXPORT_FILES)
    assert all(p.is_file() for p in paths)
    assert (shipped.data_dir() / "SOURCE.md").is_file()
    loaded = load_procedures(paths)
    assert len(loaded.procedures) == 2849  # 2,642 + 207 records (SOURCE.md)
    assert {p.source for p in loaded.procedures} == {
        "procedures_dvcqg_2026.jsonl",
        "procedures_bqp.jsonl",
    }
    assert not [p for p in loaded.problems if p.kind is ProblemKind.FILE]
    ranks = load_popularity(shipped.popularity_path())
    assert len(ranks) >= 990 and min(ranks.values()) == 1


def test_compressed_and_plain_files_load_the_same(tmp_path: Path) -> None:
    text = _sample()
    plain = tmp_path / "a.jsonl"
    plain.write_text(text, encoding="utf-8")
    (tmp_path / "a.jsonl.xz").write_bytes(lzma.compress(text.encode()))
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(text.encode()))
    base = load_procedures([plain]).procedures
    assert len(base) == 40
    for name in ("a.jsonl.xz", "a.jsonl.gz"):
        assert load_procedures([tmp_path / name]).procedures == base
    in_memory = load_export([("a.jsonl.xz", lzma.compress(text.encode()))])
    assert in_memory.procedures == base


def test_a_broken_archive_is_a_reported_problem(tmp_path: Path) -> None:
    good = lzma.compress(_sample(5).encode())
    cut = tmp_path / "cut.jsonl.xz"
    cut.write_bytes(good[: len(good) // 2])
    loaded = load_procedures([cut, tmp_path / "missing.jsonl.xz"])
    kinds = [p.kind for p in loaded.problems]
    assert kinds.count(ProblemKind.FILE) == 2
    assert load_export([("x.jsonl.xz", b"not xz at all")]).problems[0].kind is ProblemKind.FILE


def test_the_shipped_knowledge_base_answers(kb: KnowledgeBase) -> None:
    decision = kb.decide("làm giấy khai sinh cần gì")
    assert decision.kind == "answer"
    assert decision.hits[0].procedure.code == "1.001193"
