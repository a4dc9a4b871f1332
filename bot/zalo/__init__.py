"""The Zalo Official Account channel: webhook, API client, tokens and rendering."""
