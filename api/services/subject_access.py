"""Subject access (UK GDPR article 15): everything held about one person as one document.

The tables come from the schema, as the audit's do (`audit.person_links()`): every table
that names a person, directly or through its parent row (a goal's steps, a relationship's
sessions), is in the export, or in `EXCLUDED` with the reason. Other people's data in those
rows is redacted: their ids (a mentor, the other party of a non-association), and in rows
about another mentee (a mentor's export; a group session's other attendees are never
reached) every free-text field. Secrets (password and token digests) are never exported.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import NotFound
from api.models import AuditEvent, Person, UserAccount
from api.models.base import utcnow
from api.services import audit, policy

# Tables that name a person but are not exported, and why.
EXCLUDED: dict[str, str] = {
    "event": "the outbox of notifications to integrators: the same facts as the records "
    "exported here, in a shorter form",
    "refresh_token": "a login's sessions: digests of secrets, no information about the person "
    "(the logins are exported under `logins`)",
    "webhook_subscription": "an integration owned by a login: an address and a secret, no "
    "information about the person",
}
# Tables that name a person and are exported in a section of their own.
ELSEWHERE: dict[str, str] = {"person": "person", "user_account": "logins", "audit_event": "audit"}
# Columns that are never exported: secrets, not information about the person.
SECRET_COLUMNS = frozenset({"password_hash", "setup_token_hash", "token_hash", "secret_hash"})
# Columns that hold the person a row is chiefly about (its "mentee").
MAIN_PERSON_COLUMNS = ("mentee_id", "person_id")
# Free text about another person withheld even from the rows exported (a non-association's
# reason may name a victim or a co-defendant: release it, if at all, after a human review).
WITHHELD = {"non_association": ("reason",)}
REDACTED = "[redacted: another person's data]"


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _is_text(column: sa.Column[Any]) -> bool:
    return isinstance(column.type, sa.String | sa.Text | sa.JSON) and not isinstance(
        column.type, sa.Enum
    )


class _Export:
    def __init__(self, db: AsyncSession, caller: Principal, person_id: uuid.UUID) -> None:
        self.db, self.caller, self.person_id = db, caller, person_id
        self.records: dict[str, list[dict[str, Any]]] = {}
        self.main: dict[tuple[str, Any], uuid.UUID | None] = {}  # (table, id) -> its mentee

    async def _rows(self, table: sa.Table, condition: Any) -> list[Any]:
        stmt = sa.select(table).where(condition)
        if "org_id" in table.c:
            stmt = stmt.where(table.c.org_id == self.caller.org_id)
        order = [table.c[c] for c in ("created_at", "id") if c in table.c]
        connection = await self.db.connection()  # plain rows; `org_id` is in the query
        result = await connection.execute(stmt.order_by(*order))
        return list(result.mappings().all())

    def _present(self, table: sa.Table, row: Any, main: uuid.UUID | None) -> dict[str, Any]:
        person_columns = audit.person_links().get(table.name, audit.Link()).columns
        about_another = main is not None and main != self.person_id
        withheld = WITHHELD.get(table.name, ())
        shown: dict[str, Any] = {}
        for column in table.columns:
            name = column.name
            value = row[name]
            if name in SECRET_COLUMNS or name == "org_id":
                continue
            is_person = name in person_columns or (table.name == "person" and name == "id")
            another_person = is_person and value != self.person_id
            text_about_another = about_another and _is_text(column) and not is_person
            if value is not None and (another_person or name in withheld or text_about_another):
                shown[name] = REDACTED
            else:
                shown[name] = _jsonable(value)
        return shown

    def _main_person(self, table: sa.Table, row: Any) -> uuid.UUID | None:
        for name in MAIN_PERSON_COLUMNS:
            if name in table.c and row[name] is not None:
                value: uuid.UUID = row[name]
                return value
        return None

    async def collect(self) -> None:
        tables = SQLModel.metadata.tables
        links = audit.person_links()
        direct = {n: link for n, link in links.items() if link.columns and n not in EXCLUDED}
        via = {n: link for n, link in links.items() if link.parent and n not in EXCLUDED}
        for name, link in sorted(direct.items()):
            table = tables[name]
            rows = await self._rows(
                table, sa.or_(*(table.c[c] == self.person_id for c in link.columns))
            )
            self.records[name] = []
            for row in rows:
                main = self._main_person(table, row)
                if "id" in table.c:
                    self.main[(name, row["id"])] = main
                self.records[name].append(self._present(table, row, main))
        for name, link in sorted(via.items()):
            assert link.parent is not None
            column, parent = link.parent
            parent_ids = [key[1] for key in self.main if key[0] == parent]
            table = tables[name]
            rows = await self._rows(table, table.c[column].in_(parent_ids)) if parent_ids else []
            self.records[name] = [
                self._present(table, row, self.main.get((parent, row[column]))) for row in rows
            ]


async def export(db: AsyncSession, caller: Principal, person_id: uuid.UUID) -> dict[str, Any]:
    """Everything held about the person, other people's data redacted (admin; audited)."""
    policy.authorize(caller, "people.subject_access")
    person = (
        await db.exec(select(Person).where(Person.id == person_id, Person.org_id == caller.org_id))
    ).first()
    if person is None:
        raise NotFound("No person with that id.")
    work = _Export(db, caller, person_id)
    await work.collect()
    person_rows = work.records.pop("person")
    logins = await db.exec(
        select(UserAccount).where(
            UserAccount.person_id == person_id, UserAccount.org_id == caller.org_id
        )
    )
    accesses = await db.exec(
        select(AuditEvent)
        .where(AuditEvent.person_id == person_id, AuditEvent.org_id == caller.org_id)
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    )
    document = {
        "person": person_rows[0],
        "generated_at": utcnow().isoformat(),
        "generated_by": caller.subject,
        "records": work.records,
        "logins": [
            {
                "email": login.email,
                "role": _jsonable(login.role),
                "is_active": login.is_active,
                "created_at": login.created_at.isoformat(),
                "last_login_at": _jsonable(login.last_login_at),
            }
            for login in logins.all()
        ],
        "audit": [
            {
                "at": event.at.isoformat(),
                "actor": event.actor,
                "actor_role": event.actor_role,
                "client": event.client,
                "action": event.action,
                "entity_type": event.entity_type,
                "entity_id": _jsonable(event.entity_id),
            }
            for event in accesses.all()
        ],
        "excluded": EXCLUDED,
        "redaction": "Other people's data is replaced by " + repr(REDACTED) + ".",
    }
    audit.record(
        db,
        caller,
        "person.subject_access_export",
        entity_type="person",
        entity_id=person_id,
        person_id=person_id,
        counts={name: len(rows) for name, rows in work.records.items()},
    )
    await db.commit()
    return document
