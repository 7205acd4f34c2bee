"""The one table of what each role may ask for (contract §1)."""

from api.models.enums import Role

RESOURCES = ("people", "relationships", "goals", "sessions", "referrals", "services", "assessments")

SCOPE_DESCRIPTIONS: dict[str, str] = {
    **{f"{r}:read": f"Read {r}" for r in RESOURCES},
    **{f"{r}:write": f"Create and change {r}" for r in RESOURCES},
    "people:sensitive": "See sensitive fields (offence, risk, lived experience, private notes)",
    "reports:read": "Read programme reports (aggregates only)",
    "admin": "Administer the organisation: accounts, clients, webhooks, audit log",
}
ALL_SCOPES = frozenset(SCOPE_DESCRIPTIONS)

_READ_WRITE = frozenset(s for s in ALL_SCOPES if s.endswith((":read", ":write"))) - {"reports:read"}

ROLE_SCOPES: dict[Role, frozenset[str]] = {
    Role.admin: ALL_SCOPES,
    Role.coordinator: _READ_WRITE | {"people:sensitive", "reports:read"},
    # Mentors work on their own mentees; the directory of services is read-only to them.
    Role.mentor: _READ_WRITE - {"services:write"},
    # Mentees write only their own goals, reflections and relationship check-ins.
    Role.mentee: frozenset(
        {
            "people:read",
            "relationships:read",
            "relationships:write",
            "goals:read",
            "goals:write",
            "sessions:read",
            "assessments:read",
        }
    ),
    Role.partner: frozenset({"referrals:read", "referrals:write", "people:read"}),
    Role.analyst: frozenset({"reports:read"}),
}

# Background jobs (the dispatcher, scheduled rules) act for a whole organisation, reading
# what a coordinator reads; they never administer it.
SYSTEM_SCOPES = ROLE_SCOPES[Role.coordinator]

# Staff run the programme: they see the whole organisation and make its decisions.
STAFF_ROLES = frozenset({Role.admin, Role.coordinator})
# Roles whose reach is limited to particular people, not the whole organisation.
PERSON_SCOPED_ROLES = frozenset({Role.mentor, Role.mentee, Role.partner})
# Roles that may hold a machine client (mentors and mentees log in as themselves).
CLIENT_ROLES = frozenset({Role.admin, Role.coordinator, Role.partner, Role.analyst})


def grant(role: Role, requested: str | None) -> frozenset[str]:
    """The scopes a token gets: what was asked for, cut down to what the role allows."""
    allowed = ROLE_SCOPES[role]
    if not requested:
        return allowed
    return frozenset(requested.split()) & allowed


def scope_string(scopes: frozenset[str]) -> str:
    return " ".join(sorted(scopes))
