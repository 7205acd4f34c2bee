"""The early-warning rules, run by the worker: soon after a change (the `AlertCheck` marks
its transaction left), and every organisation on a schedule for the rules that fire by the
passing of time. Each organisation is evaluated in a session of its own."""

import logging
import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from api import tenancy
from api.models import AlertCheck, Organisation
from api.services import alert_rules
from api.worker import Context, periodic

log = logging.getLogger("throughgate.alerts")

SCHEDULE_SECONDS = 15 * 60
BATCH = 5000


@periodic("alerts.changed", every=1.0)
async def evaluate_changed(context: Context) -> int:
    """The rules that read what changed, for each organisation with marks."""
    async with context.factory() as db:
        tenancy.span_organisations(db, "the worker finds the organisations whose data changed")
        marks = (
            await db.exec(select(AlertCheck.org_id, AlertCheck.id, AlertCheck.source).limit(BATCH))
        ).all()
    by_org: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {}
    for org_id, mark_id, source in marks:
        by_org.setdefault(org_id, []).append((mark_id, source))
    for org_id, seen in by_org.items():
        rules = alert_rules.rules_reading(source for _, source in seen)
        await _evaluate(context, org_id, rules, done=[mark_id for mark_id, _ in seen])
    return len(by_org)


@periodic("alerts.scheduled", every=SCHEDULE_SECONDS)
async def evaluate_all(context: Context) -> int:
    """Every rule of every organisation (answers 0: the schedule, not the work, decides
    when it runs again)."""
    async with context.factory() as db:
        tenancy.span_organisations(db, "the scheduled rules visit every organisation")
        org_ids = (await db.exec(select(col(Organisation.id)))).all()
    for org_id in org_ids:
        await _evaluate(context, org_id, None, done=[])
    return 0


async def _evaluate(
    context: Context,
    org_id: uuid.UUID,
    rules: list[alert_rules.AlertRuleDef] | None,
    *,
    done: list[uuid.UUID],
) -> None:
    async with context.factory() as db:
        tenancy.enter_organisation(db, org_id)
        try:  # (new alerts are inserted as the rules run, so a clash may come before commit)
            await alert_rules.evaluate(db, org_id, rules)
            if done:
                await db.exec(sa.delete(AlertCheck).where(col(AlertCheck.id).in_(done)))
            await db.commit()
        except IntegrityError:  # another worker raised the same alert first: its stands
            await db.rollback()
            log.info("alerts of organisation %s were evaluated elsewhere at the same time", org_id)
