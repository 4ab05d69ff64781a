"""Which object types each interface and union of the schema stands for: the
`possibleTypes` map Apollo Client's cache (and urql's Graphcache) needs to match fragments
on `Node` and `SearchResult`, read from the SDL so a client build can regenerate it."""

import graphql


def possible_types(sdl: str) -> dict[str, list[str]]:
    """{interface or union: its object types}, names sorted, introspection types left out."""
    schema = graphql.build_schema(sdl)
    found: dict[str, list[str]] = {}
    for name, named in sorted(schema.type_map.items()):
        if name.startswith("__"):
            continue
        if isinstance(named, graphql.GraphQLUnionType | graphql.GraphQLInterfaceType):
            found[name] = sorted(member.name for member in schema.get_possible_types(named))
    return found
