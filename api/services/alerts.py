"""Alerts: raised, acknowledged, resolved — by the rules, by people, or by another part of
the programme (`raise_alert`). One unresolved alert per rule and subject."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Conflict, NotFound
from api.models import Alert, Event
from api.models.alert import AlertRead
from api.models.base import utcnow
from api.models.enums import UNRESOLVED_ALERT_STATUSES, AlertRule, AlertStatus, Severity
from api.services import audit, policy
from api.services.outbox import emit_rows, event_row
from api.services.pagination import paginate
from api.services.versioning import check_version
from api.services.visibility import visible_alerts_clause


@dataclass(frozen=True)
class AlertFilter:
    status: AlertStatus | None = None
    rule: AlertRule | None = None
    severity: Severity | None = None
    mentee_id: uuid.UUID | None = None
    mentor_id: uuid.UUID | None = None
    relationship_id: uuid.UUID | None = None
    updated_since: datetime | None = None


@dataclass(frozen=True)
class Subject:
    """What an alert is about, and the people and relationship it concerns."""

    type: str
    id: uuid.UUID
    mentee_id: uuid.UUID | None = None
    mentor_id: uuid.UUID | None = None
    relationship_id: uuid.UUID | None = None

    @property
    def person_id(self) -> uuid.UUID | None:
        return self.mentee_id or self.mentor_id


@dataclass(frozen=True)
class NewAlert:
    """An alert to raise: its row, with the history's first entry, and its event."""

    rule: AlertRule
    severity: Severity
    subject: Subject
    message: str
    facts: dict[str, Any]

    def row(self, caller: Principal) -> dict[str, Any]:
        return {
            "id": uuid.uuid4(),
            "org_id": caller.org_id,
            "rule": self.rule,
            "severity": self.severity,
            "subject_type": self.subject.type,
            "subject_id": self.subject.id,
            "mentee_id": self.subject.mentee_id,
            "mentor_id": self.subject.mentor_id,
            "relationship_id": self.subject.relationship_id,
            "message": self.message,
            "facts": self.facts,
            "history": [_entry("raised", caller.subject, None)],
        }

    def event(self, caller: Principal, alert_id: uuid.UUID) -> dict[str, Any]:
        return event_row(
            caller,
            "alert.raised",
            alert_id,
            person_id=self.subject.person_id,
            rule=self.rule,
            severity=self.severity,
            relationship_id=self.subject.relationship_id,
            mentor_id=self.subject.mentor_id,
        )


async def list_alerts(
    db: AsyncSession, caller: Principal, filters: AlertFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[Alert], str | None]:
    stmt = select(Alert).where(visible_alerts_clause(caller))
    for column, value in (
        (Alert.status, filters.status),
        (Alert.rule, filters.rule),
        (Alert.severity, filters.severity),
        (Alert.mentee_id, filters.mentee_id),
        (Alert.mentor_id, filters.mentor_id),
        (Alert.relationship_id, filters.relationship_id),
    ):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    if filters.updated_since:
        stmt = stmt.where(col(Alert.updated_at) >= filters.updated_since)
    return await paginate(db, stmt, Alert, limit=limit, cursor=cursor)


async def of_relationships(
    db: AsyncSession, caller: Principal, relationship_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Alert]]:
    """The alerts the caller may see about each relationship, newest first."""
    rows = (
        await db.exec(
            select(Alert)
            .where(col(Alert.relationship_id).in_(relationship_ids), visible_alerts_clause(caller))
            .order_by(col(Alert.raised_at).desc(), col(Alert.id))
        )
    ).all()
    grouped: dict[uuid.UUID, list[Alert]] = {i: [] for i in relationship_ids}
    for alert in rows:
        assert alert.relationship_id is not None
        grouped[alert.relationship_id].append(alert)
    return grouped


async def find_alert(db: AsyncSession, caller: Principal, alert_id: uuid.UUID) -> Alert:
    found = (
        await db.exec(select(Alert).where(Alert.id == alert_id, visible_alerts_clause(caller)))
    ).first()
    if found is None:
        raise NotFound("No alert with that id.")
    return found


async def acknowledge(
    db: AsyncSession,
    caller: Principal,
    alert_id: uuid.UUID,
    note: str | None,
    *,
    if_match: int | None = None,
) -> Alert:
    """Someone is on it: it stays acknowledged until it clears or is resolved."""
    alert = await find_alert(db, caller, alert_id)
    policy.authorize(caller, "alerts.change")
    check_version(alert, if_match)
    if alert.status != AlertStatus.open:
        raise Conflict(f"Only an open alert can be acknowledged; this one is {alert.status}.")
    alert.status = AlertStatus.acknowledged
    alert.acknowledged_at = utcnow()
    _note(alert, "acknowledged", caller.subject, note)
    _audit(db, caller, "alert.acknowledge", alert)
    await db.commit()
    return alert


async def resolve(
    db: AsyncSession,
    caller: Principal,
    alert_id: uuid.UUID,
    note: str,
    *,
    if_match: int | None = None,
) -> Alert:
    """Closed by a person, with what was done. While its condition still holds, the rule
    raises no new alert for the same subject; once it has cleared, it may raise one."""
    alert = await find_alert(db, caller, alert_id)
    policy.authorize(caller, "alerts.change")
    check_version(alert, if_match)
    if alert.status == AlertStatus.resolved:
        raise Conflict("This alert is resolved already.")
    _close(alert, caller.subject, note)
    _audit(db, caller, "alert.resolve", alert)
    await db.commit()
    return alert


async def raise_alert(
    db: AsyncSession,
    caller: Principal,
    rule: AlertRule,
    severity: Severity,
    subject: Subject,
    message: str,
    facts: dict[str, Any] | None = None,
) -> Alert:
    """Raise an alert in the caller's transaction (any module may: an urgent concern, say),
    emitting `alert.raised`. If one is already unresolved for this rule and subject, that
    one is answered and nothing is raised. The caller commits."""
    existing = (
        await db.exec(
            select(Alert).where(
                Alert.org_id == caller.org_id,
                Alert.rule == rule,
                Alert.subject_id == subject.id,
                col(Alert.status).in_(UNRESOLVED_ALERT_STATUSES),
            )
        )
    ).first()
    return existing or add(db, caller, NewAlert(rule, severity, subject, message, facts or {}))


def add(db: AsyncSession, caller: Principal, new: NewAlert) -> Alert:
    """A new alert and its event, known to be the subject's only unresolved one for its
    rule: an object in the caller's session, audited as the caller's change."""
    alert = Alert(**new.row(caller))
    db.add(alert)
    db.add(Event(**new.event(caller, alert.id)))
    return alert


async def add_many(db: AsyncSession, caller: Principal, new: Sequence[NewAlert]) -> None:
    """Many new alerts and their events, each known to be its subject's only unresolved one
    for its rule: two statements however many (a rule's first evaluation over a large
    organisation raises thousands, where an object each cost seconds)."""
    if not new:
        return
    rows = [alert.row(caller) for alert in new]
    await db.exec(sa.insert(Alert.__table__), params=rows)  # type: ignore[attr-defined]
    await emit_rows(
        db, [alert.event(caller, row["id"]) for alert, row in zip(new, rows, strict=True)]
    )


async def clear(
    db: AsyncSession, caller: Principal, rule: AlertRule, subject_id: uuid.UUID
) -> None:
    """The condition behind `rule` for this subject has gone: its unresolved alert resolves
    itself, recorded as resolved by `caller` (a system job). The caller commits."""
    for alert in (
        await db.exec(
            select(Alert).where(
                Alert.org_id == caller.org_id,
                Alert.rule == rule,
                Alert.subject_id == subject_id,
                col(Alert.status).in_(UNRESOLVED_ALERT_STATUSES),
            )
        )
    ).all():
        close_cleared(alert, caller.subject)


def close_cleared(alert: Alert, by: str) -> None:
    alert.cleared_at = utcnow()
    _close(alert, by, "The condition has cleared.")


def _close(alert: Alert, by: str, note: str) -> None:
    alert.status = AlertStatus.resolved
    alert.resolved_at = utcnow()
    alert.resolved_by = by
    _note(alert, "resolved", by, note)


def _note(alert: Alert, action: str, by: str, note: str | None) -> None:
    alert.history = [*alert.history, _entry(action, by, note)]


def _entry(action: str, by: str, note: str | None) -> dict[str, Any]:
    return {"action": action, "at": utcnow().isoformat(), "by": by, "note": note}


def _audit(db: AsyncSession, caller: Principal, action: str, alert: Alert) -> None:
    audit.record(
        db,
        caller,
        action,
        entity_type="alert",
        entity_id=alert.id,
        person_id=alert.mentee_id or alert.mentor_id,
        rule=alert.rule,
    )


def present(alert: Alert) -> AlertRead:
    return AlertRead.model_validate(alert, from_attributes=True)
