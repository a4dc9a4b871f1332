"""Which procedures a process serves: the newest export stored by ``motcua kb update`` when
there is one, else the configured files (the shipped export by default); loaded through the
prebuilt index cache, and never empty."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from bot.config import Settings, StartupError, index_cache_dir
from handlers.staff.questions import ExportLoader, LiveKnowledge
from knowledge.base import KnowledgeBase
from storage import kb_repo
from storage.engine import SessionFactory

logger = logging.getLogger(__name__)


def require_procedures(kb: KnowledgeBase, where: str) -> KnowledgeBase:
    """A knowledge base that loads empty is an error at start, not silent "not found"s."""
    if len(kb):
        return kb
    problems = "; ".join(str(p) for p in kb.problems[:3]) or "no records"
    raise StartupError(
        f"the knowledge base is empty ({where}): {problems}. Check [knowledge] paths in "
        "bot.toml (MOTCUA_KNOWLEDGE__PATHS), or leave it empty for the shipped export."
    )


def load_files(settings: Settings) -> KnowledgeBase:
    """The configured files ([knowledge] paths; the shipped export by default)."""
    started = time.perf_counter()
    knowledge = settings.knowledge
    kb = KnowledgeBase.from_files(
        knowledge.paths, knowledge.popularity, cache_dir=index_cache_dir(settings)
    )
    logger.info(
        "knowledge base: %d procedures (%d load notes) in %.1fs",
        len(kb),
        len(kb.problems),
        time.perf_counter() - started,
    )
    return require_procedures(kb, ", ".join(p.name for p in knowledge.paths))


def export_loader(settings: Settings) -> ExportLoader:
    """Builds the knowledge base of a stored export (with the configured ranking and cache)."""

    def load(files: Sequence[tuple[str, bytes]]) -> KnowledgeBase:
        return KnowledgeBase.from_export(
            files, settings.knowledge.popularity, cache_dir=index_cache_dir(settings)
        )

    return load


async def served(settings: Settings, sessions: SessionFactory) -> tuple[KnowledgeBase, int | None]:
    """The knowledge base to serve and the stored export it comes from (None: the files)."""
    async with sessions() as session:
        version = await kb_repo.latest_version(session)
        files = await kb_repo.export_files(session, version) if version is not None else []
    if version is None:
        return load_files(settings), None
    started = time.perf_counter()
    kb = export_loader(settings)(files)
    logger.info(
        "knowledge base: stored export version %d, %d procedures in %.1fs",
        version,
        len(kb),
        time.perf_counter() - started,
    )
    return require_procedures(kb, f"stored export version {version}"), version


async def live(
    settings: Settings, sessions: SessionFactory, kb: KnowledgeBase | None = None
) -> LiveKnowledge:
    """The live knowledge, with the learned phrases applied; ``kb`` (tests) skips loading."""
    if kb is None:
        kb, version = await served(settings, sessions)
    else:
        async with sessions() as session:
            version = await kb_repo.latest_version(session)
    knowledge = LiveKnowledge(kb, export_version=version, load_export=export_loader(settings))
    await knowledge.reload(sessions)  # phrases staff taught the search, once approved
    return knowledge


async def served_once(settings: Settings) -> tuple[KnowledgeBase, int | None]:
    """For one-shot commands: the knowledge base replicas serve, from a short-lived engine."""
    from storage.engine import create_engine, session_factory
    from storage.migrate import upgrade_async

    url = settings.database_url()
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        return await served(settings, session_factory(engine))
    finally:
        await engine.dispose()
