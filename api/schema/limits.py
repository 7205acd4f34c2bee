"""Limits on what one GraphQL document may ask for: depth, aliases, tokens and cost."""

from collections.abc import Iterator, Mapping
from contextlib import suppress
from functools import partial
from typing import Any, cast

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    type_from_ast,
    validate,
)
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

MAX_DEPTH = 8
MAX_ALIASES = 15
MAX_TOKENS = 2_000
MAX_COST = 25_000
MAX_PAGE = 200
CACHED_DOCUMENTS = 128  # parsed and validated documents kept, most recently used
NESTED_LIST_ESTIMATE = 10  # a nested list without a size (e.g. a person's relationships)


class CostLimit(ValidationRule):
    """Refuse documents whose lists within lists could return too many objects.

    The cost is the number of list items the document could return: each list (or page)
    multiplies the lists it sits in. A page's size is its `first`/`limit` argument, given as
    a literal or a variable (its value, else its default, else the largest page allowed), or
    the field's default when it is left out. Named fragments are counted where they are
    spread, inline fragments where they stand. Any other list counts as NESTED_LIST_ESTIMATE.
    """

    def __init__(self, context: ValidationContext, variables: Mapping[str, Any]) -> None:
        super().__init__(context)
        self.variables = variables

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        root = self.context.schema.get_root_type(node.operation)
        if root is None:
            return
        sizes = {
            definition.variable.name.value: int(definition.default_value.value)
            for definition in node.variable_definitions or ()
            if isinstance(definition.default_value, IntValueNode)
        }
        sizes.update({k: v for k, v in self.variables.items() if isinstance(v, int)})
        cost = _cost(self.context, sizes, node.selection_set, root, 1, frozenset())
        if cost > MAX_COST:
            self.report_error(
                GraphQLError(
                    f"This query could return about {cost} objects; the limit is "
                    f"{MAX_COST}. Ask for smaller pages or fewer nested lists."
                )
            )


def _cost(
    context: ValidationContext,
    sizes: Mapping[str, int],
    selection_set: SelectionSetNode,
    parent: GraphQLNamedType,
    multiplier: int,
    spread: frozenset[str],
) -> int:
    """The list items `selection_set` could return when its parent comes `multiplier` times."""
    cost = 0
    for selection in selection_set.selections:
        inner: SelectionSetNode | None = None
        inner_type: GraphQLNamedType | None = parent
        inner_multiplier, inner_spread = multiplier, spread
        if isinstance(selection, FieldNode):
            field = getattr(parent, "fields", {}).get(selection.name.value)
            if field is None:  # __typename, or a field another rule reports
                continue
            size = _list_size(selection, field, parent, sizes)
            inner_multiplier = multiplier * size
            if size > 1:
                cost += inner_multiplier
            inner, inner_type = selection.selection_set, get_named_type(field.type)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = context.get_fragment(name)
            if fragment is None or name in spread:  # unknown or cyclic: other rules report
                continue
            inner, inner_spread = fragment.selection_set, spread | {name}
            inner_type = _condition(context, fragment.type_condition, parent)
        elif isinstance(selection, InlineFragmentNode):
            inner = selection.selection_set
            inner_type = _condition(context, selection.type_condition, parent)
        if inner is not None and inner_type is not None:
            cost += _cost(context, sizes, inner, inner_type, inner_multiplier, inner_spread)
    return cost


def _condition(
    context: ValidationContext, condition: NamedTypeNode | None, parent: GraphQLNamedType
) -> GraphQLNamedType | None:
    if condition is None:
        return parent
    found = type_from_ast(context.schema, condition)
    return get_named_type(found) if found is not None else None


def _list_size(
    node: FieldNode, field: GraphQLField, parent: GraphQLNamedType, sizes: Mapping[str, int]
) -> int:
    for name in ("first", "limit"):
        if name not in field.args:
            continue
        given = next((a.value for a in node.arguments or () if a.name.value == name), None)
        default = field.args[name].default_value
        if isinstance(given, IntValueNode):
            size = int(given.value)
        elif isinstance(given, VariableNode):
            size = sizes.get(given.name.value, MAX_PAGE)
        else:
            size = default if given is None and isinstance(default, int) else MAX_PAGE
        return max(size, 1)
    if _is_list(field.type) and not parent.name.endswith("Connection"):
        return NESTED_LIST_ESTIMATE
    return 1


def _is_list(graphql_type: Any) -> bool:
    if isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    return isinstance(graphql_type, GraphQLList)


# The rules that depend on the document alone, made once: a document is then validated once
# and its answer cached (strawberry's ValidationCache keys on the rules and the document).
_DOCUMENT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]


class ParsedOnce(ParserCache):
    """strawberry's ParserCache, except that a document that does not parse is left to
    strawberry's own parsing, which reports the error as every other error is reported."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        yield


class CostLimiter(SchemaExtension):
    """Checks `CostLimit` with the operation's variables on every request. It is not in the
    cached validation: the same document costs more when a variable asks for bigger pages."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if not context.pre_execution_errors and context.graphql_document is not None:
            rule = partial(CostLimit, variables=context.variables or {})
            errors = validate(
                context.schema._schema,
                context.graphql_document,
                [cast(type[ASTValidationRule], rule)],
            )
            if errors:
                context.pre_execution_errors = errors
        yield


def limit_extensions() -> list[Any]:
    """Extension factories: a fresh extension is made for each request. The cost check must
    come after the cached validation, whose errors it defers to."""
    return [
        lambda: AddValidationRules(_DOCUMENT_RULES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParsedOnce(maxsize=CACHED_DOCUMENTS),
        lambda: ValidationCache(maxsize=CACHED_DOCUMENTS),
        CostLimiter,
    ]
