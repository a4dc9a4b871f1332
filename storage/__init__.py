"""Database tables, repositories, migrations and the engine (SQLite default, PostgreSQL)."""
