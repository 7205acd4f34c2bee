"""The GraphQL API: strawberry types over the same service layer as the REST routers."""
