"""Dossier rules: receipt codes, statuses, working-day calendar, ingest, lookup and tokens."""
