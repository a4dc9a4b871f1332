"""Request bodies read with a size bound: never more than the route accepts is held."""

from __future__ import annotations

from aiohttp import web

CHUNK = 64 * 1024


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None as soon as it proves larger than ``limit`` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
