"""Limits on what one GraphQL document may ask for: depth, aliases, tokens and cost."""

from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    IntValueNode,
    ValidationRule,
)
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)

MAX_DEPTH = 8
MAX_ALIASES = 15
MAX_TOKENS = 2_000
MAX_COST = 25_000
MAX_PAGE = 200
NESTED_LIST_ESTIMATE = 10  # a nested list without a size (e.g. a person's relationships)


class CostLimit(ValidationRule):
    """Refuse documents whose lists within lists could return too many objects.

    The cost is the number of list items the document could return: each list (or page)
    multiplies the lists it sits in. A page's size is its `first`/`limit` argument (the
    maximum when it comes from a variable); any other list counts as NESTED_LIST_ESTIMATE.
    """

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.multipliers = [1]
        self.cost = 0

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        field = self.context.get_field_def()
        parent = self.context.get_parent_type()
        size = 1
        if field is not None:
            size = _page_size(node) or (
                NESTED_LIST_ESTIMATE
                if _is_list(field.type) and not str(parent).endswith("Connection")
                else 1
            )
        multiplier = self.multipliers[-1] * size
        if size > 1:
            self.cost += multiplier
        self.multipliers.append(multiplier)

    def leave_field(self, *_: Any) -> None:
        self.multipliers.pop()

    def leave_document(self, *_: Any) -> None:
        if self.cost > MAX_COST:
            self.report_error(
                GraphQLError(
                    f"This query could return about {self.cost} objects; the limit is "
                    f"{MAX_COST}. Ask for smaller pages or fewer nested lists."
                )
            )


def _page_size(node: FieldNode) -> int | None:
    for argument in node.arguments or ():
        if argument.name.value in ("first", "limit"):
            value = argument.value
            return int(value.value) if isinstance(value, IntValueNode) else MAX_PAGE
    return None


def _is_list(graphql_type: Any) -> bool:
    if isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    return isinstance(graphql_type, GraphQLList)


def limit_extensions() -> list[Any]:
    """Extension factories: a fresh extension is made for each request."""
    return [
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules([CostLimit]),
    ]
