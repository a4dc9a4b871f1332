"""The prebuilt index: used when the data, lexicon and code are the same; rebuilt when the data
changes, when the file is corrupt, and never read from a folder or file others can write."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from knowledge import cache, shipped
from knowledge.base import KnowledgeBase
from knowledge.compressed import open_text


@pytest.fixture
def data(tmp_path: Path) -> Path:
    with open_text(shipped.export_paths()[0]) as handle:
        lines = [line for _, line in zip(range(60), handle, strict=False)]
    path = tmp_path / "export.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _counting(builds: list[int], path: Path):  # type: ignore[no-untyped-def]
    def build() -> KnowledgeBase:
        builds.append(1)
        return KnowledgeBase.from_files([path])

    return build


def test_the_cache_is_used_and_answers_alike(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    fresh = KnowledgeBase.from_files([data])
    first = KnowledgeBase.from_files([data], cache_dir=folder)
    files = list(folder.glob("kb-*.pickle"))
    assert len(files) == 1
    assert (folder.stat().st_mode & 0o777) == 0o700
    assert (files[0].stat().st_mode & 0o777) == 0o600
    builds: list[int] = []
    key = cache.files_key([data, None])
    second = cache.cached(folder, key, _counting(builds, data), KnowledgeBase)
    assert builds == []  # read, not built
    for question in ("đăng ký tạm trú", "cap lai cccd", "xin chào"):
        expect = [h.procedure.code for h in fresh.search(question)]
        assert [h.procedure.code for h in first.search(question)] == expect
        assert [h.procedure.code for h in second.search(question)] == expect


def test_changed_data_is_rebuilt(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    before = cache.files_key([data])
    KnowledgeBase.from_files([data], cache_dir=folder)
    lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
    data.write_text("".join(lines[:30]), encoding="utf-8")
    assert cache.files_key([data]) != before
    assert len(KnowledgeBase.from_files([data], cache_dir=folder)) == 30


def test_a_corrupt_file_is_rebuilt(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    KnowledgeBase.from_files([data], cache_dir=folder)
    [path] = folder.glob("kb-*.pickle")
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    key = cache.files_key([data, None])
    assert cache.read(folder, key) is None
    builds: list[int] = []
    kb = cache.cached(folder, key, _counting(builds, data), KnowledgeBase)
    assert builds == [1] and len(kb) == 60


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("exit 3",))  # what a planted pickle would do


def test_a_file_others_can_write_is_never_unpickled(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    key = cache.files_key([data, None])
    cache.write(folder, key, _Boom())  # a valid file, with a hostile payload
    [path] = folder.glob("kb-*.pickle")
    path.chmod(0o666)
    assert cache.read(folder, key) is None  # refused before unpickling
    path.chmod(0o600)
    folder.chmod(0o777)
    builds: list[int] = []
    kb = cache.cached(folder, key, _counting(builds, data), KnowledgeBase)
    assert builds == [1] and isinstance(kb, KnowledgeBase)  # the folder is not used at all
    folder.chmod(0o700)


def test_an_object_of_another_kind_is_not_taken(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    key = cache.files_key([data, None])
    cache.write(folder, key, {"not": "a knowledge base"})
    builds: list[int] = []
    assert isinstance(
        cache.cached(folder, key, _counting(builds, data), KnowledgeBase), KnowledgeBase
    )
    assert builds == [1]


def test_the_searcher_pickles_without_its_memos(kb: KnowledgeBase) -> None:
    kb.search("dang ky ket hon")  # fills the typo memo
    again = pickle.loads(pickle.dumps(kb))
    assert [h.procedure.code for h in again.search("dang ky ket hon")] == [
        h.procedure.code for h in kb.search("dang ky ket hon")
    ]


def test_pruning_tolerates_a_file_another_replica_removed(tmp_path: Path) -> None:
    """Replicas starting together prune one folder: a file gone between the listing and its
    stat (here a dangling link, which lists but cannot be stat'ed) is skipped, and the oldest
    beyond KEEP still go."""
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    (folder / "kb-gone.pickle").symlink_to(folder / "nowhere")
    for n in range(cache.KEEP + 2):
        path = folder / f"kb-{n}.pickle"
        path.write_bytes(b"x")
        os.utime(path, (1_000_000 + n, 1_000_000 + n))
    cache.write(folder, b"k" * 32, {"value": 1})
    kept = {p.name for p in folder.glob("kb-*.pickle") if p.exists()}
    assert len(kept) == cache.KEEP
    assert "kb-0.pickle" not in kept and "kb-1.pickle" not in kept
