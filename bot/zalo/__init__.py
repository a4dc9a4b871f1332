"""The Zalo Official Account channel: webhook, API client, tokens and rendering."""

# ``Incoming.channel`` of Zalo's messages and the outbox channel of its pushes: the core
# treats it as an opaque name.
NAME = "zalo"
