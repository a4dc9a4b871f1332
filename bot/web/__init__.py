"""The embedded web chat: a static page and a small JSON endpoint over the same core."""

# ``Incoming.channel`` of the web chat's messages and the outbox channel of officers'
# answers: the core treats it as an opaque name.
NAME = "web"
