"""Telegram channel (aiogram 3): one small router per module, joined in ``dispatcher``."""

# ``Incoming.channel`` of Telegram's messages and the outbox channel of its pushes: the core
# treats it as an opaque name.
NAME = "telegram"
