"""Turning grouped SQL counts into report tables, with small counts suppressed."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from api.models import Person
from api.models.enums import PersonKind
from api.models.report import ReportRow, ReportTable
from api.services.reports.period import Period
from api.services.suppression import Count, count, counts

Group = dict[str, str]
Figures = Callable[[dict[str, Count], Group], dict[str, float | None]]


@dataclass(frozen=True)
class Tabulator:
    """Builds tables for one reader: exact for staff, suppressed for everyone else."""

    exact: bool

    def table(
        self,
        key: str,
        title: str,
        description: str,
        dimensions: Sequence[str],
        rows: Sequence[tuple[Group, Mapping[str, int]]],
        figures: Figures | None = None,
        *,
        breakdown: bool = True,
        parts: Sequence[str] = (),
    ) -> ReportTable:
        """`breakdown`: the rows partition a whole, so each measure is suppressed as a set.
        `parts`: measures that split each row's total (shown beside them), suppressed as a
        set within the row too."""
        measures = list(dict.fromkeys(m for _, values in rows for m in values))
        shown: dict[str, dict[str, Count]] = {}
        for measure in measures:
            column = {str(i): values.get(measure, 0) for i, (_, values) in enumerate(rows)}
            shown[measure] = (
                counts(column, exact=self.exact)
                if breakdown
                else {i: count(v, exact=self.exact) for i, v in column.items()}
            )
        built = []
        for i, (group, _) in enumerate(rows):
            row_counts = {m: shown[m][str(i)] for m in measures}
            if parts and not self.exact:
                row_counts |= _hide_one_more(row_counts, {p: rows[i][1].get(p, 0) for p in parts})
            built.append(
                ReportRow(
                    group=group,
                    counts=row_counts,
                    figures=figures(row_counts, group) if figures else {},
                )
            )
        return ReportTable(
            key=key, title=title, description=description, dimensions=list(dimensions), rows=built
        )


def _hide_one_more(shown: dict[str, Count], values: dict[str, int]) -> dict[str, Count]:
    """When exactly one part of a row is hidden, hide the smallest other non-zero part."""
    hidden = [p for p in values if shown[p].suppressed]
    others = sorted((v, p) for p, v in values.items() if p not in hidden and v > 0)
    if len(hidden) != 1 or not others:
        return {}
    return {others[0][1]: Count(value=None, suppressed=True)}


def mentees_in_scope(org_id: Any, period: Period) -> sa.Select[Any]:
    """The ids of the organisation's mentees, in the region when one is asked for."""
    return sa.select(col(Person.id)).where(*_people(org_id, period, PersonKind.mentee))


def mentors_in_scope(org_id: Any, period: Period) -> sa.Select[Any]:
    return sa.select(col(Person.id)).where(*_people(org_id, period, PersonKind.mentor))


def is_mentee_in_scope(mentee_id: Any, org_id: Any, period: Period) -> sa.Exists:
    """`mentee_id` is one of `mentees_in_scope`, asked row by row: SQLite then reads a
    table of relationships in order and looks each mentee up, rather than looking up each
    mentee's relationships one by one."""
    return sa.exists().where(
        col(Person.id) == mentee_id, *_people(org_id, period, PersonKind.mentee)
    )


def _people(org_id: Any, period: Period, kind: PersonKind) -> list[sa.ColumnElement[bool]]:
    conditions = [
        col(Person.org_id) == org_id,
        col(Person.kind) == kind,
        # an erased record still counts (unless it had been deleted before its erasure)
        sa.or_(col(Person.deleted_at).is_(None), col(Person.deleted_at) == col(Person.erased_at)),
    ]
    if period.region:
        conditions.append(sa.func.lower(col(Person.region)) == period.region.lower())
    return conditions


def labelled(mapping: Mapping[str, Any]) -> Group:
    """A row's group, every value as text (`None` reads as `none`)."""
    return {k: "none" if v is None else str(v) for k, v in mapping.items()}
