"""Small-count suppression: what a non-staff reader of a report may see."""

import uuid

import pytest

from api.auth.principal import Principal
from api.models.enums import Role
from api.services.suppression import Count, count, counts, sees_exact_counts, share


def caller(role: Role) -> Principal:
    return Principal(org_id=uuid.uuid4(), role=role, scopes=frozenset(), subject="user:x")


@pytest.mark.parametrize(
    ("role", "exact"),
    [(Role.admin, True), (Role.coordinator, True), (Role.analyst, False), (Role.mentor, False)],
)
def test_only_staff_see_exact_counts(role: Role, exact: bool) -> None:
    assert sees_exact_counts(caller(role)) is exact


@pytest.mark.parametrize("value", [1, 2, 3, 4])
def test_counts_from_one_to_four_are_hidden(value: int) -> None:
    assert count(value, exact=False) == Count(value=None, suppressed=True)
    assert count(value, exact=True) == Count(value=value, suppressed=False)


@pytest.mark.parametrize("value", [0, 5, 120])
def test_zero_and_five_upwards_are_shown(value: int) -> None:
    assert count(value, exact=False) == Count(value=value, suppressed=False)


def test_a_lone_hidden_cell_takes_the_next_smallest_with_it() -> None:
    # Shown beside a total of 30, a lone hidden "other" would be 30 - 9 - 19 = 2.
    shown = counts({"completed": 19, "lost_contact": 9, "other": 2, "moved_away": 0}, exact=False)
    assert shown["other"].suppressed and shown["lost_contact"].suppressed
    assert shown["completed"] == Count(value=19)
    assert shown["moved_away"] == Count(value=0)


def test_two_hidden_cells_need_no_more() -> None:
    shown = counts({"a": 3, "b": 1, "c": 40}, exact=False)
    assert [k for k, v in shown.items() if v.suppressed] == ["a", "b"]


def test_staff_breakdowns_are_exact() -> None:
    assert counts({"a": 3, "b": 40}, exact=True) == {"a": Count(value=3), "b": Count(value=40)}


def test_a_share_of_a_hidden_count_is_null() -> None:
    assert share(Count(value=None, suppressed=True), Count(value=20)) is None
    assert share(Count(value=5), Count(value=None, suppressed=True)) is None
    assert share(Count(value=5), Count(value=0)) is None
    assert share(Count(value=5), Count(value=20)) == 0.25


def test_a_row_split_into_parts_hides_a_second_part() -> None:
    from api.services.reports.tables import Tabulator

    table = Tabulator(exact=False).table(
        "goals",
        "Goals",
        "",
        ["pathway"],
        [({"pathway": "health"}, {"goals": 30, "achieved": 2, "active": 20, "on_hold": 8})],
        parts=["achieved", "active", "on_hold"],
    )
    shown = table.rows[0].counts
    assert shown["goals"].value == 30 and shown["active"].value == 20
    assert shown["achieved"].suppressed and shown["on_hold"].suppressed
