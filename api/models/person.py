"""People: mentees and mentors, each with one nested profile."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    field_validator,
)
from pydantic import Field as PydField
from sqlmodel import Field, Relationship, SQLModel

from api.models.base import OrgOwned, OrgRecord, UTCDateTime, empty_list, json_column
from api.models.common import (
    SINCE_1900,
    EarliestDate,
    Input,
    Phone,
    RecordRead,
    Short,
    Text100,
    Text200,
    Text500,
    Text4000,
    Variant,
    unique,
)
from api.models.enums import (
    CustodyStatus,
    DayPart,
    Ethnicity,
    MappaLevel,
    Pathway,
    PersonKind,
    RiskLevel,
    SharedBackground,
    VettingStatus,
)
from api.models.expectations import Expectations
from api.models.identifiers import PncNumber, PrisonNumber


class MenteeProfile(SQLModel, OrgOwned, table=True):
    __tablename__ = "mentee_profile"
    __table_args__ = (sa.UniqueConstraint("org_id", "external_ref"),)

    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    org_id: uuid.UUID = Field(foreign_key="organisation.id")
    custody_status: str = Field(max_length=20)
    establishment: str | None = Field(default=None, max_length=200)
    release_date: date | None = Field(default=None, index=True)
    probation_region: str | None = Field(default=None, max_length=100)
    needs: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    preferred_mentor_gender: str | None = Field(default=None, max_length=40)
    peer_mentor_preferred: bool = False
    shared_background: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    shared_background_required: bool = False
    weekly_availability: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    # What they expect of a mentoring relationship (`api/models/expectations.py`).
    expected_contact_frequency: str | None = Field(default=None, max_length=12)
    expected_settings: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    expected_pathways: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    expected_length_months: int | None = None
    expected_communication: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    external_ref: str | None = Field(default=None, max_length=100)
    risk_level: str | None = Field(default=None, max_length=10)
    offence_summary: str | None = Field(default=None, max_length=4000)
    mappa_level: str | None = Field(default=None, max_length=1)
    licence_end_date: date | None = None
    probation_practitioner: dict[str, Any] | None = Field(
        default=None, sa_column=json_column(nullable=True)
    )
    pnc_number: str | None = Field(default=None, max_length=13)
    prison_number: str | None = Field(default=None, max_length=7)


class MentorProfile(SQLModel, table=True):
    __tablename__ = "mentor_profile"

    person_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True)
    skills: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    max_caseload: int = 3
    training_completed_on: date | None = None
    vetting_status: str = Field(default="pending", max_length=10, index=True)
    vetting_expires_on: date | None = None
    last_supervision_on: date | None = None
    availability: str | None = Field(default=None, max_length=500)
    weekly_availability: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    # What they expect of a mentoring relationship (`api/models/expectations.py`).
    expected_contact_frequency: str | None = Field(default=None, max_length=12)
    expected_settings: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    expected_pathways: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    expected_length_months: int | None = None
    expected_communication: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    lived_experience: bool | None = None


class Person(OrgRecord, table=True):
    __table_args__ = (
        sa.Index("ix_person_org_page", "org_id", "created_at", "id"),
        sa.Index("ix_person_org_updated", "org_id", "updated_at"),
        sa.Index("ix_person_org_kind_region", "org_id", "kind", "region"),
    )

    kind: str = Field(max_length=10)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    preferred_name: str | None = Field(default=None, max_length=100)
    pronouns: str | None = Field(default=None, max_length=40)
    gender: str | None = Field(default=None, max_length=40)
    date_of_birth: date | None = None
    languages: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    region: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    # Special category data (UK GDPR art. 9): sensitive, used in matching only as below.
    ethnicity: str | None = Field(default=None, max_length=40)
    religion: str | None = Field(default=None, max_length=100)
    cultural_background: str | None = Field(default=None, max_length=200)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Erased (`api/services/erasure.py`): the personal data is gone for good, the anonymous
    # facts stay. `deleted_at` is then set too (to the same moment, unless the record had been
    # deleted before), so the record is hidden everywhere reports do not count it.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A legal hold keeps the record from erasure (on request or by the retention run).
    legal_hold_reason: str | None = Field(default=None, max_length=500)
    legal_hold_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    legal_hold_by: str | None = Field(default=None, max_length=80)

    mentee_profile: MenteeProfile | None = Relationship(
        sa_relationship_kwargs={"lazy": "joined", "uselist": False, "cascade": "all"}
    )
    mentor_profile: MentorProfile | None = Relationship(
        sa_relationship_kwargs={"lazy": "joined", "uselist": False, "cascade": "all"}
    )


# --- API models -----------------------------------------------------------------------------

# The sensitive facts a referring probation service holds; a partner may send them on an
# inbound referral (write-only), reading them needs `people:sensitive`.
SENSITIVE_MENTEE_FIELDS = (
    "risk_level",
    "offence_summary",
    "mappa_level",
    "licence_end_date",
    "probation_practitioner",
    "pnc_number",
    "prison_number",
)
SENSITIVE_MENTOR_FIELDS = ("lived_experience",)
# Special category data about anyone (ethnicity, religion, culture): read and written only
# with `people:sensitive`; matching uses it only when the mentee asks and both consent.
SENSITIVE_PERSON_FIELDS = ("ethnicity", "religion", "cultural_background")
# A mentor may edit their own record, but not what the programme decides about them.
STAFF_ONLY_MENTEE_FIELDS = ("external_ref",)  # a partner's case reference links its referrals
STAFF_ONLY_MENTOR_FIELDS = (
    "max_caseload",
    "training_completed_on",
    "vetting_status",
    "vetting_expires_on",
    "last_supervision_on",
)

Languages = Annotated[list[Short], PydField(max_length=20)]
Pathways = Annotated[list[Pathway], PydField(max_length=len(Pathway)), AfterValidator(unique)]
WeeklyAvailability = Annotated[
    list[DayPart],
    PydField(
        max_length=21,
        description="When they can usually meet: day parts of the week, e.g. `tue_evening`.",
    ),
    AfterValidator(unique),
]


class MenteePreferences(Input):
    mentor_gender: Short | None = PydField(None, description="Preferred mentor gender, if any.")
    peer_mentor_preferred: bool = PydField(
        False, description="Would like a mentor with lived experience of the justice system."
    )
    shared_background: Annotated[
        list[SharedBackground], PydField(max_length=3), AfterValidator(unique)
    ] = PydField(
        [],
        description="Would like a mentor who shares their ethnicity, religion or culture. "
        "Counted only with both people's `background_in_matching` consent.",
    )
    shared_background_required: bool = PydField(
        False,
        description="Only suggest mentors known to share it (never a filter unless asked).",
    )


class ProbationPractitioner(Input):
    """Who supervises the mentee on probation, as the referring service knows them."""

    name: Text100
    email: EmailStr | None = None
    phone: Phone | None = None


class MenteeProfileCreate(Input):
    custody_status: CustodyStatus
    establishment: Text200 | None = None
    release_date: date | None = None
    probation_region: Text100 | None = None
    needs: Pathways = []
    weekly_availability: WeeklyAvailability = []
    preferences: MenteePreferences = MenteePreferences()
    external_ref: Text100 | None = PydField(
        None, description="The referring partner's case reference."
    )
    risk_level: RiskLevel | None = PydField(None, description="Sensitive.")
    offence_summary: Text4000 | None = PydField(None, description="Sensitive.")
    mappa_level: MappaLevel | None = PydField(None, description="Sensitive.")
    licence_end_date: date | None = PydField(None, description="Sensitive.")
    probation_practitioner: ProbationPractitioner | None = PydField(None, description="Sensitive.")
    pnc_number: PncNumber | None = PydField(
        None, description="Sensitive. Police National Computer number, e.g. 2012/0052834X."
    )
    prison_number: PrisonNumber | None = PydField(
        None, description="Sensitive. Prison (NOMS) number, e.g. A1234BC."
    )


class MenteeProfileUpdate(Input):
    custody_status: CustodyStatus | None = None
    establishment: Text200 | None = None
    release_date: date | None = None
    probation_region: Text100 | None = None
    needs: Pathways | None = None
    weekly_availability: WeeklyAvailability | None = None
    preferences: MenteePreferences | None = None
    external_ref: Text100 | None = None
    risk_level: RiskLevel | None = None
    offence_summary: Text4000 | None = None
    mappa_level: MappaLevel | None = None
    licence_end_date: date | None = None
    probation_practitioner: ProbationPractitioner | None = None
    pnc_number: PncNumber | None = None
    prison_number: PrisonNumber | None = None

    not_null = frozenset({"custody_status", "needs", "preferences", "weekly_availability"})


class MentorProfileCreate(Input):
    skills: Pathways = []
    max_caseload: int = PydField(3, ge=0, le=50)
    training_completed_on: date | None = None
    vetting_status: VettingStatus = VettingStatus.pending
    vetting_expires_on: date | None = None
    last_supervision_on: date | None = None
    availability: Text500 | None = None
    weekly_availability: WeeklyAvailability = []
    lived_experience: bool | None = PydField(
        None, description="Sensitive: lived experience of conviction, disclosed with consent."
    )


class MentorProfileUpdate(Input):
    skills: Pathways | None = None
    max_caseload: int | None = PydField(None, ge=0, le=50)
    training_completed_on: date | None = None
    vetting_status: VettingStatus | None = None
    vetting_expires_on: date | None = None
    last_supervision_on: date | None = None
    availability: Text500 | None = None
    weekly_availability: WeeklyAvailability | None = None
    lived_experience: bool | None = None

    not_null = frozenset({"skills", "max_caseload", "vetting_status", "weekly_availability"})


class _PersonFields(Input):
    preferred_name: Text100 | None = None
    pronouns: Short | None = None
    gender: Short | None = None
    date_of_birth: date | None = PydField(None, json_schema_extra=SINCE_1900)
    languages: Languages = []
    region: Text100 | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    ethnicity: Ethnicity | None = PydField(
        None, description="Sensitive. An ONS 2021 census ethnic group."
    )
    religion: Text100 | None = PydField(None, description="Sensitive. Religion or belief.")
    cultural_background: Text200 | None = PydField(None, description="Sensitive.")

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth(cls, value: date | None) -> date | None:
        if value is not None and not (EarliestDate <= value < date.today()):
            raise ValueError("date_of_birth must be in the past (and after 1900)")
        return value


_MENTEE_EXAMPLE: dict[str, Any] = {
    "kind": "mentee",
    "given_name": "Kyle",
    "family_name": "Walsh",
    "pronouns": "he/him",
    "gender": "male",
    "date_of_birth": "1994-03-18",
    "languages": ["en"],
    "region": "North East",
    "mentee": {
        "custody_status": "in_custody",
        "establishment": "HMP Durham",
        "release_date": "2027-02-14",
        "probation_region": "North East",
        "needs": ["accommodation", "drugs_alcohol"],
        "preferences": {"mentor_gender": "male", "peer_mentor_preferred": True},
        "external_ref": "NDL-20412",
        "risk_level": "medium",
        "offence_summary": "Shoplifting linked to heroin use.",
    },
}
_MENTOR_EXAMPLE: dict[str, Any] = {
    "kind": "mentor",
    "given_name": "Sam",
    "family_name": "Okafor",
    "languages": ["en", "yo"],
    "region": "North East",
    "mentor": {
        "skills": ["accommodation", "drugs_alcohol"],
        "max_caseload": 3,
        "training_completed_on": "2026-02-01",
        "vetting_status": "cleared",
        "vetting_expires_on": "2028-02-01",
        "lived_experience": True,
    },
}


class PersonCreate(_PersonFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_MENTEE_EXAMPLE, _MENTOR_EXAMPLE]})

    kind: PersonKind
    given_name: Text100
    family_name: Text100
    mentee: MenteeProfileCreate | None = PydField(None, description="Required when kind is mentee.")
    mentor: MentorProfileCreate | None = PydField(None, description="Only when kind is mentor.")

    variants = (
        "kind",
        {
            PersonKind.mentee: Variant(
                required=frozenset({"mentee"}), absent=frozenset({"mentor"})
            ),
            PersonKind.mentor: Variant(absent=frozenset({"mentee"})),
        },
    )


class PersonUpdate(_PersonFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"phone": "07700 900123", "mentee": {"custody_status": "released"}},
                {"preferred_name": None},
            ]
        }
    )

    given_name: Text100 | None = None
    family_name: Text100 | None = None
    languages: Languages | None = None  # type: ignore[assignment]
    mentee: MenteeProfileUpdate | None = None
    mentor: MentorProfileUpdate | None = None

    not_null = frozenset({"given_name", "family_name", "languages", "mentee", "mentor"})


class MenteeProfileRead(BaseModel):
    custody_status: CustodyStatus
    establishment: str | None
    release_date: date | None
    probation_region: str | None
    needs: list[Pathway]
    weekly_availability: list[DayPart] = []
    expectations: Expectations = PydField(
        Expectations(), description="What the mentee expects of a mentoring relationship."
    )
    preferences: MenteePreferences
    external_ref: str | None
    risk_level: RiskLevel | None = PydField(None, description="Only with `people:sensitive`.")
    offence_summary: str | None = PydField(None, description="Only with `people:sensitive`.")
    mappa_level: MappaLevel | None = PydField(None, description="Only with `people:sensitive`.")
    licence_end_date: date | None = PydField(None, description="Only with `people:sensitive`.")
    probation_practitioner: ProbationPractitioner | None = PydField(
        None, description="Only with `people:sensitive`."
    )
    pnc_number: str | None = PydField(None, description="Only with `people:sensitive`.")
    prison_number: str | None = PydField(None, description="Only with `people:sensitive`.")


class MentorProfileRead(BaseModel):
    skills: list[Pathway]
    max_caseload: int
    training_completed_on: date | None
    vetting_status: VettingStatus
    vetting_expires_on: date | None
    last_supervision_on: date | None
    availability: str | None
    weekly_availability: list[DayPart] = []
    expectations: Expectations = PydField(
        Expectations(), description="What the mentor expects of (and offers) a relationship."
    )
    lived_experience: bool | None = PydField(None, description="Only with `people:sensitive`.")


class PersonRead(RecordRead):
    kind: PersonKind
    given_name: str
    family_name: str
    preferred_name: str | None
    pronouns: str | None
    gender: str | None
    date_of_birth: date | None
    languages: list[str]
    region: str | None
    email: str | None
    phone: str | None
    ethnicity: Ethnicity | None = PydField(None, description="Only with `people:sensitive`.")
    religion: str | None = PydField(None, description="Only with `people:sensitive`.")
    cultural_background: str | None = PydField(None, description="Only with `people:sensitive`.")
    mentee: MenteeProfileRead | None = PydField(None, description="Present when kind is mentee.")
    mentor: MentorProfileRead | None = PydField(None, description="Present when kind is mentor.")


class SubjectAccessExport(BaseModel):
    """Everything held about one person (`GET /people/{id}/subject-access-export`)."""

    person: dict[str, Any] = PydField(description="The person's own record.")
    generated_at: datetime
    generated_by: str
    records: dict[str, list[dict[str, Any]]] = PydField(
        description="Every table that names the person (by table name), oldest first."
    )
    logins: list[dict[str, Any]] = PydField(description="Their logins, without secrets.")
    audit: list[dict[str, Any]] = PydField(description="Who read or changed their data.")
    excluded: dict[str, str] = PydField(description="Tables left out, and why.")
    redaction: str
