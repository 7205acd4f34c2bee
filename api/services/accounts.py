"""Organisations, user accounts and API clients: what the CLI and admins create."""

import secrets
import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.passwords import hash_secret
from api.auth.principal import Principal
from api.auth.scopes import CLIENT_ROLES
from api.errors import Conflict, Invalid, NotFound
from api.models import ApiClient, Organisation, Person, UserAccount
from api.models.accounts import Me
from api.models.enums import PersonKind, Role

# Mentor and mentee accounts are the person they belong to.
_PERSON_ROLES = {Role.mentor: PersonKind.mentor, Role.mentee: PersonKind.mentee}


async def create_organisation(db: AsyncSession, name: str) -> Organisation:
    name = name.strip()
    if not name:
        raise Invalid("An organisation needs a name.", loc=["name"])
    if (await db.exec(select(Organisation).where(Organisation.name == name))).first():
        raise Conflict(f"An organisation called {name!r} already exists.")
    org = Organisation(name=name)
    db.add(org)
    await db.commit()
    return org


async def find_organisation(db: AsyncSession, ref: str) -> Organisation:
    """By id or exact name."""
    try:
        org = await db.get(Organisation, uuid.UUID(ref))
    except ValueError:
        org = (await db.exec(select(Organisation).where(Organisation.name == ref))).first()
    if org is None:
        raise NotFound(f"No organisation {ref!r}.")
    return org


# The password hash of a login whose password is not chosen yet: nothing verifies against it.
NO_PASSWORD = "!"


async def create_user(
    db: AsyncSession,
    org: Organisation,
    *,
    email: str,
    role: Role,
    password: str,
    person_id: uuid.UUID | None = None,
) -> UserAccount:
    if len(password) < 12:
        raise Invalid("A password needs at least 12 characters.", loc=["password"])
    user = await add_user(db, org, email=email, role=role, person_id=person_id)
    user.password_hash = hash_secret(password)
    await db.commit()
    return user


async def add_user(
    db: AsyncSession,
    org: Organisation,
    *,
    email: str,
    role: Role,
    person_id: uuid.UUID | None = None,
) -> UserAccount:
    """A login without a password yet, in the caller's transaction; mentor and mentee
    logins are linked to their person."""
    email = email.strip().lower()
    if "@" not in email:
        raise Invalid("That is not an email address.", loc=["email"])
    if (await db.exec(select(UserAccount).where(UserAccount.email == email))).first():
        raise Conflict(f"An account for {email} already exists.")
    expected_kind = _PERSON_ROLES.get(role)
    if expected_kind is not None:
        if person_id is None:
            raise Invalid(f"A {role} account must be linked to their person.", loc=["person_id"])
        person = await db.get(Person, person_id)
        if person is None or person.org_id != org.id or person.deleted_at is not None:
            raise Invalid(f"No such person in {org.name}.", loc=["person_id"])
        if person.kind != expected_kind:
            raise Invalid(f"A {role} account must be linked to a {expected_kind}.")
    elif person_id is not None:
        raise Invalid(f"A {role} account is not linked to a person.", loc=["person_id"])
    user = UserAccount(
        org_id=org.id, email=email, role=role, password_hash=NO_PASSWORD, person_id=person_id
    )
    try:
        async with db.begin_nested():
            db.add(user)
    except IntegrityError as exc:
        # Emails are logins, unique across organisations; another's is not visible above.
        raise Conflict(f"An account for {email} already exists.") from exc
    return user


async def create_client(
    db: AsyncSession,
    org: Organisation,
    *,
    name: str,
    role: Role,
    client_id: str | None = None,
    secret: str | None = None,
) -> tuple[ApiClient, str]:
    client, secret = add_client(org, name=name, role=role, client_id=client_id, secret=secret)
    db.add(client)
    await db.commit()
    return client, secret


def add_client(
    org: Organisation,
    *,
    name: str,
    role: Role,
    client_id: str | None = None,
    secret: str | None = None,
) -> tuple[ApiClient, str]:
    """A machine client; its secret is returned once and only its hash is kept.

    `client_id` and `secret` are generated unless given (the demo uses fixed ones).
    """
    if role not in CLIENT_ROLES:
        raise Invalid(f"Clients may be {', '.join(sorted(CLIENT_ROLES))}; {role} people log in.")
    if not name.strip():
        raise Invalid("A client needs a name.", loc=["name"])
    secret = secret or secrets.token_urlsafe(32)
    client = ApiClient(
        org_id=org.id,
        name=name.strip(),
        role=role,
        client_id=client_id or f"tg_{secrets.token_hex(12)}",
        secret_hash=hash_secret(secret),
    )
    return client, secret


def describe(caller: Principal) -> Me:
    """Who a token is: what `GET /me` (and GraphQL's `me`) answers."""
    return Me(
        org_id=caller.org_id,
        role=caller.role,
        scopes=sorted(caller.scopes),
        subject=caller.subject,
        person_id=caller.person_id,
        client_id=caller.client_id,
    )
