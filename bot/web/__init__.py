"""The embedded web chat: a static page and a small JSON endpoint over the same core."""
