"""Alembic environment: migrations run on the connection coach.db hands over (never a URL
read from a file), so the app, the CLI and the tests all migrate the same way."""

from __future__ import annotations

from alembic import context

from coach.db.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  version_table="coach_schema_version", render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
