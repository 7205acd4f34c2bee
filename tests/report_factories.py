"""A small programme with known answers, for the reports (see the expected figures in
tests/routers/test_reports.py)."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import (
    ApiClient,
    Assessment,
    Goal,
    MentoringRelationship,
    MentoringSession,
    Organisation,
    Outcome,
    Person,
    Referral,
    RelationshipEvent,
    Service,
    UserAccount,
)
from api.models.enums import Role
from api.settings import Settings
from tests.factories import bearer, make_client, make_mentee, make_mentor, make_org, make_user

FROM, TO = date(2026, 1, 1), date(2026, 6, 30)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass
class Programme:
    settings: Settings
    org: Organisation
    mentees: dict[str, Person]
    accounts: dict[str, UserAccount | ApiClient] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return bearer(self.settings, self.accounts[who])


async def _relationship(
    db: AsyncSession,
    mentee: Person,
    mentor: Person,
    started: date,
    *,
    ended: date | None = None,
    reason: str | None = None,
    phase: str = "community",
) -> MentoringRelationship:
    row = MentoringRelationship(
        org_id=mentee.org_id,
        mentee_id=mentee.id,
        mentor_id=mentor.id,
        status="ended" if ended else "active",
        phase=phase,
        started_on=started,
        ended_on=ended,
        ending_reason=reason,
        ending_summary="Ended." if ended else None,
    )
    db.add(row)
    db.add(
        RelationshipEvent(
            org_id=mentee.org_id,
            relationship_id=row.id,
            field="phase",
            to_value=phase,
            at=at(started),
            by="test",
        )
    )
    return row


def _session(rel: MentoringRelationship, day: date, status: str = "held", **kw: Any) -> Any:
    return MentoringSession(
        org_id=rel.org_id,
        relationship_id=rel.id,
        scheduled_start=at(day),
        setting=kw.pop("setting", "community"),
        status=status,
        status_reason=None if status == "held" else "Did not come.",
        **kw,
    )


async def build_programme(db: AsyncSession, settings: Settings) -> Programme:
    org = await make_org(db, f"Report Org {uuid.uuid4().hex[:6]}")
    ne: dict[str, Any] = {"region": "North East"}
    m1 = await make_mentor(
        db, org, given_name="Ade", profile={"last_supervision_on": date(2026, 6, 20)}, **ne
    )
    m2 = await make_mentor(
        db,
        org,
        given_name="Bo",
        profile={
            "vetting_status": "pending",
            "training_completed_on": None,
            "last_supervision_on": None,
        },
        **ne,
    )

    def custody(release: date, **identifiers: str) -> dict[str, Any]:
        return {"custody_status": "released", "release_date": release, **identifiers}

    a = await make_mentee(
        db,
        org,
        given_name="Alan",
        family_name="Archer",
        gender="male",
        date_of_birth=date(1990, 5, 4),
        profile=custody(date(2026, 2, 1), pnc_number="2012/0052834K", prison_number="A1234BC"),
        **ne,
    )
    b = await make_mentee(
        db,
        org,
        given_name="Beth",
        family_name="Baker",
        gender="Female",
        date_of_birth=date(1985, 1, 2),
        profile=custody(date(2026, 2, 10), prison_number="B2345CD"),
        **ne,
    )
    c = await make_mentee(
        db,
        org,
        given_name="Cal",
        family_name="Cole",
        gender="male",
        profile={"custody_status": "community_sentence"},
        **ne,
    )
    d = await make_mentee(
        db,
        org,
        given_name="Dee",
        family_name="-Dunn",
        gender="non-binary",
        date_of_birth=date(1999, 9, 9),
        profile=custody(date(2026, 4, 1), pnc_number="99/1234567B"),
        **ne,
    )
    e = await make_mentee(db, org, given_name="Eve", family_name="Ellis", **ne)
    g = await make_mentee(
        db,
        org,
        given_name="Gwen",
        family_name='=HYPERLINK("http://evil.example")',
        gender="female",
        date_of_birth=date(1970, 7, 7),
        profile={"custody_status": "community_sentence"},
        region="Wales",
    )

    r1 = await _relationship(
        db, a, m1, date(2026, 1, 10), ended=date(2026, 3, 10), reason="completed", phase="custody"
    )
    r2 = await _relationship(
        db,
        b,
        m1,
        date(2026, 1, 15),
        ended=date(2026, 5, 15),
        reason="lost_contact",
        phase="custody",
    )
    r3 = await _relationship(db, c, m1, date(2026, 2, 1))
    r4 = await _relationship(
        db, d, m2, date(2026, 3, 1), ended=date(2026, 6, 20), reason="completed", phase="custody"
    )
    await _relationship(db, e, m2, date(2025, 10, 1))
    await _relationship(db, g, m2, date(2026, 2, 1), ended=date(2026, 3, 1), reason="other")
    await db.commit()

    db.add_all(
        [
            _session(r1, date(2026, 2, 3)),
            _session(r2, date(2026, 3, 1)),
            _session(r3, date(2026, 2, 5)),
            _session(r3, date(2026, 2, 12), "missed_by_mentee"),
            _session(r3, date(2026, 3, 5), setting="phone"),
            _session(r4, date(2026, 3, 20)),  # before release: not through the gate
            _session(r1, date(2025, 12, 1)),  # before the period
        ]
    )
    for mentee, pathway, status in (
        (a, "accommodation", "achieved"),
        (b, "accommodation", "active"),
        (c, "health", "achieved"),
    ):
        db.add(
            Goal(
                org_id=org.id,
                mentee_id=mentee.id,
                pathway=pathway,
                title="A goal",
                set_by="mentor",
                status=status,
                created_at=at(date(2026, 2, 1)),
            )
        )
    service = Service(org_id=org.id, name="Homes", provider="Council", category="accommodation")
    db.add(service)
    partner = await make_client(db, org, Role.partner)
    db.add_all(
        [
            Referral(
                org_id=org.id,
                direction="outbound",
                status="completed",
                outcome="achieved",
                mentee_id=a.id,
                service_id=service.id,
                created_at=at(date(2026, 2, 2)),
            ),
            Referral(
                org_id=org.id,
                direction="inbound",
                status="accepted",
                mentee_id=c.id,
                referred_by_client_id=partner.id,
                created_at=at(date(2026, 1, 20)),
            ),
        ]
    )

    def outcome(mentee: Person, milestone: str, day: date, **facts: Any) -> Outcome:
        return Outcome(
            org_id=org.id,
            mentee_id=mentee.id,
            milestone=milestone,
            recorded_on=day,
            recorded_by="test",
            **facts,
        )

    db.add_all(
        [
            outcome(
                a,
                "start",
                date(2025, 12, 20),
                accommodation="temporary",
                employment="none",
                gp_registered=False,
            ),
            outcome(
                a,
                "3_months",
                date(2026, 4, 10),
                accommodation="settled",
                employment="employed",
                gp_registered=True,
            ),
            outcome(
                b, "start", date(2026, 1, 15), accommodation="rough_sleeping", employment="none"
            ),
            outcome(
                b, "3_months", date(2026, 5, 1), accommodation="rough_sleeping", employment="none"
            ),
            # a correction: the later record at the same milestone counts
            outcome(
                b, "3_months", date(2026, 5, 10), accommodation="temporary", employment="training"
            ),
        ]
    )

    def assessment(
        mentee: Person, day: date, scores: dict[str, int], recorded_at: int = 9
    ) -> Assessment:
        return Assessment(
            org_id=org.id,
            mentee_id=mentee.id,
            taken_on=day,
            scores=scores,
            recorded_by="test",
            created_at=datetime(2026, 5, 20, recorded_at, tzinfo=UTC),
        )

    db.add_all(
        [
            assessment(a, date(2026, 1, 20), {"accommodation": 3, "health": 5}),
            assessment(a, date(2026, 4, 20), {"accommodation": 7, "health": 4}),
            assessment(b, date(2026, 2, 1), {"accommodation": 2}),
            assessment(b, date(2026, 5, 1), {"accommodation": 2}),
            assessment(c, date(2026, 2, 1), {"health": 6}),
            # Alan's latest has no accommodation score: his accommodation change is still 3
            # to 7. On one day, the assessment recorded later is the later one.
            assessment(a, date(2026, 5, 20), {"health": 2}, recorded_at=16),
            assessment(a, date(2026, 5, 20), {"health": 4}, recorded_at=10),
        ]
    )
    await db.commit()
    accounts: dict[str, UserAccount | ApiClient] = {
        role: await make_user(db, org, Role(role)) for role in ("admin", "coordinator", "analyst")
    }
    accounts["partner"] = partner
    return Programme(settings, org, {"a": a, "b": b, "c": c, "d": d, "e": e, "g": g}, accounts)
