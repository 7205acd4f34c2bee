"""Building blocks shared by the API models of every resource."""

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import (
    Annotated,
    Any,
    ClassVar,
    Generic,
    Literal,
    NamedTuple,
    TypeVar,
    get_args,
    get_origin,
)

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

T = TypeVar("T")


def _reject_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text, and no honest value contains one.
    if "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    return value


# What Python's str.strip() takes away, as a JSON Schema (ECMA-262) character class.
_SPACE = r"\t-\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


class _NoNul:
    """Refuses NUL in text, and says so in the schema (unless a pattern already rules it out)."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(_reject_nul, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        document = handler(schema)
        text = schema.get("schema", schema)
        if text.get("strip_whitespace") and text.get("min_length", 0) >= 1:
            # Blank text is stripped to nothing, so at least one character must be more.
            document.setdefault("pattern", rf"^[^\u0000]*[^\u0000{_SPACE}][^\u0000]*$")
        document.setdefault("pattern", r"^[^\u0000]*$")
        return document


NoNul = _NoNul()

Text100 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoNul
]
Text200 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul
]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), NoNul]
Text4000 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), NoNul]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), NoNul]
# Spaces around a number are trimmed before its length is counted, so the pattern asks for
# three characters from the first non-space to the last: what the schema admits is never
# refused as too short once trimmed.
Phone = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=3,
        max_length=40,
        pattern=r"^ *[0-9+().-][0-9+() .-]+[0-9+().-] *$",
    ),
]


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00:00+01:00
        raise ValueError("timestamp out of range") from exc


_NUMBER = re.compile(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*")


def _written_as_a_date(value: Any) -> Any:
    """Dates and times are ISO 8601 text: never a number, not even in a query string, which
    Pydantic would otherwise read as seconds since 1970 (`?to=0` as 1970-01-01)."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("must be an ISO 8601 date or date-time, not a number")
    return value


IsoWritten = BeforeValidator(_written_as_a_date)

# A timestamp with a zone (a zone-less one is ambiguous), kept in UTC.
Timestamp = Annotated[AwareDatetime, IsoWritten, AfterValidator(_to_utc)]
# A calendar day, as `2025-03-31`.
Day = Annotated[date, IsoWritten]

# Query-string text (filters and searches).
QueryText = Annotated[str, StringConstraints(max_length=100), NoNul]
EarliestDate = date(1900, 1, 1)
# The schema's way of saying "not before 1900" of a `format: date` string.
SINCE_1900: Any = {"pattern": r"^(19[0-9]{2}|[2-9][0-9]{3})-"}


class Variant(NamedTuple):
    """What one value of a discriminating field asks of the other fields."""

    required: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()


def _listed(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _variant_schemas(
    model: type[BaseModel], name: str, by_value: dict[Any, Variant]
) -> list[dict[str, Any]]:
    """One JSON Schema branch per value of the discriminating field (an enum or literal)."""
    field = model.model_fields[name]
    annotation = field.annotation
    values: Iterable[Any] = (
        get_args(annotation) if get_origin(annotation) is Literal else annotation  # type: ignore[assignment]
    )
    branches = []
    for member in values:
        variant = by_value.get(member, Variant())
        properties: dict[str, Any] = {name: {"const": member.value}}
        properties |= {other: {"not": {"type": "null"}} for other in sorted(variant.required)}
        properties |= {other: {"type": "null"} for other in sorted(variant.absent)}
        # The discriminator may be left out only where its default is this branch's value.
        named = set() if member == field.default else {name}
        branches.append({"properties": properties, "required": sorted(named | variant.required)})
    return branches


def _whole_number(value: Any) -> Any:
    # JSON Schema's `integer` includes 10.0; a string or a fraction is still refused.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _make_strict(schema: Any) -> None:
    """Mark every number and boolean in a core schema strict, however deeply nested.

    Idempotent: a model's schema embeds its nested models' schemas, which were made strict
    already, and building an app builds some schemas again."""
    if isinstance(schema, dict):
        if _is_whole_number_wrapper(schema):
            return
        if schema.get("type") == "int":
            strict_int = {**schema, "strict": True}
            schema.clear()
            schema.update(core_schema.no_info_before_validator_function(_whole_number, strict_int))
            return
        if schema.get("type") in ("float", "bool"):
            schema["strict"] = True
        for value in schema.values():
            _make_strict(value)
    elif isinstance(schema, list):
        for value in schema:
            _make_strict(value)


def _is_whole_number_wrapper(schema: dict[str, Any]) -> bool:
    function = schema.get("function")
    return (
        schema.get("type") == "function-before"
        and isinstance(function, dict)
        and function.get("function") is _whole_number
    )


def _drop_null(property_schema: dict[str, Any]) -> None:
    members = property_schema.get("anyOf")
    if members is None:
        return
    kept = [member for member in members if member.get("type") != "null"]
    del property_schema["anyOf"]
    if len(kept) == 1:
        property_schema.update(kept[0])
    else:
        property_schema["anyOf"] = kept
    if property_schema.get("default", ...) is None:
        del property_schema["default"]


class Input(BaseModel):
    """Request bodies, validated as they are documented.

    - Unknown fields are refused, so a typo never silently does nothing.
    - Numbers and booleans are strict: `"3"`, `"yes"` or `true` for a number are refused
      (dates, UUIDs and enums still come as JSON strings).
    - `not_null` names optional fields that may be left out but never sent as `null` (in a
      PATCH, `null` clears an optional field, never a required one); the schema says so too.
    - `variants` makes fields required or absent (left out or `null`) by the value of one
      field, e.g. an inbound referral's `person`; the schema states it as a `oneOf`.
    - `any_of` names fields of which at least one must be given (not `null`), e.g. whom a
      concern is about; the schema states it as an `anyOf`.
    """

    model_config = ConfigDict(extra="forbid")
    not_null: ClassVar[frozenset[str]] = frozenset()
    variants: ClassVar[tuple[str, dict[Any, Variant]] | None] = None
    any_of: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = handler(source)
        _make_strict(schema)
        return schema

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        document = handler(schema)
        properties = handler.resolve_ref_schema(document).get("properties", {})
        for name in cls.not_null:
            _drop_null(properties[name])
        if cls.variants is not None:
            handler.resolve_ref_schema(document)["oneOf"] = _variant_schemas(cls, *cls.variants)
        if cls.any_of:
            handler.resolve_ref_schema(document)["anyOf"] = [
                {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
                for name in cls.any_of
            ]
        return document

    @model_validator(mode="after")
    def _fits_the_rules(self) -> "Input":
        self.reject_nulls(*sorted(self.not_null))
        if self.any_of and all(getattr(self, name) is None for name in self.any_of):
            raise ValueError(f"give at least one of {_listed(list(self.any_of))}")
        if self.variants is not None:
            name, by_value = self.variants
            value = getattr(self, name)
            variant = by_value.get(value, Variant())
            missing = sorted(f for f in variant.required if getattr(self, f) is None)
            if missing:
                raise ValueError(f"{name} {value} needs {_listed(missing)}")
            extra = sorted(f for f in variant.absent if getattr(self, f) is not None)
            if extra:
                raise ValueError(f"{name} {value} has no {_listed(extra)}")
        return self

    def reject_nulls(self, *names: str) -> None:
        for name in names:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")


class RecordRead(BaseModel):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Bumped on every change; sent back as the ETag.")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


def unique(values: list[Any]) -> list[Any]:
    """Drop repeats, keeping first-seen order."""
    return list(dict.fromkeys(values))
