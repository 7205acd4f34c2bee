"""Who may do what: one table, read by the REST routes, the GraphQL fields and the services.

Each action names the scope a token must hold, the roles that may ever do it, and, where the
answer depends on the row, who owns it. Which rows a caller reaches at all is the other half
of access, decided in SQL by `api/services/visibility.py` (where the read scope is required
too, so a nested GraphQL field cannot skip it).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api.auth.principal import Principal
from api.auth.scopes import STAFF_ROLES
from api.errors import Forbidden
from api.models.enums import OPEN_RELATIONSHIP_STATUSES, Role

Owner = Callable[[Principal, Any], bool]

EVERYONE = frozenset(Role)
STAFF = STAFF_ROLES
STAFF_AND_MENTORS = STAFF_ROLES | {Role.mentor}
WORKING_WITH_A_MENTEE = STAFF_AND_MENTORS | {Role.mentee}
PERSON_READERS = WORKING_WITH_A_MENTEE | {Role.partner}
REPORT_READERS = STAFF_ROLES | {Role.analyst}


def _staff_or_its_mentor(caller: Principal, relationship: Any) -> bool:
    """Staff, or the mentor of the relationship (`row` has a `mentor_id`)."""
    return caller.role in STAFF_ROLES or (
        caller.role == Role.mentor and caller.person_id == relationship.mentor_id
    )


def _staff_or_its_mentee(caller: Principal, relationship: Any) -> bool:
    """Staff, or the mentee of the relationship (`row` has a `mentee_id`)."""
    return caller.role in STAFF_ROLES or (
        caller.role == Role.mentee and caller.person_id == relationship.mentee_id
    )


def _staff_or_themselves(caller: Principal, person: Any) -> bool:
    """Staff, or the person the records are about (`row` is their `Person`)."""
    return caller.role in STAFF_ROLES or caller.person_id == person.id


def _sensitive_or_its_mentor(caller: Principal, relationship: Any) -> bool:
    """A holder of `people:sensitive`, or the relationship's own mentor."""
    return caller.has("people:sensitive") or (
        caller.role == Role.mentor and caller.person_id == relationship.mentor_id
    )


def _sensitive_or_their_author(caller: Principal, session: Any) -> bool:
    """A holder of `people:sensitive`, or the mentor who wrote the session's private notes."""
    return caller.has("people:sensitive") or (
        caller.role == Role.mentor and session.private_notes_by == caller.subject
    )


def _staff_or_a_facilitator(caller: Principal, group: Any) -> bool:
    """Staff, or a mentor who runs the group session (`row` has `facilitator_ids`)."""
    return caller.role in STAFF_ROLES or (
        caller.role == Role.mentor and caller.person_id in group.facilitator_ids
    )


def _not_a_former_mentor(caller: Principal, relationship: Any) -> bool:
    """A mentor's reading of a relationship's notes ends with the relationship."""
    return caller.role != Role.mentor or relationship.status in OPEN_RELATIONSHIP_STATUSES


@dataclass(frozen=True)
class Rule:
    scope: str | None
    roles: frozenset[Role]
    refusal: str
    owner: Owner | None = None


POLICY: dict[str, Rule] = {
    "me.read": Rule(None, EVERYONE, ""),
    "organisation.read": Rule(None, EVERYONE, ""),
    "organisation.update": Rule("admin", frozenset({Role.admin}), "Administrators only."),
    "audit.read": Rule("admin", frozenset({Role.admin}), "Administrators only."),
    "people.subject_access": Rule("admin", frozenset({Role.admin}), "Administrators only."),
    "accounts.manage": Rule("admin", frozenset({Role.admin}), "Administrators only."),
    "people.read": Rule("people:read", PERSON_READERS, "People are not visible to this role."),
    "people.create": Rule(
        "people:write", STAFF, "Only administrators and coordinators add people."
    ),
    "people.update": Rule(
        "people:write", STAFF_AND_MENTORS, "Only staff and a person's mentor change them."
    ),
    "people.update_programme_fields": Rule(
        "people:write",
        STAFF,
        "Only staff change a mentor's vetting, training and caseload or a case reference.",
    ),
    "people.erase": Rule("admin", frozenset({Role.admin}), "Administrators only."),
    "people.legal_hold": Rule("admin", frozenset({Role.admin}), "Administrators only."),
    "people.delete": Rule(
        "people:write", STAFF, "Only administrators and coordinators remove people."
    ),
    "custody.report": Rule(
        "referrals:write",
        STAFF | {Role.partner},
        "Custody events come from the referring partner and staff.",
    ),
    "custody.read": Rule(
        "people:read", STAFF | {Role.partner}, "Custody history is for staff and the referrer."
    ),
    "consents.read": Rule(
        "people:read",
        WORKING_WITH_A_MENTEE,
        "Consents are seen by staff, the person's mentor and the person.",
    ),
    "consents.write": Rule(
        "people:write", STAFF, "Consents are recorded by administrators and coordinators."
    ),
    "non_associations.read": Rule(
        "people:read", STAFF, "Non-associations are seen by administrators and coordinators."
    ),
    "non_associations.write": Rule(
        "people:write", STAFF, "Non-associations are kept by administrators and coordinators."
    ),
    "people.expectations": Rule(
        "relationships:write",
        WORKING_WITH_A_MENTEE,
        "Only staff and the person themself state what they expect of a relationship.",
        owner=_staff_or_themselves,
    ),
    "matching.suggest": Rule(
        "relationships:write", STAFF, "Matching is for administrators and coordinators."
    ),
    "relationships.read": Rule(
        "relationships:read", WORKING_WITH_A_MENTEE, "Relationships are not visible to this role."
    ),
    "relationships.read_notes": Rule(
        "relationships:read",
        WORKING_WITH_A_MENTEE,
        "A relationship's notes are not visible to this role.",
        owner=_not_a_former_mentor,
    ),
    "relationships.create": Rule(
        "relationships:write",
        STAFF,
        "Matching mentors and mentees is for administrators and coordinators.",
    ),
    "relationships.change": Rule(
        "relationships:write",
        STAFF_AND_MENTORS,
        "Only staff and the relationship's mentor change it.",
        owner=_staff_or_its_mentor,
    ),
    "relationships.mentee_say": Rule(
        "relationships:write",
        STAFF | {Role.mentee},
        "Only the mentee, or staff on their behalf, agree to or decline a match.",
        owner=_staff_or_its_mentee,
    ),
    "relationships.check_in": Rule(
        "relationships:write",
        WORKING_WITH_A_MENTEE,
        "Only the mentor, the mentee or staff record check-ins.",
    ),
    "relationships.read_both_sides": Rule(
        "relationships:read",
        STAFF,
        "Each side of a relationship reads only its own check-in comments.",
    ),
    "relationships.read_move_notes": Rule(
        "relationships:read",
        STAFF_AND_MENTORS,
        "Notes on a relationship's moves are for staff and its mentor.",
        owner=_staff_or_its_mentor,
    ),
    "caseload.read": Rule(
        "relationships:read", frozenset({Role.mentor}), "The caseload is a mentor's own."
    ),
    "goals.read": Rule("goals:read", WORKING_WITH_A_MENTEE, "Goals are not visible to this role."),
    "goals.write": Rule(
        "goals:write", WORKING_WITH_A_MENTEE, "Goals are kept by staff, mentors and mentees."
    ),
    "sessions.read": Rule(
        "sessions:read", WORKING_WITH_A_MENTEE, "Sessions are not visible to this role."
    ),
    "sessions.write": Rule(
        "sessions:write",
        STAFF_AND_MENTORS,
        "Only staff and the relationship's mentor record its sessions.",
        owner=_staff_or_its_mentor,
    ),
    "sessions.read_private_notes": Rule(
        "sessions:read",
        STAFF_AND_MENTORS,
        "Private notes are read with people:sensitive, or by the mentor who wrote them.",
        owner=_sensitive_or_their_author,
    ),
    "sessions.write_private_notes": Rule(
        "sessions:write",
        STAFF_AND_MENTORS,
        "Writing private notes needs the people:sensitive scope, or being the mentor.",
        owner=_sensitive_or_its_mentor,
    ),
    "group_sessions.run": Rule(
        "sessions:write",
        STAFF_AND_MENTORS,
        "Only staff and the group's facilitators run a group session.",
        owner=_staff_or_a_facilitator,
    ),
    "concerns.read": Rule(
        "people:read",
        STAFF_AND_MENTORS,
        "Concerns are seen by staff and the mentor who raised them.",
    ),
    "concerns.raise": Rule(
        "people:write", STAFF_AND_MENTORS, "Concerns are raised by mentors and staff."
    ),
    "concerns.triage": Rule(
        "people:write", STAFF, "Concerns are triaged by administrators and coordinators."
    ),
    "concerns.read_triage": Rule(
        "people:read", STAFF, "A concern's triage (outcome, escalation, history) is for staff."
    ),
    "mentor_support.read": Rule(
        "people:read",
        STAFF_AND_MENTORS,
        "Supervision, training and clearance records are seen by staff and the mentor concerned.",
        owner=_staff_or_themselves,
    ),
    "mentor_support.write": Rule(
        "people:write", STAFF, "Supervision, training and clearances are recorded by staff."
    ),
    "mentor_support.read_notes": Rule(
        "people:read", STAFF, "Supervision notes are for staff only."
    ),
    "assessments.read": Rule(
        "assessments:read", WORKING_WITH_A_MENTEE, "Assessments are not visible to this role."
    ),
    "assessments.write": Rule(
        "assessments:write", STAFF_AND_MENTORS, "Assessments are recorded by staff and mentors."
    ),
    "services.read": Rule(
        "services:read", STAFF_AND_MENTORS, "The directory is not visible to this role."
    ),
    "services.write": Rule(
        "services:write", STAFF, "The directory is kept by administrators and coordinators."
    ),
    "referrals.read": Rule(
        "referrals:read", STAFF_AND_MENTORS | {Role.partner}, "Referrals are not visible here."
    ),
    "referrals.write": Rule(
        "referrals:write",
        STAFF_AND_MENTORS | {Role.partner},
        "Referrals are made by staff, mentors and partner systems.",
    ),
    "referrals.refer_in": Rule(
        "referrals:write",
        STAFF | {Role.partner},
        "Inbound referrals come from partner systems and coordinators.",
    ),
    "referrals.refer_out": Rule(
        "referrals:write", STAFF_AND_MENTORS, "Outbound referrals are made by staff and mentors."
    ),
    "referrals.decide_inbound": Rule(
        "referrals:write",
        STAFF,
        "Staff decide on inbound referrals; the partner may withdraw them.",
    ),
    "referrals.withdraw_inbound": Rule(
        "referrals:write",
        STAFF | {Role.partner},
        "Staff decide on inbound referrals; the partner may withdraw them.",
    ),
    "referrals.move_outbound": Rule(
        "referrals:write",
        STAFF_AND_MENTORS,
        "Outbound referrals are moved by staff and the mentee's mentor.",
    ),
    "outcomes.read": Rule(
        "assessments:read", STAFF_AND_MENTORS, "Outcomes are seen by staff and mentors."
    ),
    "outcomes.write": Rule(
        "assessments:write",
        STAFF_AND_MENTORS,
        "Outcomes are recorded by staff and the mentee's mentor.",
    ),
    "alerts.read": Rule(
        "people:read",
        STAFF_AND_MENTORS,
        "Alerts are seen by staff, and by mentors about their own work.",
    ),
    "alerts.change": Rule("people:write", STAFF, "Alerts are acknowledged and resolved by staff."),
    "reports.read": Rule("reports:read", REPORT_READERS, "Reports are read by staff and analysts."),
    "reports.fairness": Rule(
        "reports:read", STAFF, "The fairness report is for administrators and coordinators."
    ),
    "reports.cohort_file": Rule(
        "admin", frozenset({Role.admin}), "The cohort file is for administrators only."
    ),
    "events.read": Rule(None, PERSON_READERS, "The events feed is not for this role."),
    "webhooks.manage": Rule(
        None,
        frozenset({Role.admin, Role.partner}),
        "Webhooks are managed by administrators, and by partner clients.",
    ),
    "webhooks.manage_organisation": Rule(
        "admin", frozenset({Role.admin}), "Administrators manage the organisation's webhooks."
    ),
    "webhooks.manage_own": Rule(
        "referrals:read", frozenset({Role.partner}), "A partner manages its own webhooks."
    ),
}


def rule(action: str) -> Rule:
    """The rule for an action; an action missing from the table is a programming error."""
    return POLICY[action]


def allows(caller: Principal, action: str, row: Any = None) -> bool:
    found = rule(action)
    if found.scope is not None and not caller.has(found.scope):
        return False
    if caller.role not in found.roles:
        return False
    return row is None or found.owner is None or found.owner(caller, row)


def authorize(caller: Principal, action: str, row: Any = None) -> Principal:
    """The caller, if the table lets them do `action` (on `row`, when given); else 403."""
    found = rule(action)
    if found.scope is not None and not caller.has(found.scope):
        raise Forbidden(f"This needs the scope(s): {found.scope}.")
    if not allows(caller, action, row):
        raise Forbidden(found.refusal)
    return caller
