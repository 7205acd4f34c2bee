"""SQL terms that mean the same on every database, written for each where the fast way differs."""

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


def json_list_holds(column: Any, value: str) -> sa.ColumnElement[bool]:
    """A JSON list column holds `value` (ignoring case), on every database: the list as text
    holds `"value"`, and autoescape keeps `_` and `%` from matching anything."""
    text: sa.ColumnElement[str] = sa.func.lower(sa.cast(column, sa.Text))
    return text.contains(json.dumps(value), autoescape=True)


def as_float(value: Any) -> sa.ColumnElement[float]:
    """`value` taken as a float, so dividing by it is a float division everywhere: dividing
    by an integer or an untyped expression would make PostgreSQL divide in `numeric`,
    several times slower over thousands of rows."""
    return sa.type_coerce(value, sa.Float)


class not_indexed(FunctionElement[Any]):  # noqa: N801 - used like a SQL function
    """`column`, marked so SQLite's planner does not look it up in an index (a unary `+`).

    For a term that narrows nothing, such as the organisation of a single-organisation
    database: SQLite otherwise walks the index and fetches each row from it, at three times
    the cost of scanning the table. Other databases see the plain column."""

    inherit_cache = True
    name = "not_indexed"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(not_indexed)
def _plain(element: not_indexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(not_indexed, "sqlite")
def _unary_plus(element: not_indexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.clauses, **kw)


class enum_list_holds(FunctionElement[bool]):  # noqa: N801 - used like a SQL function
    """A JSON list of strings holds `value`, exactly: made for lists of enum values, which are
    stored as defined.

    PostgreSQL asks the jsonb list itself (`?`, no text made of it); elsewhere the list's
    text holds the value as JSON writes it. Faster than `json_list_holds`, which lowers the
    whole text first."""

    inherit_cache = True
    name = "enum_list_holds"
    type = sa.Boolean()

    def __init__(self, column: Any, value: str) -> None:
        super().__init__(column, sa.literal(value, sa.Text), sa.literal(json.dumps(value), sa.Text))


@compiles(enum_list_holds)
def _text_holds(element: enum_list_holds, compiler: SQLCompiler, **kw: Any) -> str:
    column, _, written = element.clauses
    return (
        f"(instr(CAST({compiler.process(column, **kw)} AS TEXT), "
        f"{compiler.process(written, **kw)}) > 0)"
    )


@compiles(enum_list_holds, "postgresql")
def _jsonb_holds(element: enum_list_holds, compiler: SQLCompiler, **kw: Any) -> str:
    column, value, _ = element.clauses
    return f"({compiler.process(column, **kw)} ? {compiler.process(value, **kw)})"


def flag(condition: Any) -> sa.ColumnElement[float]:
    """1.0 where `condition` holds, else 0.0 (also where it is unknown): a factor's value."""
    return sa.case((condition, 1.0), else_=0.0)
