"""The early-warning rules: each is one SQL statement that finds, for one organisation, every
subject whose condition holds now. `evaluate` reconciles those sets with the alerts: a new
subject raises an alert, a subject that is no longer found has its alert resolved by the
system, and one still found keeps its alert (with its facts brought up to date).

When the rules run: a flush that writes a table some rule reads leaves an `AlertCheck` mark
in the same transaction (`mark_changes`, a session listener), and the worker evaluates the
rules that read the marked tables soon after the commit (`api/worker/alerts.py`); the worker
also evaluates every rule of every organisation on a schedule, for the rules that fire by
the passing of time.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction, aliased
from sqlalchemy.orm.util import identity_key
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import (
    Alert,
    AlertCheck,
    CustodyEvent,
    Goal,
    GoalReview,
    MenteeProfile,
    MentoringRelationship,
    MentoringSession,
    MentorProfile,
    Organisation,
    Person,
    RelationshipCheckIn,
)
from api.models.alert import AlertThresholds
from api.models.base import utcnow
from api.models.enums import (
    OPEN_RELATIONSHIP_STATUSES,
    UNRESOLVED_ALERT_STATUSES,
    AlertRule,
    AlertStatus,
    CheckInFeeling,
    CustodyEventName,
    CustodyStatus,
    GoalStatus,
    RelationshipStatus,
    SessionStatus,
    Severity,
    VettingStatus,
)
from api.services import alerts
from api.services.alerts import NewAlert, Subject
from api.services.organisation import alert_thresholds
from api.services.reports.sql import day_of, days_between, run

R = MentoringRelationship
S = MentoringSession
SYSTEM_JOB = "alerts"
MISSED = (SessionStatus.missed_by_mentee, SessionStatus.missed_by_mentor)
OPEN_GOALS = (GoalStatus.proposed, GoalStatus.active, GoalStatus.on_hold)


@dataclass(frozen=True)
class Today:
    """The moment a rule is evaluated at, as a date and as the start of that UTC day."""

    now: datetime

    @property
    def day(self) -> date:
        return self.now.date()

    def days_ago(self, days: int) -> date:
        return self.day - timedelta(days=days)

    def start_of(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=UTC)


Firing = Callable[[uuid.UUID, Today, AlertThresholds], sa.Select[Any]]
Describe = Callable[[Mapping[str, Any], Today, AlertThresholds], tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class AlertRuleDef:
    """A rule: its severity, what its subject is, the tables it reads, the statement that
    finds its subjects (columns `subject_id`, `mentee_id`, `mentor_id`, `relationship_id`
    and the facts), and how a found row reads to a coordinator."""

    name: AlertRule
    severity: Severity
    subject: str
    reads: frozenset[str]
    firing: Firing
    describe: Describe


def _ids(
    subject: Any, mentee: Any = None, mentor: Any = None, relationship: Any = None
) -> list[Any]:
    def label(value: Any, name: str) -> Any:
        return (value if value is not None else sa.null()).label(name)

    return [
        label(subject, "subject_id"),
        label(mentee, "mentee_id"),
        label(mentor, "mentor_id"),
        label(relationship, "relationship_id"),
    ]


def _relationship_ids() -> list[Any]:
    return _ids(col(R.id), col(R.mentee_id), col(R.mentor_id), col(R.id))


def _last_held() -> Any:
    return (
        sa.select(sa.func.max(S.scheduled_start))
        .where(col(S.relationship_id) == col(R.id), col(S.status) == SessionStatus.held)
        .correlate(R)
        .scalar_subquery()
    )


def _days(since: date | datetime | None, today: Today) -> int | None:
    if since is None:
        return None
    day = since.date() if isinstance(since, datetime) else since
    return (today.day - day).days


# --- the rules ------------------------------------------------------------------------------


def _no_session_held(org_id: uuid.UUID, today: Today, t: AlertThresholds) -> sa.Select[Any]:
    cutoff = today.days_ago(t.no_session_held_days)
    active = (
        sa.select(
            *_relationship_ids(),
            _last_held().label("last_held"),
            col(R.started_on).label("started_on"),
            col(R.created_at).label("created_at"),
        )
        .where(col(R.org_id) == org_id, col(R.status) == RelationshipStatus.active)
        .subquery()
    )
    since_start = sa.or_(
        active.c.started_on <= cutoff,
        sa.and_(active.c.started_on.is_(None), active.c.created_at < today.start_of(cutoff)),
    )
    return sa.select(active).where(
        sa.or_(
            active.c.last_held < today.start_of(cutoff),
            sa.and_(active.c.last_held.is_(None), since_start),
        )
    )


def _describe_no_session_held(
    row: Mapping[str, Any], today: Today, t: AlertThresholds
) -> tuple[str, dict[str, Any]]:
    last = row["last_held"]
    days = _days(last or row["started_on"] or row["created_at"], today)
    facts = {
        "days_since_last_held_session": days,
        "last_held_on": last.date().isoformat() if last else None,
        "threshold_days": t.no_session_held_days,
    }
    what = (
        f"No session has been held for {days} days"
        if last
        else (f"No session has been held in the {days} days since the relationship started")
    )
    return f"{what}. Contact the mentor and mentee and arrange a session.", facts


def _missed_sessions(org_id: uuid.UUID, today: Today, t: AlertThresholds) -> sa.Select[Any]:
    active = (
        sa.select(*_relationship_ids(), _last_held().label("last_held"))
        .where(col(R.org_id) == org_id, col(R.status) == RelationshipStatus.active)
        .subquery()
    )
    by_mentee = col(S.status) == SessionStatus.missed_by_mentee
    return (
        sa.select(
            active.c.subject_id,
            active.c.mentee_id,
            active.c.mentor_id,
            active.c.relationship_id,
            sa.func.count().label("missed"),
            sa.func.sum(sa.case((by_mentee, 1), else_=0)).label("missed_by_mentee"),
        )
        .join(S, col(S.relationship_id) == active.c.subject_id)
        .where(
            col(S.status).in_(MISSED),
            sa.or_(active.c.last_held.is_(None), col(S.scheduled_start) > active.c.last_held),
        )
        .group_by(
            active.c.subject_id, active.c.mentee_id, active.c.mentor_id, active.c.relationship_id
        )
        .having(sa.func.count() >= t.missed_sessions_in_a_row)
    )


def _describe_missed_sessions(
    row: Mapping[str, Any], today: Today, t: AlertThresholds
) -> tuple[str, dict[str, Any]]:
    missed, by_mentee = int(row["missed"]), int(row["missed_by_mentee"])
    facts = {
        "missed_in_a_row": missed,
        "missed_by_mentee": by_mentee,
        "missed_by_mentor": missed - by_mentee,
        "threshold": t.missed_sessions_in_a_row,
    }
    return (
        f"{missed} sessions in a row were missed ({by_mentee} by the mentee, "
        f"{missed - by_mentee} by the mentor). Find out what is getting in the way before "
        "the relationship drifts.",
        facts,
    )


def _no_contact_after_release(
    org_id: uuid.UUID, today: Today, t: AlertThresholds
) -> sa.Select[Any]:
    window = t.no_contact_after_release_days
    held_since_release = sa.exists().where(
        col(S.relationship_id) == col(R.id),
        col(S.status) == SessionStatus.held,
        day_of(col(S.scheduled_start)) >= col(MenteeProfile.release_date),
    )
    recalled_since = sa.exists().where(
        col(CustodyEvent.person_id) == col(R.mentee_id),
        col(CustodyEvent.event) == CustodyEventName.recalled,
        col(CustodyEvent.occurred_on) >= col(MenteeProfile.release_date),
    )
    return (
        sa.select(*_relationship_ids(), col(MenteeProfile.release_date).label("release_date"))
        .join(MenteeProfile, col(MenteeProfile.person_id) == col(R.mentee_id))
        .where(
            col(R.org_id) == org_id,
            col(R.status).in_(OPEN_RELATIONSHIP_STATUSES),
            col(MenteeProfile.custody_status) != CustodyStatus.community_sentence,
            col(MenteeProfile.release_date) <= today.days_ago(window),
            # open by the end of the window: the relationship the release was meant to meet
            days_between(day_of(col(R.created_at)), col(MenteeProfile.release_date)) <= window,
            ~held_since_release,
            ~recalled_since,
        )
    )


def _describe_no_contact_after_release(
    row: Mapping[str, Any], today: Today, t: AlertThresholds
) -> tuple[str, dict[str, Any]]:
    days = _days(row["release_date"], today)
    facts = {
        "released_on": row["release_date"].isoformat(),
        "days_since_release": days,
        "threshold_days": t.no_contact_after_release_days,
    }
    return (
        f"Released {days} days ago and no session has been held since. The first days "
        "after release matter most: make contact today.",
        facts,
    )


def _release_without_match(org_id: uuid.UUID, today: Today, t: AlertThresholds) -> sa.Select[Any]:
    has_open = sa.exists().where(
        col(R.mentee_id) == col(Person.id), col(R.status).in_(OPEN_RELATIONSHIP_STATUSES)
    )
    return (
        sa.select(
            *_ids(col(Person.id), col(Person.id)),
            col(MenteeProfile.release_date).label("release_date"),
        )
        .join(MenteeProfile, col(MenteeProfile.person_id) == col(Person.id))
        .where(
            col(Person.org_id) == org_id,
            col(Person.deleted_at).is_(None),
            col(MenteeProfile.custody_status) == CustodyStatus.in_custody,
            col(MenteeProfile.release_date) >= today.day,
            col(MenteeProfile.release_date)
            <= today.day + timedelta(days=t.release_without_match_days),
            ~has_open,
        )
    )


def _describe_release_without_match(
    row: Mapping[str, Any], today: Today, t: AlertThresholds
) -> tuple[str, dict[str, Any]]:
    days = -(_days(row["release_date"], today) or 0)
    facts = {
        "release_date": row["release_date"].isoformat(),
        "days_to_release": days,
        "threshold_days": t.release_without_match_days,
    }
    return (
        f"Due for release in {days} days with no mentor. Propose a match now, so someone "
        "meets them at the gate.",
        facts,
    )


def _open_relationship_of_mentee(mentee_id: Any) -> Any:
    """An outer-join target: the mentee's open relationship, if any (at most one)."""
    return aliased(R), lambda rel: sa.and_(
        col(rel.mentee_id) == mentee_id, col(rel.status).in_(OPEN_RELATIONSHIP_STATUSES)
    )


def _goal_review_overdue(org_id: uuid.UUID, today: Today, t: AlertThresholds) -> sa.Select[Any]:
    rel, on = _open_relationship_of_mentee(col(Goal.mentee_id))
    return (
        sa.select(
            *_ids(col(Goal.id), col(Goal.mentee_id), col(rel.mentor_id), col(rel.id)),
            col(Goal.review_date).label("review_date"),
            col(Goal.title).label("title"),
        )
        .join(Person, col(Person.id) == col(Goal.mentee_id))
        .outerjoin(rel, on(rel))
        .where(
            col(Goal.org_id) == org_id,
            col(Person.deleted_at).is_(None),
            col(Goal.status).in_(OPEN_GOALS),
            col(Goal.review_date) <= today.days_ago(t.goal_review_overdue_days),
        )
    )


def _describe_goal_review_overdue(
    row: Mapping[str, Any], today: Today, t: AlertThresholds
) -> tuple[str, dict[str, Any]]:
    days = _days(row["review_date"], today)
    facts = {
        "review_date": row["review_date"].isoformat(),
        "days_overdue": days,
        "threshold_days": t.goal_review_overdue_days,
    }
    return (
        f"The review of the goal \u201c{row['title']}\u201d is {days} days overdue. Review it "
        "with the mentee, or set a new review date.",
        facts,
    )


def _repeated_lapses(org_id: uuid.UUID, today: Today, t: AlertThresholds) -> sa.Select[Any]:
    lapses = (
        sa.select(
            col(Goal.mentee_id).label("mentee_id"),
            sa.func.count().label("lapses"),
            sa.func.max(GoalReview.reviewed_on).label("latest"),
        )
        .join(Goal, col(Goal.id) == col(GoalReview.goal_id))
        .where(
            col(GoalReview.org_id) == org_id,
            col(GoalReview.lapse),
            col(GoalReview.reviewed_on) >= today.days_ago(t.repeated_lapses_window_days),
        )
        .group_by(col(Goal.mentee_id))
        .having(sa.func.count() >= t.repeated_lapses_count)
        .subquery()
    )
    rel, on = _open_relationship_of_mentee(lapses.c.mentee_id)
    return (
        sa.select(
            *_ids(lapses.c.mentee_id, lapses.c.mentee_id, col(rel.mentor_id), col(rel.id)),
            lapses.c.lapses,
            lapses.c.latest,
        )
        .join(Person, col(Person.id) == lapses.c.mentee_id)
        .outerjoin(rel, on(rel))
        .where(col(Person.deleted_at).is_(None))
    )


def _describe_repeated_lapses(
    row: Mapping[str, Any], today: Today, t: AlertThresholds
) -> tuple[str, dict[str, Any]]:
    lapses = int(row["lapses"])
    facts = {
        "lapses": lapses,
        "window_days": t.repeated_lapses_window_days,
        "latest_on": row["latest"].isoformat(),
        "threshold": t.repeated_lapses_count,
    }
    return (
        f"{lapses} goal reviews in the last {t.repeated_lapses_window_days} days recorded a "
        "lapse. This is for support, never a sanction: check what extra help (treatment, "
        "housing, a closer plan) would make a difference.",
        facts,
    )


def _not_a_good_fit(org_id: uuid.UUID, today: Today, t: AlertThresholds) -> sa.Select[Any]:
    c, later = RelationshipCheckIn, aliased(RelationshipCheckIn)
    newer = sa.exists().where(
        col(later.relationship_id) == col(c.relationship_id),
        col(later.side) == col(c.side),
        col(later.at) > col(c.at),
    )
    mentee_says = sa.case((col(c.side) == "mentee", 1), else_=0)
    return (
        sa.select(
            *_relationship_ids(),
            sa.func.max(mentee_says).label("mentee_says"),
            sa.func.min(mentee_says).label("mentee_only"),
        )
        .join(c, col(c.relationship_id) == col(R.id))
        .where(
            col(R.org_id) == org_id,
            col(R.status).in_(OPEN_RELATIONSHIP_STATUSES),
            col(c.feeling) == CheckInFeeling.not_a_good_fit,
            ~newer,
        )
        .group_by(col(R.id), col(R.mentee_id), col(R.mentor_id))
    )


def _describe_not_a_good_fit(
    row: Mapping[str, Any], today: Today, t: AlertThresholds
) -> tuple[str, dict[str, Any]]:
    sides = ["mentee"] if row["mentee_only"] else ["mentor"]
    if row["mentee_says"] and not row["mentee_only"]:
        sides = ["mentee", "mentor"]
    who = " and ".join(f"the {side}" for side in sides)
    return (
        f"The latest check-in of {who} says this is not a good fit. Talk to them both: "
        "agree what would help, or plan a good ending and a new match.",
        {"sides": sides},
    )


def _mentor_ids() -> list[Any]:
    return _ids(col(Person.id), None, col(Person.id))


def _working_mentors(org_id: uuid.UUID) -> sa.Select[Any]:
    """Mentors (not removed) with at least one open relationship, and their profile."""
    has_open = sa.exists().where(
        col(R.mentor_id) == col(Person.id), col(R.status).in_(OPEN_RELATIONSHIP_STATUSES)
    )
    return (
        sa.select(*_mentor_ids())
        .join(MentorProfile, col(MentorProfile.person_id) == col(Person.id))
        .where(col(Person.org_id) == org_id, col(Person.deleted_at).is_(None), has_open)
    )


def _mentor_over_caseload(org_id: uuid.UUID, today: Today, t: AlertThresholds) -> sa.Select[Any]:
    return (
        sa.select(
            *_mentor_ids(),
            sa.func.count(col(R.id)).label("open_relationships"),
            col(MentorProfile.max_caseload).label("max_caseload"),
        )
        .join(MentorProfile, col(MentorProfile.person_id) == col(Person.id))
        .join(R, col(R.mentor_id) == col(Person.id))
        .where(
            col(Person.org_id) == org_id,
            col(Person.deleted_at).is_(None),
            col(R.status).in_(OPEN_RELATIONSHIP_STATUSES),
        )
        .group_by(col(Person.id), col(MentorProfile.max_caseload))
        .having(sa.func.count(col(R.id)) > col(MentorProfile.max_caseload))
    )


def _describe_mentor_over_caseload(
    row: Mapping[str, Any], today: Today, t: AlertThresholds
) -> tuple[str, dict[str, Any]]:
    count, most = int(row["open_relationships"]), int(row["max_caseload"])
    return (
        f"This mentor has {count} open relationships, more than their caseload of {most}. "
        "Rebalance the caseload or agree a higher one, to protect them from burn-out.",
        {"open_relationships": count, "max_caseload": most},
    )


def _supervision_overdue(org_id: uuid.UUID, today: Today, t: AlertThresholds) -> sa.Select[Any]:
    last = col(MentorProfile.last_supervision_on)
    return (
        _working_mentors(org_id)
        .add_columns(last.label("last_supervision_on"))
        .where(sa.or_(last.is_(None), last < today.days_ago(t.supervision_overdue_days)))
    )


def _describe_supervision_overdue(
    row: Mapping[str, Any], today: Today, t: AlertThresholds
) -> tuple[str, dict[str, Any]]:
    last = row["last_supervision_on"]
    days = _days(last, today)
    facts = {
        "last_supervision_on": last.isoformat() if last else None,
        "days_since_supervision": days,
        "threshold_days": t.supervision_overdue_days,
    }
    when = f"last supervised {days} days ago" if last else "never supervised"
    return (
        f"This mentor is working with mentees and was {when}. Book a supervision: "
        "peer mentors carry a lot, and supervision is what keeps them safe.",
        facts,
    )


def _vetting_expiring(org_id: uuid.UUID, today: Today, t: AlertThresholds) -> sa.Select[Any]:
    expires = col(MentorProfile.vetting_expires_on)
    return (
        _working_mentors(org_id)
        .add_columns(expires.label("vetting_expires_on"))
        .where(
            col(MentorProfile.vetting_status) == VettingStatus.cleared,
            expires >= today.day,
            expires <= today.day + timedelta(days=t.vetting_expiring_days),
        )
    )


def _describe_vetting_expiring(
    row: Mapping[str, Any], today: Today, t: AlertThresholds
) -> tuple[str, dict[str, Any]]:
    expires = row["vetting_expires_on"]
    days = -(_days(expires, today) or 0)
    facts = {
        "vetting_expires_on": expires.isoformat(),
        "days_to_expiry": days,
        "threshold_days": t.vetting_expiring_days,
    }
    return (
        f"This mentor's vetting expires in {days} days ({expires.isoformat()}). Start the "
        "renewal now so their mentoring is not interrupted.",
        facts,
    )


def _vetting_expired(org_id: uuid.UUID, today: Today, t: AlertThresholds) -> sa.Select[Any]:
    expires = col(MentorProfile.vetting_expires_on)
    return (
        _working_mentors(org_id)
        .add_columns(
            expires.label("vetting_expires_on"),
            col(MentorProfile.vetting_status).label("vetting_status"),
        )
        .where(
            sa.or_(
                col(MentorProfile.vetting_status).in_(
                    (VettingStatus.expired, VettingStatus.refused)
                ),
                expires < today.day,
            )
        )
    )


def _describe_vetting_expired(
    row: Mapping[str, Any], today: Today, t: AlertThresholds
) -> tuple[str, dict[str, Any]]:
    expires = row["vetting_expires_on"]
    facts = {
        "vetting_expires_on": expires.isoformat() if expires else None,
        "vetting_status": row["vetting_status"],
    }
    return (
        "This mentor's vetting has expired but they still have open relationships. Stop "
        "unsupervised contact until it is renewed, and tell their mentees' coordinator.",
        facts,
    )


_PEOPLE = frozenset({"person"})
_RELATIONSHIPS = _PEOPLE | {"mentoring_relationship"}
_MENTORS = _RELATIONSHIPS | {"mentor_profile"}

RULES: dict[AlertRule, AlertRuleDef] = {
    rule.name: rule
    for rule in (
        AlertRuleDef(
            AlertRule.no_session_held,
            Severity.warning,
            "relationship",
            _RELATIONSHIPS | {"mentoring_session"},
            _no_session_held,
            _describe_no_session_held,
        ),
        AlertRuleDef(
            AlertRule.missed_sessions,
            Severity.warning,
            "relationship",
            _RELATIONSHIPS | {"mentoring_session"},
            _missed_sessions,
            _describe_missed_sessions,
        ),
        AlertRuleDef(
            AlertRule.no_contact_after_release,
            Severity.urgent,
            "relationship",
            _RELATIONSHIPS | {"mentoring_session", "mentee_profile", "custody_event"},
            _no_contact_after_release,
            _describe_no_contact_after_release,
        ),
        AlertRuleDef(
            AlertRule.release_without_match,
            Severity.urgent,
            "mentee",
            _RELATIONSHIPS | {"mentee_profile"},
            _release_without_match,
            _describe_release_without_match,
        ),
        AlertRuleDef(
            AlertRule.goal_review_overdue,
            Severity.info,
            "goal",
            _RELATIONSHIPS | {"goal"},
            _goal_review_overdue,
            _describe_goal_review_overdue,
        ),
        AlertRuleDef(
            AlertRule.repeated_lapses,
            Severity.info,
            "mentee",
            _RELATIONSHIPS | {"goal", "goal_review"},
            _repeated_lapses,
            _describe_repeated_lapses,
        ),
        AlertRuleDef(
            AlertRule.not_a_good_fit,
            Severity.warning,
            "relationship",
            _RELATIONSHIPS | {"relationship_check_in"},
            _not_a_good_fit,
            _describe_not_a_good_fit,
        ),
        AlertRuleDef(
            AlertRule.mentor_over_caseload,
            Severity.warning,
            "mentor",
            _MENTORS,
            _mentor_over_caseload,
            _describe_mentor_over_caseload,
        ),
        AlertRuleDef(
            AlertRule.supervision_overdue,
            Severity.warning,
            "mentor",
            _MENTORS,
            _supervision_overdue,
            _describe_supervision_overdue,
        ),
        AlertRuleDef(
            AlertRule.vetting_expiring,
            Severity.info,
            "mentor",
            _MENTORS,
            _vetting_expiring,
            _describe_vetting_expiring,
        ),
        AlertRuleDef(
            AlertRule.vetting_expired,
            Severity.urgent,
            "mentor",
            _MENTORS,
            _vetting_expired,
            _describe_vetting_expired,
        ),
    )
}
# A change to the organisation (its thresholds) concerns every rule.
WATCHED = frozenset().union(*(rule.reads for rule in RULES.values())) | {"organisation"}


def rules_reading(sources: Iterable[str]) -> list[AlertRuleDef]:
    """The rules that read any of these tables, in the table's order."""
    touched = set(sources)
    if "organisation" in touched:
        return list(RULES.values())
    return [rule for rule in RULES.values() if rule.reads & touched]


# --- evaluation -----------------------------------------------------------------------------


async def evaluate(
    db: AsyncSession,
    org_id: uuid.UUID,
    rules: Iterable[AlertRuleDef] | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Bring the organisation's alerts in line with the rules (all, or those given); the
    caller commits. Answers how many alerts were raised or resolved."""
    organisation = await db.get(Organisation, org_id)
    if organisation is None:
        return 0
    thresholds = alert_thresholds(organisation)
    today = Today(now or utcnow())
    system = Principal.system(org_id, SYSTEM_JOB)
    changed = 0
    for rule in RULES.values() if rules is None else rules:
        found = (await run(db, rule.firing(org_id, today, thresholds))).mappings().all()
        changed += await _reconcile(db, system, rule, found, today, thresholds)
    return changed


async def _reconcile(
    db: AsyncSession,
    system: Principal,
    rule: AlertRuleDef,
    found: Iterable[Any],
    today: Today,
    thresholds: AlertThresholds,
) -> int:
    firing = {row["subject_id"]: row for row in found}
    known = (
        await db.exec(
            select(Alert).where(
                Alert.org_id == system.org_id,
                Alert.rule == rule.name,
                sa.or_(
                    col(Alert.status).in_(UNRESOLVED_ALERT_STATUSES),
                    col(Alert.cleared_at).is_(None),  # resolved by a person, still holding
                ),
            )
        )
    ).all()
    changed = 0
    standing: set[uuid.UUID] = set()
    for alert in known:
        row = firing.get(alert.subject_id)
        if row is None:
            if alert.status == AlertStatus.resolved:
                alert.cleared_at = today.now  # a new firing may raise a new alert
            else:
                alerts.close_cleared(alert, system.subject)
                changed += 1
            continue
        standing.add(alert.subject_id)
        if alert.status != AlertStatus.resolved:
            message, facts = rule.describe(row, today, thresholds)
            if facts != alert.facts:
                alert.message, alert.facts = message, facts
    raised = []
    for subject_id, row in firing.items():
        if subject_id in standing:
            continue
        message, facts = rule.describe(row, today, thresholds)
        subject = Subject(
            rule.subject, subject_id, row["mentee_id"], row["mentor_id"], row["relationship_id"]
        )
        raised.append(NewAlert(rule.name, rule.severity, subject, message, facts))
    await alerts.add_many(db, system, raised)
    return changed + len(raised)


# --- marking the organisations whose data changed ---------------------------------------------


def _organisation_of(session: Session, row: object) -> uuid.UUID | None:
    if isinstance(row, Organisation):
        return row.id
    if isinstance(row, MentorProfile):  # no org_id of its own: its person's
        person = session.identity_map.get(identity_key(Person, row.person_id))
        return person.org_id if isinstance(person, Person) else None
    owner = getattr(row, "org_id", None)
    return owner if isinstance(owner, uuid.UUID) else None


def mark_changes(session: Session, _context: UOWTransaction, _: Any) -> None:
    """Before a flush: one `AlertCheck` per organisation and table a rule reads that this
    flush writes, in the same transaction (so a committed change is always evaluated)."""
    marks: set[tuple[uuid.UUID, str]] = set()
    for row in (*session.new, *session.dirty, *session.deleted):
        table = getattr(row, "__tablename__", None)
        if table not in WATCHED or (isinstance(row, Organisation) and row in session.new):
            continue  # (a new organisation has nothing to evaluate yet)
        org_id = _organisation_of(session, row)
        if org_id is not None:
            marks.add((org_id, str(table)))
    for org_id, table in marks:
        session.add(AlertCheck(org_id=org_id, source=table))


event.listen(Session, "before_flush", mark_changes)
