import uuid
from dataclasses import dataclass

from api.auth.scopes import PERSON_SCOPED_ROLES, ROLE_SCOPES, SYSTEM_SCOPES
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

    @classmethod
    def system(cls, org_id: uuid.UUID, job: str) -> "Principal":
        """A background job working for one organisation (recorded as `system:<job>`)."""
        return cls(
            org_id=org_id, role=Role.coordinator, scopes=SYSTEM_SCOPES, subject=f"system:{job}"
        )

    @classmethod
    def owner(
        cls,
        org_id: uuid.UUID,
        role: Role,
        *,
        client_id: uuid.UUID | None,
        user_id: uuid.UUID | None,
    ) -> "Principal":
        """The account that owns a standing order (a webhook subscription), with its role's
        scopes: what it hears is what it may see."""
        subject = f"client:{client_id}" if client_id else f"user:{user_id}"
        return cls(
            org_id=org_id,
            role=role,
            scopes=ROLE_SCOPES[role],
            subject=subject,
            client_id=client_id,
            user_id=user_id,
        )
