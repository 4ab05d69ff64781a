"""The root fields: lookups by slug and global ID, the connections and the search.

The connections' filters, orders and keyset pages, and the search's ranking, are rendered
from the builders the resolver path runs (`service/data/queries.py`): a page is read once
(LIMIT n+1) into a materialized CTE that its edges, nodes and pageInfo share.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLObjectType,
    OperationDefinitionNode,
    get_named_type,
)

from service.data import queries
from service.data.relations import TABLES
from service.graphql.arguments import SEARCH_RESULTS, page_window, search_words
from service.graphql.compiler.objects import ObjectCompiler
from service.graphql.compiler.selection import NotCompilable, enum_name, plain
from service.graphql.compiler.sql import Sql, column, ident, integer, join, sql, word
from service.graphql.ids import decode_id

MAX_LISTED_IDS = 90  # json_build_array takes at most 100 arguments
SEARCHABLE = ("Organization", "Person", "Agreement", "Initiative")


@dataclass(frozen=True)
class Listing:
    """What one root connection pages over: a filtered query and its ordering."""

    node_type: str
    query: sa.Select[Any]
    ordering: queries.Ordering


class RootCompiler(ObjectCompiler):
    def root(self, operation: OperationDefinitionNode) -> Sql:
        query = self.selection.schema.query_type
        assert query is not None
        fields = self.selection.collect(query, [operation.selection_set])
        if all(nodes[0].name.value == "__typename" for nodes in fields.values()):
            raise NotCompilable("nothing to read: the resolvers answer without the database")
        pairs = []
        for key, nodes in fields.items():
            name = nodes[0].name.value
            if name == "__typename":
                pairs.append((key, self.d.text(query.name)))
                continue
            if name not in query.fields:
                raise NotCompilable("introspection")  # __schema, __type
            arguments = self.selection.arguments(query, nodes[0])
            pairs.append((key, self.root_field(name, arguments, nodes)))
        return self.obj(pairs)

    def root_field(self, name: str, arguments: dict[str, Any], nodes: list[FieldNode]) -> Sql:
        if name in ("organization", "person"):
            slug = self.params.bind(plain(arguments["slug"]))
            return self.by_slug(name.capitalize(), nodes, slug)
        if name == "node":
            return self.node(arguments["id"], nodes, {})
        if name == "nodes":
            ids = arguments["ids"]
            if len(ids) > min(self.max_page_size, MAX_LISTED_IDS):
                raise NotCompilable("too many IDs")
            levels: dict[str, Sql] = {}
            return self.d.list_of([self.node(global_id, nodes, levels) for global_id in ids])
        if name == "search":
            return self.search(arguments, nodes)
        listings = {
            "organizations": self.organizations,
            "people": self.people,
            "agreements": self.agreements,
        }
        if name in listings:
            return self.connection(nodes, listings[name](arguments), arguments)
        raise NotCompilable(f"Query.{name}")

    # --- lookups --------------------------------------------------------------------------

    def slug_lookup(self, type_name: str, slug: Sql) -> Sql:
        return sql("(SELECT id FROM {} WHERE slug = {})", ident(TABLES[type_name].name), slug)

    def by_slug(self, type_name: str, nodes: Sequence[FieldNode], slug: Sql) -> Sql:
        level = self.level(type_name, nodes)
        return self.d.embed(self.lookup(level, self.slug_lookup(type_name, slug)))

    def node(self, global_id: str, nodes: Sequence[FieldNode], levels: dict[str, Sql]) -> Sql:
        try:
            type_name, slug = decode_id(global_id)
        except GraphQLError:
            raise NotCompilable("not an ID") from None
        if type_name not in TABLES:
            return sql("NULL")
        if type_name not in levels:
            levels[type_name] = self.level(type_name, nodes)
        key = self.slug_lookup(type_name, self.params.bind(slug))
        return self.d.embed(self.lookup(levels[type_name], key))

    # --- search ---------------------------------------------------------------------------

    def terms(self, text: str, argument: str) -> list[str]:
        try:
            terms = search_words(text, argument)
        except GraphQLError:
            raise NotCompilable("not a search") from None
        assert terms is not None
        return terms

    def search(self, arguments: Mapping[str, Any], nodes: list[FieldNode]) -> Sql:
        """Best match first, as `queries.search`; each hit built as its own type."""
        first = arguments.get("first")
        limit = SEARCH_RESULTS if first is None else first
        if not 0 <= limit <= self.max_page_size:
            raise NotCompilable("first out of range")
        terms = self.terms(arguments["query"], "query")
        ranked = queries.search_query(self.d.name, terms, limit)
        hits = self.cte("hits", self.params.core(ranked), materialized=True)
        hit, found = self.alias("hit"), self.alias("found")
        cases = join(
            " ",
            (
                sql(
                    "WHEN {} THEN {}",
                    word(type_name),
                    self.lookup(
                        self.level(type_name, nodes),
                        self.slug_lookup(type_name, column(hit, "slug")),
                    ),
                )
                for type_name in SEARCHABLE
            ),
        )
        source = sql(
            "(SELECT {} AS rank, {} AS kind, {} AS slug, CASE {} {} END AS j FROM {} {}) {} "
            "WHERE {} IS NOT NULL",
            column(hit, "rank"), column(hit, "kind"), column(hit, "slug"), column(hit, "kind"),
            cases, hits, hit, found, column(found, "j"),
        )  # fmt: skip
        order = join(", ", (column(found, name) for name in ("rank", "kind", "slug")))
        return self.d.array(column(found, "j"), source, order)

    # --- connections ----------------------------------------------------------------------

    def organizations(self, arguments: Mapping[str, Any]) -> Listing:
        f = arguments.get("filter") or {}
        search = f.get("search")
        region = f.get("region")
        query = queries.organizations_query(
            self.d.name,
            category=None if f.get("category") is None else enum_name(f["category"]),
            region=None if region is None else plain(region),
            agreement_kind=(
                None if f.get("agreementKind") is None else enum_name(f["agreementKind"])
            ),
            terms=None if search is None else self.terms(search, "filter.search"),
        )
        order = arguments.get("orderBy")
        field = enum_name(order["field"]) if order else "NAME"
        direction = enum_name(order["direction"]) if order else "ASC"
        return Listing("Organization", query, queries.organization_ordering(field, direction))

    def people(self, arguments: Mapping[str, Any]) -> Listing:
        f = arguments.get("filter") or {}
        search, organization = f.get("search"), f.get("organization")
        query = queries.people_query(
            self.d.name,
            organization=None if organization is None else plain(organization),
            terms=None if search is None else self.terms(search, "filter.search"),
        )
        return Listing("Person", query, queries.PEOPLE_BY_NAME)

    def agreements(self, arguments: Mapping[str, Any]) -> Listing:
        f = arguments.get("filter") or {}
        year_from, year_to, party = f.get("yearFrom"), f.get("yearTo"), f.get("party")
        if year_from is not None and year_to is not None and year_from > year_to:
            raise NotCompilable("yearFrom after yearTo")
        query = queries.agreements_query(
            kind=None if f.get("kind") is None else enum_name(f["kind"]),
            year_from=year_from,
            year_to=year_to,
            party=None if party is None else plain(party),
        )
        return Listing("Agreement", query, queries.AGREEMENTS_BY_TITLE)

    def connection(
        self, nodes: list[FieldNode], listing: Listing, arguments: Mapping[str, Any]
    ) -> Sql:
        ordering = listing.ordering
        try:
            window = page_window(
                ordering,
                first=arguments.get("first"),
                after=arguments.get("after"),
                last=arguments.get("last"),
                before=arguments.get("before"),
                maximum=self.max_page_size,
            )
        except GraphQLError:
            raise NotCompilable("paging arguments the resolvers refuse") from None
        backward, limit = window.backward, window.limit
        table = TABLES[listing.node_type]
        read = queries.keyset_query(listing.query.with_only_columns(table.c.id), ordering, window)
        page = self.cte("page", self.params.core(read), materialized=True)

        k = [ident(f"k{n}") for n in range(len(ordering.keys))]
        reverse = ordering.descending != backward
        item = self.alias("it")

        def direction(descending: bool) -> Sql:
            return sql("DESC") if descending else sql("ASC")

        def by_keys(descending: bool, of: Sql | None = None) -> Sql:
            keys = (sql("{}.{}", of, key) if of is not None else key for key in k)
            return join(", ", (sql("{} {}", key, direction(descending)) for key in keys))

        items = sql(
            "(SELECT * FROM {} ORDER BY {} LIMIT {}) {}",
            page, by_keys(reverse), integer(limit), item,
        )  # fmt: skip
        natural = by_keys(ordering.descending, item)
        backwards = by_keys(not ordering.descending, item)
        cursor = self.d.cursor(
            ordering.name,
            [
                (sql("{}.{}", item, key), type_)
                for key, type_ in zip(k, ordering.types, strict=True)
            ],
        )
        more = sql("(SELECT count(*) FROM {}) > {}", page, integer(limit))
        has_next = (
            self.d.boolean(more)
            if not backward
            else self.d.constant_bool(window.before is not None)
        )
        has_previous = (
            self.d.boolean(more) if backward else self.d.constant_bool(window.after is not None)
        )

        query_type = self.selection.schema.query_type
        assert query_type is not None
        runtime = get_named_type(query_type.fields[nodes[0].name.value].type)
        assert isinstance(runtime, GraphQLObjectType)
        pairs = []
        for key, field_nodes in self.selection.subfields(runtime, nodes).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                value = self.d.text(runtime.name)
            elif name == "totalCount":
                value = sql("({})", self.params.core(queries.count_query(listing.query)))
            elif name == "nodes":
                level = self.level(listing.node_type, field_nodes)
                value = self.d.array(self.lookup(level, column(item, "id")), items, natural)
            elif name == "edges":
                edge = get_named_type(runtime.fields["edges"].type)
                assert isinstance(edge, GraphQLObjectType)
                value = self.d.array(
                    self.edge(edge, field_nodes, listing, item, cursor), items, natural
                )
            elif name == "pageInfo":
                info = self.selection.object_type("PageInfo")
                info_values = {
                    "hasNextPage": has_next,
                    "hasPreviousPage": has_previous,
                    "startCursor": sql(
                        "(SELECT {} FROM {} ORDER BY {} LIMIT 1)", cursor, items, natural
                    ),
                    "endCursor": sql(
                        "(SELECT {} FROM {} ORDER BY {} LIMIT 1)", cursor, items, backwards
                    ),
                }
                info_pairs = [
                    (info_key, self.d.text("PageInfo") if info_nodes[0].name.value == "__typename"
                     else info_values[info_nodes[0].name.value])
                    for info_key, info_nodes in self.selection.subfields(info, field_nodes).items()
                ]  # fmt: skip
                value = self.obj(info_pairs)
            else:
                raise NotCompilable(f"{runtime.name}.{name}")
            pairs.append((key, value))
        return self.obj(pairs)

    def edge(
        self, edge: GraphQLObjectType, nodes: Sequence[FieldNode], listing: Listing,
        item: Sql, cursor: Sql,
    ) -> Sql:  # fmt: skip
        pairs = []
        for key, field_nodes in self.selection.subfields(edge, nodes).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                pairs.append((key, self.d.text(edge.name)))
            elif name == "cursor":
                pairs.append((key, cursor))
            elif name == "node":
                node = self.one(listing.node_type, field_nodes, column(item, "id"))
                pairs.append((key, node))
            else:
                raise NotCompilable(f"{edge.name}.{name}")
        return self.obj(pairs)
