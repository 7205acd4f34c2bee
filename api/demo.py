"""The demo organisation: believable people and a login for every role (development only)."""

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api import demo_warnings, programme_year
from api.auth.principal import Principal
from api.auth.scopes import ROLE_SCOPES
from api.demo_support import seed_clearances, seed_support
from api.models import Organisation, Person, Service
from api.models.assessment import AssessmentCreate
from api.models.consent import ConsentCreate
from api.models.custody import CustodyEventCreate
from api.models.enums import (
    ConsentEvidence,
    ConsentPurpose,
    ConsentStatus,
    CustodyEventName,
    CustodyStatus,
    DayPart,
    EndingReason,
    Ethnicity,
    NonAssociationKind,
    Pathway,
    PersonKind,
    Phase,
    ReferralDirection,
    ReferralMoveName,
    ReferralOutcome,
    RiskLevel,
    Role,
    SessionFormat,
    SessionSetting,
    SessionStatus,
    SharedBackground,
    StepStatus,
    Transition,
    VettingStatus,
)
from api.models.expectations import Expectations
from api.models.goal import GoalCreate, GoalUpdate, ReviewCreate, StepCreate, StepUpdate
from api.models.person import (
    MenteePreferences,
    MenteeProfileCreate,
    MenteeProfileUpdate,
    MentorProfileCreate,
    PersonCreate,
    PersonUpdate,
)
from api.models.referral import InboundPerson, ReferralCreate
from api.models.relationship import (
    MenteeAgreementCreate,
    MenteeDecline,
    NonAssociationCreate,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipUpdate,
)
from api.models.service import ServiceCreate
from api.models.session import SessionCreate
from api.programme_year import Year
from api.services import (
    accounts,
    assessments,
    consent_records,
    directory,
    goals,
    non_associations,
    people,
    referrals,
    relationships,
    sessions,
)
from api.services.expectations import state as state_expectations
from api.services.relationships import RelationshipFilter

DEMO_ORG = "Demo: Northgate Mentoring"
DEMO_PASSWORD = "through-the-gate"
DEMO_PARTNER_ID = "tg_demo_partner"
DEMO_PARTNER_SECRET = "demo-partner-secret-not-for-production"
DEMO_DOMAIN = "demo.example.org"
PAST_MENTEES = 70
# The mentee (by index) whose case reference the demo partner also holds: a pending match.
PENDING_MATCH_MENTEE = 10

_REGIONS = {
    "North East": ["HMP Durham", "HMP Low Newton", "HMP Northumberland"],
    "Yorkshire": ["HMP Leeds", "HMP New Hall", "HMP Hull"],
    "North West": ["HMP Liverpool", "HMP Styal", "HMP Manchester"],
    "London": ["HMP Wandsworth", "HMP Bronzefield", "HMP Pentonville"],
    "Wales": ["HMP Cardiff", "HMP Swansea", "HMP Parc"],
}
_WOMENS_ESTABLISHMENTS = {"HMP Low Newton", "HMP New Hall", "HMP Styal", "HMP Bronzefield"}
_MEN = ["Daniel", "Kyle", "Marcus", "Tomasz", "Jamal", "Liam", "Owen", "Ricky", "Sunil", "Dean"]
_WOMEN = ["Chantelle", "Aisha", "Kerry", "Natalie", "Gemma", "Shannon", "Leanne", "Roxanne"]
_FAMILY = [
    "Walsh",
    "Hussain",
    "Kowalski",
    "Brown",
    "Evans",
    "Okafor",
    "Murphy",
    "Clarke",
    "Begum",
    "Jones",
    "Taylor",
    "Nowak",
    "Campbell",
    "Ahmed",
    "Price",
    "Doherty",
]
_OFFENCES = [
    "Shoplifting linked to heroin use; several short sentences.",
    "Assault occasioning actual bodily harm during an argument outside a pub.",
    "Possession with intent to supply cannabis.",
    "Benefit fraud over two years while in debt.",
    "Burglary of commercial premises.",
    "Breach of a community order after missed appointments.",
]
_MENTORS: list[dict[str, Any]] = [
    {
        "given_name": "Sam",
        "ethnicity": "black_african",
        "religion": "Christian",
        "cultural_background": "Nigerian",
        "family_name": "Okafor",
        "gender": "male",
        "region": "North East",
        "skills": ["accommodation", "drugs_alcohol"],
        "lived_experience": True,
    },
    {
        "given_name": "Bernie",
        "ethnicity": "white_irish",
        "religion": "Catholic",
        "cultural_background": "Irish",
        "family_name": "Walsh",
        "gender": "female",
        "region": "North East",
        "skills": ["abuse_domestic_violence", "children_families", "health"],
        "lived_experience": True,
    },
    {
        "given_name": "Priya",
        "ethnicity": "asian_indian",
        "religion": "Hindu",
        "cultural_background": "Gujarati",
        "family_name": "Shah",
        "gender": "female",
        "region": "Yorkshire",
        "skills": ["education_training_employment", "finance_benefit_debt"],
        "languages": ["en", "gu"],
        "lived_experience": False,
    },
    {
        "given_name": "Tony",
        "ethnicity": "white_british",
        "religion": None,
        "cultural_background": None,
        "family_name": "Marsh",
        "gender": "male",
        "region": "North West",
        "skills": ["drugs_alcohol", "attitudes_thinking_behaviour"],
        "lived_experience": True,
    },
    {
        "given_name": "Grace",
        "ethnicity": "black_african",
        "religion": "Christian",
        "cultural_background": "Ghanaian",
        "family_name": "Adeyemi",
        "gender": "female",
        "region": "London",
        "skills": ["sex_work", "health", "accommodation"],
        "lived_experience": True,
    },
    {
        "given_name": "Rhys",
        "ethnicity": "white_british",
        "religion": None,
        "cultural_background": "Welsh",
        "family_name": "Morgan",
        "gender": "male",
        "region": "Wales",
        "skills": ["education_training_employment"],
        "languages": ["en", "cy"],
        "lived_experience": False,
    },
    {
        "given_name": "Agnieszka",
        "ethnicity": "white_other",
        "religion": "Catholic",
        "cultural_background": "Polish",
        "family_name": "Nowak",
        "gender": "female",
        "region": "Yorkshire",
        "skills": ["finance_benefit_debt", "children_families"],
        "languages": ["en", "pl"],
        "lived_experience": False,
        "vetting_status": "pending",
    },
    {
        "given_name": "Leon",
        "ethnicity": "black_caribbean",
        "religion": None,
        "cultural_background": None,
        "family_name": "Grant",
        "gender": "male",
        "region": "London",
        "skills": ["attitudes_thinking_behaviour", "education_training_employment"],
        "lived_experience": True,
        "vetting_status": "expired",
    },
]


async def seed(db: AsyncSession) -> dict[str, Any]:
    existing = (await db.exec(select(Organisation).where(Organisation.name == DEMO_ORG))).first()
    if existing is not None:
        return {"id": existing.id, "name": existing.name, "seeded": False}
    org = await accounts.create_organisation(db, DEMO_ORG)
    system = Principal(
        org_id=org.id, role=Role.admin, scopes=ROLE_SCOPES[Role.admin], subject="system:seed-demo"
    )
    rng = random.Random(2026)  # noqa: S311  (demo data, not security)
    today = date.today()

    mentors = [await people.create_person(db, system, _mentor(m, rng, today)) for m in _MENTORS]
    for mentor in mentors[:-1]:  # the last mentor has not agreed to disclose it (yet)
        await _consent(db, system, mentor.id, ConsentPurpose.lived_experience_disclosure)
    mentees = [await people.create_person(db, system, _mentee(i, rng, today)) for i in range(24)]
    await _backgrounds(db, system, mentors, mentees)
    await _expectations(db, system, mentors, mentees)
    held = {p.establishment for i in _BACKGROUNDS if (p := mentees[i].mentee_profile)}
    await seed_clearances(db, system, mentors, _REGIONS, {e for e in held if e}, today)

    await _relationships(db, system, mentors, mentees, today)
    await _plans(db, system, mentees[:8], today)
    await seed_support(db, system, mentors, mentees, today)
    services = await directory.import_services(db, system, _directory())

    for role in (Role.admin, Role.coordinator, Role.analyst):
        await accounts.create_user(
            db, org, email=f"{role}@{DEMO_DOMAIN}", role=role, password=DEMO_PASSWORD
        )
    await accounts.create_user(
        db,
        org,
        email=f"mentor@{DEMO_DOMAIN}",
        role=Role.mentor,
        password=DEMO_PASSWORD,
        person_id=mentors[0].id,
    )
    await accounts.create_user(
        db,
        org,
        email=f"mentee@{DEMO_DOMAIN}",
        role=Role.mentee,
        password=DEMO_PASSWORD,
        person_id=mentees[0].id,
    )
    partner, _ = await accounts.create_client(
        db,
        org,
        name="Demo probation region (partner)",
        role=Role.partner,
        client_id=DEMO_PARTNER_ID,
        secret=DEMO_PARTNER_SECRET,
    )
    await _referrals(db, system, partner.id, mentees, services, today)
    # A year of past work, so the reports and the cohort file have something to show.
    past = Year(org.id, [m.id for m in mentors[:6]], PAST_MENTEES, today)
    await programme_year.write(db, programme_year.rows(past))
    await demo_warnings.seed(db, system, mentors, mentees, today)
    return {
        "id": org.id,
        "name": org.name,
        "seeded": True,
        "mentors": len(mentors),
        "mentees": len(mentees),
    }


# When each mentor can usually meet (day parts); matching scores the overlap with a mentee's.
_WEEKLY: dict[str, list[DayPart]] = {
    "Sam": [DayPart.tue_evening, DayPart.thu_evening, DayPart.sat_morning],
    "Bernie": [DayPart.mon_morning, DayPart.wed_morning, DayPart.fri_morning],
    "Priya": [DayPart.tue_afternoon, DayPart.thu_afternoon],
    "Tony": [DayPart.tue_evening, DayPart.wed_evening],
    "Grace": [DayPart.sat_morning, DayPart.sat_afternoon, DayPart.sun_afternoon],
    "Rhys": [DayPart.mon_evening, DayPart.thu_evening],
}
# ... and when the mentees of `_BACKGROUNDS` can.
_MENTEE_WEEKLY = [DayPart.tue_evening, DayPart.thu_evening, DayPart.sat_afternoon]

# Mentees (by index, none yet matched) who asked for a mentor sharing their background:
# ethnicity, religion, culture as recorded; what they asked for; whether it is required; and
# whether they consented to its use in matching (without it, suggestions say so).
_BACKGROUNDS: dict[int, tuple[Ethnicity | None, str | None, str | None, list[str], bool, bool]] = {
    12: (Ethnicity.black_african, "Christian", "Nigerian", ["ethnicity", "culture"], False, True),
    15: (Ethnicity.white_irish, "Catholic", "Irish", ["religion"], False, True),
    18: (Ethnicity.asian_indian, "Hindu", None, ["religion"], True, True),
    21: (Ethnicity.white_other, "Catholic", "Polish", ["culture"], False, False),
}


# What each mentor expects of (and offers) a relationship (Rhys has not said), and what the
# mentees of `_BACKGROUNDS` expect: their suggestions say where the two agree and where not.
_MENTOR_EXPECTS: dict[str, dict[str, Any]] = {
    "Sam": {
        "contact_frequency": "weekly",
        "settings": ["custody", "community"],
        "pathways": ["accommodation", "drugs_alcohol"],
        "length_months": 12,
        "communication": ["phone", "letter"],
    },
    "Bernie": {
        "contact_frequency": "fortnightly",
        "settings": ["phone", "video"],
        "pathways": ["education_training_employment"],
        "length_months": 6,
        "communication": ["email", "phone"],
    },
    "Priya": {"contact_frequency": "weekly", "settings": ["community", "video"]},
    "Tony": {"contact_frequency": "monthly", "settings": ["custody"], "length_months": 9},
    "Grace": {"contact_frequency": "fortnightly", "communication": ["in_person", "text"]},
}
_MENTEE_EXPECTS: dict[int, dict[str, Any]] = {
    12: {
        "contact_frequency": "weekly",
        "settings": ["custody"],
        "pathways": ["accommodation"],
        "length_months": 12,
        "communication": ["letter"],
    },
    15: {"contact_frequency": "fortnightly", "settings": ["phone"], "length_months": 6},
    18: {"contact_frequency": "weekly", "communication": ["text"]},
    21: {"contact_frequency": "monthly", "settings": ["custody", "phone"]},
}


async def _expectations(
    db: AsyncSession, system: Principal, mentors: list[Person], mentees: list[Person]
) -> None:
    for mentor in mentors:
        if (stated := _MENTOR_EXPECTS.get(mentor.given_name)) is not None:
            await state_expectations(db, system, mentor.id, Expectations.model_validate(stated))
    for index, stated in _MENTEE_EXPECTS.items():
        await state_expectations(db, system, mentees[index].id, Expectations.model_validate(stated))


async def _backgrounds(
    db: AsyncSession, system: Principal, mentors: list[Person], mentees: list[Person]
) -> None:
    """Background, recorded with care: the mentors who agreed to its use in matching (all
    but Tony), and the mentees of `_BACKGROUNDS`."""
    for mentor in mentors:
        if mentor.given_name != "Tony":
            await _consent(db, system, mentor.id, ConsentPurpose.background_in_matching)
    for index, (ethnicity, religion, culture, asked, required, consented) in _BACKGROUNDS.items():
        mentee = mentees[index]
        profile = mentee.mentee_profile
        assert profile is not None
        preferences = MenteePreferences(
            mentor_gender=profile.preferred_mentor_gender,
            peer_mentor_preferred=profile.peer_mentor_preferred,
            shared_background=[SharedBackground(a) for a in asked],
            shared_background_required=required,
        )
        await people.update_person(
            db,
            system,
            mentee.id,
            PersonUpdate(
                ethnicity=ethnicity,
                religion=religion,
                cultural_background=culture,
                mentee=MenteeProfileUpdate(
                    preferences=preferences, weekly_availability=_MENTEE_WEEKLY[: 1 + index % 3]
                ),
            ),
        )
        if consented:
            await _consent(db, system, mentee.id, ConsentPurpose.background_in_matching)


async def _relationships(
    db: AsyncSession, system: Principal, mentors: list[Person], mentees: list[Person], today: date
) -> None:
    """Relationships in every status and phase, each with its history; the started ones
    began three months ago, so their past sessions fall within their life."""
    sam, bernie, priya, tony, grace, rhys = mentors[:6]
    plans: list[tuple[Person, Person, list[Transition], str]] = [
        (mentees[0], sam, [Transition.activate], "Meet weekly in the visits hall; plan housing."),
        (mentees[1], bernie, [Transition.activate], "Phone twice a week after release."),
        (mentees[2], tony, [Transition.activate], "Gym on Tuesdays; talk about drinking."),
        (mentees[3], priya, [], "Introductions arranged for next visit."),
        (mentees[4], grace, [Transition.activate, Transition.pause], "Fortnightly coffee."),
        (mentees[5], rhys, [Transition.activate, Transition.end], "Help towards a CSCS card."),
        (mentees[6], sam, [Transition.activate, Transition.end], "Weekly check-in calls."),
        (mentees[9], tony, [Transition.activate], "Meet at the gate on release day."),
    ]
    endings = {
        mentees[5].id: RelationshipEnd(
            ending_reason=EndingReason.completed,
            ending_summary="Working on site with a CSCS card; agreed a planned ending.",
        ),
        mentees[6].id: RelationshipEnd(
            ending_reason=EndingReason.lost_contact,
            ending_summary="No answer to calls or letters for six weeks after release.",
        ),
    }
    for mentee, mentor, moves, expectations in plans:
        created = await relationships.create_relationship(
            db,
            system,
            RelationshipCreate(mentee_id=mentee.id, mentor_id=mentor.id, expectations=expectations),
        )
        if moves:  # agreed before it started; Priya's proposal still waits for it
            await relationships.agree(
                db, system, created.id, MenteeAgreementCreate(note="Agreed at the first meeting.")
            )
        for move in moves:
            await relationships.transition(
                db, system, created.id, move, ending=endings.get(mentee.id)
            )
        if moves:
            created.started_on = today - timedelta(days=90)
            await db.commit()
    # Settled after release: through the gate, now in the community.
    community = await relationships.list_relationships(
        db, system, RelationshipFilter(mentee_id=mentees[1].id), limit=1, cursor=None
    )
    await relationships.update_relationship(
        db, system, community[0][0].id, RelationshipUpdate(phase=Phase.community)
    )
    # Released today: the relationship moves through the gate by itself.
    await people.update_person(
        db,
        system,
        mentees[9].id,
        PersonUpdate(mentee=MenteeProfileUpdate(custody_status=CustodyStatus.released)),
    )
    # A match the mentee said no to: it ended before it started.
    declined = await relationships.create_relationship(
        db, system, RelationshipCreate(mentee_id=mentees[7].id, mentor_id=rhys.id)
    )
    await relationships.decline(
        db,
        system,
        declined.id,
        MenteeDecline(reason="Would rather a mentor from nearer home; happy to meet someone else."),
    )
    await non_associations.add(
        db,
        system,
        mentees[8].id,
        NonAssociationCreate(
            other_person_id=sam.id,
            kind=NonAssociationKind.same_establishment,
            reason="Sam knew him on the wing at HMP Durham.",
        ),
    )


_GOALS = [
    (
        "accommodation",
        "Get on the council housing register",
        ["Ask the housing officer for the form", "Fill in the form with Sam", "Hand it in"],
    ),
    (
        "education_training_employment",
        "Get a CSCS card",
        ["Book the health and safety test", "Revise with the app", "Sit the test"],
    ),
    ("health", "Register with a GP", ["Find the nearest surgery", "Take ID to register"]),
    (
        "drugs_alcohol",
        "Go to a recovery group each week",
        ["Find a group near the hostel", "Go to the first meeting"],
    ),
    ("finance_benefit_debt", "Open a bank account", ["Get a letter from probation as ID"]),
]


async def _plans(db: AsyncSession, system: Principal, mentees: list[Person], today: date) -> None:
    """Goals at various stages (with steps and a review with a lapse), sessions of every
    status over recent months, and two assessments each."""
    for index, mentee in enumerate(mentees):
        pathway, title, steps = _GOALS[index % len(_GOALS)]
        goal = await goals.create_goal(
            db,
            system,
            GoalCreate(
                mentee_id=mentee.id,
                pathway=Pathway(pathway),
                title=title,
                review_date=today + timedelta(days=14 - 7 * (index % 3)),
            ),
        )
        if index % 4 != 3:  # most are agreed; some still wait for the mentee
            await goals.update_goal(db, system, goal.id, GoalUpdate(agreed_by_mentee=True))
        for number, step_title in enumerate(steps):
            step = await goals.add_step(db, system, goal.id, StepCreate(title=step_title))
            if number < index % len(steps):
                await goals.update_step(
                    db, system, goal.id, step.id, StepUpdate(status=StepStatus.done)
                )
        await goals.add_review(
            db,
            system,
            goal.id,
            ReviewCreate(
                reviewed_on=today - timedelta(days=10),
                note="Good start; one step done.",
                progress=4,
                lapse=False,
            ),
        )
        if index % 3 == 0:
            await goals.add_review(
                db,
                system,
                goal.id,
                ReviewCreate(
                    reviewed_on=today - timedelta(days=3),
                    note="Had a drink after a bad week; talked it through and back on track.",
                    progress=3,
                    lapse=True,
                ),
            )
        for months_ago in (3, 1):
            scores = {
                p: min(10, max(1, 3 + (index + len(p)) % 4 + (3 - months_ago)))
                for p in (Pathway(pathway), Pathway.attitudes_thinking_behaviour)
            }
            await assessments.record_assessment(
                db,
                system,
                AssessmentCreate(
                    mentee_id=mentee.id,
                    taken_on=today - timedelta(days=30 * months_ago),
                    scores=scores,
                ),
            )
        await _sessions(db, system, mentee, goal.id, today, index)


async def _sessions(
    db: AsyncSession,
    system: Principal,
    mentee: Person,
    goal_id: uuid.UUID,
    today: date,
    index: int,
) -> None:
    open_relationships, _ = await relationships.list_relationships(
        db, system, RelationshipFilter(mentee_id=mentee.id), limit=5, cursor=None
    )
    current = [r for r in open_relationships if r.status != "ended"]
    if not current:
        return
    relationship = current[0]
    setting = (
        SessionSetting.custody
        if relationship.phase == Phase.custody
        else (SessionSetting.community)
    )
    now = datetime.now(UTC)
    plan: list[tuple[int, SessionStatus, str | None]] = [
        (-60, SessionStatus.held, None),
        (-45, SessionStatus.missed_by_mentee, "Moved wings; the visit was not booked."),
        (-30, SessionStatus.held, None),
        (-14, SessionStatus.cancelled, "Prison lockdown."),
        (-7, SessionStatus.missed_by_mentor, "Mentor unwell."),
        (-2, SessionStatus.held, None),
        (5, SessionStatus.scheduled, None),
    ]
    if relationship.status == "proposed":  # nothing has happened in it yet
        plan = plan[-1:]
    for days, status, reason in plan[index % 2 :]:
        held = status == SessionStatus.held
        await sessions.create_session(
            db,
            system,
            SessionCreate(
                relationship_id=relationship.id,
                scheduled_start=now + timedelta(days=days),
                duration_minutes=60 if held else None,
                format=SessionFormat.activity if days == -30 else SessionFormat.one_to_one,
                setting=setting,
                status=status,
                status_reason=reason,
                topics=[Pathway.accommodation] if held else [],
                goal_ids=[goal_id] if held else [],
                notes="Went through the plan step by step." if held else None,
                wellbeing=3 + (days % 3) if held else None,
            ),
        )


_SERVICES: dict[Pathway, list[tuple[str, str, bool]]] = {
    Pathway.accommodation: [
        ("Tenancy Support", "{area} Housing Trust", True),
        ("Night Shelter and Move-On", "St Martin's {area}", True),
        ("Housing Options Drop-in", "{area} Council", False),
        ("Supported Lodgings", "{area} Lodgings Scheme", True),
    ],
    Pathway.education_training_employment: [
        ("Construction Skills (CSCS) Course", "{area} College", True),
        ("Jobs After Custody", "Second Chance Employers {area}", True),
        ("Library Digital Skills Sessions", "{area} Libraries", False),
        ("Maths and English Classes", "{area} Adult Learning", True),
    ],
    Pathway.health: [
        ("GP Registration Help", "NHS {area} Integrated Care", True),
        ("Talking Therapies", "NHS {area} Mental Health", True),
        ("Dental Access Clinic", "{area} Community Dental", False),
        ("Sexual Health Clinic", "NHS {area} Sexual Health", False),
    ],
    Pathway.drugs_alcohol: [
        ("Recovery Cafe", "{area} Recovery Community", False),
        ("Structured Treatment Service", "{area} Drug and Alcohol Service", True),
        ("Needle Exchange and Naloxone", "{area} Harm Reduction", False),
        ("Alcohol Detox Referral", "{area} Recovery Partnership", True),
    ],
    Pathway.finance_benefit_debt: [
        ("Benefits and Debt Advice", "Citizens Advice {area}", True),
        ("Bank Account Without ID", "{area} Credit Union", True),
        ("Food Bank", "{area} Food Bank", False),
        ("ID Documents Fund", "{area} Resettlement Fund", True),
    ],
    Pathway.children_families: [
        ("Family Contact and Visits Support", "Families Outside {area}", True),
        ("Parenting After Prison", "{area} Family Hub", True),
        ("Child Contact Centre", "{area} Contact Centre", False),
    ],
    Pathway.attitudes_thinking_behaviour: [
        ("Peer Support Group", "Lived Experience Network {area}", False),
        ("Anger and Conflict Course", "{area} Probation Partnership", True),
        ("Restorative Justice Service", "{area} Restorative Justice", True),
    ],
    Pathway.abuse_domestic_violence: [
        ("Women's Domestic Abuse Service", "{area} Women's Aid", True),
        ("Independent Domestic Violence Advisers", "{area} IDVA Service", True),
    ],
    Pathway.sex_work: [
        ("Outreach for Women in Sex Work", "Safe Exit {area}", True),
        ("Women's Centre Drop-in", "{area} Women's Centre", False),
    ],
}


def _directory() -> list[ServiceCreate]:
    """About thirty believable services across every pathway and region."""
    regions = list(_REGIONS)
    services = []
    for number, (pathway, entries) in enumerate(_SERVICES.items()):
        for offset, (name, provider, takes_referrals) in enumerate(entries):
            area = regions[(number + offset) % len(regions)]
            services.append(
                ServiceCreate(
                    name=name,
                    provider=provider.format(area=area),
                    category=pathway,
                    area=area,
                    description=f"{name} for people leaving prison or on probation in {area}.",
                    phone="0300 123 4567",
                    opening_times="Mon-Fri 9:00-17:00",
                    eligibility="Adults on licence or a community sentence.",
                    accepts_referrals=takes_referrals,
                )
            )
    return services


# Each referral's moves after it is made, and what each move carries.
_REFERRAL_PATHS: list[list[tuple[ReferralMoveName, str | None, ReferralOutcome | None]]] = [
    [],
    [(ReferralMoveName.accept, "Welcome; a mentor will visit within two weeks.", None)],
    [(ReferralMoveName.decline, "Outside our area: he is being released to Bristol.", None)],
    [(ReferralMoveName.accept, None, None), (ReferralMoveName.start, None, None)],
    [
        (ReferralMoveName.accept, None, None),
        (ReferralMoveName.start, None, None),
        (
            ReferralMoveName.complete,
            "Matched, met at the gate, settled in a flat.",
            ReferralOutcome.achieved,
        ),
    ],
    [(ReferralMoveName.withdraw, "Recalled to custody before the first visit.", None)],
]
_SURNAMES = ["Hughes", "Patel", "Kaur", "Reid", "Lowe", "Fenwick"]


async def _referrals(
    db: AsyncSession,
    system: Principal,
    partner_id: uuid.UUID,
    mentees: list[Person],
    services: list[Service],
    today: date,
) -> None:
    """Inbound referrals from the demo partner in every status, and outbound ones at every
    stage (plus a signposting)."""
    partner = Principal(
        org_id=system.org_id,
        role=Role.partner,
        scopes=ROLE_SCOPES[Role.partner],
        subject=f"client:{partner_id}",
        client_id=partner_id,
    )
    referred: list[uuid.UUID] = []
    for index, moves in enumerate(_REFERRAL_PATHS):
        person = InboundPerson(
            given_name=_MEN[index],
            family_name=_SURNAMES[index],
            gender="male",
            region="North East",
            mentee=MenteeProfileCreate(
                custody_status=CustodyStatus.in_custody,
                establishment="HMP Durham",
                release_date=today + timedelta(days=30 + 7 * index),
                needs=[Pathway.accommodation, Pathway.education_training_employment],
            ),
        )
        referral = await referrals.create_referral(
            db,
            partner,
            ReferralCreate(
                direction=ReferralDirection.inbound,
                external_ref=f"NDL-9{index:04d}",
                person=person,
                reason="Release soon with nowhere to live; asked for a mentor.",
            ),
        )
        if index % 2 == 0:  # the others have not agreed that the partner hears how it goes
            await _consent(
                db, system, referral.mentee_id, ConsentPurpose.share_progress_with_referrer
            )
        for move, note, outcome in moves:
            mover = partner if move == ReferralMoveName.withdraw else system
            await referrals.move(db, mover, referral.id, move, note=note, outcome=outcome)
        referred.append(referral.mentee_id)
    # The partner reports a move between prisons for the first person it referred, and
    # refers a case of its own that is on the programme already (came in another way): that
    # referral waits for a coordinator to confirm or reject the match.
    await people.report_custody_event(
        db,
        partner,
        referred[0],
        CustodyEventCreate(event=CustodyEventName.transferred, establishment="HMP Frankland"),
    )
    await referrals.create_referral(
        db,
        partner,
        ReferralCreate(
            direction=ReferralDirection.inbound,
            external_ref=_external_ref(PENDING_MATCH_MENTEE),
            person=InboundPerson(
                given_name=mentees[PENDING_MATCH_MENTEE].given_name,
                family_name=mentees[PENDING_MATCH_MENTEE].family_name,
                mentee=MenteeProfileCreate(custody_status=CustodyStatus.in_custody),
            ),
            reason="Known to us; asked for a mentor again.",
        ),
    )
    takes_referrals = [s for s in services if s.accepts_referrals]
    for index, moves in enumerate(
        [[(ReferralMoveName.send, None, None), *path] for path in _REFERRAL_PATHS]
    ):
        referral = await referrals.create_referral(
            db,
            system,
            ReferralCreate(
                direction=ReferralDirection.outbound,
                mentee_id=mentees[index].id,
                service_id=takes_referrals[index].id,
                reason="Needs support the mentor cannot give.",
            ),
        )
        for move, note, outcome in moves:
            await referrals.move(db, system, referral.id, move, note=note, outcome=outcome)
    draft_for = mentees[7]
    await referrals.create_referral(
        db,
        system,
        ReferralCreate(
            direction=ReferralDirection.outbound,
            mentee_id=draft_for.id,
            service_id=takes_referrals[7].id,
            reason="Drafted with the mentee; not sent yet.",
        ),
    )
    signpost_to = next(s for s in services if not s.accepts_referrals)
    await referrals.create_referral(
        db,
        system,
        ReferralCreate(
            direction=ReferralDirection.outbound,
            mentee_id=draft_for.id,
            service_id=signpost_to.id,
            signpost=True,
        ),
    )


async def _consent(
    db: AsyncSession, system: Principal, person_id: uuid.UUID, purpose: ConsentPurpose
) -> None:
    decision = ConsentCreate(
        purpose=purpose,
        status=ConsentStatus.granted,
        evidence=ConsentEvidence.written,
        note="Signed at induction.",
    )
    await consent_records.record(db, system, person_id, decision)


def _mentor(spec: dict[str, Any], rng: random.Random, today: date) -> PersonCreate:
    vetting = VettingStatus(spec.get("vetting_status", "cleared"))
    return PersonCreate(
        kind=PersonKind.mentor,
        given_name=spec["given_name"],
        family_name=spec["family_name"],
        gender=spec["gender"],
        pronouns="she/her" if spec["gender"] == "female" else "he/him",
        languages=spec.get("languages", ["en"]),
        region=spec["region"],
        ethnicity=spec["ethnicity"],
        religion=spec["religion"],
        cultural_background=spec["cultural_background"],
        email=f"{spec['given_name'].lower()}.{spec['family_name'].lower()}@{DEMO_DOMAIN}",
        mentor=MentorProfileCreate(
            skills=[Pathway(s) for s in spec["skills"]],
            max_caseload=rng.choice([2, 3, 4]),
            training_completed_on=today - timedelta(days=rng.randint(60, 700)),
            vetting_status=vetting,
            vetting_expires_on=today + timedelta(days=-20 if vetting == "expired" else 400),
            last_supervision_on=today - timedelta(days=rng.randint(5, 70)),
            availability=rng.choice(["Weekday evenings", "Tuesdays and Thursdays", "Weekends"]),
            weekly_availability=_WEEKLY.get(spec["given_name"], []),
            lived_experience=spec["lived_experience"],
        ),
    )


def _external_ref(mentee_index: int) -> str:
    return f"NDL-{20000 + mentee_index * 37}"


def _mentee(index: int, rng: random.Random, today: date) -> PersonCreate:
    region = rng.choice(list(_REGIONS))
    woman = index % 3 == 1
    establishment = rng.choice(
        [e for e in _REGIONS[region] if (e in _WOMENS_ESTABLISHMENTS) == woman] or _REGIONS[region]
    )
    custody = [CustodyStatus.in_custody, CustodyStatus.released, CustodyStatus.community_sentence][
        index % 3 if index % 5 else 0
    ]
    pathways = [
        p for p in Pathway if woman or p not in {Pathway.abuse_domestic_violence, Pathway.sex_work}
    ]
    release = {
        CustodyStatus.in_custody: today + timedelta(days=rng.randint(7, 120)),
        CustodyStatus.released: today - timedelta(days=rng.randint(5, 200)),
    }.get(custody)
    return PersonCreate(
        kind=PersonKind.mentee,
        given_name=rng.choice(_WOMEN if woman else _MEN),
        family_name=rng.choice(_FAMILY),
        gender="female" if woman else "male",
        pronouns="she/her" if woman else "he/him",
        date_of_birth=today - timedelta(days=365 * rng.randint(19, 55) + rng.randint(0, 364)),
        languages=["en"] if rng.random() < 0.8 else ["en", rng.choice(["pl", "ur", "cy"])],
        region=region,
        mentee=MenteeProfileCreate(
            custody_status=custody,
            establishment=establishment if custody != CustodyStatus.community_sentence else None,
            release_date=release,
            probation_region=region,
            needs=rng.sample(pathways, k=rng.randint(1, 3)),
            preferences={
                "mentor_gender": "female" if woman else None,
                "peer_mentor_preferred": rng.random() < 0.5,
            },
            external_ref=_external_ref(index),
            risk_level=rng.choice(list(RiskLevel)[:3]),
            offence_summary=rng.choice(_OFFENCES),
        ),
    )
