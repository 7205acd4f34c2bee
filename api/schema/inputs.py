"""GraphQL input types made from the REST request models, so each field is declared once.

Fields the client leaves out stay UNSET and are left out of the model too, so PATCH-like
mutations keep REST's semantics: absent means "leave alone", `null` means "clear".
"""

import types
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import strawberry
from pydantic import AwareDatetime, BaseModel, EmailStr, HttpUrl

M = TypeVar("M", bound=BaseModel)


@cache
def input_type(model: type[BaseModel]) -> Any:
    """A strawberry input named `<Model>Input`, one field per model field."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__annotations__": annotations}
    for name, field in model.model_fields.items():
        graphql_type = _graphql_type(field.annotation)
        required = field.is_required()
        annotations[name] = graphql_type if required else graphql_type | None
        namespace[name] = (
            strawberry.field(description=field.description)
            if required
            else strawberry.field(default=strawberry.UNSET, description=field.description)
        )
    cls = type(f"{model.__name__}Input", (), namespace)
    return strawberry.input(cls, description=(model.__doc__ or "").strip() or None)


def to_model(model: type[M], value: Any) -> M:
    """Validate a GraphQL input with its model (raises pydantic's ValidationError)."""
    return model.model_validate(_plain(value))


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    fields = getattr(value, "__strawberry_definition__", None)
    if fields is not None:
        return {
            field.python_name: _plain(getattr(value, field.python_name))
            for field in fields.fields
            if getattr(value, field.python_name) is not strawberry.UNSET
        }
    return value


def _graphql_type(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin is Annotated:  # constraints stay with the model, which validates the input
        return _graphql_type(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        inner = _graphql_type(members[0])
        return inner | None if len(members) < len(get_args(annotation)) else inner
    if origin is Literal:  # a narrowed enum (`Literal[PersonKind.mentee]`) is the enum in GraphQL
        return type(get_args(annotation)[0])
    if origin is list:
        return list[_graphql_type(get_args(annotation)[0])]  # type: ignore[misc]
    if annotation in (EmailStr, HttpUrl):
        return str
    if annotation is AwareDatetime:
        return datetime
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return input_type(annotation)
    return annotation
