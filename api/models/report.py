"""Report documents: tables of counts (suppressed where they could single someone out)."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from api.services.suppression import Count


class ReportRow(BaseModel):
    group: dict[str, str] = Field(description="What this row counts, by dimension.")
    counts: dict[str, Count]
    figures: dict[str, float | None] = Field(
        default_factory=dict,
        description="Derived numbers (shares, medians, means); null when a count they rest on "
        "is suppressed or zero.",
    )


class ReportTable(BaseModel):
    key: str
    title: str
    description: str
    dimensions: list[str]
    rows: list[ReportRow]


class TabledReport(BaseModel):
    """A report of tables over a period (and optionally a region) of one organisation."""

    organisation: str
    period_from: date = Field(alias="from", serialization_alias="from")
    period_to: date = Field(alias="to", serialization_alias="to")
    region: str | None
    generated_at: datetime
    exact_counts: bool = Field(
        description="True for staff; otherwise counts from 1 to 4 are null and `suppressed`."
    )
    tables: list[ReportTable]
    not_reported: list[str] = Field(description="Figures this report cannot give yet, and why.")

    model_config = {"populate_by_name": True}

    def table(self, key: str) -> ReportTable:
        return next(t for t in self.tables if t.key == key)


class ProgrammeReport(TabledReport):
    """What the programme did and achieved."""


class FairnessReport(TabledReport):
    """Suggestions and matches by the mentee's gender, ethnicity and region."""


class MissingIdentifiers(BaseModel):
    mentee_id: uuid.UUID
    missing: list[str]


class CohortSummary(BaseModel):
    period_from: date = Field(alias="from", serialization_alias="from")
    period_to: date = Field(alias="to", serialization_alias="to")
    rows: Count = Field(description="Mentees who started in the period: one row each.")
    complete: Count = Field(
        description="Rows with surname, forename, date of birth, gender, an index date and a "
        "PNC or prison number."
    )
    minimum: int = Field(description="The Justice Data Lab's minimum cohort.")
    meets_minimum: bool = Field(description="Complete rows reach the minimum.")
    missing_counts: dict[str, Count] = Field(description="Rows lacking each field.")
    missing: list[MissingIdentifiers] | None = Field(
        None, description="Who lacks what (staff only: an analyst never sees a person's row)."
    )

    model_config = {"populate_by_name": True}
