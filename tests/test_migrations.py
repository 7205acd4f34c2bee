"""The schema is made by the migrations alone, they run both ways, and match the models."""

import asyncio

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from api.cli import alembic_config
from api.db import create_engine
from tests.conftest import make_settings


async def _tables(url: str) -> set[str]:
    engine = create_engine(make_settings(url))
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


async def _drift(url: str) -> list[object]:
    engine = create_engine(make_settings(url))
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), SQLModel.metadata)
        )
    await engine.dispose()
    return list(diff)


def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    config = alembic_config(scratch_url)
    command.upgrade(config, "head")
    assert asyncio.run(_tables(scratch_url)) == set(SQLModel.metadata.tables)
    command.downgrade(config, "base")
    assert asyncio.run(_tables(scratch_url)) == set()
    command.upgrade(config, "head")
    assert asyncio.run(_tables(scratch_url)) == set(SQLModel.metadata.tables)


def test_models_and_migrations_do_not_drift(scratch_url: str) -> None:
    command.upgrade(alembic_config(scratch_url), "head")
    assert asyncio.run(_drift(scratch_url)) == []


def test_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
