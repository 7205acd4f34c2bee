"""DataLoaders: every nested relation is fetched once per request for all parents at once.

They call the same service functions as REST, so visibility rules and audit apply alike.
"""

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader

from api.auth.principal import Principal
from api.models.alert import AlertRead
from api.models.goal import GoalRead, ReviewRead, StepRead
from api.models.person import PersonRead
from api.models.referral import ReferralRead
from api.models.relationship import RelationshipRead
from api.models.session import SessionRead
from api.services import alerts, goals, people, referrals, relationships, sessions

K = TypeVar("K")
V = TypeVar("V")


class Loaders:
    def __init__(self, db: AsyncSession, caller: Principal, lock: asyncio.Lock) -> None:
        self.db = db
        self.caller = caller
        self.lock = lock
        self.person = DataLoader(self._locked(self._people))
        self.relationships_of = DataLoader(self._locked(self._relationships_of))
        self.goals_of = DataLoader(self._locked(self._goals_of))
        self.steps_of = DataLoader(self._locked(self._steps_of))
        self.reviews_of = DataLoader(self._locked(self._reviews_of))
        self.sessions_of = DataLoader(self._locked(self._sessions_of))
        self.referrals_of = DataLoader(self._locked(self._referrals_of))
        self.alerts_of = DataLoader(self._locked(self._alerts_of))

    def _locked(
        self, batch: Callable[[Sequence[K]], Awaitable[list[V]]]
    ) -> Callable[[Sequence[K]], Awaitable[list[V]]]:
        """Batches of different loaders run one at a time on the shared session."""

        async def run(keys: Sequence[K]) -> list[V]:
            async with self.lock:
                return await batch(keys)

        return run

    async def _people(self, ids: Sequence[uuid.UUID]) -> list[PersonRead | None]:
        found = await people.load_many(self.db, self.caller, ids)
        return [people.present(found[i], self.caller) if i in found else None for i in ids]

    async def _relationships_of(
        self, person_ids: Sequence[uuid.UUID]
    ) -> list[list[RelationshipRead]]:
        grouped = await relationships.of_people(self.db, self.caller, person_ids)
        unique = {r.id: r for rows in grouped.values() for r in rows}
        presented = {
            read.id: read
            for read in await relationships.present(self.db, self.caller, list(unique.values()))
        }
        return [[presented[r.id] for r in grouped[i]] for i in person_ids]

    async def _goals_of(self, mentee_ids: Sequence[uuid.UUID]) -> list[list[GoalRead]]:
        grouped = await goals.of_mentees(self.db, self.caller, mentee_ids)
        rows = [goal for found in grouped.values() for goal in found]
        presented = {read.id: read for read in await goals.present(self.db, rows)}
        return [[presented[g.id] for g in grouped[i]] for i in mentee_ids]

    async def _steps_of(self, goal_ids: Sequence[uuid.UUID]) -> list[list[StepRead]]:
        grouped = await goals.steps_of(self.db, self.caller, goal_ids)
        return [
            [StepRead.model_validate(s, from_attributes=True) for s in grouped[i]] for i in goal_ids
        ]

    async def _reviews_of(self, goal_ids: Sequence[uuid.UUID]) -> list[list[ReviewRead]]:
        grouped = await goals.reviews_of(self.db, self.caller, goal_ids)
        return [
            [ReviewRead.model_validate(r, from_attributes=True) for r in grouped[i]]
            for i in goal_ids
        ]

    async def _sessions_of(self, relationship_ids: Sequence[uuid.UUID]) -> list[list[SessionRead]]:
        grouped = await sessions.of_relationships(self.db, self.caller, relationship_ids)
        rows = [session for found in grouped.values() for session in found]
        presented = {read.id: read for read in await sessions.present(self.db, self.caller, rows)}
        return [[presented[s.id] for s in grouped[i]] for i in relationship_ids]

    async def _referrals_of(self, mentee_ids: Sequence[uuid.UUID]) -> list[list[ReferralRead]]:
        grouped = await referrals.of_mentees(self.db, self.caller, mentee_ids)
        rows = [referral for found in grouped.values() for referral in found]
        presented = {read.id: read for read in await referrals.present(self.db, self.caller, rows)}
        return [[presented[r.id] for r in grouped[i]] for i in mentee_ids]

    async def _alerts_of(self, relationship_ids: Sequence[uuid.UUID]) -> list[list[AlertRead]]:
        grouped = await alerts.of_relationships(self.db, self.caller, relationship_ids)
        return [[alerts.present(a) for a in grouped[i]] for i in relationship_ids]
