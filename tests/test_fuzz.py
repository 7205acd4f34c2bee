"""Schemathesis against the served OpenAPI document, with every check it has, as each of two
organisations' administrators.

Two runs per organisation, both with a fixed seed and a time bound:

- every operation, through schemathesis's examples, coverage and fuzzing phases: valid and
  schema-violating requests, missing headers, methods a path does not have, requests without
  credentials (`ignored_auth`); no 5xx, every status, header, content type and body as
  documented, every schema-violating request refused and every schema-valid one accepted;
- stateful sequences that follow the document's `links` (a create's 201 leads to the record's
  reads, updates and moves, with the answer's `id` and `ETag`), so operations are exercised on
  records that exist; link inference is off, so only what the document states is followed.

Schema-valid input may still break a rule the schema cannot state (a referenced record that
does not exist, a move the state does not allow): that is a 422 `/problems/invalid`, a 404 or
a 409, which `positive_data_acceptance` is told to accept; `schema_valid_input_is_not_invalid`
holds the line that such input is refused as `/problems/validation` only by a rule written in
code (`value_error`), never by a constraint the schema could have stated. A 412 (an `If-Match`
that is not a current version) counts as a refusal of schema-violating input.

`FUZZ_SECONDS` scales the time bounds (CI keeps the default; set it higher to explore).
"""

import asyncio
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import CHECKS, CheckContext, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.transport import Response
from schemathesis.engine import Status, events, from_schema
from schemathesis.generation.case import Case
from sqlalchemy import delete
from sqlmodel import SQLModel

from api.main import create_app
from api.models.enums import Role
from tests.conftest import make_settings
from tests.factories import bearer, build_world, make_user

SEED = 15
SCALE = float(os.environ.get("FUZZ_SECONDS", "1"))
CONTRACT_SECONDS = round(40 * SCALE)
STATEFUL_SECONDS = round(15 * SCALE)
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "412", "413", "415", "422", "429"]
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429"]
# Needs peers that log in through a WFC auth file; two organisations are kept apart by
# tests/test_organisations_apart.py, which walks every operation as the other organisation.
NOT_APPLICABLE = {"object_level_authorization"}


@schemathesis.check
def schema_valid_input_is_not_invalid(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> None:
    """A schema-valid request may break a rule, never be refused as malformed."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return
    body = response.json()
    if body.get("type") != "/problems/validation":
        return
    # A rule written in code (`value_error`, the rule in its message: a PNC number's check
    # letter, a date of birth before today, an expiry after completion) goes beyond what JSON
    # Schema states; any other kind of refusal is a constraint the schema should have stated.
    errors = [e for e in body.get("errors", []) if e["type"] != "value_error"]
    assert not errors, f"Schema-valid input refused as invalid: {errors}"


@dataclass
class Fuzzed:
    app: Any
    tokens: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def fuzzed(migrated: str) -> Iterator[Fuzzed]:
    """An app of its own (the engine drives it from its own threads) and two admins' tokens."""
    app = create_app(make_settings(migrated))

    async def arrange() -> dict[str, dict[str, str]]:
        async with app.state.db_factory() as db:
            world = await build_world(db, app.state.settings)
            southgate = await make_user(db, world.other_org, Role.admin)
            await db.commit()
        return {
            "Northgate": world.headers("admin"),
            "Southgate": bearer(app.state.settings, southgate),
        }

    async def clean() -> None:
        async with app.state.engine.begin() as connection:
            for table in reversed(SQLModel.metadata.sorted_tables):
                await connection.execute(delete(table))
        await app.state.engine.dispose()

    tokens = asyncio.run(arrange())
    yield Fuzzed(app, tokens)
    asyncio.run(clean())


@dataclass
class Outcome:
    failures: list[str]
    ran: set[str]  # the checks that ran
    linked: set[str]  # operations reached by following a link, with the link's values
    transitions: int  # the links the stateful phase found in the document


def _run(fuzzed: Fuzzed, org: str, phases: list[str], seconds: int) -> Outcome:
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "max-time": seconds,
            "headers": fuzzed.tokens[org],
            "request-timeout": 60,  # generous: a loaded machine can take seconds
            "generation": {"max-examples": 8},
            "checks": {
                "enabled": True,
                "negative_data_rejection": {"expected-statuses": REFUSALS},
                "positive_data_acceptance": {"expected-statuses": ACCEPTED},
            },
            # A deleted person is hidden from view but still held until erased: exporting,
            # erasing or holding their record is what data protection needs, not a use after
            # free.
            "operations": [
                {
                    "include-path-regex": r"/people/\{person_id\}/"
                    r"(subject-access-export|erase|legal-hold)$",
                    "checks": {"use_after_free": {"enabled": False}},
                },
                # Erasure is a POST that ends the record; the stateful run knows only DELETE
                # as an end, and would report each later 404 as a created record gone missing.
                {
                    "include-path-regex": r"/people/\{person_id\}/erase$",
                    "phases": {"stateful": {"enabled": False}},
                },
            ],
            "phases": {
                **{name: {"enabled": name in phases} for name in ("examples", "coverage")},
                "fuzzing": {"enabled": "fuzzing" in phases},
                "stateful": {"enabled": "stateful" in phases, "inference": {"algorithms": []}},
            },
        }
    )
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzzed.app, config=config)
    failures: dict[tuple[str, str, str], str] = {}
    ran: set[str] = set()
    linked: set[str] = set()
    transitions = 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted) and isinstance(
            event.payload, events.StatefulPhasePayload
        ):
            transitions = event.payload.transitions_total
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            for case_node in event.recorder.cases.values():
                if case_node.transition is not None and case_node.is_transition_applied:
                    linked.add(case_node.value.operation.label)
            for case_id, nodes in event.recorder.checks.items():
                for node in nodes:
                    ran.add(node.name)
                    if node.status == Status.FAILURE and node.failure_info is not None:
                        key = (event.recorder.label, node.name, node.failure_info.failure.title)
                        interaction = event.recorder.interactions.get(case_id)
                        answer = interaction.response if interaction is not None else None
                        failures.setdefault(
                            key,
                            f"{node.failure_info.failure.message}\n"
                            f"{node.failure_info.code_sample}\n"
                            + (
                                f"-> {answer.status_code} {(answer.content or b'')[:500]!r}"
                                if answer is not None
                                else ""
                            ),
                        )
        elif isinstance(event, events.NonFatalError):
            failures.setdefault((event.label, "error", ""), repr(event.value))
        elif isinstance(event, events.FatalError):
            failures.setdefault(("run", "fatal", ""), repr(event.exception))
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                failures.setdefault(("run", "after run", failure.title), failure.message)
    return Outcome(
        [f"{' | '.join(key)}\n{text}" for key, text in sorted(failures.items())],
        ran,
        linked,
        transitions,
    )


@pytest.mark.parametrize("org", ["Northgate", "Southgate"])
def test_every_operation_keeps_its_contract_under_every_check(fuzzed: Fuzzed, org: str) -> None:
    outcome = _run(fuzzed, org, ["examples", "coverage", "fuzzing"], CONTRACT_SECONDS)
    assert not outcome.failures, "\n\n".join(outcome.failures)
    load_all_checks()
    assert outcome.ran >= set(CHECKS.get_all_names()) - NOT_APPLICABLE - {
        # These two follow links, so they run in the stateful test below.
        "use_after_free",
        "ensure_resource_availability",
    }


@pytest.mark.parametrize("org", ["Northgate", "Southgate"])
def test_operations_linked_by_the_document_hold_together(fuzzed: Fuzzed, org: str) -> None:
    outcome = _run(fuzzed, org, ["stateful"], STATEFUL_SECONDS)
    assert not outcome.failures, "\n\n".join(outcome.failures)
    assert {"use_after_free", "ensure_resource_availability", "not_a_server_error"} <= outcome.ran
    # The sequences are built from the document's links (inference is off), and in the time
    # given they follow some of them (how many depends on the machine's speed).
    assert outcome.transitions >= 50
