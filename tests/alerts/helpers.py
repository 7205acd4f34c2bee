"""Running the alert rules as the worker does, and reading what they raised."""

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import Alert, MentoringRelationship
from api.models.enums import AlertRule, Severity
from api.services import alerts
from api.services.alerts import Subject
from api.worker import JOBS, Context, Worker, load_jobs

BASE = "/api/v1/alerts"


async def run_rules(app: FastAPI, *, everything: bool = False) -> None:
    """The worker's alert jobs until idle: the rules the marked changes concern, or (as
    the schedule does) every rule of every organisation."""
    load_jobs()
    name = "alerts.scheduled" if everything else "alerts.changed"
    worker = Worker(Context(app.state.db_factory, app.state.settings), [JOBS[name]])
    await worker.drain()


async def alerts_of(
    client: httpx.AsyncClient, headers: dict[str, str], **filters: Any
) -> list[dict[str, Any]]:
    answer = await client.get(BASE, params={"limit": 200, **filters}, headers=headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def raise_alert_for(
    db: AsyncSession, org_id: uuid.UUID, relationship_id: uuid.UUID | str
) -> Alert:
    """An open `not_a_good_fit` alert about a relationship, raised as any module would."""
    relationship = await db.get(MentoringRelationship, uuid.UUID(str(relationship_id)))
    assert relationship is not None
    subject = Subject(
        "relationship",
        relationship.id,
        mentee_id=relationship.mentee_id,
        mentor_id=relationship.mentor_id,
        relationship_id=relationship.id,
    )
    alert = await alerts.raise_alert(
        db,
        Principal.system(org_id, "tests"),
        AlertRule.not_a_good_fit,
        Severity.warning,
        subject,
        "The mentee says this is not a good fit.",
        {"sides": ["mentee"]},
    )
    await db.commit()
    return alert
