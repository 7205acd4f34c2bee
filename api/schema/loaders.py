"""DataLoaders: every nested relation is fetched once per request for all parents at once.

They call the same service functions as REST, so visibility rules and audit apply alike.
"""

import uuid
from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader

from api.auth.principal import Principal
from api.models.person import PersonRead
from api.models.relationship import RelationshipRead
from api.services import people, relationships


class Loaders:
    def __init__(self, db: AsyncSession, caller: Principal) -> None:
        self.db = db
        self.caller = caller
        self.person = DataLoader(self._people)
        self.relationships_of = DataLoader(self._relationships_of)

    async def _people(self, ids: Sequence[uuid.UUID]) -> list[PersonRead | None]:
        found = await people.load_many(self.db, self.caller, ids)
        return [people.present(found[i], self.caller) if i in found else None for i in ids]

    async def _relationships_of(
        self, person_ids: Sequence[uuid.UUID]
    ) -> list[list[RelationshipRead]]:
        grouped = await relationships.of_people(self.db, self.caller, person_ids)
        unique = {r.id: r for rows in grouped.values() for r in rows}
        presented = {
            read.id: read for read in await relationships.present(self.db, list(unique.values()))
        }
        return [[presented[r.id] for r in grouped[i]] for i in person_ids]
