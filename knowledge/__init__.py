"""Procedure knowledge base: loading, Vietnamese normalisation and search (pure)."""
