"""The OAuth2 grants behind `POST /auth/token`."""

import hashlib
import secrets
import uuid
from datetime import timedelta

from pydantic import BaseModel, Field
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.passwords import verify_secret
from api.auth.scopes import grant, scope_string
from api.auth.tokens import issue_access_token
from api.errors import OAuthError
from api.models import ApiClient, RefreshToken, UserAccount
from api.models.base import utcnow
from api.models.enums import Role
from api.settings import Settings


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = Field("bearer", examples=["bearer"])
    expires_in: int = Field(examples=[900], description="Seconds until the access token expires.")
    scope: str = Field(examples=["people:read referrals:read referrals:write"])
    refresh_token: str | None = Field(
        None, description="Password grant only: trade it for a new pair before it expires."
    )


def _bad_login() -> OAuthError:
    return OAuthError("invalid_grant", "Wrong email or password.")


def _bad_client() -> OAuthError:
    return OAuthError("invalid_client", "Unknown client or wrong secret.", status=401)


def _bad_refresh() -> OAuthError:
    return OAuthError("invalid_grant", "The refresh token is invalid, expired or used.")


class PresentedClient(BaseModel):
    """The client a password or refresh request names (form or HTTP Basic), if any."""

    client_id: str | None = None
    client_secret: str | None = None


async def _client_of(db: AsyncSession, presented: PresentedClient) -> str | None:
    """The client id a refresh token is bound to. A registered client must prove its secret;
    an unregistered id (a public client such as an app) is taken as named."""
    if presented.client_id is None:
        return None
    client = (
        await db.exec(select(ApiClient).where(ApiClient.client_id == presented.client_id))
    ).first()
    if client is None and presented.client_secret is None:
        return presented.client_id
    ok = verify_secret(client.secret_hash if client else None, presented.client_secret or "")
    if client is None or not ok or not client.is_active:
        raise _bad_client()
    return client.client_id


async def password_grant(
    db: AsyncSession,
    settings: Settings,
    *,
    username: str,
    password: str,
    scope: str | None,
    presented: PresentedClient,
) -> TokenResponse:
    user = (
        await db.exec(select(UserAccount).where(UserAccount.email == username.strip().lower()))
    ).first()
    ok = verify_secret(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        raise _bad_login()
    client_id = await _client_of(db, presented)
    user.last_login_at = utcnow()
    scopes = grant(Role(user.role), scope)
    return await _issue_for_user(db, settings, user, scope_string(scopes), uuid.uuid4(), client_id)


async def client_credentials_grant(
    db: AsyncSession, settings: Settings, *, client_id: str, client_secret: str, scope: str | None
) -> TokenResponse:
    client = (await db.exec(select(ApiClient).where(ApiClient.client_id == client_id))).first()
    ok = verify_secret(client.secret_hash if client else None, client_secret)
    if client is None or not ok or not client.is_active:
        raise _bad_client()
    client.last_used_at = utcnow()
    scopes = scope_string(grant(Role(client.role), scope))
    token, lifetime = issue_access_token(
        settings,
        subject=f"client:{client.id}",
        org_id=client.org_id,
        role=client.role,
        scope=scopes,
        generation=client.token_generation,
        client_id=client.client_id,
    )
    await db.commit()
    return TokenResponse(access_token=token, expires_in=lifetime, scope=scopes)


async def refresh_grant(
    db: AsyncSession,
    settings: Settings,
    *,
    refresh_token: str,
    scope: str | None,
    presented: PresentedClient,
) -> TokenResponse:
    """Rotate a refresh token. Using one twice revokes its whole family (it may be stolen).

    Only the client the token was issued to may use it (RFC 6749 §6)."""
    client_id = await _client_of(db, presented)
    stored = (
        await db.exec(select(RefreshToken).where(RefreshToken.token_hash == _digest(refresh_token)))
    ).first()
    now = utcnow()
    if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
        raise _bad_refresh()
    if stored.client_id != client_id:
        raise _bad_refresh()
    claimed = await db.exec(
        update(RefreshToken)
        .where(col(RefreshToken.id) == stored.id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now, version=RefreshToken.version + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        await db.exec(
            update(RefreshToken)
            .where(col(RefreshToken.family_id) == stored.family_id)
            .values(revoked_at=now, version=RefreshToken.version + 1)
            .execution_options(synchronize_session=False)
        )
        await db.commit()
        raise _bad_refresh()
    user = await db.get(UserAccount, stored.user_id)
    if user is None or not user.is_active:
        await db.commit()
        raise _bad_refresh()
    scopes = grant(Role(user.role), scope) & frozenset(stored.scope.split())
    return await _issue_for_user(
        db, settings, user, scope_string(scopes), stored.family_id, client_id
    )


async def _issue_for_user(
    db: AsyncSession,
    settings: Settings,
    user: UserAccount,
    scopes: str,
    family_id: uuid.UUID,
    client_id: str | None,
) -> TokenResponse:
    token, lifetime = issue_access_token(
        settings,
        subject=f"user:{user.id}",
        org_id=user.org_id,
        role=user.role,
        scope=scopes,
        generation=user.token_generation,
        client_id=client_id,
    )
    refresh = secrets.token_urlsafe(32)
    db.add(
        RefreshToken(
            org_id=user.org_id,
            token_hash=_digest(refresh),
            family_id=family_id,
            user_id=user.id,
            client_id=client_id,
            scope=scopes,
            expires_at=utcnow() + timedelta(days=settings.refresh_token_days),
        )
    )
    await db.commit()
    return TokenResponse(
        access_token=token, expires_in=lifetime, scope=scopes, refresh_token=refresh
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
