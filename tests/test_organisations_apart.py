"""Proof against a second organisation, built from the app's own route table and schema.

Two organisations hold one of everything. A caller of the second organisation with every
scope then walks every REST operation and every GraphQL root field:

- lists and reads answer nothing of the first organisation (no id of it anywhere in the
  answer), also when a filter names one of its ids;
- every operation on a `{id}` of the first organisation is a 404 (GraphQL: `null`, or a
  not-found problem), and changes nothing;
- an id of the first organisation in a request body (or mutation input) is refused and
  changes nothing — while the same request with the caller's own ids goes through (the
  control, so a refusal for any other reason cannot pass for isolation).

Each check runs twice: with the tenancy hook, and with the hook switched off, so the service
layer's own `org_id` conditions are proved on their own too.

A new route or root field is walked without anything added here; one whose path names an
id not in PATH_RESOURCES, or that takes a body not in BODIES, fails until it is declared.
"""

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)
from graphql.pyutils import Undefined
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api import tenancy
from api.models import Organisation
from api.models.enums import Role
from api.schema.schema import build_schema
from tests.alerts.helpers import raise_alert_for
from tests.factories import World, bearer, make_user
from tests.schema.helpers import gql

API = "/api/v1"
SOON = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()

# Routes the walk does not drive, and why.
EXEMPT = {
    ("POST", f"{API}/auth/token"): "trades credentials for a token; reads no record by id",
    ("POST", f"{API}/auth/set-password"): "a one-time token names its own login; no record id",
    ("GET", f"{API}/graphql"): "the GraphQL IDE page; the fields are walked below",
    ("POST", f"{API}/graphql"): "GraphQL: every root field is walked below",
    ("GET", "/healthz"): "a probe: no organisation's data",
    ("GET", "/readyz"): "a probe: no organisation's data",
    ("GET", "/metrics"): "Prometheus counters: no organisation's data",
    ("GET", f"{API}/me/caseload"): "a mentor's own (the walking admin has none); its reach is "
    "tested with mentors of both organisations in tests/routers/test_caseload.py",
}

# Which record each id in a path, a query or a body names (the key into `Records`).
PATH_RESOURCES = {
    "person_id": "mentee",
    "mentee_id": "mentee",
    "mentor_id": "mentor",
    "other_person_id": "other_mentee",
    "relationship_id": "relationship",
    "goal_id": "goal",
    "step_id": "step",
    "step_ids": "step",
    "goal_ids": "goal",
    "session_id": "session",
    "assessment_id": "assessment",
    "service_id": "service",
    "referral_id": "referral",
    "non_association_id": "non_association",
    "outcome_id": "outcome",
    "alert_id": "alert",
    "webhook_id": "webhook",
    "delivery_id": "delivery",
    "concern_id": "concern",
    "supervision_id": "supervision",
    "training_id": "training",
    "clearance_id": "clearance",
    "group_session_id": "group_session",
    "relationship_ids": "relationship",
    "facilitator_ids": "mentor",
    "user_id": "user",
    "api_client_id": "api_client",
}

# A valid body for every operation that takes one; "{name}" is the id of that record.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/organisation"): {"matching_weights": {"needs": 0.5}},
    ("POST", "/people"): {
        "kind": "mentee",
        "given_name": "New",
        "family_name": "Person",
        "mentee": {"custody_status": "in_custody"},
    },
    ("PATCH", "/people/{person_id}"): {"preferred_name": "Changed"},
    ("POST", "/people/{person_id}/custody-events"): {
        "event": "transferred",
        "establishment": "HMP Hull",
    },
    ("PUT", "/people/{person_id}/legal-hold"): {"reason": "A claim"},
    ("PUT", "/people/{person_id}/expectations"): {"contact_frequency": "weekly"},
    ("POST", "/people/{person_id}/consents"): {
        "purpose": "contact_by_text",
        "status": "granted",
        "evidence": "verbal",
    },
    ("POST", "/people/{mentee_id}/non-associations"): {
        "other_person_id": "{other_mentee}",
        "kind": "other",
    },
    ("POST", "/relationships"): {"mentee_id": "{other_mentee}", "mentor_id": "{mentor}"},
    ("PATCH", "/relationships/{relationship_id}"): {"expectations": "Weekly, then fortnightly."},
    ("POST", "/relationships/{relationship_id}/{move}"): {},
    ("POST", "/relationships/{relationship_id}/agree"): {"note": "Agreed at the visit."},
    ("POST", "/relationships/{relationship_id}/decline"): {"reason": "Not this mentor."},
    ("POST", "/relationships/{relationship_id}/end"): {
        "ending_reason": "completed",
        "ending_summary": "Done.",
    },
    ("POST", "/relationships/{relationship_id}/check-ins"): {
        "feeling": "good_fit",
        "side": "mentee",
        "session_id": "{session}",
    },
    ("POST", "/goals"): {
        "mentee_id": "{mentee}",
        "relationship_id": "{relationship}",
        "pathway": "health",
        "title": "See a GP",
    },
    ("PATCH", "/goals/{goal_id}"): {"relationship_id": "{relationship}"},
    ("POST", "/goals/{goal_id}/steps"): {"title": "Ring the surgery"},
    ("POST", "/goals/{goal_id}/steps/order"): {"step_ids": ["{step}"]},
    ("PATCH", "/goals/{goal_id}/steps/{step_id}"): {"title": "Ring the surgery at nine"},
    ("POST", "/goals/{goal_id}/reviews"): {"note": "Going well.", "progress": 5},
    ("POST", "/sessions"): {
        "relationship_id": "{relationship}",
        "scheduled_start": SOON,
        "setting": "community",
        "goal_ids": ["{goal}"],
    },
    ("PATCH", "/sessions/{session_id}"): {"goal_ids": ["{goal}"]},
    ("POST", "/assessments"): {
        "mentee_id": "{mentee}",
        "taken_on": date.today().isoformat(),
        "scores": {"health": 4},
    },
    ("POST", "/services"): {"name": "Clinic", "provider": "NHS", "category": "health"},
    ("PATCH", "/services/{service_id}"): {"area": "North"},
    ("POST", "/referrals"): {
        "direction": "outbound",
        "mentee_id": "{mentee}",
        "service_id": "{service}",
    },
    ("PATCH", "/referrals/{referral_id}"): {"service_id": "{service}"},
    ("POST", "/referrals/{referral_id}/{move}"): {},
    ("POST", "/referrals/{referral_id}/decline"): {"reason": "No capacity."},
    ("POST", "/referrals/{referral_id}/withdraw"): {"reason": "Moved away."},
    ("POST", "/referrals/{referral_id}/complete"): {"outcome": "achieved", "note": "Housed."},
    ("POST", "/referrals/{referral_id}/pending-match"): {"decision": "reject"},
    ("POST", "/outcomes"): {
        "mentee_id": "{mentee}",
        "milestone": "start",
        "relationship_id": "{relationship}",
    },
    ("PATCH", "/outcomes/{outcome_id}"): {"accommodation": "settled"},
    ("POST", "/concerns"): {
        "person_id": "{mentee}",
        "relationship_id": "{relationship}",
        "category": "wellbeing",
        "urgency": "routine",
        "description": "Seemed low.",
    },
    ("POST", "/concerns/{concern_id}/review"): {"note": "Looking into it."},
    ("POST", "/concerns/{concern_id}/close"): {"outcome": "Support arranged."},
    ("POST", "/concerns/{concern_id}/escalate"): {"agency": "Adult social care"},
    ("POST", "/people/{mentor_id}/supervisions"): {
        "held_on": "2025-06-01",
        "kind": "one_to_one",
        "supervisor": "Jo",
    },
    ("POST", "/people/{mentor_id}/trainings"): {
        "course": "Induction",
        "completed_on": "2025-01-01",
    },
    ("POST", "/people/{mentor_id}/establishment-clearances"): {
        "establishment": "HMP Hull",
        "granted_on": "2025-01-01",
        "granted_by": "Security",
        "expires_on": "2027-01-01",
    },
    ("POST", "/group-sessions"): {
        "title": "Group",
        "scheduled_start": SOON,
        "setting": "custody",
        "facilitator_ids": ["{mentor}"],
        "relationship_ids": ["{relationship}"],
    },
    ("POST", "/group-sessions/{group_session_id}/attendance"): {
        "marks": [{"relationship_id": "{relationship}", "attendance": "cancelled"}]
    },
    ("POST", "/group-sessions/{group_session_id}/attendees"): {
        "relationship_ids": ["{relationship}"]
    },
    ("POST", "/alerts/{alert_id}/acknowledge"): {"note": "On it."},
    ("POST", "/alerts/{alert_id}/resolve"): {"note": "Talked to them both."},
    ("POST", "/users"): {
        "email": "walked@example.org",
        "role": "mentor",
        "person_id": "{mentor}",
    },
    ("POST", "/clients"): {"name": "Probation NE", "role": "partner"},
    ("POST", "/webhooks"): {"url": "https://93.184.215.14/hooks", "events": ["*"]},
    ("PATCH", "/webhooks/{webhook_id}"): {"description": "Changed"},
    ("POST", "/webhooks/{webhook_id}/rotate-secret"): {"grace_hours": 1},
}

Records = dict[str, str]


async def populate(client: httpx.AsyncClient, headers: dict[str, str]) -> Records:
    """One of everything in the caller's organisation, made through the API."""

    async def post(path: str, body: dict[str, Any]) -> str:
        response = await client.post(API + path, json=body, headers=headers)
        assert response.status_code == 201, (path, response.text)
        return str(response.json()["id"])

    mentee = {"custody_status": "in_custody", "risk_level": "high", "offence_summary": "x"}
    records: Records = {}
    for key in ("mentee", "other_mentee"):
        records[key] = await post(
            "/people",
            {"kind": "mentee", "given_name": key, "family_name": "M", "mentee": mentee},
        )
    records["mentor"] = await post(
        "/people",
        {
            "kind": "mentor",
            "given_name": "Mentor",
            "family_name": "M",
            "mentor": {
                "vetting_status": "cleared",
                "vetting_expires_on": "2030-01-01",
                "training_completed_on": "2025-01-01",
                "max_caseload": 5,
                "lived_experience": True,
            },
        },
    )
    records["relationship"] = await post(
        "/relationships", {"mentee_id": records["mentee"], "mentor_id": records["mentor"]}
    )
    records["goal"] = await post(
        "/goals", {"mentee_id": records["mentee"], "pathway": "health", "title": "GP"}
    )
    records["step"] = await post(f"/goals/{records['goal']}/steps", {"title": "Ring"})
    records["review"] = await post(
        f"/goals/{records['goal']}/reviews", {"note": "Fine.", "progress": 3}
    )
    records["session"] = await post(
        "/sessions",
        {
            "relationship_id": records["relationship"],
            "scheduled_start": SOON,
            "setting": "community",
            "private_notes": "private",
        },
    )
    records["check_in"] = await post(
        f"/relationships/{records['relationship']}/check-ins",
        {"feeling": "good_fit", "side": "mentor"},
    )
    records["assessment"] = await post(
        "/assessments",
        {"mentee_id": records["mentee"], "taken_on": "2025-01-01", "scores": {"health": 3}},
    )
    records["service"] = await post(
        "/services", {"name": "Clinic", "provider": "NHS", "category": "health"}
    )
    records["referral"] = await post(
        "/referrals",
        {"direction": "outbound", "mentee_id": records["mentee"], "service_id": records["service"]},
    )
    records["inbound_referral"] = await post(
        "/referrals",
        {
            "direction": "inbound",
            "external_ref": f"REF-{uuid.uuid4().hex[:6]}",
            "person": {"given_name": "In", "family_name": "Bound", "mentee": mentee},
        },
    )
    records["outcome"] = await post(
        "/outcomes",
        {"mentee_id": records["mentee"], "milestone": "start", "accommodation": "temporary"},
    )
    invited = await client.post(
        f"{API}/users",
        json={"email": f"m-{uuid.uuid4().hex[:8]}@example.org", "role": "coordinator"},
        headers=headers,
    )
    assert invited.status_code == 201, invited.text
    records["user"] = str(invited.json()["user"]["id"])
    made = await client.post(
        f"{API}/clients", json={"name": "Walked", "role": "partner"}, headers=headers
    )
    assert made.status_code == 201, made.text
    records["api_client"] = str(made.json()["client"]["id"])
    records["webhook"] = await post(
        "/webhooks", {"url": "https://93.184.215.14/hooks", "events": ["*"]}
    )
    ping = await client.post(f"{API}/webhooks/{records['webhook']}/ping", headers=headers)
    records["delivery"] = str(ping.json()["id"])
    records["concern"] = await post(
        "/concerns",
        {
            "person_id": records["mentee"],
            "category": "self_harm",
            "urgency": "soon",
            "description": "Talked of hurting himself.",
        },
    )
    records["supervision"] = await post(
        f"/people/{records['mentor']}/supervisions",
        {"held_on": "2025-05-01", "kind": "therapeutic", "supervisor": "Dr Okafor"},
    )
    records["training"] = await post(
        f"/people/{records['mentor']}/trainings",
        {"course": "Safeguarding", "completed_on": "2025-01-01"},
    )
    records["clearance"] = await post(
        f"/people/{records['mentor']}/establishment-clearances",
        {
            "establishment": "HMP Durham",
            "granted_on": "2025-01-01",
            "granted_by": "HMP Durham security",
            "expires_on": "2027-06-30",
        },
    )
    records["group_session"] = await post(
        "/group-sessions",
        {
            "title": "Peer group",
            "scheduled_start": SOON,
            "setting": "custody",
            "facilitator_ids": [records["mentor"]],
            "relationship_ids": [records["relationship"]],
        },
    )
    records["non_association"] = await post(
        f"/people/{records['mentee']}/non-associations",
        {"other_person_id": records["other_mentee"], "kind": "victim", "reason": "x"},
    )
    return records


async def rows_of(db: AsyncSession, org_id: uuid.UUID) -> set[tuple[str, str, int]]:
    """(table, id, version) of every row the organisation owns."""
    rows: set[tuple[str, str, int]] = set()
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in tenancy.org_owned_tables() or "org_id" not in table.c:
            continue
        key = table.c.id if "id" in table.c else table.c.person_id
        version = table.c.version if "version" in table.c else sa.literal(0)
        result = await db.exec(sa.select(key, version).where(table.c.org_id == org_id))  # type: ignore[call-overload]
        rows |= {(table.name, str(row[0]), int(row[1])) for row in result}
    db.expunge_all()
    return rows


class Walk:
    """The second organisation's admin, and what the first organisation must keep to itself."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        db: AsyncSession,
        world: World,
        headers: dict[str, str],
        theirs: Records,
        ours: Records,
    ) -> None:
        self.client, self.db, self.world, self.headers = client, db, world, headers
        self.theirs, self.ours = theirs, ours
        self.secrets: set[str] = set()
        self.failures: list[str] = []

    async def learn_secrets(self) -> None:
        rows = await rows_of(self.db, self.world.org.id)
        self.secrets = {row_id for _, row_id, _ in rows} | {str(self.world.org.id)}
        assert set(self.theirs.values()) <= self.secrets

    def leaks(self, text: str) -> list[str]:
        return sorted(secret for secret in self.secrets if secret in text)

    def fail(self, what: str, detail: str) -> None:
        self.failures.append(f"{what}: {detail}")

    async def unchanged(self, what: str, before: set[tuple[str, str, int]]) -> None:
        after = await rows_of(self.db, self.world.org.id)
        if after != before:
            self.fail(what, f"changed the first organisation: {sorted(after ^ before)[:3]}")


def fill(value: Any, records: Records) -> Any:
    """A body with each "{name}" replaced by that record's id."""
    if isinstance(value, str) and re.fullmatch(r"\{\w+\}", value):
        return records[value[1:-1]]
    if isinstance(value, list):
        return [fill(item, records) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, records) for key, item in value.items()}
    return value


def operations(app: FastAPI) -> list[tuple[str, str]]:
    """Every operation of the route table (also those left out of the OpenAPI document)."""
    found = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.route, APIRoute):
            found += [
                (method, str(context.path_format)) for method in sorted(context.methods or ())
            ]
    documented = {
        (method.upper(), path) for path, spec in app.openapi()["paths"].items() for method in spec
    }
    assert documented <= set(found), "the route table misses documented operations"
    return found


def path_choices(app: FastAPI, method: str, path: str) -> dict[str, list[str]]:
    """The values of each path parameter that names no record (e.g. `{move}`)."""
    spec = app.openapi()["paths"].get(path, {}).get(method.lower(), {})
    return {
        param["name"]: param["schema"]["enum"]
        for param in spec.get("parameters", [])
        if param.get("in") == "path" and "enum" in param["schema"]
    }


def concrete_paths(app: FastAPI, method: str, path: str, records: Records) -> list[str]:
    names = re.findall(r"\{(\w+)\}", path)
    choices = path_choices(app, method, path)
    paths = [path]
    for name in names:
        if name in choices:
            paths = [p.replace(f"{{{name}}}", v) for p in paths for v in choices[name]]
        else:
            paths = [p.replace(f"{{{name}}}", records[PATH_RESOURCES[name]]) for p in paths]
    return paths


def uuid_query_params(app: FastAPI, method: str, path: str) -> list[str]:
    spec = app.openapi()["paths"].get(path, {}).get(method.lower(), {})
    return [
        param["name"]
        for param in spec.get("parameters", [])
        if param["in"] == "query" and '"uuid"' in json.dumps(param["schema"])
    ]


async def walk_rest(app: FastAPI, walk: Walk) -> None:
    undeclared = []
    controls: list[tuple[str, str, Any]] = []
    for method, path in operations(app):
        if (method, path) in EXEMPT:
            continue
        short = path.removeprefix(API)
        names = [
            n for n in re.findall(r"\{(\w+)\}", path) if n not in path_choices(app, method, path)
        ]
        if any(name not in PATH_RESOURCES for name in names):
            undeclared.append(f"{method} {path}: a path id not in PATH_RESOURCES")
            continue
        takes_body = _takes_body(app, method, path)
        if takes_body and (method, short) not in BODIES:
            undeclared.append(f"{method} {path}: no body in BODIES")
            continue
        body = BODIES.get((method, short)) if takes_body else None
        before = await rows_of(walk.db, walk.world.org.id)
        what = f"{method} {path}"

        if method == "GET" and not names:
            await _read_list(app, walk, path, what)
            continue
        # their ids in the path (our ids in any body): 404, nothing changed
        for concrete in concrete_paths(app, method, path, walk.theirs) if names else []:
            response = await walk.client.request(
                method, concrete, json=fill(body, walk.ours), headers=walk.headers
            )
            if response.status_code != 404:
                walk.fail(what, f"their id in the path answered {response.status_code}")
            if walk.leaks(response.text):
                walk.fail(what, f"their ids in the answer: {walk.leaks(response.text)}")
        # our path, their ids in the body: refused, nothing changed
        if body is not None and fill(body, walk.theirs) != fill(body, walk.ours):
            for concrete in concrete_paths(app, method, path, walk.ours):
                response = await walk.client.request(
                    method, concrete, json=fill(body, walk.theirs), headers=walk.headers
                )
                if response.status_code not in (404, 422):
                    walk.fail(what, f"their ids in the body answered {response.status_code}")
                if walk.leaks(response.text):
                    walk.fail(what, f"their ids in the answer: {walk.leaks(response.text)}")
        await walk.unchanged(what, before)
        controls.append((method, path, body))
    assert undeclared == []

    # the controls: the same requests with our own ids get past finding the records.
    # Backwards through the table (a record's own changes before what adds to it, e.g. the
    # step order before a new step), and what ends, retires or removes a record last.
    final = ("/end", "/decline", "/withdraw", "/complete", "/retire")
    for method, path, body in sorted(
        reversed(controls), key=lambda c: (c[0] == "DELETE", c[1].endswith(final))
    ):
        for concrete in concrete_paths(app, method, path, walk.ours):
            response = await walk.client.request(
                method, concrete, json=fill(body, walk.ours), headers=walk.headers
            )
            if response.status_code in (404, 422) or response.status_code >= 500:
                walk.fail(
                    f"{method} {path}",
                    f"the control answered {response.status_code}: {response.text[-250:]}",
                )


async def _read_list(app: FastAPI, walk: Walk, path: str, what: str) -> None:
    queries: list[dict[str, str]] = [{}]
    for name in uuid_query_params(app, "GET", path):
        queries.append({name: walk.theirs[PATH_RESOURCES[name]]})
    for query in queries:
        response = await walk.client.get(path, params=query, headers=walk.headers)
        if response.status_code >= 500 or response.status_code in (401, 403):
            walk.fail(what, f"{query} answered {response.status_code}")
        if walk.leaks(response.text):
            walk.fail(what, f"{query}: their ids in the answer: {walk.leaks(response.text)}")


def _takes_body(app: FastAPI, method: str, path: str) -> bool:
    spec = app.openapi()["paths"].get(path, {}).get(method.lower(), {})
    return "application/json" in spec.get("requestBody", {}).get("content", {})


# --- GraphQL ---------------------------------------------------------------------------------

SCHEMA = build_schema()._schema
SCALARS: dict[str, Any] = {
    "String": "Text",
    "Int": 3,
    "Float": 0.5,
    "Boolean": True,
    "Date": date.today().isoformat(),
    "DateTime": SOON,
}
# Arguments and input fields the schema alone cannot make valid, as in BODIES (camelCase).
INPUTS: dict[str, dict[str, Any]] = {
    "createPerson": {"mentee": {"custodyStatus": "in_custody"}, "kind": "mentee"},
    "createRelationship": {"menteeId": "{other_mentee}"},
    "createReferral": {"direction": "outbound"},
    "endRelationship": {"endingReason": "completed"},
    "agreeToRelationship": {"note": "Agreed at the visit."},
    "recordCheckIn": {"side": "mentee"},
    "createSession": {"scheduledStart": SOON},
    "createGroupSession": {"scheduledStart": SOON},
    "recordGroupAttendance": {"attendance": "cancelled"},
    "decidePendingMatch": {"decision": "reject"},
    "reportCustodyEvent": {"event": "transferred", "establishment": "HMP Hull"},
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _required(spec: Any) -> bool:
    return isinstance(spec.type, GraphQLNonNull) and spec.default_value is Undefined


def _resource_of(field: str, argument: str) -> str:
    """The record an id argument names: `id` is the field's own kind of record."""
    if argument != "id":
        return PATH_RESOURCES[_snake(argument)]
    own = {
        "person": "mentee",
        "updatePerson": "mentee",
        "deletePerson": "mentee",
        "removeNonAssociation": "non_association",
        "updateStep": "step",
        "referralProgress": "referral",
        "moveReferral": "referral",
        "decidePendingMatch": "referral",
        "groupSession": "group_session",
        "recordGroupAttendance": "group_session",
        "addGroupAttendees": "group_session",
        "removeGroupAttendee": "group_session",
    }
    if field in own:
        return own[field]
    words = [w for w in _snake(field).split("_") if w in PATH_RESOURCES.values()]
    assert words, f"{field}: declare which record its `id` names"
    return words[-1]


def _overrides(field: str, names: Any, records: Records) -> dict[str, Any]:
    """The values INPUTS gives for `field` among these argument or input names."""
    return {k: fill(v, records) for k, v in INPUTS.get(field, {}).items() if k in names}


def _sample(field: str, name: str, kind: GraphQLInputType, records: Records) -> Any:
    if isinstance(kind, GraphQLNonNull):
        return _sample(field, name, kind.of_type, records)
    if isinstance(kind, GraphQLList):
        return [_sample(field, name, kind.of_type, records)]
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        value = {
            key: _sample(field, key, sub.type, records)
            for key, sub in kind.fields.items()
            if _required(sub) or get_named_type(sub.type).name == "UUID"
        }
        value.update(_overrides(field, kind.fields, records))
        return value
    assert isinstance(kind, GraphQLScalarType)
    if kind.name == "UUID":
        return records[_resource_of(field, name)]
    if kind.name == "JSON":
        return {"health": 3}
    return SCALARS[kind.name]


def _selection(kind: Any, nested: bool = True) -> str:
    """Every scalar of the type, and of the records it leads to (one level down)."""
    kind = get_named_type(kind)
    if isinstance(kind, GraphQLUnionType):
        return "__typename " + " ".join(
            f"... on {member.name} {{ {_selection(member, nested)} }}" for member in kind.types
        )
    if not isinstance(kind, GraphQLObjectType):
        return ""
    parts = []
    for name, sub in kind.fields.items():
        if any(isinstance(arg.type, GraphQLNonNull) for arg in sub.args.values()):
            continue
        inner = get_named_type(sub.type)
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            # a problem's fields share names (not types) with the records': alias them
            parts.append(f"problem_{name}: {name}" if kind.name == "Problem" else name)
        elif nested or name == "nodes":
            inner_selection = _selection(inner, nested=name == "nodes")
            if inner_selection:
                parts.append(f"{name} {{ {inner_selection} }}")
    return " ".join(parts)


def _document(
    operation: str, name: str, field: GraphQLField, records: Records
) -> tuple[str, dict[str, Any]]:
    variables = {
        arg: _sample(name, arg, spec.type, records)
        for arg, spec in field.args.items()
        if _required(spec) or get_named_type(spec.type).name == "UUID"
    }
    variables.update(_overrides(name, field.args, records))
    declared = ", ".join(f"${arg}: {field.args[arg].type}" for arg in variables)
    passed = ", ".join(f"{arg}: ${arg}" for arg in variables)
    head = f"{operation} ({declared})" if declared else operation
    call = f"{name}({passed})" if passed else name
    selection = _selection(field.type)
    return (
        f"{head} {{ {call} {{ {selection} }} }}" if selection else f"{head} {{ {call} }}",
        variables,
    )


def _refused(answer: dict[str, Any], name: str) -> bool:
    """Nothing for them: null, empty, a not-found or invalid problem, or an error."""
    data = (answer.get("data") or {}).get(name)
    if data is None or data == []:
        return True
    if isinstance(data, dict) and data.get("__typename") == "Problem":
        return data.get("problem_httpStatus") in (404, 422)
    return isinstance(data, dict) and data.get("nodes") == []


async def walk_graphql(walk: Walk) -> None:
    for operation, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type)):
        assert root is not None
        # (what ends, retires or removes a record goes last, so the rest still find theirs)
        final = ("end", "decline", "retire", "delete", "remove")
        for name, field in sorted(root.fields.items(), key=lambda f: f[0].startswith(final)):
            ids = [a for a, s in field.args.items() if get_named_type(s.type).name == "UUID"]
            has_ids = bool(ids) or _input_has_ids(field)
            before = await rows_of(walk.db, walk.world.org.id)
            query, variables = _document(operation, name, field, walk.theirs)
            answer = await gql(walk.client, walk.headers, query, **variables)
            what = f"{operation} {name}"
            if walk.leaks(json.dumps(answer)):
                walk.fail(what, f"their ids in the answer: {walk.leaks(json.dumps(answer))}")
            if has_ids and not _refused(answer, name):
                walk.fail(what, f"their ids were accepted: {json.dumps(answer)[:300]}")
            await walk.unchanged(what, before)
            if has_ids and not _is_list_or_page(field):
                query, variables = _document(operation, name, field, walk.ours)
                control = await gql(walk.client, walk.headers, query, **variables)
                if _refused(control, name):
                    walk.fail(what, f"the control was refused: {json.dumps(control)[:300]}")


def _is_list_or_page(field: GraphQLField) -> bool:
    kind = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    return isinstance(kind, GraphQLList) or get_named_type(kind).name.endswith("Connection")


def _input_has_ids(field: GraphQLField) -> bool:
    for spec in field.args.values():
        kind = get_named_type(spec.type)
        if isinstance(kind, GraphQLInputObjectType) and any(
            get_named_type(sub.type).name == "UUID" for sub in kind.fields.values()
        ):
            return True
    return False


# --- the tests -------------------------------------------------------------------------------


@pytest.fixture(params=["with the tenancy hook", "with the service layer's filters alone"])
def hook(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.param.startswith("with the tenancy hook"):
        yield
        return
    for name, listener in tenancy.LISTENERS:
        event.remove(Session, name, listener)
    try:
        yield
    finally:
        for name, listener in tenancy.LISTENERS:
            event.listen(Session, name, listener)


@pytest.fixture
async def walk(hook: None, client: httpx.AsyncClient, db: AsyncSession, world: World) -> Walk:
    their_admin = bearer(world.settings, world.accounts["admin"])
    admin = await make_user(db, world.other_org, Role.admin)
    headers = bearer(world.settings, admin)
    theirs = await populate(client, their_admin)
    ours = await populate(client, headers)
    for org, records in ((world.org, theirs), (world.other_org, ours)):
        records["alert"] = str((await raise_alert_for(db, org.id, records["relationship"])).id)
    # their admin reads a person: the audit log has something of theirs to keep
    await client.get(f"{API}/people/{theirs['mentee']}", headers=their_admin)
    prepared = Walk(client, db, world, headers, theirs, ours)
    await prepared.learn_secrets()
    return prepared


async def test_no_rest_operation_reaches_another_organisation(app: FastAPI, walk: Walk) -> None:
    await walk_rest(app, walk)
    assert walk.failures == []


async def test_no_graphql_root_field_reaches_another_organisation(walk: Walk) -> None:
    await walk_graphql(walk)
    assert walk.failures == []


async def test_the_walk_sees_a_leak_when_there_is_one(
    app: FastAPI, walk: Walk, db: AsyncSession
) -> None:
    """The harness itself: an organisation row shared by both would be reported."""
    other = await db.get(Organisation, walk.world.org.id)
    assert other is not None
    walk.secrets.add(str(walk.world.other_org.id))  # their id is now one of ours too
    await _read_list(app, walk, f"{API}/organisation", "GET /organisation")
    assert walk.failures and "their ids in the answer" in walk.failures[0]
