"""The caller's own organisation and its settings."""

from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import NotFound
from api.models import Organisation, Referral
from api.models.alert import AlertThresholds
from api.models.matching import (
    DEFAULT_PARTNER_VISIBILITY_DAYS,
    DEFAULT_RETENTION_YEARS,
    DEFAULT_UNMATCHED_AFTER_DAYS,
    MatchingWeights,
    OrganisationRead,
    OrganisationUpdate,
)
from api.services import audit


async def get_organisation(db: AsyncSession, caller: Principal) -> Organisation:
    org = await db.get(Organisation, caller.org_id)
    if org is None:
        raise NotFound("The organisation no longer exists.")
    return org


def matching_weights(org: Organisation) -> MatchingWeights:
    return MatchingWeights.model_validate(org.settings.get("matching_weights", {}))


def research_needs_consent(org: Organisation) -> bool:
    """Whether the research cohort is limited to people consenting to research."""
    return bool(org.settings.get("research_needs_consent", False))


def retention_years(org: Organisation) -> int:
    """How many years a record is kept after the person's last relationship or referral."""
    return int(org.settings.get("retention_years", DEFAULT_RETENTION_YEARS))


def alert_thresholds(org: Organisation) -> AlertThresholds:
    return AlertThresholds.model_validate(org.settings.get("alert_thresholds", {}))


def partner_visibility(org: Organisation) -> timedelta:
    """How long a partner still sees a person after its referral closed."""
    return timedelta(
        days=org.settings.get("partner_visibility_days", DEFAULT_PARTNER_VISIBILITY_DAYS)
    )


def supervision_overdue(org: Organisation) -> timedelta:
    """How long a mentor may go without supervision and still be suggested for matches."""
    return timedelta(
        days=org.settings.get("unmatched_after_days_unsupervised", DEFAULT_UNMATCHED_AFTER_DAYS)
    )


async def update_organisation(
    db: AsyncSession, caller: Principal, data: OrganisationUpdate
) -> Organisation:
    org = await get_organisation(db, caller)
    if data.matching_weights is not None:
        org.settings = {**org.settings, "matching_weights": data.matching_weights.model_dump()}
    if data.partner_visibility_days is not None:
        org.settings = {**org.settings, "partner_visibility_days": data.partner_visibility_days}
        await _extend_closed_referrals(db, org)
    if data.unmatched_after_days_unsupervised is not None:
        org.settings = {
            **org.settings,
            "unmatched_after_days_unsupervised": data.unmatched_after_days_unsupervised,
        }
    if data.research_needs_consent is not None:
        org.settings = {**org.settings, "research_needs_consent": data.research_needs_consent}
    if data.retention_years is not None:
        org.settings = {**org.settings, "retention_years": data.retention_years}
    if data.alert_thresholds is not None:
        changed = data.alert_thresholds.model_dump(exclude_unset=True)
        org.settings = {
            **org.settings,
            "alert_thresholds": {**alert_thresholds(org).model_dump(), **changed},
        }
    audit.record(
        db,
        caller,
        "organisation.update",
        entity_type="organisation",
        entity_id=org.id,
        fields=sorted(data.model_dump(exclude_unset=True)),
    )
    await db.commit()
    return org


async def _extend_closed_referrals(db: AsyncSession, org: Organisation) -> None:
    """A new period applies to the referrals closed already, counted from their closing."""
    closed = (
        await db.exec(
            select(Referral).where(Referral.org_id == org.id, col(Referral.closed_at).is_not(None))
        )
    ).all()
    for referral in closed:
        assert referral.closed_at is not None
        referral.visible_until = referral.closed_at + partner_visibility(org)


def present(org: Organisation) -> OrganisationRead:
    return OrganisationRead(
        id=org.id,
        name=org.name,
        matching_weights=matching_weights(org),
        partner_visibility_days=partner_visibility(org).days,
        unmatched_after_days_unsupervised=supervision_overdue(org).days,
        research_needs_consent=research_needs_consent(org),
        retention_years=retention_years(org),
        alert_thresholds=alert_thresholds(org),
    )
