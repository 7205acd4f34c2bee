"""Date arithmetic that reads the same on SQLite and PostgreSQL.

SQLite keeps dates as ISO text and timestamps as naive UTC text; PostgreSQL has `date` and
`timestamptz`. These constructs compile to each dialect's own spelling.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel.ext.asyncio.session import AsyncSession


class day_of(FunctionElement[Any]):  # noqa: N801 (reads as SQL)
    """The UTC calendar day of a timestamp."""

    type = sa.Date()
    inherit_cache = True


class days_between(FunctionElement[Any]):  # noqa: N801
    """Whole days from the second date to the first (`later - earlier`)."""

    type = sa.Integer()
    inherit_cache = True


class json_entries(FunctionElement[Any]):  # noqa: N801
    """The entries of a JSON object, one row each, as a table of `key` and `value` (the
    value as the database reads it: cast it)."""

    inherit_cache = True


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


@compiles(day_of, "sqlite")
def _day_of_sqlite(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({_args(element, compiler, **kw)[0]})"


@compiles(day_of, "postgresql")
def _day_of_postgresql(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(timezone('UTC', {_args(element, compiler, **kw)[0]}) AS DATE)"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


@compiles(json_entries, "sqlite")
def _json_entries_sqlite(element: json_entries, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_each({_args(element, compiler, **kw)[0]})"


@compiles(json_entries, "postgresql")
def _json_entries_postgresql(element: json_entries, compiler: SQLCompiler, **kw: Any) -> str:
    return f"jsonb_each_text({_args(element, compiler, **kw)[0]})"


async def run(db: AsyncSession, stmt: Any) -> Any:
    """Run an aggregate query through the session (so its organisation's limit applies);
    the rows are groups, not ORM objects."""
    return await db.exec(stmt)


def flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """1 where the condition holds, else 0: for SUM-ming counts in one pass."""
    return sa.case((condition, 1), else_=0)


def tally(condition: sa.ColumnElement[bool], name: str) -> sa.Label[Any]:
    """`SUM(CASE WHEN condition THEN 1 ELSE 0 END)`, never NULL, labelled."""
    return sa.func.coalesce(sa.func.sum(flag(condition)), 0).label(name)


class hours_between(FunctionElement[Any]):  # noqa: N801
    """Hours (with fractions) from the second timestamp to the first."""

    type = sa.Float()
    inherit_cache = True


@compiles(hours_between, "sqlite")
def _hours_between_sqlite(element: hours_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"((julianday({later}) - julianday({earlier})) * 24.0)"


@compiles(hours_between, "postgresql")
def _hours_between_postgresql(element: hours_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600.0)"
