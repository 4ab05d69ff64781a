"""The GraphQL API: types built from rows, loaders per request, and the schema."""
