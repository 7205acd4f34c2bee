"""Logins under control: administrators invite, disable, enable and reset people's logins,
and create, disable, enable, rotate and revoke machine clients.

Turning a login off takes effect at once: every request checks its account is active and
that its token was issued since the account last revoked its tokens (`token_generation`),
and refresh tokens are revoked in the same transaction.
"""

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.passwords import hash_secret
from api.auth.principal import Principal
from api.errors import Conflict, Invalid, NotFound
from api.models import ApiClient, RefreshToken, UserAccount
from api.models.accounts import (
    ClientCreate,
    ClientRead,
    SetPasswordToken,
    UserInvite,
    UserRead,
)
from api.models.base import utcnow
from api.models.enums import Role
from api.services import accounts, audit, organisation, policy
from api.services.pagination import paginate


def _as_uuid(ref: uuid.UUID | str) -> uuid.UUID | None:
    if isinstance(ref, uuid.UUID):
        return ref
    try:
        return uuid.UUID(ref)
    except ValueError:
        return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- people's logins --------------------------------------------------------------------


async def list_users(
    db: AsyncSession,
    caller: Principal,
    *,
    role: Role | None = None,
    active: bool | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[UserAccount], str | None]:
    policy.authorize(caller, "accounts.manage")
    stmt = select(UserAccount).where(UserAccount.org_id == caller.org_id)
    if role is not None:
        stmt = stmt.where(UserAccount.role == role)
    if active is not None:
        stmt = stmt.where(UserAccount.is_active == active)
    return await paginate(db, stmt, UserAccount, limit=limit, cursor=cursor)


async def all_users(
    db: AsyncSession, caller: Principal, *, role: Role | None = None
) -> Sequence[UserAccount]:
    """Every login (the command line prints them all)."""
    policy.authorize(caller, "accounts.manage")
    stmt = select(UserAccount).where(UserAccount.org_id == caller.org_id)
    if role is not None:
        stmt = stmt.where(UserAccount.role == role)
    return (await db.exec(stmt.order_by(col(UserAccount.created_at)))).all()


async def find_user(db: AsyncSession, caller: Principal, ref: uuid.UUID | str) -> UserAccount:
    """A login of the caller's organisation, by id (or, at the command line, email)."""
    policy.authorize(caller, "accounts.manage")
    key = _as_uuid(ref)
    named = UserAccount.id == key if key else UserAccount.email == str(ref).strip().lower()
    user = (
        await db.exec(select(UserAccount).where(named, UserAccount.org_id == caller.org_id))
    ).first()
    if user is None:
        raise NotFound("No login with that id.")
    return user


async def invite_user(
    db: AsyncSession, caller: Principal, data: UserInvite, *, hours: int
) -> tuple[UserAccount, SetPasswordToken]:
    """A login without a password, and the one-time token its owner chooses one with."""
    policy.authorize(caller, "accounts.manage")
    org = await organisation.get_organisation(db, caller)
    user = await accounts.add_user(
        db, org, email=str(data.email), role=data.role, person_id=data.person_id
    )
    token = _new_setup_token(user, hours)
    _record(db, caller, "login.invite", user, role=data.role)
    await db.commit()
    return user, token


async def reset_password(
    db: AsyncSession, caller: Principal, user_id: uuid.UUID, *, hours: int
) -> SetPasswordToken:
    """The old password stops working and every token of the login is revoked; the owner
    chooses a new password with the one-time token."""
    user = await find_user(db, caller, user_id)
    user.password_hash = accounts.NO_PASSWORD
    await _revoke_user_tokens(db, user)
    token = _new_setup_token(user, hours)
    _record(db, caller, "login.reset_password", user)
    await db.commit()
    return token


async def set_enabled(
    db: AsyncSession, caller: Principal, user_id: uuid.UUID, *, enabled: bool
) -> UserAccount:
    """Disable (every token stops working at once) or enable a login."""
    user = await find_user(db, caller, user_id)
    if not enabled and caller.user_id == user.id:
        raise Conflict("You cannot disable your own login; ask another administrator.")
    if user.is_active != enabled:
        user.is_active = enabled
        if not enabled:
            await _revoke_user_tokens(db, user)
        _record(db, caller, "login.enable" if enabled else "login.disable", user)
    await db.commit()
    return user


async def set_password(db: AsyncSession, *, token: str, password: str) -> None:
    """Use a one-time set-password token (the caller proves nothing else)."""
    user = (
        await db.exec(select(UserAccount).where(UserAccount.setup_token_hash == _digest(token)))
    ).first()
    expires = user.setup_token_expires_at if user else None
    if user is None or expires is None or expires <= utcnow():
        raise Invalid("The token is unknown, used or expired; ask for a new one.", loc=["token"])
    user.password_hash = hash_secret(password)
    user.setup_token_hash = None
    user.setup_token_expires_at = None
    system = Principal.system(user.org_id, "set-password")
    _record(db, system, "login.set_password", user)
    await db.commit()


def present_user(user: UserAccount) -> UserRead:
    return UserRead.model_validate(
        {
            **user.model_dump(exclude={"password_hash", "setup_token_hash"}),
            "password_set": user.password_hash != accounts.NO_PASSWORD,
        }
    )


def _new_setup_token(user: UserAccount, hours: int) -> SetPasswordToken:
    token = secrets.token_urlsafe(32)
    user.setup_token_hash = _digest(token)
    user.setup_token_expires_at = utcnow() + timedelta(hours=hours)
    return SetPasswordToken(token=token, expires_at=user.setup_token_expires_at)


async def _revoke_user_tokens(db: AsyncSession, user: UserAccount) -> None:
    user.token_generation += 1
    await db.exec(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user.id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow(), version=RefreshToken.version + 1)
        .execution_options(synchronize_session=False)
    )


# --- machine clients --------------------------------------------------------------------


async def list_clients(
    db: AsyncSession,
    caller: Principal,
    *,
    active: bool | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[ApiClient], str | None]:
    policy.authorize(caller, "accounts.manage")
    stmt = select(ApiClient).where(ApiClient.org_id == caller.org_id)
    if active is not None:
        stmt = stmt.where(ApiClient.is_active == active)
    return await paginate(db, stmt, ApiClient, limit=limit, cursor=cursor)


async def all_clients(db: AsyncSession, caller: Principal) -> Sequence[ApiClient]:
    policy.authorize(caller, "accounts.manage")
    stmt = select(ApiClient).where(ApiClient.org_id == caller.org_id)
    return (await db.exec(stmt.order_by(col(ApiClient.created_at)))).all()


async def find_client(db: AsyncSession, caller: Principal, ref: uuid.UUID | str) -> ApiClient:
    """A client of the caller's organisation, by id (or, at the command line, client_id)."""
    policy.authorize(caller, "accounts.manage")
    key = _as_uuid(ref)
    named = ApiClient.id == key if key else ApiClient.client_id == str(ref)
    client = (
        await db.exec(select(ApiClient).where(named, ApiClient.org_id == caller.org_id))
    ).first()
    if client is None:
        raise NotFound("No client with that id.")
    return client


async def create_client(
    db: AsyncSession, caller: Principal, data: ClientCreate
) -> tuple[ApiClient, str]:
    policy.authorize(caller, "accounts.manage")
    org = await organisation.get_organisation(db, caller)
    client, secret = accounts.add_client(org, name=data.name, role=data.role)
    db.add(client)
    _record(db, caller, "client.create", client, role=data.role)
    await db.commit()
    return client, secret


async def rotate_secret(
    db: AsyncSession, caller: Principal, client_id: uuid.UUID
) -> tuple[ApiClient, str]:
    """A new secret, shown once: the old one and every token issued with it stop working."""
    client = await find_client(db, caller, client_id)
    _refuse_if_revoked(client)
    secret = secrets.token_urlsafe(32)
    client.secret_hash = hash_secret(secret)
    client.token_generation += 1
    _record(db, caller, "client.rotate_secret", client)
    await db.commit()
    return client, secret


async def set_client_enabled(
    db: AsyncSession, caller: Principal, client_id: uuid.UUID, *, enabled: bool
) -> ApiClient:
    client = await find_client(db, caller, client_id)
    _refuse_if_revoked(client)
    if client.is_active != enabled:
        client.is_active = enabled
        if not enabled:
            client.token_generation += 1
        _record(db, caller, "client.enable" if enabled else "client.disable", client)
    await db.commit()
    return client


async def revoke_client(db: AsyncSession, caller: Principal, client_id: uuid.UUID) -> ApiClient:
    """For good: the client never gets a token again (its history stays)."""
    client = await find_client(db, caller, client_id)
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        client.is_active = False
        client.token_generation += 1
        _record(db, caller, "client.revoke", client)
    await db.commit()
    return client


def present_client(client: ApiClient) -> ClientRead:
    return ClientRead.model_validate(client, from_attributes=True)


def _refuse_if_revoked(client: ApiClient) -> None:
    if client.revoked_at is not None:
        raise Conflict("The client is revoked; create a new one.")


def _record(
    db: AsyncSession,
    caller: Principal,
    action: str,
    account: UserAccount | ApiClient,
    **details: str,
) -> None:
    is_user = isinstance(account, UserAccount)
    audit.record(
        db,
        caller,
        action,
        entity_type="user" if is_user else "client",
        entity_id=account.id,
        person_id=account.person_id if isinstance(account, UserAccount) else None,
        **details,
    )
