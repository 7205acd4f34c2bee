"""Who can get a token: people's accounts, machine clients, and refresh tokens."""

import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime
from api.models.enums import Role


class UserAccount(OrgRecord, table=True):
    __tablename__ = "user_account"

    email: str = Field(max_length=320, unique=True)  # stored lower-case; logins are global
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=20)
    person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", index=True)
    is_active: bool = True
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiClient(OrgRecord, table=True):
    """A partner system or script using the client-credentials grant."""

    __tablename__ = "api_client"

    name: str = Field(max_length=200)
    client_id: str = Field(max_length=64, unique=True)
    secret_hash: str = Field(max_length=200)
    role: str = Field(max_length=20)
    is_active: bool = True
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RefreshToken(OrgRecord, table=True):
    """One-use refresh tokens, stored as hashes; a family is one login's chain of rotations."""

    __tablename__ = "refresh_token"

    token_hash: str = Field(max_length=64, unique=True)
    family_id: uuid.UUID = Field(index=True)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    # The OAuth2 client the login came through (None: no client named); only it may refresh.
    client_id: str | None = Field(default=None, max_length=100)
    scope: str = Field(max_length=1000)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- API models -----------------------------------------------------------------------------


class Me(BaseModel):
    org_id: uuid.UUID
    role: Role
    scopes: list[str]
    subject: str
    person_id: uuid.UUID | None
    client_id: uuid.UUID | None
