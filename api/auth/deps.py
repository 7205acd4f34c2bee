"""The caller dependency: every endpoint gets its `Principal` (or a 401/403) from here."""

import uuid
from typing import Annotated, Any

from asgi_correlation_id import correlation_id
from fastapi import Depends, Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlowPassword, OAuthFlows
from fastapi.security import OAuth2
from sqlmodel.ext.asyncio.session import AsyncSession

from api import tenancy
from api.auth.principal import Principal
from api.auth.scopes import ROLE_SCOPES, SCOPE_DESCRIPTIONS
from api.auth.standing import Standing, StandingReader
from api.auth.tokens import InvalidToken, TokenClaims, claims_of
from api.db import DB
from api.errors import Unauthorized
from api.models.enums import Role
from api.ratelimit import RateLimits
from api.services import audit, policy
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
    db: AsyncSession, settings: Settings, reader: StandingReader, authorization: str | None
) -> tuple[TokenClaims, Standing]:
    """The token's claims and its account, provided the account is still active and has not
    revoked the token since it was issued (else 401)."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send a bearer token in the Authorization header.")
    try:
        claims = claims_of(settings, token)
        kind, _, raw_id = claims.subject.partition(":")
        account_id = uuid.UUID(raw_id)
    except (InvalidToken, ValueError) as exc:
        raise Unauthorized("The token is invalid or has expired.") from exc

    # From here on the request's session sees only the token's organisation.
    tenancy.enter_organisation(db, claims.org_id)
    account = None
    if kind in ("user", "client"):
        account = await reader.standing(db, kind, account_id)
    if (
        account is None
        or not account.is_active
        or account.org_id != claims.org_id
        or account.role != claims.role
        or account.token_generation != claims.generation
    ):
        raise Unauthorized("The token's account is no longer active.")
    return claims, account


async def get_app_settings(request: Request) -> Settings:
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
    claims, account = await active_account(db, settings, request.app.state.standing, authorization)

    limits: RateLimits = request.app.state.rate_limits
    await limits.hit(limits.api, "api", claims.subject)

    role = Role(account.role)
    is_user = account.kind == "user"
    return Principal(
        org_id=account.org_id,
        role=role,
        scopes=claims.scopes & ROLE_SCOPES[role],
        subject=claims.subject,
        user_id=account.id if is_user else None,
        client_id=None if is_user else account.id,
        person_id=account.person_id,
        client_label=claims.client_id,
        request_id=correlation_id.get(),
    )


class Authorized:
    """The dependency of every REST operation: the caller, if the policy lets them `action`."""

    def __init__(self, action: str) -> None:
        self.action = action

    async def __call__(
        self, principal: Annotated[Principal, Depends(authenticate)], db: DB
    ) -> Principal:
        caller = policy.authorize(principal, self.action)
        audit.begin(db, caller, self.action)  # what it reads of people is audited
        return caller


def may(action: str) -> Any:
    """`caller: Annotated[Principal, may("people.read")]`: the operation's declared access.

    The scope also goes into the OpenAPI document's security requirement."""
    scope = policy.rule(action).scope
    return Security(Authorized(action), scopes=[scope] if scope else [])
