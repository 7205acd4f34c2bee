"""A client generated from the committed openapi/openapi.json by openapi-python-client takes a
referral in, proposes a match and keeps a goal, with an `Idempotency-Key` and `If-Match`,
using nothing but what the document declares.

The client is generated afresh into a temporary directory on every run rather than committed:
what is checked is that the document *as committed* yields a working client, a committed copy
would only drift from it (and its ~300 generated files would swamp reviews).
"""

import importlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import World

ROOT = Path(__file__).parent.parent
PACKAGE = "throughgate_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    where = tmp_path_factory.mktemp("client")
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(ROOT / "openapi" / "openapi.json"),
            "--meta",
            "none",
            "--output-path",
            str(where / PACKAGE),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _client(generated: ModuleType, app: FastAPI, headers: dict[str, str]) -> Any:
    token = headers["Authorization"].removeprefix("Bearer ")
    client = generated.AuthenticatedClient(base_url="http://testserver", token=token)
    return client.set_async_httpx_client(
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {token}"},
        )
    )


def _module(generated: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


async def test_a_generated_client_refers_matches_and_keeps_a_goal(
    generated: ModuleType, app: FastAPI, world: World
) -> None:
    models = _module(generated, "models")
    create_referral = _module(generated, "api.referrals.create_referral")
    create_relationship = _module(generated, "api.relationships.create_relationship")
    create_goal = _module(generated, "api.goals.create_goal")
    update_goal = _module(generated, "api.goals.update_goal")
    partner = _client(generated, app, world.headers("partner"))
    coordinator = _client(generated, app, world.headers("coordinator"))

    # A referral in, sent twice with one Idempotency-Key: one referral, the second replayed.
    referral = models.ReferralCreateType0(
        direction="inbound",
        external_ref="PR-CLIENT-1",
        person={
            "kind": "mentee",
            "given_name": "Nia",
            "family_name": "Okafor",
            "mentee": {"custody_status": "community_sentence"},
        },
    )
    key = str(uuid.uuid4())
    first = await create_referral.asyncio_detailed(
        client=partner, body=referral, idempotency_key=key
    )
    again = await create_referral.asyncio_detailed(
        client=partner, body=referral, idempotency_key=key
    )
    assert first.status_code == 201, first.content
    assert isinstance(first.parsed, models.ReferralRead)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.parsed.id == first.parsed.id
    mentee_id = first.parsed.mentee_id

    # A match proposed for the referred mentee.
    match = await create_relationship.asyncio_detailed(
        client=coordinator,
        body=models.RelationshipCreate(mentee_id=mentee_id, mentor_id=world.other_mentor.id),
        idempotency_key=str(uuid.uuid4()),
    )
    assert match.status_code == 201, match.content
    assert isinstance(match.parsed, models.RelationshipRead)
    assert match.headers["Location"].endswith(str(match.parsed.id))

    # A goal, changed with the ETag it was answered with; a stale ETag is a 412 Problem.
    goal = await create_goal.asyncio_detailed(
        client=coordinator,
        body=models.GoalCreate(
            mentee_id=mentee_id,
            pathway=models.Pathway.ACCOMMODATION,
            title="A place to live",
            relationship_id=match.parsed.id,
        ),
        idempotency_key=str(uuid.uuid4()),
    )
    assert goal.status_code == 201, goal.content
    etag = goal.headers["ETag"]
    changed = await update_goal.asyncio_detailed(
        goal.parsed.id,
        client=coordinator,
        body=models.GoalUpdate(title="A tenancy of my own"),
        if_match=etag,
    )
    assert changed.status_code == 200, changed.content
    assert changed.parsed.title == "A tenancy of my own"
    assert changed.headers["ETag"] != etag
    stale = await update_goal.asyncio_detailed(
        goal.parsed.id,
        client=coordinator,
        body=models.GoalUpdate(title="Somewhere"),
        if_match=etag,
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Problem)
    assert stale.parsed.type_ == "/problems/precondition-failed"
