"""The GraphQL schema and its router at /api/v1/graphql."""

from pathlib import Path

import strawberry
from fastapi import Request
from fastapi.responses import HTMLResponse
from strawberry.extensions import DisableIntrospection
from strawberry.fastapi import GraphQLRouter
from strawberry.tools import merge_types

from api.docs import graphiql_page
from api.schema.context import get_context
from api.schema.from_models import convert_with_plans
from api.schema.group_sessions import GroupSessionMutation, GroupSessionQuery
from api.schema.limits import limit_extensions
from api.schema.mentor_support import MentorSupportMutation, MentorSupportQuery
from api.schema.mutations import Mutation
from api.schema.problems import error_extensions
from api.schema.queries import Query
from api.settings import Settings

SDL_PATH = Path(__file__).with_name("schema.graphql")
API_PREFIX = "/api/v1"


def build_schema(*, introspection: bool = True) -> strawberry.Schema:
    extensions = [*limit_extensions(), *error_extensions(suggestions=introspection)]
    if not introspection:
        extensions.append(DisableIntrospection)
    query = merge_types("Query", (Query, GroupSessionQuery, MentorSupportQuery))
    mutation = merge_types("Mutation", (Mutation, GroupSessionMutation, MentorSupportMutation))
    schema = strawberry.Schema(query=query, mutation=mutation, extensions=extensions)
    convert_with_plans(schema)
    return schema


def sdl() -> str:
    return build_schema().as_str() + "\n"


class LocalGraphiQLRouter(GraphQLRouter[object, None]):
    """GraphiQL from this service's own pinned copy (api/docs.py), never from a CDN."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return graphiql_page(endpoint=request.url.path, static=f"{API_PREFIX}/static")


def graphql_router(settings: Settings) -> GraphQLRouter[object, None]:
    development = settings.env == "development"
    introspection = (
        settings.graphql_introspection
        if settings.graphql_introspection is not None
        else development
    )
    return LocalGraphiQLRouter(
        build_schema(introspection=introspection),
        context_getter=get_context,
        graphql_ide="graphiql" if settings.docs_enabled else None,
        allow_queries_via_get=False,
        include_in_schema=False,
    )
