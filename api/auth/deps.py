"""The caller dependency: every endpoint gets its `Principal` (or a 401/403) from here."""

import uuid
from typing import Annotated

from asgi_correlation_id import correlation_id
from fastapi import Depends, Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlowPassword, OAuthFlows
from fastapi.security import OAuth2, SecurityScopes
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.auth.scopes import ROLE_SCOPES, SCOPE_DESCRIPTIONS
from api.auth.tokens import InvalidToken, TokenClaims, decode_access_token
from api.db import DB
from api.errors import Forbidden, Unauthorized
from api.models import ApiClient, UserAccount
from api.models.enums import Role
from api.ratelimit import RateLimits
from api.settings import Settings

TOKEN_URL = "/api/v1/auth/token"

oauth2 = OAuth2(
    flows=OAuthFlows(
        password=OAuthFlowPassword(tokenUrl=TOKEN_URL, scopes=SCOPE_DESCRIPTIONS),
        clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_URL, scopes=SCOPE_DESCRIPTIONS),
    ),
    scheme_name="OAuth2",
    description="Bearer tokens from `POST /api/v1/auth/token`.",
    auto_error=False,
)


async def active_account(
    db: AsyncSession, settings: Settings, authorization: str | None
) -> tuple[TokenClaims, UserAccount | ApiClient]:
    """The token's claims and its account, provided the account is still active (else 401)."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send a bearer token in the Authorization header.")
    try:
        claims = decode_access_token(settings, token)
        kind, _, raw_id = claims.subject.partition(":")
        account_id = uuid.UUID(raw_id)
    except (InvalidToken, ValueError) as exc:
        raise Unauthorized("The token is invalid or has expired.") from exc

    account: UserAccount | ApiClient | None = None
    if kind == "user":
        account = await db.get(UserAccount, account_id)
    elif kind == "client":
        account = await db.get(ApiClient, account_id)
    if (
        account is None
        or not account.is_active
        or account.org_id != claims.org_id
        or account.role != claims.role
    ):
        raise Unauthorized("The token's account is no longer active.")
    return claims, account


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_app_settings)]


async def authenticate(
    request: Request,
    db: DB,
    settings: AppSettings,
    authorization: Annotated[str | None, Depends(oauth2)],
) -> Principal:
    """Who is calling: a valid bearer token of an active account, or 401."""
    claims, account = await active_account(db, settings, authorization)

    limits: RateLimits = request.app.state.rate_limits
    await limits.hit(limits.api, "api", claims.subject)

    role = Role(account.role)
    user = account if isinstance(account, UserAccount) else None
    return Principal(
        org_id=account.org_id,
        role=role,
        scopes=claims.scopes & ROLE_SCOPES[role],
        subject=claims.subject,
        user_id=user.id if user else None,
        client_id=None if user else account.id,
        person_id=user.person_id if user else None,
        client_label=(request.headers.get("user-agent") or "")[:200] or None
        if user
        else getattr(account, "name", None),
        request_id=correlation_id.get(),
    )


async def get_principal(
    security_scopes: SecurityScopes, principal: Annotated[Principal, Depends(authenticate)]
) -> Principal:
    """The caller, provided they hold every scope the endpoint declares (else 403)."""
    missing = [s for s in security_scopes.scopes if not principal.has(s)]
    if missing:
        raise Forbidden(f"This needs the scope(s): {', '.join(missing)}.")
    return principal


def _needs(*scopes: str) -> object:
    return Security(get_principal, scopes=list(scopes))


Caller = Annotated[Principal, _needs()]
PeopleReader = Annotated[Principal, _needs("people:read")]
PeopleWriter = Annotated[Principal, _needs("people:write")]
RelationshipsReader = Annotated[Principal, _needs("relationships:read")]
RelationshipsWriter = Annotated[Principal, _needs("relationships:write")]
GoalsReader = Annotated[Principal, _needs("goals:read")]
GoalsWriter = Annotated[Principal, _needs("goals:write")]
SessionsReader = Annotated[Principal, _needs("sessions:read")]
SessionsWriter = Annotated[Principal, _needs("sessions:write")]
AssessmentsReader = Annotated[Principal, _needs("assessments:read")]
AssessmentsWriter = Annotated[Principal, _needs("assessments:write")]
ServicesReader = Annotated[Principal, _needs("services:read")]
ServicesWriter = Annotated[Principal, _needs("services:write")]
ReferralsReader = Annotated[Principal, _needs("referrals:read")]
ReferralsWriter = Annotated[Principal, _needs("referrals:write")]
Admin = Annotated[Principal, _needs("admin")]
