"""`/users` and `/clients`: administrators keep the organisation's logins under control."""

import uuid
from typing import Annotated

from fastapi import status

from api.auth.deps import AppSettings, may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models.accounts import (
    ClientCreate,
    ClientRead,
    ClientSecret,
    Invitation,
    SetPasswordToken,
    UserInvite,
    UserRead,
)
from api.models.common import Page
from api.models.enums import Role
from api.routers.common import Cursor, Limit
from api.routers.resource_router import ResourceRouter
from api.services import logins

router = ResourceRouter(tags=["logins"], responses=problem_responses(401, 403, 422, 429))
Admin = Annotated[Principal, may("accounts.manage")]


@router.get("/users", summary="List logins", response_model=Page[UserRead])
async def list_users(
    db: DB,
    caller: Admin,
    role: Role | None = None,
    active: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[UserRead]:
    """The organisation's people's logins, oldest first. Administrators only."""
    rows, next_cursor = await logins.list_users(
        db, caller, role=role, active=active, limit=limit, cursor=cursor
    )
    return Page(items=[logins.present_user(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/users",
    summary="Invite someone to log in",
    status_code=status.HTTP_201_CREATED,
    response_model=Invitation,
    responses=problem_responses(409),
)
async def invite_user(db: DB, caller: Admin, settings: AppSettings, body: UserInvite) -> Invitation:
    """A login without a password (a mentor's or mentee's linked to their person), and a
    one-time `set_password.token` for its owner to choose one (`POST /auth/set-password`).
    No password ever travels in a request of the administrator's."""
    user, token = await logins.invite_user(db, caller, body, hours=settings.setup_token_hours)
    return Invitation(user=logins.present_user(user), set_password=token)


@router.get(
    "/users/{user_id}",
    summary="Get a login",
    response_model=UserRead,
    responses=problem_responses(404),
)
async def get_user(db: DB, caller: Admin, user_id: uuid.UUID) -> UserRead:
    """One login of the organisation."""
    return logins.present_user(await logins.find_user(db, caller, user_id))


@router.post(
    "/users/{user_id}/disable",
    summary="Disable a login",
    response_model=UserRead,
    responses=problem_responses(404, 409),
)
async def disable_user(db: DB, caller: Admin, user_id: uuid.UUID) -> UserRead:
    """No more logins; its refresh and access tokens stop working at once. Not your own."""
    return logins.present_user(await logins.set_enabled(db, caller, user_id, enabled=False))


@router.post(
    "/users/{user_id}/enable",
    summary="Enable a login again",
    response_model=UserRead,
    responses=problem_responses(404),
)
async def enable_user(db: DB, caller: Admin, user_id: uuid.UUID) -> UserRead:
    """It may log in again (tokens from before it was disabled stay revoked)."""
    return logins.present_user(await logins.set_enabled(db, caller, user_id, enabled=True))


@router.post(
    "/users/{user_id}/reset-password",
    summary="Reset a login's password",
    response_model=SetPasswordToken,
    responses=problem_responses(404),
)
async def reset_password(
    db: DB, caller: Admin, settings: AppSettings, user_id: uuid.UUID
) -> SetPasswordToken:
    """The password stops working and every token is revoked; the one-time token lets the
    owner choose a new one (`POST /auth/set-password`)."""
    return await logins.reset_password(db, caller, user_id, hours=settings.setup_token_hours)


@router.get("/clients", summary="List machine clients", response_model=Page[ClientRead])
async def list_clients(
    db: DB, caller: Admin, active: bool | None = None, limit: Limit = 50, cursor: Cursor = None
) -> Page[ClientRead]:
    """Partner systems and scripts, oldest first. Administrators only."""
    rows, next_cursor = await logins.list_clients(
        db, caller, active=active, limit=limit, cursor=cursor
    )
    return Page(items=[logins.present_client(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/clients",
    summary="Create a machine client",
    status_code=status.HTTP_201_CREATED,
    response_model=ClientSecret,
)
async def create_client(db: DB, caller: Admin, body: ClientCreate) -> ClientSecret:
    """Its `secret` is in this answer only (a hash is kept)."""
    client, secret = await logins.create_client(db, caller, body)
    return ClientSecret(client=logins.present_client(client), secret=secret)


@router.get(
    "/clients/{api_client_id}",
    summary="Get a machine client",
    response_model=ClientRead,
    responses=problem_responses(404),
)
async def get_client(db: DB, caller: Admin, api_client_id: uuid.UUID) -> ClientRead:
    """One client of the organisation (by its id, not its `client_id`)."""
    return logins.present_client(await logins.find_client(db, caller, api_client_id))


@router.post(
    "/clients/{api_client_id}/rotate-secret",
    summary="Rotate a client's secret",
    response_model=ClientSecret,
    responses=problem_responses(404, 409),
)
async def rotate_client_secret(db: DB, caller: Admin, api_client_id: uuid.UUID) -> ClientSecret:
    """A new secret, shown once; the old secret and every token issued with it stop working
    at once."""
    client, secret = await logins.rotate_secret(db, caller, api_client_id)
    return ClientSecret(client=logins.present_client(client), secret=secret)


@router.post(
    "/clients/{api_client_id}/disable",
    summary="Disable a client",
    response_model=ClientRead,
    responses=problem_responses(404, 409),
)
async def disable_client(db: DB, caller: Admin, api_client_id: uuid.UUID) -> ClientRead:
    """No more tokens; its tokens stop working at once."""
    client = await logins.set_client_enabled(db, caller, api_client_id, enabled=False)
    return logins.present_client(client)


@router.post(
    "/clients/{api_client_id}/enable",
    summary="Enable a client again",
    response_model=ClientRead,
    responses=problem_responses(404, 409),
)
async def enable_client(db: DB, caller: Admin, api_client_id: uuid.UUID) -> ClientRead:
    """It may get tokens again (not once revoked)."""
    client = await logins.set_client_enabled(db, caller, api_client_id, enabled=True)
    return logins.present_client(client)


@router.post(
    "/clients/{api_client_id}/revoke",
    summary="Revoke a client for good",
    response_model=ClientRead,
    responses=problem_responses(404),
)
async def revoke_client(db: DB, caller: Admin, api_client_id: uuid.UUID) -> ClientRead:
    """It never gets a token again; a leaked secret is worthless. Its history stays."""
    return logins.present_client(await logins.revoke_client(db, caller, api_client_id))
