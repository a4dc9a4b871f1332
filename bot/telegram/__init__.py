"""Telegram channel (aiogram 3): one small router per module, joined in ``dispatcher``."""
