"""Prison access in matching: a mentee in custody can only be visited by a mentor cleared for
the establishment they are held in.

For a mentee `in_custody` whose `establishment` is recorded, each mentor's latest clearance
for that establishment (names compared ignoring case and surrounding spaces) is joined to
the scoring statement once, as a grouped subquery. A mentor without one in force (expiring
today or later) is excluded; the `establishment_access` factor says whether the clearance
lasts until the mentee's release (or, without a release date, for `HORIZON_DAYS`). For
anyone else the rule and the factor do not apply.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from api.models import EstablishmentClearance, MenteeProfile
from api.models.base import utc_today
from api.models.enums import CustodyStatus
from api.models.matching import Effect, Reason
from api.models.support import establishment_key
from api.models.terms import flag

HORIZON_DAYS = 90  # how long a clearance should last when the release date is unknown
FACTOR = "establishment_access"


@dataclass(frozen=True)
class Access:
    """Where the mentee is held, until when their mentor should be able to visit, and (when
    the establishment is known) the clearances subquery the scoring statement joins."""

    establishment: str | None  # None: in custody, but where is not recorded
    release_on: date | None
    until: date
    clearances: Any = field(default=None, compare=False)

    @property
    def cleared_until(self) -> Any:
        """The last day the mentor's latest clearance for the establishment runs."""
        return self.clearances.c.cleared_until


def _clearances(org_id: uuid.UUID, establishment: str) -> Any:
    """Per mentor of the organisation: the last day a clearance for `establishment` runs,
    expired or not (one range of `ix_establishment_clearance_org_key`)."""
    return (
        sa.select(
            col(EstablishmentClearance.mentor_id).label("mentor_id"),
            sa.func.max(col(EstablishmentClearance.expires_on)).label("cleared_until"),
        )
        .where(
            col(EstablishmentClearance.org_id) == org_id,
            col(EstablishmentClearance.establishment_key) == establishment_key(establishment),
        )
        .group_by(col(EstablishmentClearance.mentor_id))
        .subquery("clearances")
    )


def access_needed(profile: MenteeProfile) -> Access | None:
    """What this mentee asks of a mentor's clearances: nothing unless they are in custody."""
    if profile.custody_status != CustodyStatus.in_custody:
        return None
    today = utc_today()
    release = (
        profile.release_date if profile.release_date and profile.release_date > today else None
    )
    until = release or today + timedelta(days=HORIZON_DAYS)
    establishment = (profile.establishment or "").strip()
    if not establishment:
        return Access(None, release, until)
    return Access(establishment, release, until, _clearances(profile.org_id, establishment))


def joined(stmt: Any, mentor_id: Any, access: Access | None) -> Any:
    """`stmt` with each mentor's `cleared_until`; unchanged when the rule does not apply."""
    if access is None or access.clearances is None:
        return stmt
    return stmt.add_columns(access.cleared_until.label("cleared_until")).outerjoin(
        access.clearances, access.clearances.c.mentor_id == mentor_id
    )


def filters(access: Access | None) -> list[ColumnElement[bool]]:
    """The rule: a clearance for the establishment that expires today or later."""
    if access is None or access.clearances is None:
        return []
    return [access.cleared_until >= utc_today()]  # NULL (none at all) is not >=


def factors(access: Access | None) -> dict[str, ColumnElement[Any]]:
    """1 when a clearance lasts until the mentee's release (or the horizon), else 0."""
    if access is None or access.clearances is None:
        return {}
    return {FACTOR: flag(access.cleared_until >= access.until)}


def exclusion(row: Any, access: Access | None) -> str | None:
    """Why this mentor cannot be suggested to the mentee, if it is their clearance."""
    if access is None or access.clearances is None:
        return None
    cleared_until: date | None = row["cleared_until"]
    if cleared_until is None:
        return f"not cleared to visit {access.establishment}, where the mentee is held"
    if cleared_until < utc_today():
        return f"clearance to visit {access.establishment} expired on {cleared_until}"
    return None


def words(row: Any, access: Access | None) -> str:
    """The factor's reason: how long the mentor may visit, against how long they need to."""
    assert access is not None  # the factor is there only when access is needed
    cleared_until: date | None = row["cleared_until"]
    needed = (
        f"the mentee's release on {access.release_on}"
        if access.release_on
        else f"the next {HORIZON_DAYS} days"
    )
    if cleared_until is None or cleared_until < utc_today():
        return f"not cleared to visit {access.establishment}"
    if cleared_until >= access.until:
        return f"cleared to visit {access.establishment} until {cleared_until}, covering {needed}"
    return f"cleared to visit {access.establishment} only until {cleared_until}, before {needed}"


def not_counted(access: Access | None) -> list[Reason]:
    """In custody, but nobody recorded where: say clearances could not be checked."""
    if access is None or access.establishment is not None:
        return []
    return [
        Reason(
            factor=FACTOR,
            effect=Effect.not_counted,
            detail="the mentee is in custody but their establishment is not recorded: "
            "clearances not checked",
        )
    ]
