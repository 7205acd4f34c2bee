"""Arrange helpers: rows written straight to the database, and tokens minted for them."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.passwords import hash_secret
from api.auth.scopes import ROLE_SCOPES, scope_string
from api.auth.tokens import issue_access_token
from api.models import (
    ApiClient,
    Consent,
    EstablishmentClearance,
    MenteeProfile,
    MentoringRelationship,
    MentorProfile,
    Organisation,
    Person,
    Referral,
    UserAccount,
)
from api.models.base import utcnow
from api.models.enums import ConsentPurpose, ConsentStatus, Role
from api.models.support import establishment_key
from api.settings import Settings
from api.tenancy import span_organisations

PASSWORD = "correct horse battery staple"


@cache
def password_hash() -> str:
    """Hashing is slow on purpose; the tests hash the one password once."""
    return hash_secret(PASSWORD)


async def make_org(db: AsyncSession, name: str | None = None) -> Organisation:
    org = Organisation(name=name or f"Org {uuid.uuid4().hex[:8]}")
    db.add(org)
    await db.commit()
    return org


async def make_mentee(db: AsyncSession, org: Organisation, **overrides: Any) -> Person:
    profile: dict[str, Any] = {
        "custody_status": "in_custody",
        "needs": ["accommodation"],
        "risk_level": "medium",
        "offence_summary": "Theft",
        "external_ref": None,
    }
    profile.update(overrides.pop("profile", {}))
    person = Person(
        org_id=org.id,
        kind="mentee",
        given_name=overrides.pop("given_name", "Dee"),
        family_name=overrides.pop("family_name", "Mentee"),
        **overrides,
    )
    person.mentee_profile = MenteeProfile(person_id=person.id, org_id=org.id, **profile)
    db.add(person)
    await db.commit()
    return person


async def make_mentor(
    db: AsyncSession, org: Organisation, *, disclosed: bool = True, **overrides: Any
) -> Person:
    """A cleared, trained mentor; lived experience they have is disclosed with consent
    unless `disclosed=False`."""
    profile: dict[str, Any] = {
        "skills": ["accommodation"],
        "vetting_status": "cleared",
        "vetting_expires_on": date(2030, 1, 1),
        "training_completed_on": date(2025, 1, 1),
        "last_supervision_on": date.today() - timedelta(days=30),
        "lived_experience": True,
    }
    profile.update(overrides.pop("profile", {}))
    person = Person(
        org_id=org.id,
        kind="mentor",
        given_name=overrides.pop("given_name", "Max"),
        family_name=overrides.pop("family_name", "Mentor"),
        **overrides,
    )
    person.mentor_profile = MentorProfile(person_id=person.id, **profile)
    db.add(person)
    await db.commit()
    if disclosed and profile["lived_experience"]:
        await make_consent(db, person, ConsentPurpose.lived_experience_disclosure)
    return person


async def make_clearance(
    db: AsyncSession, mentor: Person, establishment: str, expires_on: date
) -> EstablishmentClearance:
    """The mentor cleared to visit `establishment` until `expires_on` (granted long ago)."""
    row = EstablishmentClearance(
        org_id=mentor.org_id,
        mentor_id=mentor.id,
        establishment=establishment,
        establishment_key=establishment_key(establishment),
        granted_on=date.today() - timedelta(days=300),
        granted_by="Security department",
        expires_on=expires_on,
        recorded_by="test",
    )
    db.add(row)
    await db.commit()
    return row


async def make_consent(
    db: AsyncSession,
    person: Person | uuid.UUID | str,
    purpose: ConsentPurpose,
    status: ConsentStatus = ConsentStatus.granted,
    at: datetime | None = None,
) -> Consent:
    """A decision recorded for `person` (the row, or its id as made through the API)."""
    if not isinstance(person, Person):
        found = await db.get(Person, uuid.UUID(str(person)))
        assert found is not None
        person = found
    consent = Consent(
        org_id=person.org_id,
        person_id=person.id,
        purpose=purpose,
        status=status,
        at=at or utcnow(),
        evidence="written",
        recorded_by="test",
    )
    db.add(consent)
    await db.commit()
    return consent


async def make_user(
    db: AsyncSession, org: Organisation, role: Role, person: Person | None = None
) -> UserAccount:
    user = UserAccount(
        org_id=org.id,
        email=f"{role}-{uuid.uuid4().hex[:8]}@example.org",
        role=role,
        password_hash=password_hash(),
        person_id=person.id if person else None,
    )
    db.add(user)
    await db.commit()
    return user


async def make_client(db: AsyncSession, org: Organisation, role: Role) -> ApiClient:
    client = ApiClient(
        org_id=org.id,
        name=f"{role} system",
        role=role,
        client_id=f"tg_{uuid.uuid4().hex}",
        secret_hash=password_hash(),
    )
    db.add(client)
    await db.commit()
    return client


async def make_relationship(
    db: AsyncSession, mentee: Person, mentor: Person, status: str = "active"
) -> MentoringRelationship:
    relationship = MentoringRelationship(
        org_id=mentee.org_id,
        mentee_id=mentee.id,
        mentor_id=mentor.id,
        status=status,
        mentee_agreed_at=datetime.now(UTC),  # the mentee has had their say
        mentee_agreed_by="test",
    )
    db.add(relationship)
    await db.commit()
    return relationship


async def make_inbound_referral(db: AsyncSession, mentee: Person, partner: ApiClient) -> Referral:
    referral = Referral(
        org_id=mentee.org_id,
        direction="inbound",
        status="sent",
        mentee_id=mentee.id,
        referred_by_client_id=partner.id,
    )
    db.add(referral)
    await db.commit()
    return referral


def bearer(
    settings: Settings, account: UserAccount | ApiClient, scopes: str | None = None
) -> dict[str, str]:
    kind = "user" if isinstance(account, UserAccount) else "client"
    token, _ = issue_access_token(
        settings,
        subject=f"{kind}:{account.id}",
        org_id=account.org_id,
        role=account.role,
        scope=scopes if scopes is not None else scope_string(ROLE_SCOPES[Role(account.role)]),
        generation=account.token_generation,
    )
    return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    """Two organisations. In `org`: every role, two mentors and three mentees —

    - `my_mentee` is in an open relationship with `mentor` (the mentor user's person);
    - `other_mentee` is nobody's but was referred in by `partner`;
    - `self_mentee` is the mentee user's own person;
    - `ended_mentee` had `mentor`, but that relationship has ended.
    `other_org` has a coordinator and a mentee of its own.
    """

    settings: Settings
    org: Organisation
    other_org: Organisation
    mentor: Person
    other_mentor: Person
    my_mentee: Person
    other_mentee: Person
    self_mentee: Person
    ended_mentee: Person
    foreign_mentee: Person
    accounts: dict[str, UserAccount | ApiClient] = field(default_factory=dict)

    def headers(self, who: str, scopes: str | None = None) -> dict[str, str]:
        return bearer(self.settings, self.accounts[who], scopes)


async def build_world(db: AsyncSession, settings: Settings) -> World:
    span_organisations(db, "the world is two organisations")
    org, other_org = await make_org(db, "Northgate"), await make_org(db, "Southgate")
    mentor = await make_mentor(db, org, given_name="Sam")
    other_mentor = await make_mentor(db, org, given_name="Priya")
    my_mentee = await make_mentee(db, org, given_name="Kyle")
    other_mentee = await make_mentee(db, org, given_name="Aisha")
    self_mentee = await make_mentee(db, org, given_name="Tomasz")
    ended_mentee = await make_mentee(db, org, given_name="Gemma")
    foreign_mentee = await make_mentee(db, other_org, given_name="Foreign")
    await make_relationship(db, my_mentee, mentor)
    await make_relationship(db, ended_mentee, mentor, status="ended")
    await make_relationship(db, self_mentee, other_mentor, status="proposed")

    accounts: dict[str, UserAccount | ApiClient] = {
        "admin": await make_user(db, org, Role.admin),
        "coordinator": await make_user(db, org, Role.coordinator),
        "mentor": await make_user(db, org, Role.mentor, mentor),
        "mentee": await make_user(db, org, Role.mentee, self_mentee),
        "analyst": await make_user(db, org, Role.analyst),
        "partner": await make_client(db, org, Role.partner),
        "other_partner": await make_client(db, org, Role.partner),
        "foreign_coordinator": await make_user(db, other_org, Role.coordinator),
    }
    partner = accounts["partner"]
    assert isinstance(partner, ApiClient)
    await make_inbound_referral(db, other_mentee, partner)
    return World(
        settings,
        org,
        other_org,
        mentor,
        other_mentor,
        my_mentee,
        other_mentee,
        self_mentee,
        ended_mentee,
        foreign_mentee,
        accounts,
    )
