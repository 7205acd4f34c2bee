"""Lists of choices in request bodies: repeats are dropped, but a list longer than its
schema's `maxItems` is refused first, as the published schema promises generated clients."""

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from api.models.expectations import Channels, FocusPathways, Settings
from api.models.person import Pathways, WeeklyAvailability
from api.models.session import Topics


@pytest.mark.parametrize(
    ("kind", "item"),
    [
        (Pathways, "accommodation"),
        (WeeklyAvailability, "mon_morning"),
        (Topics, "health"),
        (Settings, "phone"),
        (FocusPathways, "finance_benefit_debt"),
        (Channels, "text"),
    ],
)
def test_a_list_over_its_limit_is_refused_even_when_repeats_would_shorten_it(
    kind: Any, item: str
) -> None:
    adapter = TypeAdapter(kind)
    limit = adapter.json_schema()["maxItems"]
    assert len(adapter.validate_python([item, item])) == 1
    with pytest.raises(ValidationError):
        adapter.validate_python([item] * (limit + 1))
