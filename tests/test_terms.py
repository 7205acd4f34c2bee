"""The SQL terms written for each database (api/models/terms.py) answer the same everywhere."""

from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import MentorProfile, Person
from api.models.terms import enum_list_holds, json_list_holds, not_indexed
from tests.factories import World


async def holds(db: AsyncSession, term: sa.ColumnElement[bool]) -> bool:
    return bool((await db.exec(sa.select(term))).one()[0])  # type: ignore[call-overload]


def listed(values: list[str]) -> sa.ColumnElement[object]:
    """A JSON list as the database keeps a list column."""
    return sa.literal(values, MentorProfile.__table__.c.skills.type)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("values", "value", "expected"),
    [
        (["accommodation", "health"], "health", True),
        (["accommodation"], "health", False),
        ([], "health", False),
        (["mon_morning"], "mon%morning", False),  # no pattern characters
        (["mon_morning"], "mon_mornin", False),  # a whole value, not a part of one
        (["drugs/alcohol"], "drugs/alcohol", True),
        (["Health"], "health", False),  # exact: enum values are stored as defined
    ],
)
async def test_an_enum_list_holds_a_value_exactly(
    db: AsyncSession, values: list[str], value: str, expected: bool
) -> None:
    assert await holds(db, enum_list_holds(listed(values), value)) is expected


@pytest.mark.parametrize("value", ['say "hello"', "café", "back\\slash"])
async def test_a_value_json_escapes_is_found_as_written(db: AsyncSession, value: str) -> None:
    assert await holds(db, enum_list_holds(listed(["health", value]), value))
    assert not await holds(db, enum_list_holds(listed(["health"]), value))


async def test_a_free_text_list_holds_a_value_ignoring_case(db: AsyncSession) -> None:
    assert await holds(db, json_list_holds(listed(["Welsh", "en"]), "welsh"))
    assert not await holds(db, json_list_holds(listed(["en_GB"]), "en%"))


async def test_a_term_not_looked_up_in_an_index_finds_the_same_rows(
    db: AsyncSession, world: World
) -> None:
    def mentors(org: Any) -> Any:
        return (
            sa.select(sa.column("id"))
            .select_from(Person)
            .where(org == world.org.id, sa.column("kind") == "mentor")
        )

    plain = set((await db.exec(mentors(Person.org_id))).all())
    hinted = set((await db.exec(mentors(not_indexed(Person.org_id)))).all())
    assert plain == hinted
    assert plain
