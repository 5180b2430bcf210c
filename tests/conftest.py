"""Test wiring: every database test runs on SQLite and on PostgreSQL, each in a rolled-back
transaction (SQLAlchemy's "join a session into an external transaction" recipe)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from kefu import migrate
from kefu.app import create_app
from kefu.config import Settings
from kefu.db import make_engine
from kefu.events import DISPATCHER_KEY, Dispatcher
from kefu.runtime import Runtime
from kefu.timeline.models import Event
from tests.factories import World, make_world

# Uploaded files (chat attachments) land in a scratch directory, never in the checkout.
os.environ.setdefault("KEFU_DATA_DIR", tempfile.mkdtemp(prefix="kefu-test-data-"))

PG_ADMIN_URL = os.environ.get(
    "KEFU_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def pg_url(dbname: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname


@contextmanager
def fresh_database(kind: str, tmp_dir: str, name: str) -> Iterator[str]:
    """A new, empty database of `kind`, migrated to head; dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_dir}/{name}.db"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url
        return
    dbname = f"{name}_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{dbname}"'))
    try:
        engine = make_engine(pg_url(dbname))
        migrate.upgrade(engine)
        engine.dispose()
        yield pg_url(dbname)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def engine(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with fresh_database(db_kind, str(tmp_path_factory.mktemp(db_kind)), "kefu_test") as url:
        eng = make_engine(url)
        yield eng
        eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def runtime(engine: Engine, connection: Connection) -> Runtime:
    dispatcher = Dispatcher()
    sessions = sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        info={DISPATCHER_KEY: dispatcher},
    )
    dispatcher.sessions = sessions
    # No background worker in tests: time moves by the injected clock and sweeps are explicit.
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False), worker_in_process=False
    )
    return Runtime(settings=settings, engine=engine, sessions=sessions, dispatcher=dispatcher)


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with runtime.sessions() as s:
        yield s


@pytest.fixture
def world(runtime: Runtime) -> World:
    """Workspace "acme" with one staff member and token per role, and a web-chat channel."""
    with runtime.sessions() as s:
        w = make_world(s, key="acme")
        s.commit()
    return w


@pytest.fixture
def other_world(runtime: Runtime, world: World) -> World:
    """A second workspace, "rival", to prove nothing leaks across tenants."""
    with runtime.sessions() as s:
        w = make_world(s, key="rival")
        s.commit()
    return w


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(runtime=runtime)
    with TestClient(app, raise_server_exceptions=True) as c:
        yield c


@pytest.fixture
def delivered(runtime: Runtime) -> list[Event]:
    """Events as in-process subscribers receive them, in order (Zulip's capture_send_event_calls)."""
    seen: list[Event] = []
    runtime.dispatcher.subscribe("*", seen.append)
    return seen
