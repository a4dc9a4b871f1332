"""Notification rules, the outbox and the rate-limited dispatcher."""
