"""How the table models are declared."""

import inspect

from sqlmodel import SQLModel


def test_table_defaults_are_made_by_plain_functions() -> None:
    """A table model's constructor inspects the signature of every default factory it calls;
    for a built-in type such as `list` that costs about a millisecond on every row written
    (use `api.models.base.empty_list`)."""
    built_in = [
        f"{mapper.class_.__name__}.{name}"
        for mapper in SQLModel._sa_registry.mappers
        for name, field in mapper.class_.model_fields.items()
        if inspect.isclass(field.default_factory)
    ]
    assert built_in == []
