"""Alembic environment: one schema for SQLite and PostgreSQL, from kefu's own metadata."""

from alembic import context
from sqlalchemy import Connection

from kefu.config import get_settings
from kefu.db import make_engine
from kefu.knowledge.search import is_search_object
from kefu.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place: batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # Full-text objects no model describes (FTS5 tables, a GIN expression index).
        include_object=lambda obj, name, type_, reflected, compare_to: not is_search_object(name),
    )


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
