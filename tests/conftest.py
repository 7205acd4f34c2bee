"""Test harness: a real database built by the migrations, emptied after every test.

SQLite by default; set TEST_DATABASE_URL to a PostgreSQL database to run the same suite
there (`make test-pg`, and CI does both).
"""

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from fastapi import FastAPI
from hypothesis import settings as settings_profiles
from sqlalchemy import delete
from sqlalchemy.engine import URL, make_url
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.cli import alembic_config
from api.main import create_app
from api.settings import Settings
from api.tenancy import span_organisations
from tests.factories import World, build_world

# CI runs are reproducible; local runs explore new inputs each time.
settings_profiles.register_profile("ci", derandomize=True)
settings_profiles.load_profile("ci" if os.environ.get("CI") else "default")

TEST_KEYS = "test-k1:" + "k" * 40 + ",test-old:" + "o" * 40


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "signing_keys": TEST_KEYS,
        "rate_limit_api": "100000/minute",
        "rate_limit_token": "100000/minute",
        "rate_limit_login_failures": "100000/minute",
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The suite's database: a SQLite file, or TEST_DATABASE_URL's PostgreSQL database —
    one of its own for each process when the suite runs in several (`pytest -n`)."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url:
        path: Path = tmp_path_factory.mktemp("db") / "throughgate-test.db"
        yield f"sqlite+aiosqlite:///{path}"
    elif not worker:
        yield url
    else:
        with _postgres_database(make_url(url), f"{make_url(url).database}_{worker}") as own:
            yield own


@contextmanager
def _postgres_database(url: URL, name: str) -> Iterator[str]:
    """A new PostgreSQL database `name` beside `url`'s, dropped afterwards."""
    admin = sa.create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated(database_url: str) -> str:
    """The schema, made the way production makes it: by the Alembic migrations.

    With THROUGHGATE_TEST_SCHEMA (a file path; `make mutation` sets it, as it runs the tests
    hundreds of times), an SQLite suite copies a database the migrations built once there."""
    template = os.environ.get("THROUGHGATE_TEST_SCHEMA")
    if template and database_url.startswith("sqlite"):
        shutil.copyfile(_migrated_once(Path(template)), make_url(database_url).database or "")
        return database_url
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    return database_url


def _migrated_once(template: Path) -> Path:
    if not template.exists():
        building = template.with_name(f"{template.name}.{os.getpid()}")
        command.upgrade(alembic_config(f"sqlite+aiosqlite:///{building}"), "head")
        os.replace(building, template)
    return template


@pytest.fixture(scope="session")
def settings(migrated: str) -> Settings:
    return make_settings(migrated)


@pytest.fixture(scope="session")
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the suite's."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'scratch.db'}"
        return
    url = make_url(database_url)
    with _postgres_database(url, f"{url.database}_scratch_{uuid.uuid4().hex[:8]}") as scratch:
        yield scratch


@pytest.fixture
async def db(app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A database session for arranging and checking; every table is emptied afterwards."""
    async with app.state.db_factory() as session:
        span_organisations(session, "tests arrange and check the rows of several organisations")
        yield session
    async with app.state.engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            await connection.execute(delete(table))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def world(db: AsyncSession, settings: Settings) -> World:
    """Two organisations with people and a token for every role (see tests/factories.py)."""
    return await build_world(db, settings)
