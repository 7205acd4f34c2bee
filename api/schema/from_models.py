"""GraphQL object types made from the REST API's read models, converted with a plan made once.

strawberry's `from_pydantic` resolves the type of every field on every call; on a page of
fifty people with their profiles and relationships that cost more than the rest of the
request. `convert_with_plans` gives each such type of the schema a `from_pydantic` that
works out, at its first use, one converter per field, and then converts as strawberry does:
optionals and lists element by element, nested read models into their own types, unions by
the model each option comes from, everything else as it is.
"""

import dataclasses
from collections.abc import Callable
from typing import Any

import strawberry
from pydantic import BaseModel
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from strawberry.types.union import StrawberryUnion

Convert = Callable[[Any], Any]


def convert_with_plans(schema: strawberry.Schema) -> None:
    """Give every type of the schema made from a read model the faster `from_pydantic` (once;
    a type made later is covered when it joins the schema)."""
    for concrete in schema.schema_converter.type_map.values():
        origin: Any = getattr(concrete.definition, "origin", None)
        if hasattr(origin, "_pydantic_type") and not hasattr(origin, "_converted_with_plan"):
            origin.from_pydantic = staticmethod(_from_pydantic(origin))
            origin._converted_with_plan = True


def _from_pydantic(cls: Any) -> Callable[..., Any]:
    plan: list[tuple[str, Convert]] | None = None

    def from_pydantic(instance: BaseModel, extra: dict[str, Any] | None = None) -> Any:
        nonlocal plan
        if extra:
            raise TypeError("`extra` is not supported; build the read model in full instead")
        if plan is None:
            plan = [
                (field.python_name, _converter(field.type))
                for field in cls.__strawberry_definition__.fields
                if field.init
            ]
        made = cls(**{name: convert(getattr(instance, name, None)) for name, convert in plan})
        made._original_model = instance
        return made

    if any(_is_private(field) for field in dataclasses.fields(cls)):
        raise TypeError(f"{cls.__name__}: private fields are not converted from the model")
    return from_pydantic


def _is_private(field: dataclasses.Field[Any]) -> bool:
    from strawberry.types.private import is_private

    return bool(is_private(field.type))


def _same(value: Any) -> Any:
    return value


def _converter(type_: Any) -> Convert:
    if isinstance(type_, StrawberryOptional):
        inner = _converter(type_.of_type)
        return lambda value: None if value is None else inner(value)
    if isinstance(type_, StrawberryList):
        each = _converter(type_.of_type)
        return lambda value: [each(item) for item in value]
    if isinstance(type_, StrawberryUnion):
        options: list[tuple[Any, Convert]] = [
            (getattr(o, "_pydantic_type", o), _converter(o)) for o in type_.types
        ]

        def one_of(value: Any) -> Any:
            for source, convert in options:
                if isinstance(value, source):
                    return convert(value)
            return value

        return one_of
    if has_object_definition(type_):

        def nested(value: Any) -> Any:
            target: Any = getattr(type(value), "_strawberry_type", type_)
            return target.from_pydantic(value)

        return nested
    return _same
