"""SQL constructs the services share that SQLAlchemy does not have."""

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement


class NotCached(ColumnElement[Any]):
    """An expression that keeps the statement holding it out of the engine's compiled cache.

    For a statement whose shape changes with every call (one term per item of a caller's
    list): cached, each call would add a large compiled form that is never used again, and
    every full garbage collection would walk hundreds of them. Compiling it afresh is cheaper.
    """

    inherit_cache = False  # SQLAlchemy's documented switch: no cache key, so no caching

    def __init__(self, element: ColumnElement[Any]) -> None:
        self.element = element
        self.type = element.type


@compiles(NotCached)
def _compile_not_cached(element: NotCached, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.element, **kw)
