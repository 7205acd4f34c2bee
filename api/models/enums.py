"""The contract's vocabularies (§2, §3), shared by tables, API models and validation."""

from enum import StrEnum


class Pathway(StrEnum):
    accommodation = "accommodation"
    education_training_employment = "education_training_employment"
    health = "health"
    drugs_alcohol = "drugs_alcohol"
    finance_benefit_debt = "finance_benefit_debt"
    children_families = "children_families"
    attitudes_thinking_behaviour = "attitudes_thinking_behaviour"
    abuse_domestic_violence = "abuse_domestic_violence"
    sex_work = "sex_work"


class Role(StrEnum):
    admin = "admin"
    coordinator = "coordinator"
    mentor = "mentor"
    mentee = "mentee"
    partner = "partner"
    analyst = "analyst"


class PersonKind(StrEnum):
    mentee = "mentee"
    mentor = "mentor"


class CustodyStatus(StrEnum):
    in_custody = "in_custody"
    released = "released"
    community_sentence = "community_sentence"


class MappaLevel(StrEnum):
    """Multi-Agency Public Protection Arrangements: the level of management."""

    level_1 = "1"
    level_2 = "2"
    level_3 = "3"


class CustodyEventName(StrEnum):
    """What a referring prison or probation service reports about a person's custody."""

    released = "released"
    recalled = "recalled"
    transferred = "transferred"
    sentence_ended = "sentence_ended"


class ConsentPurpose(StrEnum):
    """What a person may agree to, each recorded and withdrawn on its own."""

    share_progress_with_referrer = "share_progress_with_referrer"
    lived_experience_disclosure = "lived_experience_disclosure"
    research_and_evaluation = "research_and_evaluation"
    contact_by_text = "contact_by_text"
    background_in_matching = "background_in_matching"


class ConsentStatus(StrEnum):
    granted = "granted"
    withdrawn = "withdrawn"


class ConsentEvidence(StrEnum):
    """How the person's decision is evidenced."""

    written = "written"
    verbal = "verbal"
    electronic = "electronic"


class RiskLevel(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    very_high = "very_high"


class VettingStatus(StrEnum):
    pending = "pending"
    cleared = "cleared"
    expired = "expired"
    refused = "refused"


class RelationshipStatus(StrEnum):
    proposed = "proposed"
    active = "active"
    paused = "paused"
    ended = "ended"


OPEN_RELATIONSHIP_STATUSES = (
    RelationshipStatus.proposed,
    RelationshipStatus.active,
    RelationshipStatus.paused,
)


class Phase(StrEnum):
    custody = "custody"
    through_the_gate = "through_the_gate"
    community = "community"


class EndingReason(StrEnum):
    completed = "completed"
    mentee_withdrew = "mentee_withdrew"
    mentor_withdrew = "mentor_withdrew"
    lost_contact = "lost_contact"
    returned_to_custody = "returned_to_custody"
    moved_away = "moved_away"
    safeguarding = "safeguarding"
    other = "other"


class GoalSetBy(StrEnum):
    mentee = "mentee"
    mentor = "mentor"
    coordinator = "coordinator"


class GoalStatus(StrEnum):
    proposed = "proposed"
    active = "active"
    achieved = "achieved"
    not_achieved = "not_achieved"
    on_hold = "on_hold"
    cancelled = "cancelled"


class StepStatus(StrEnum):
    todo = "todo"
    done = "done"
    skipped = "skipped"


class SessionFormat(StrEnum):
    one_to_one = "one_to_one"
    group = "group"
    activity = "activity"


class SessionSetting(StrEnum):
    custody = "custody"
    community = "community"
    phone = "phone"
    video = "video"


class SessionStatus(StrEnum):
    scheduled = "scheduled"
    held = "held"
    cancelled = "cancelled"
    missed_by_mentee = "missed_by_mentee"
    missed_by_mentor = "missed_by_mentor"


class ReferralDirection(StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class ReferralStatus(StrEnum):
    draft = "draft"
    sent = "sent"
    accepted = "accepted"
    declined = "declined"
    in_progress = "in_progress"
    completed = "completed"
    withdrawn = "withdrawn"


class NonAssociationKind(StrEnum):
    co_defendant = "co_defendant"
    victim = "victim"
    known_associate = "known_associate"
    same_establishment = "same_establishment"
    other = "other"


class CheckInFeeling(StrEnum):
    good_fit = "good_fit"
    unsure = "unsure"
    not_a_good_fit = "not_a_good_fit"


class Side(StrEnum):
    mentor = "mentor"
    mentee = "mentee"


class Transition(StrEnum):
    """The moves of a relationship's state machine (`POST /relationships/{id}/<move>`)."""

    activate = "activate"
    pause = "pause"
    resume = "resume"
    end = "end"


class ReferralOutcome(StrEnum):
    achieved = "achieved"
    partly_achieved = "partly_achieved"
    not_achieved = "not_achieved"


class ReferralMoveName(StrEnum):
    """The moves of a referral (`POST /referrals/{id}/<move>`)."""

    send = "send"
    accept = "accept"
    decline = "decline"
    start = "start"
    complete = "complete"
    withdraw = "withdraw"


class Milestone(StrEnum):
    """When outcomes are recorded: start, release, after 3, 6 and 12 months, and the end."""

    start = "start"
    release = "release"
    three_months = "3_months"
    six_months = "6_months"
    twelve_months = "12_months"
    end = "end"


class Accommodation(StrEnum):
    settled = "settled"
    temporary = "temporary"
    rough_sleeping = "rough_sleeping"
    in_custody = "in_custody"
    unknown = "unknown"


class Employment(StrEnum):
    """Employment, training or education."""

    employed = "employed"
    self_employed = "self_employed"
    training = "training"
    education = "education"
    volunteering = "volunteering"
    none = "none"
    unknown = "unknown"


class AlertRule(StrEnum):
    """The early-warning rules (names are the contract)."""

    no_session_held = "no_session_held"
    missed_sessions = "missed_sessions"
    no_contact_after_release = "no_contact_after_release"
    release_without_match = "release_without_match"
    goal_review_overdue = "goal_review_overdue"
    repeated_lapses = "repeated_lapses"
    not_a_good_fit = "not_a_good_fit"
    mentor_over_caseload = "mentor_over_caseload"
    supervision_overdue = "supervision_overdue"
    vetting_expiring = "vetting_expiring"
    vetting_expired = "vetting_expired"
    # Raised by a person, not computed: an urgent concern waits for staff to triage it.
    urgent_concern = "urgent_concern"


class Severity(StrEnum):
    info = "info"
    warning = "warning"
    urgent = "urgent"


class AlertStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


UNRESOLVED_ALERT_STATUSES = (AlertStatus.open, AlertStatus.acknowledged)


class Ethnicity(StrEnum):
    """The ONS 2021 census ethnic groups (England and Wales), special category data."""

    asian_bangladeshi = "asian_bangladeshi"
    asian_chinese = "asian_chinese"
    asian_indian = "asian_indian"
    asian_pakistani = "asian_pakistani"
    asian_other = "asian_other"
    black_african = "black_african"
    black_caribbean = "black_caribbean"
    black_other = "black_other"
    mixed_white_and_asian = "mixed_white_and_asian"
    mixed_white_and_black_african = "mixed_white_and_black_african"
    mixed_white_and_black_caribbean = "mixed_white_and_black_caribbean"
    mixed_other = "mixed_other"
    white_british = "white_british"
    white_irish = "white_irish"
    white_gypsy_or_irish_traveller = "white_gypsy_or_irish_traveller"
    white_roma = "white_roma"
    white_other = "white_other"
    other_arab = "other_arab"
    other_any = "other_any"


class SharedBackground(StrEnum):
    """What of their background a mentee would like their mentor to share."""

    ethnicity = "ethnicity"
    religion = "religion"
    culture = "culture"


class DayPart(StrEnum):
    """A part of a day of the week when someone can usually meet."""

    mon_morning = "mon_morning"
    mon_afternoon = "mon_afternoon"
    mon_evening = "mon_evening"
    tue_morning = "tue_morning"
    tue_afternoon = "tue_afternoon"
    tue_evening = "tue_evening"
    wed_morning = "wed_morning"
    wed_afternoon = "wed_afternoon"
    wed_evening = "wed_evening"
    thu_morning = "thu_morning"
    thu_afternoon = "thu_afternoon"
    thu_evening = "thu_evening"
    fri_morning = "fri_morning"
    fri_afternoon = "fri_afternoon"
    fri_evening = "fri_evening"
    sat_morning = "sat_morning"
    sat_afternoon = "sat_afternoon"
    sat_evening = "sat_evening"
    sun_morning = "sun_morning"
    sun_afternoon = "sun_afternoon"
    sun_evening = "sun_evening"


class ContactFrequency(StrEnum):
    """How often the two sides of a relationship expect to be in touch."""

    weekly = "weekly"
    fortnightly = "fortnightly"
    monthly = "monthly"


class ContactChannel(StrEnum):
    """How someone prefers to keep in touch between sessions."""

    phone = "phone"
    text = "text"
    email = "email"
    letter = "letter"
    in_person = "in_person"
