"""Report tables about the programme's activity: relationships, sessions, goals, referrals.

Each table is one SQL aggregation; Python only shapes the grouped results.
"""

from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import (
    ApiClient,
    Goal,
    MenteeProfile,
    MentoringRelationship,
    MentoringSession,
    Referral,
    RelationshipEvent,
    Service,
)
from api.models.base import utc_today
from api.models.enums import (
    EndingReason,
    GoalStatus,
    Phase,
    ReferralDirection,
    SessionStatus,
)
from api.models.report import ReportTable
from api.services.reports.period import Period
from api.services.reports.sql import day_of, days_between, run, tally
from api.services.reports.tables import (
    Tabulator,
    is_mentee_in_scope,
    labelled,
    mentees_in_scope,
)
from api.services.suppression import share

Rel = MentoringRelationship
DURATION_BANDS = (
    ("under_3_months", 0, 91),
    ("3_to_6_months", 91, 183),
    ("6_to_12_months", 183, 365),
    ("12_months_or_more", 365, None),
)
GATE_WINDOWS = (7, 28)


def _relationships_of(org_id: Any, period: Period) -> list[sa.ColumnElement[bool]]:
    return [
        col(Rel.org_id) == org_id,
        is_mentee_in_scope(col(Rel.mentee_id), org_id, period),
    ]


async def relationships(
    db: AsyncSession, org_id: Any, period: Period, tab: Tabulator
) -> list[ReportTable]:
    scope = _relationships_of(org_id, period)
    started = col(Rel.started_on).between(period.start, period.end)
    active = sa.and_(
        col(Rel.started_on) <= period.end,
        sa.or_(col(Rel.ended_on).is_(None), col(Rel.ended_on) >= period.start),
    )
    ended = col(Rel.ended_on).between(period.start, period.end)
    # One pass, grouped by ending reason: the totals are sums over these few groups.
    groups = (
        await run(
            db,
            sa.select(
                col(Rel.ending_reason),
                tally(started, "started"),
                tally(active, "active"),
                tally(ended, "ended"),
                tally(
                    sa.and_(
                        ended,
                        col(Rel.started_on).is_(None),
                        col(Rel.ending_reason) == EndingReason.mentee_withdrew,
                    ),
                    "declined_by_mentee",
                ),
            )
            .where(*scope)
            .group_by(col(Rel.ending_reason))
            .order_by(col(Rel.ending_reason)),
        )
    ).all()
    totals = Counter[str]()
    for group in groups:
        totals.update({k: v for k, v in group._asdict().items() if k != "ending_reason"})
    endings = [g for g in groups if g.ended]
    return [
        tab.table(
            "relationships",
            "Mentoring relationships",
            "Started in the period; active at any time in it (started, not ended before it); "
            "ended in it; and proposed matches the mentee declined in it (ended as "
            "`mentee_withdrew` before they started).",
            [],
            [({}, {m: totals[m] for m in ("started", "active", "ended", "declined_by_mentee")})],
        ),
        tab.table(
            "endings",
            "Relationships ended, by reason",
            "Relationships that ended in the period, by their ending reason.",
            ["ending_reason"],
            [(labelled({"ending_reason": r.ending_reason}), {"ended": r.ended}) for r in endings],
        ),
    ]


async def durations(
    db: AsyncSession, org_id: Any, period: Period, tab: Tabulator
) -> list[ReportTable]:
    days = days_between(col(Rel.ended_on), col(Rel.started_on))
    ended = sa.select(days.label("days")).where(
        *_relationships_of(org_id, period),
        col(Rel.ended_on).between(period.start, period.end),
        col(Rel.started_on).is_not(None),
    )
    ended_days = ended.subquery()
    ranked = sa.select(
        ended_days.c.days,
        sa.func.row_number().over(order_by=ended_days.c.days).label("n"),
        sa.func.count().over().label("total"),
    ).subquery()
    middle = ranked.c.n.in_([(ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2])
    band = sa.case(
        *((ranked.c.days < upper, name) for name, _, upper in DURATION_BANDS if upper is not None),
        else_=DURATION_BANDS[-1][0],
    )
    found = (
        await run(
            db,
            sa.select(
                sa.func.avg(sa.case((middle, ranked.c.days))).label("median"),
                *(tally(band == name, name) for name, _, _ in DURATION_BANDS),
            ),
        )
    ).one()
    median = found.median
    by_band = {name: getattr(found, name) for name, _, _ in DURATION_BANDS}
    total = sum(by_band.values())
    summary = tab.table(
        "duration",
        "How long relationships lasted",
        "Relationships that ended in the period, from activation to ending: the median in "
        "days (hidden when fewer than 5 ended, for readers who are not staff).",
        [],
        [({}, {"ended_after_starting": total})],
        lambda c, _: {
            "median_days": None
            if c["ended_after_starting"].value in (None, 0) or median is None
            else round(float(median), 1)
        },
    )
    bands = tab.table(
        "duration_bands",
        "Duration bands",
        "The same relationships, by how long they lasted.",
        ["duration"],
        [({"duration": name}, {"ended": by_band[name]}) for name, _, _ in DURATION_BANDS],
    )
    return [summary, bands]


async def through_the_gate(
    db: AsyncSession, org_id: Any, period: Period, tab: Tabulator
) -> list[ReportTable]:
    """Relationships started in custody whose mentee was released in the period: was a
    session held within 7 and 28 days of release? Counted once the window has closed."""
    today = utc_today()
    released_on = col(MenteeProfile.release_date)
    started_in_custody = sa.exists().where(
        col(RelationshipEvent.relationship_id) == col(Rel.id),
        col(RelationshipEvent.field) == "phase",
        col(RelationshipEvent.to_value) == Phase.custody,
    )
    releases = (
        sa.select(col(Rel.id).label("relationship_id"), released_on.label("released_on"))
        .join(MenteeProfile, col(MenteeProfile.person_id) == col(Rel.mentee_id))
        .where(
            *_relationships_of(org_id, period),
            released_on.between(period.start, min(period.end, today)),
            col(Rel.started_on) <= released_on,
            sa.or_(col(Rel.ended_on).is_(None), col(Rel.ended_on) >= released_on),
            started_in_custody,
        )
        .subquery()
    )
    measures = [tally(sa.true(), "released")]
    for window in GATE_WINDOWS:
        closed = days_between(sa.literal(today, sa.Date()), releases.c.released_on) >= window
        held = sa.exists().where(
            col(MentoringSession.relationship_id) == releases.c.relationship_id,
            col(MentoringSession.status) == SessionStatus.held,
            days_between(
                day_of(col(MentoringSession.scheduled_start)), releases.c.released_on
            ).between(0, window),
        )
        measures += [
            tally(closed, f"window_closed_{window}_days"),
            tally(sa.and_(closed, held), f"held_within_{window}_days"),
        ]
    row = (await run(db, sa.select(*measures).select_from(releases))).one()
    return [
        tab.table(
            "through_the_gate",
            "Through the gate",
            "Relationships started in custody whose mentee was released in the period, and "
            "whether a session was held within 7 and within 28 days after release (rates "
            "count only releases whose window has closed).",
            [],
            [({}, row._asdict())],
            lambda c, _: {
                f"rate_{w}_days": share(c[f"held_within_{w}_days"], c[f"window_closed_{w}_days"])
                for w in GATE_WINDOWS
            },
        )
    ]


async def sessions(
    db: AsyncSession, org_id: Any, period: Period, tab: Tabulator
) -> list[ReportTable]:
    status = col(MentoringSession.status)
    rows = (
        await run(
            db,
            sa.select(
                col(MentoringSession.setting),
                col(MentoringSession.format),
                tally(status == SessionStatus.held, "held"),
                tally(status == SessionStatus.missed_by_mentee, "missed_by_mentee"),
                tally(status == SessionStatus.missed_by_mentor, "missed_by_mentor"),
                tally(status == SessionStatus.cancelled, "cancelled"),
            )
            .join(Rel, col(Rel.id) == col(MentoringSession.relationship_id))
            .where(
                *_relationships_of(org_id, period),
                col(MentoringSession.scheduled_start) >= period.first_instant,
                col(MentoringSession.scheduled_start) < period.after_last_instant,
            )
            .group_by(col(MentoringSession.setting), col(MentoringSession.format))
            .order_by(col(MentoringSession.setting), col(MentoringSession.format)),
        )
    ).all()
    return [
        tab.table(
            "sessions",
            "Sessions by setting and format",
            "Sessions planned for the period: held, missed by either side, or cancelled.",
            ["setting", "format"],
            [
                (
                    {"setting": r.setting, "format": r.format},
                    {k: v for k, v in r._asdict().items() if k not in ("setting", "format")},
                )
                for r in rows
            ],
        )
    ]


async def goals(db: AsyncSession, org_id: Any, period: Period, tab: Tabulator) -> list[ReportTable]:
    status = col(Goal.status)
    rows = (
        await run(
            db,
            sa.select(
                col(Goal.pathway),
                sa.func.count().label("goals"),
                *(tally(status == s, s.value) for s in GoalStatus),
            )
            .where(
                col(Goal.org_id) == org_id,
                col(Goal.mentee_id).in_(mentees_in_scope(org_id, period)),
                col(Goal.created_at) >= period.first_instant,
                col(Goal.created_at) < period.after_last_instant,
            )
            .group_by(col(Goal.pathway))
            .order_by(col(Goal.pathway)),
        )
    ).all()
    return [
        tab.table(
            "goals",
            "Goals by pathway and status",
            "Goals set in the period, by pathway and their status now; the share achieved "
            "is of all of them.",
            ["pathway"],
            [
                ({"pathway": r.pathway}, {k: v for k, v in r._asdict().items() if k != "pathway"})
                for r in rows
            ],
            lambda c, _: {"share_achieved": share(c[GoalStatus.achieved.value], c["goals"])},
            parts=[s.value for s in GoalStatus],
        )
    ]


async def referrals(
    db: AsyncSession, org_id: Any, period: Period, tab: Tabulator
) -> list[ReportTable]:
    in_period = [
        col(Referral.org_id) == org_id,
        col(Referral.mentee_id).in_(mentees_in_scope(org_id, period)),
        col(Referral.created_at) >= period.first_instant,
        col(Referral.created_at) < period.after_last_instant,
    ]
    out_rows = (
        await run(
            db,
            sa.select(
                col(Service.category),
                col(Referral.status),
                col(Referral.outcome),
                sa.func.count().label("referrals"),
            )
            .join(Service, col(Service.id) == col(Referral.service_id))
            .where(*in_period, col(Referral.direction) == ReferralDirection.outbound)
            .group_by(col(Service.category), col(Referral.status), col(Referral.outcome))
            .order_by(col(Service.category), col(Referral.status), col(Referral.outcome)),
        )
    ).all()
    partner = sa.func.coalesce(col(ApiClient.name), "staff")
    in_rows = (
        await run(
            db,
            sa.select(partner.label("partner"), col(Referral.status), sa.func.count())
            .outerjoin(ApiClient, col(ApiClient.id) == col(Referral.referred_by_client_id))
            .where(*in_period, col(Referral.direction) == ReferralDirection.inbound)
            .group_by(partner, col(Referral.status))
            .order_by(partner, col(Referral.status)),
        )
    ).all()
    return [
        tab.table(
            "referrals_out",
            "Referrals out, by category and outcome",
            "Referrals to services made in the period, by the service's category, the "
            "referral's status and (once completed) its outcome.",
            ["category", "status", "outcome"],
            [
                (labelled({"category": c, "status": s, "outcome": o}), {"referrals": n})
                for c, s, o, n in out_rows
            ],
        ),
        tab.table(
            "referrals_in",
            "Referrals in, by partner and status",
            "Referrals into the programme received in the period, by the referring partner "
            "system (`staff` when made by the programme's own staff) and status.",
            ["partner", "status"],
            [({"partner": p, "status": s}, {"referrals": n}) for p, s, n in in_rows],
        ),
    ]
