"""Persistence: models, engine and sessions, migrations, seed data."""
