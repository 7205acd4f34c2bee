"""Tokens (OAuth2) and who-am-I."""

import base64
import binascii
from typing import Annotated, Literal

from fastapi import Depends, Form, Header, Request, Response, status

from api import tenancy
from api.auth.deps import AppSettings, may
from api.auth.principal import Principal
from api.db import DB
from api.errors import OAuthError, problem_responses
from api.models.accounts import Me, SetPassword
from api.ratelimit import RateLimits, limit_token_requests
from api.routers.resource_router import ResourceRouter
from api.services import accounts, logins, tokens
from api.services.tokens import PresentedClient, TokenResponse

router = ResourceRouter(tags=["auth"])


@router.post(
    "/auth/token",
    summary="Get an access token",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    dependencies=[Depends(limit_token_requests)],
    responses=problem_responses(400, 401, 422, 429),
)
async def issue_token(
    request: Request,
    db: DB,
    settings: AppSettings,
    grant_type: Annotated[Literal["password", "client_credentials", "refresh_token"], Form()],
    username: Annotated[str | None, Form(max_length=320)] = None,
    password: Annotated[str | None, Form(max_length=1000)] = None,
    client_id: Annotated[str | None, Form(max_length=100)] = None,
    client_secret: Annotated[str | None, Form(max_length=1000)] = None,
    refresh_token: Annotated[str | None, Form(max_length=200)] = None,
    scope: Annotated[str | None, Form(max_length=2000, description="Space-separated.")] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> TokenResponse:
    """OAuth2 token endpoint (form-encoded).

    - `password`: people with accounts (`username` is the email); answers a refresh token too.
    - `client_credentials`: partner systems and scripts; send `client_id`/`client_secret`
      in the form or as HTTP Basic.
    - `refresh_token`: trade a refresh token for a new pair; each refresh token works once,
      and only for the client it was issued to (the `client_id`, and for a registered client
      its secret, sent with the password grant).

    `scope` may ask for fewer scopes than the role allows, never more: extra ones are dropped.
    Repeated failures for one account (or client) are refused with 429 for a while, however
    many addresses they come from.
    """
    tenancy.span_organisations(db, "a login names an account before its organisation is known")
    client_id, client_secret = _basic_credentials(authorization) or (client_id, client_secret)
    presented = PresentedClient(client_id=client_id or None, client_secret=client_secret or None)
    limits: RateLimits = request.app.state.rate_limits
    if grant_type == "password":
        if not username or not password:
            raise OAuthError("invalid_request", "The password grant needs username and password.")
        return await limits.login(
            username,
            lambda: tokens.password_grant(
                db, settings, username=username, password=password, scope=scope, presented=presented
            ),
        )
    if grant_type == "client_credentials":
        if not client_id or not client_secret:
            raise OAuthError(
                "invalid_client", "Send client_id and client_secret (form or Basic).", status=401
            )
        return await limits.login(
            f"client:{client_id}",
            lambda: tokens.client_credentials_grant(
                db, settings, client_id=client_id, client_secret=client_secret, scope=scope
            ),
        )
    if not refresh_token:
        raise OAuthError("invalid_request", "The refresh_token grant needs refresh_token.")
    return await tokens.refresh_grant(
        db, settings, refresh_token=refresh_token, scope=scope, presented=presented
    )


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, sep, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (client_id, secret) if sep else None


@router.get("/me", summary="Who this token is", response_model=Me, responses=problem_responses(401))
async def me(caller: Annotated[Principal, may("me.read")]) -> Me:
    """The caller behind the token: organisation, role, granted scopes and linked person."""
    return accounts.describe(caller)


@router.post(
    "/auth/set-password",
    summary="Choose a password with a one-time token",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(limit_token_requests)],
    responses=problem_responses(422, 429),
)
async def set_password(db: DB, body: SetPassword) -> Response:
    """The token from an invitation or a password reset (`POST /users`,
    `POST /users/{id}/reset-password`) sets the login's password, once; then log in with the
    password grant. An unknown, used or expired token is a 422."""
    tenancy.span_organisations(db, "a set-password token names its account")
    await logins.set_password(db, token=body.token, password=body.password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
