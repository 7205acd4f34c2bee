"""The audit trail of who read or changed a person's data (contract §2, Audit; README, "Data
protection").

One mechanism, at the session, so no route can forget it:

- Every row of a table that concerns a person (`person_links()`, derived from the foreign
  keys to `person`) that a request's session loads, adds, changes or deletes is noted, with
  the people it concerns (a session concerns its relationship's mentee and mentor); so is
  every row an INSERT run through the session writes (a bulk insert, which no flush sees).
- When the session commits, each person concerned gets ONE audit row for the request
  (`actor`, `actor_role`, the token's OAuth client id as `client`, `request_id`, and the
  request's purpose, the policy action it was authorised for, as `action`), unless a service
  already recorded a row for them with `record()` (a change, with its details). A request that
  only reads is committed by `settle()` once the operation returns (an app-wide dependency).
- Rows are appended to the organisation's hash chain as they are written: `seq` counts the
  organisation's events, `prev_hash` is the previous event's `hash`, and `hash` is the
  SHA-256 of `prev_hash` and the canonical row. Appends are serialised per organisation (an
  advisory lock on PostgreSQL; SQLite has one writer), and `(org_id, seq)` is unique, so
  concurrent requests cannot fork the chain. `verify()` finds the first broken link.
"""

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import AuditEvent
from api.models.base import utcnow

GENESIS = "0" * 64
_STATE = "audit.state"
# Tables that hold data about a person but whose rows are not audited as reads of it, and why.
NOT_AUDITED: dict[str, str] = {
    "user_account": "a login, read to authenticate every request; changes are audited by the "
    "logins service",
    "audit_event": "the audit itself: reading it is an administrator's oversight",
}
# Columns naming a person without a foreign key (the outbox keeps events after erasure).
PERSON_COLUMNS: dict[str, tuple[str, ...]] = {"event": ("person_id",)}
# PostgreSQL advisory lock namespace for appending to an organisation's chain ("AUDT").
_LOCK_CLASS = 0x41554454


@dataclass(frozen=True)
class Link:
    """How a table's row names the people it concerns: its own columns, or a parent's."""

    columns: tuple[str, ...] = ()  # columns holding a person's id ("id" for `person`)
    parent: tuple[str, str] | None = None  # (foreign key column, parent table)


@cache
def person_links() -> dict[str, Link]:
    """Every table that concerns a person, from the schema's foreign keys (a new table with a
    person link is audited without a line of code)."""
    tables = SQLModel.metadata.tables
    direct: dict[str, tuple[str, ...]] = {"person": ("id",), **PERSON_COLUMNS}
    for name, table in tables.items():
        columns = tuple(
            sorted(fk.parent.name for fk in table.foreign_keys if fk.column.table.name == "person")
        )
        if columns:
            direct[name] = columns
    links = {name: Link(columns=columns) for name, columns in direct.items()}
    for name, table in tables.items():
        if name in links:
            continue
        for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
            parent = fk.column.table.name
            if parent in direct and parent not in NOT_AUDITED:
                links[name] = Link(parent=(fk.parent.name, parent))
                break
    return {name: link for name, link in links.items() if name not in NOT_AUDITED}


@dataclass
class _Touch:
    table: str
    row_id: str
    people: set[uuid.UUID]
    parent: tuple[str, uuid.UUID] | None
    changed: bool


@dataclass
class _State:
    caller: Principal | None = None
    purposes: list[str] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)  # rows of `audit_event`
    touched: dict[tuple[str, str], _Touch] = field(default_factory=dict)
    audited: set[uuid.UUID] = field(default_factory=set)  # people with a row this request


def _state(db: AsyncSession | Session) -> _State:
    state = db.info.get(_STATE)
    if state is None:
        state = db.info[_STATE] = _State()
    assert isinstance(state, _State)
    return state


def begin(db: AsyncSession, caller: Principal, action: str) -> None:
    """The request's caller is authorised for `action`: from now on what the session reads
    about people is audited, with `action` as the purpose."""
    state = _state(db)
    if state.caller is None:
        state.caller = caller
    if action not in state.purposes:
        state.purposes.append(action)


def record(
    db: AsyncSession,
    caller: Principal,
    action: str,
    *,
    entity_type: str,
    entity_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    **details: Any,
) -> None:
    """An audit event (a change, with its details) for the caller's transaction: it is kept
    exactly when the work is, and it is the person's row for this request."""
    state = _state(db)
    state.pending.append(_event(caller, action, entity_type, entity_id, person_id, details))
    if person_id is not None:
        state.audited.add(person_id)


def read_rows(db: AsyncSession, table: str, people: Iterable[uuid.UUID]) -> None:
    """Plain rows (not ORM objects) about these people were read: audit them as the session's
    own loads are (for a query that skips the ORM for speed)."""
    session = db.sync_session
    state = session.info.get(_STATE)
    if state is None or state.caller is None:
        return
    for person in people:
        key = (table, str(person))
        if key not in state.touched:
            state.touched[key] = _Touch(table, str(person), {person}, None, False)


def _event(
    caller: Principal,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    details: dict[str, Any],
) -> dict[str, Any]:
    """An `audit_event` row, inserted with the others when the work commits (a plain row:
    a request that reads a page about a hundred people writes a hundred, and an object
    each cost more than the request's own work)."""
    now = utcnow()
    return {
        "id": uuid.uuid4(),
        "org_id": caller.org_id,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "at": now,
        "actor": caller.subject,
        "actor_role": str(getattr(caller.role, "value", caller.role)),
        "client": caller.client_label,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "person_id": person_id,
        "request_id": caller.request_id,
        "details": json.loads(json.dumps(details, default=str)),
        "seq": None,
        "prev_hash": None,
        "hash": None,
    }


async def settle(db: AsyncSession) -> None:
    """Once an operation has returned, commit what it read about people to the audit before
    the response leaves (`api/db.py`: an app-wide dependency; a failed operation discloses
    nothing and is not settled)."""
    state = db.info.get(_STATE)
    if state is not None and (state.pending or state.touched):
        await db.commit()


# --- noting what a request's session touches -------------------------------------------------


def _note(session: Session, row: object, *, changed: bool) -> None:
    state = session.info.get(_STATE)
    table = getattr(row, "__tablename__", None)
    if state is None or state.caller is None or not isinstance(table, str):
        return
    if table not in person_links():  # a row about no one (an account, a service)
        return
    state_ = sa.inspect(row)
    values = state_.dict
    row_id = "/".join(str(values.get(c.key)) for c in state_.mapper.primary_key)
    _touch(state, table, row_id, values, changed=changed)


def _touch(
    state: _State, table: str, row_id: str, values: Mapping[str, Any], *, changed: bool
) -> None:
    link = person_links().get(table)
    if link is None:
        return
    key = (table, row_id)
    known = state.touched.get(key)
    if known is not None:
        known.changed = known.changed or changed
        return
    people = {v for c in link.columns if isinstance(v := values.get(c), uuid.UUID)}
    parent = None
    if link.parent is not None:
        parent_id = values.get(link.parent[0])
        if isinstance(parent_id, uuid.UUID):
            parent = (link.parent[1], parent_id)
    state.touched[key] = _Touch(table, row_id, people, parent, changed)


def _inserting(execute_state: ORMExecuteState) -> None:
    """An INSERT run through the session (a bulk insert, whose rows no flush sees): each
    row it writes is noted as changed, as a flush's would be."""
    statement = execute_state.statement
    state = execute_state.session.info.get(_STATE)
    if not execute_state.is_insert or not isinstance(statement, sa.Insert):
        return
    if state is None or state.caller is None:
        return
    table = statement.table
    given = execute_state.parameters or {}
    for values in [given] if isinstance(given, Mapping) else given:
        row_id = "/".join(str(values.get(c.name)) for c in table.primary_key)
        _touch(state, table.name, row_id, values, changed=True)


def _loaded(session: Session, row: object) -> None:
    _note(session, row, changed=False)


def _flushing(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    for row in (*session.new, *session.dirty, *session.deleted):
        _note(session, row, changed=True)


def _people_of_parents(
    session: Session, touches: Iterable[_Touch]
) -> dict[tuple[str, Any], set[uuid.UUID]]:
    wanted: dict[str, set[uuid.UUID]] = {}
    for touch in touches:
        if touch.parent is not None:
            wanted.setdefault(touch.parent[0], set()).add(touch.parent[1])
    found: dict[tuple[str, Any], set[uuid.UUID]] = {}
    links = person_links()
    for table_name, ids in wanted.items():
        table = SQLModel.metadata.tables[table_name]
        columns = links[table_name].columns
        rows = session.execute(
            sa.select(table.c.id, *(table.c[c] for c in columns)).where(table.c.id.in_(ids))
        )
        for row_id, *people in rows:
            found[(table_name, row_id)] = {p for p in people if p is not None}
    return found


def _reads(session: Session, state: _State) -> list[dict[str, Any]]:
    """One row per person the request touched who has none yet."""
    touches = list(state.touched.values())
    state.touched.clear()
    if state.caller is None or not touches:
        return []
    parents = _people_of_parents(session, touches)
    per_person: dict[uuid.UUID, dict[str, Any]] = {}
    for touch in touches:
        people = set(touch.people)
        if touch.parent is not None:
            people |= parents.get(touch.parent, set())
        for person in people - state.audited:
            entry = per_person.setdefault(person, {"read": {}, "changed": {}})
            kind = "changed" if touch.changed else "read"
            entry[kind].setdefault(touch.table, []).append(touch.row_id)
    rows = []
    purpose = state.purposes[0] if state.purposes else "read"
    for person, entry in per_person.items():
        details: dict[str, Any] = {k: v for k, v in entry.items() if v}
        if len(state.purposes) > 1:
            details["purposes"] = state.purposes
        first_kind = "changed" if "changed" in details else "read"
        entity_type, ids = next(iter(details[first_kind].items()))
        rows.append(
            _event(
                state.caller,
                purpose,
                entity_type,
                _uuid(ids[0]) if len(ids) == 1 else None,
                person,
                details,
            )
        )
        state.audited.add(person)
    return rows


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:  # a table keyed otherwise
        return None


# --- the hash chain ---------------------------------------------------------------------------


def canonical(row: Mapping[str, Any]) -> str:
    """The row as hashed: every field a reader relies on, in a fixed form on both databases."""
    return json.dumps(
        {
            "id": str(row["id"]),
            "org_id": str(row["org_id"]),
            "seq": row["seq"],
            "prev_hash": row["prev_hash"],
            "created_at": _instant(row["created_at"]),
            "at": _instant(row["at"]),
            "actor": row["actor"],
            "actor_role": str(row["actor_role"]),
            "client": row["client"],
            "action": row["action"],
            "entity_type": row["entity_type"],
            "entity_id": None if row["entity_id"] is None else str(row["entity_id"]),
            "person_id": None if row["person_id"] is None else str(row["person_id"]),
            "request_id": row["request_id"],
            "details": row["details"],
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest(row: Mapping[str, Any]) -> str:
    return hashlib.sha256(((row["prev_hash"] or "") + canonical(row)).encode()).hexdigest()


def _lock_chain(session: Session, org_id: uuid.UUID) -> None:
    """Serialise appends to one organisation's chain until this transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        key = int.from_bytes(org_id.bytes[:4], "big", signed=True)
        session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:c, :k)"), {"c": _LOCK_CLASS, "k": key}
        )
    elif dialect == "sqlite":  # take the one writer's lock before reading the chain's head
        session.execute(sa.text("UPDATE audit_event SET seq = seq WHERE 1 = 0"))


def _append(session: Session) -> None:
    """`before_commit`: the request's rows join their organisation's chain."""
    if session.info.get(_STATE) is not None:
        _write(session)


async def write(db: AsyncSession) -> None:
    """Write what the transaction has noted so far to the chain now, not at the commit: a
    request that audits a great many people (the cohort file) does it in batches instead of
    holding every row in memory. The rows are still kept exactly when the work is."""
    await db.run_sync(_write)


async def hold_chain(db: AsyncSession, org_id: uuid.UUID) -> None:
    """Take the organisation's chain now, for the rest of the transaction: before a long
    read that writes its audit as it goes (on SQLite, a transaction that has read cannot
    start writing once another has committed since)."""
    await db.run_sync(_lock_chain, org_id)


def _write(session: Session) -> None:
    state = _state(session)
    # Write the work first: its row locks come before the chain's lock, never after (no
    # deadlock with a request that holds one and waits for the other), and what it wrote
    # is noted by the flush.
    session.flush()
    state.pending.extend(_reads(session, state))
    if not state.pending:
        return
    for org_id in dict.fromkeys(row["org_id"] for row in state.pending):
        _lock_chain(session, org_id)
        head = session.execute(
            select(AuditEvent.seq, AuditEvent.hash)
            .where(AuditEvent.org_id == org_id, col(AuditEvent.seq).is_not(None))
            .order_by(col(AuditEvent.seq).desc())
            .limit(1)
        ).first()
        seq, previous = (head[0], head[1]) if head else (0, GENESIS)
        for row in state.pending:
            if row["org_id"] != org_id:
                continue
            seq += 1
            row["seq"], row["prev_hash"] = seq, previous
            row["hash"] = previous = digest(row)
    session.execute(sa.insert(AuditEvent.__table__), state.pending)  # type: ignore[attr-defined]
    state.pending = []


LISTENERS = (
    ("loaded_as_persistent", _loaded),
    ("before_flush", _flushing),
    ("do_orm_execute", _inserting),
    ("before_commit", _append),
)
"""The session events the audit listens to (every `Session`, as tenancy's hook does)."""

for _name, _listener in LISTENERS:
    event.listen(Session, _name, _listener)


# --- verifying the chain ----------------------------------------------------------------------


@dataclass(frozen=True)
class Broken:
    seq: int
    event_id: uuid.UUID | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    org_id: uuid.UUID
    events: int
    head_seq: int
    head_hash: str
    unchained: int  # rows written before the chain existed
    broken: Broken | None


async def verify(db: AsyncSession, org_id: uuid.UUID, *, batch: int = 1000) -> ChainReport:
    """Walk an organisation's chain from the start; the first link that does not hold."""
    previous, expected, count = GENESIS, 1, 0
    broken: Broken | None = None
    while broken is None:
        rows = (
            await db.exec(
                select(AuditEvent)
                .where(AuditEvent.org_id == org_id, col(AuditEvent.seq) >= expected)
                .order_by(col(AuditEvent.seq))
                .limit(batch)
                .execution_options(populate_existing=True)
            )
        ).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected:
                broken = Broken(expected, None, f"event {expected} is missing")
            elif row.prev_hash != previous:
                broken = Broken(row.seq, row.id, "its prev_hash is not the previous event's hash")
            elif row.hash != digest(row.model_dump()):
                broken = Broken(row.seq, row.id, "its content does not match its hash (edited)")
            if broken is not None:
                break
            previous, expected, count = row.hash or "", expected + 1, count + 1
    unchained = (
        await db.exec(
            select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.org_id == org_id, col(AuditEvent.seq).is_(None))
        )
    ).one()
    return ChainReport(org_id, count, expected - 1, previous, int(unchained), broken)
