"""Who can get a token: people's accounts, machine clients, and refresh tokens."""

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr
from pydantic import Field as PydField
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime
from api.models.common import Input, RecordRead, Text200
from api.models.enums import Role


class UserAccount(OrgRecord, table=True):
    __tablename__ = "user_account"

    email: str = Field(max_length=320, unique=True)  # stored lower-case; logins are global
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=20)
    person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", index=True)
    is_active: bool = True
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Bumped to revoke every access token issued before (each carries the number it had).
    token_generation: int = 0
    # A one-time set-password token (invitation or reset), stored as its SHA-256 digest.
    setup_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    setup_token_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiClient(OrgRecord, table=True):
    """A partner system or script using the client-credentials grant."""

    __tablename__ = "api_client"

    name: str = Field(max_length=200)
    client_id: str = Field(max_length=64, unique=True)
    secret_hash: str = Field(max_length=200)
    role: str = Field(max_length=20)
    is_active: bool = True
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    token_generation: int = 0
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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


class UserRead(RecordRead):
    email: str
    role: Role
    person_id: uuid.UUID | None
    is_active: bool = PydField(description="False while disabled: no login, no token works.")
    password_set: bool = PydField(
        description="False until the invitation's set-password token is used."
    )
    last_login_at: datetime | None


class UserInvite(Input):
    """A login for staff, or for a mentor or mentee (linked to their person)."""

    email: EmailStr
    role: Role
    person_id: uuid.UUID | None = PydField(
        None, description="Required for a mentor or mentee: the person the login is."
    )


class SetPasswordToken(BaseModel):
    token: str = PydField(
        description="Give it to the person (once; only its digest is kept). They choose a "
        "password with `POST /auth/set-password`."
    )
    expires_at: datetime


class Invitation(BaseModel):
    user: UserRead
    set_password: SetPasswordToken


class SetPassword(Input):
    token: str = PydField(min_length=1, max_length=200)
    password: str = PydField(min_length=12, max_length=1000)


class ClientRead(RecordRead):
    name: str
    client_id: str
    role: Role
    is_active: bool
    revoked_at: datetime | None = PydField(
        description="Set once revoked: for good, the client cannot be enabled again."
    )
    last_used_at: datetime | None


class ClientCreate(Input):
    name: Text200
    role: Role


class ClientSecret(BaseModel):
    client: ClientRead
    secret: str = PydField(description="Shown once; only its hash is kept.")


class Me(BaseModel):
    org_id: uuid.UUID
    role: Role
    scopes: list[str]
    subject: str
    person_id: uuid.UUID | None
    client_id: uuid.UUID | None
