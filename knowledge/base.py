"""The knowledge base: procedures by code and by field, and search over them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from knowledge import cache
from knowledge.decision import Decision, decide
from knowledge.lexicon import Lexicon, default_lexicon
from knowledge.loader import LoadProblem, load_export, load_procedures
from knowledge.model import Procedure
from knowledge.popularity import load_popularity
from knowledge.search import Hit, QueryAnalysis, Searcher

__all__ = ["Decision", "Hit", "KnowledgeBase"]


class KnowledgeBase:
    """Procedures loaded once and indexed for search; read-only afterwards (safe to share)."""

    def __init__(
        self,
        procedures: Sequence[Procedure],
        *,
        popularity: Mapping[str, int] | None = None,
        lexicon: Lexicon | None = None,
        problems: Sequence[LoadProblem] = (),
    ) -> None:
        self._by_code = {p.code: p for p in procedures}
        self._procedures = list(self._by_code.values())
        self._popularity = popularity
        self._searcher = Searcher(self._procedures, lexicon or default_lexicon(), popularity)
        self.problems: list[LoadProblem] = list(problems)

    @classmethod
    def from_files(
        cls,
        paths: Iterable[Path | str],
        popularity_csv: Path | str | None = None,
        *,
        cache_dir: Path | None = None,
    ) -> KnowledgeBase:
        """Loads and indexes the files; with ``cache_dir``, the index prebuilt from the same
        bytes is read instead when there is one (knowledge.cache)."""
        files = [Path(p) for p in paths]
        popularity_path = Path(popularity_csv) if popularity_csv else None

        def build() -> KnowledgeBase:
            loaded = load_procedures(files)
            popularity = load_popularity(popularity_path) if popularity_path else None
            return cls(loaded.procedures, popularity=popularity, problems=loaded.problems)

        if cache_dir is None:
            return build()
        key = cache.files_key([*files, popularity_path])
        return cache.cached(cache_dir, key, build, cls)

    @classmethod
    def from_export(
        cls,
        files: Sequence[tuple[str, bytes]],
        popularity_csv: Path | str | None = None,
        *,
        cache_dir: Path | None = None,
    ) -> KnowledgeBase:
        """The same from files held in memory: (name, content as stored, compressed by its
        suffix or plain), e.g. an export kept in the database."""
        popularity_path = Path(popularity_csv) if popularity_csv else None

        def build() -> KnowledgeBase:
            loaded = load_export(files)
            popularity = load_popularity(popularity_path) if popularity_path else None
            return cls(loaded.procedures, popularity=popularity, problems=loaded.problems)

        if cache_dir is None:
            return build()
        parts = [name.encode() + b"\0" + data for name, data in files]
        if popularity_path is not None:
            parts.append(cache.files_key([popularity_path]))
        return cache.cached(cache_dir, cache.content_key(parts), build, cls)

    def with_lexicon(self, lexicon: Lexicon) -> KnowledgeBase:
        """The same procedures indexed again under another lexicon (e.g. with learned
        phrases, knowledge.learned); this one stays as it was."""
        return KnowledgeBase(
            self._procedures, popularity=self._popularity, lexicon=lexicon, problems=self.problems
        )

    def __len__(self) -> int:
        return len(self._procedures)

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self._procedures)

    def get(self, code: str) -> Procedure | None:
        return self._by_code.get(code.strip())

    def search(self, query: str, top: int = 3) -> list[Hit]:
        """Best procedures first; empty when nothing fits the question well enough."""
        return self._searcher.search(query, top)

    def decide(self, query: str) -> Decision:
        """Answer one procedure, offer a short choice, or abstain, with the rule that decided
        (knowledge.decision)."""
        return decide(self._searcher, query)

    def analyse(self, query: str) -> QueryAnalysis:
        """How the search reads ``query`` (content words, aspects, typo fixes)."""
        return self._searcher.analyse(query)

    def fields(self) -> list[str]:
        return sorted({p.field for p in self._procedures if p.field})

    def in_field(self, field: str) -> list[Procedure]:
        return [p for p in self._procedures if p.field == field]
