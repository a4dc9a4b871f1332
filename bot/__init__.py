"""Composition root: config, app factory, channel adapters, HTTP API and command line."""
