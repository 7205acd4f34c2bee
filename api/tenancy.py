"""Tenancy by mechanism: a database session serves one organisation, or says it spans them.

Every session decides once, before it touches an organisation's rows:

- `enter_organisation(db, org_id)`: a request does this as soon as its token is read
  (`api/auth/deps.py`); a background job does it for the organisation it works for. Every
  SELECT, UPDATE and DELETE through the session then carries `org_id = <that organisation>`
  for each organisation-owned table in it (`OrgOwned`, including subqueries, joins and
  relationship loads), and `Organisation` is limited to that one row. Writing a row of
  another organisation fails: the flush for ORM objects, and the statement for an INSERT
  run through the session (a bulk insert of many rows, which no flush sees), whose rows
  are passed as parameters and checked one by one.
- `span_organisations(db, reason)`: code that must cross organisations (logins looked up by
  email, the command line, a scheduled job listing the organisations, the demo seeder) says
  so, with its reason, and gets no automatic condition.

A session that has decided neither may not read or write organisation-owned rows: the
statement fails (`TenancyUndecided`) instead of answering for every organisation.

The explicit `org_id` conditions in the service layer stay: each layer holds on its own.
"""

import uuid
from collections.abc import Mapping
from functools import cache, lru_cache
from itertools import chain
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, with_loader_criteria
from sqlalchemy.orm.util import LoaderCriteriaOption
from sqlalchemy.sql import util as sql_util
from sqlalchemy.sql.expression import Executable
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import Organisation
from api.models.base import OrgOwned

_ORGANISATION = "tenancy.organisation"
_SPANNED_FOR = "tenancy.spanned_for"


class TenancyUndecided(RuntimeError):
    """An organisation's rows were touched by a session that chose no organisation."""


class TenancyViolation(RuntimeError):
    """A session tried to write a row of an organisation other than its own."""


def enter_organisation(db: AsyncSession | Session, org_id: uuid.UUID) -> None:
    """From now on this session sees and writes only `org_id`'s rows (for good)."""
    info = db.info
    current = info.get(_ORGANISATION)
    if _SPANNED_FOR in info or (current is not None and current != org_id):
        raise TenancyViolation("A session serves one organisation; open a new one for another.")
    info[_ORGANISATION] = org_id


def span_organisations(db: AsyncSession | Session, reason: str) -> None:
    """This session works across organisations on purpose (why: `reason`)."""
    if _ORGANISATION in db.info:
        raise TenancyViolation("This session already serves one organisation.")
    db.info[_SPANNED_FOR] = reason


@cache
def org_owned_tables() -> frozenset[str]:
    """The tables the hook limits: every `OrgOwned` model's, and the organisations'."""
    models: list[Any] = [mapper.class_ for mapper in SQLModel._sa_registry.mappers]
    return frozenset(
        model.__tablename__ for model in models if issubclass(model, OrgOwned | Organisation)
    )


def _touches_organisations(statement: Executable) -> bool:
    # Every table in it, however reached (joins, aliases, subqueries, a column's own table).
    tables = sql_util.find_tables(statement)  # type: ignore[arg-type]
    owned = org_owned_tables()
    return any(getattr(table, "name", None) in owned for table in tables)


def _limit_to_organisation(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete) or state.is_column_load:
        return
    info = state.session.info
    if _SPANNED_FOR in info:
        return
    org_id = info.get(_ORGANISATION)
    if org_id is None:
        if _touches_organisations(state.statement):
            raise TenancyUndecided(
                "This database session has chosen no organisation: call "
                "tenancy.enter_organisation() or tenancy.span_organisations() first."
            )
        return
    state.statement = state.statement.options(*_conditions(org_id))


def _conditions_for(org_id: uuid.UUID) -> tuple[LoaderCriteriaOption, LoaderCriteriaOption]:
    return (
        with_loader_criteria(OrgOwned, lambda cls: _org_id(cls) == org_id, include_aliases=True),
        with_loader_criteria(Organisation, lambda cls: cls.id == org_id, include_aliases=True),
    )


_conditions = lru_cache(maxsize=1024)(_conditions_for)
"""The options that limit a statement to an organisation, made once per organisation: making
them took more time than the rest of a simple statement's ORM work."""


def _org_id(cls: type[Any]) -> Any:
    """The table's `org_id` (the marker class itself, unmapped, stands for any of them)."""
    mapped = sa.inspect(cls, raiseerr=False) is not None
    return cls.org_id if mapped else sa.column("org_id", sa.Uuid())


def _inserts_stay_in_organisation(state: ORMExecuteState) -> None:
    statement = state.statement
    if not state.is_insert or not isinstance(statement, sa.Insert):
        return
    table = getattr(statement.table, "name", None)
    info = state.session.info
    if table not in org_owned_tables() or _SPANNED_FOR in info:
        return
    org_id = info.get(_ORGANISATION)
    if org_id is None:
        raise TenancyUndecided("An organisation's rows are inserted by an undecided session.")
    # Rows built into the statement (`.values()`, a SELECT) cannot be checked one by one.
    if statement._values or statement._multi_values or statement.select is not None:
        raise TenancyViolation("Insert an organisation's rows as parameters, to be checked.")
    given = state.parameters or {}
    rows = [given] if isinstance(given, Mapping) else given
    key = "id" if table == Organisation.__tablename__ else "org_id"
    if any(row.get(key) != org_id for row in rows):
        raise TenancyViolation("A row of another organisation cannot be written here.")


def _writes_stay_in_organisation(session: Session, _context: UOWTransaction, _: Any) -> None:
    info = session.info
    if _SPANNED_FOR in info:
        return
    org_id = info.get(_ORGANISATION)
    for row in chain(session.new, session.dirty, session.deleted):
        owner = _owner(row)
        if owner is None:
            continue
        if org_id is None:
            raise TenancyUndecided("An organisation's row is written by an undecided session.")
        if owner != org_id:
            raise TenancyViolation("A row of another organisation cannot be written here.")


def _owner(row: object) -> uuid.UUID | None:
    if isinstance(row, Organisation):
        return row.id
    owner: uuid.UUID | None = getattr(row, "org_id", None) if isinstance(row, OrgOwned) else None
    return owner


LISTENERS = (
    ("do_orm_execute", _limit_to_organisation),
    ("do_orm_execute", _inserts_stay_in_organisation),
    ("before_flush", _writes_stay_in_organisation),
)
"""The session events the mechanism listens to (every `Session`, so none escapes)."""

for _name, _listener in LISTENERS:
    event.listen(Session, _name, _listener)
