import uuid
from dataclasses import dataclass

from api.auth.scopes import PERSON_SCOPED_ROLES
from api.models.enums import Role


@dataclass(frozen=True)
class Principal:
    """The caller of a request: whose organisation, which role and scopes, which person."""

    org_id: uuid.UUID
    role: Role
    scopes: frozenset[str]
    subject: str  # "user:<id>" or "client:<id>", recorded as `by` in histories
    user_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    client_label: str | None = None
    request_id: str | None = None

    def has(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def sees_whole_organisation(self) -> bool:
        return self.role not in PERSON_SCOPED_ROLES
