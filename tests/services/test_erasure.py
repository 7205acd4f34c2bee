"""The one list of what erasure empties and what it keeps covers every personal column: a
new text, JSON or identifier column on a table linked to `person` fails here until it is
put in `erasure.PARTS`, either erased or kept with a reason."""

import sqlalchemy as sa
from sqlmodel import SQLModel

from api.services.erasure import PARTS


def person_linked_tables() -> set[str]:
    """`person` and every table whose foreign keys lead to it, however far."""
    points_to = {
        table.name: {key.column.table.name for key in table.foreign_keys}
        for table in SQLModel.metadata.sorted_tables
    }
    linked = {"person"}
    grew = True
    while grew:
        grew = False
        for name, targets in points_to.items():
            if name not in linked and targets & linked:
                linked.add(name)
                grew = True
    return linked


def is_text_or_identifier(column: sa.Column[object]) -> bool:
    return isinstance(column.type, sa.String | sa.JSON) and not column.foreign_keys


def test_every_personal_column_is_erased_or_declared_kept() -> None:
    parts = {part.table: part for part in PARTS}
    undecided = []
    for name in sorted(person_linked_tables()):
        table = SQLModel.metadata.tables[name]
        part = parts.get(name)
        for column in table.columns:
            if not is_text_or_identifier(column):
                continue
            if part is None or not (
                part.delete or column.name in part.erased or column.name in part.kept
            ):
                undecided.append(f"{name}.{column.name}")
    assert undecided == [], "erase these in erasure.PARTS, or keep them with a reason"


def test_the_list_names_only_real_columns_once() -> None:
    linked = person_linked_tables()
    for part in PARTS:
        assert part.table in linked, part.table
        columns = set(SQLModel.metadata.tables[part.table].columns.keys())
        assert set(part.erased) <= columns, part.table
        assert set(part.kept) <= columns, part.table
        assert not set(part.erased) & set(part.kept), part.table
        assert all(reason for reason in part.kept.values()), part.table
        assert not (part.rows is None and part.erased), part.table  # erased needs its rows
    assert len({part.table for part in PARTS}) == len(PARTS)


def test_names_birth_contact_and_identifiers_are_erased() -> None:
    erased = {(part.table, name) for part in PARTS for name in part.erased}
    assert {
        ("person", "given_name"),
        ("person", "family_name"),
        ("person", "date_of_birth"),
        ("person", "email"),
        ("person", "phone"),
        ("mentee_profile", "pnc_number"),
        ("mentee_profile", "prison_number"),
        ("mentee_profile", "external_ref"),
        ("referral", "external_ref"),
        ("user_account", "email"),
    } <= erased
