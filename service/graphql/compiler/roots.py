"""The root fields: lookups by slug and global ID, the connections and the search.

The connections' filters, orders and keyset pages, and the search's ranking, are rendered
from the builders the resolver path runs (`service/data/queries.py`): a page is read once
(LIMIT n+1) into a materialized CTE that its edges, nodes and pageInfo share.
"""

import functools
from collections.abc import Callable, Mapping, Sequence
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
from service.graphql.compiler.selection import BadValue, NotCompilable, Selection, enum_name, plain
from service.graphql.compiler.sql import Mismatch, Params, Sql, column, ident, join, sql, word
from service.graphql.ids import decode_id

MAX_LISTED_IDS = 90  # json_build_array takes at most 100 arguments
SEARCHABLE = ("Organization", "Person", "Agreement", "Initiative")
Arguments = Callable[[Selection], dict[str, Any]]  # a field's arguments under a request


@dataclass(frozen=True)
class Listing:
    """What one root connection pages over: a filtered query and its ordering."""

    node_type: str
    query: sa.Select[Any]
    ordering: queries.Ordering


# Node types only the resolver path reads (the audit trail's entries: editors only).
RESOLVED_TYPES = frozenset({"Change"})


def decoded(global_id: str) -> tuple[str, str]:
    try:
        return decode_id(global_id)
    except GraphQLError:
        raise BadValue("not an ID") from None


def terms(text: str, argument: str) -> list[str]:
    try:
        found = search_words(text, argument)
    except GraphQLError:
        raise BadValue("not a search") from None
    assert found is not None
    return found


@dataclass(frozen=True)
class Reader:
    """The root fields' reads, as Core, from their arguments: what the compiler renders
    once, and builds again from each later request's arguments to bind them (so nothing
    here may depend on the statement under construction)."""

    dialect: str
    max_page_size: int

    def search(self, arguments: Mapping[str, Any]) -> sa.Select[Any]:
        """The ranked hits, as `queries.search`, the LIMIT bound like every other value."""
        first = arguments.get("first")
        limit = SEARCH_RESULTS if first is None else first
        if not 0 <= limit <= self.max_page_size:
            raise BadValue("first out of range")
        found = terms(arguments["query"], "query")
        return queries.search_query(self.dialect, found, limit).limit(sa.literal(limit))

    def organizations(self, arguments: Mapping[str, Any]) -> Listing:
        f = arguments.get("filter") or {}
        search = f.get("search")
        region = f.get("region")
        query = queries.organizations_query(
            self.dialect,
            category=None if f.get("category") is None else enum_name(f["category"]),
            region=None if region is None else plain(region),
            agreement_kind=(
                None if f.get("agreementKind") is None else enum_name(f["agreementKind"])
            ),
            terms=None if search is None else terms(search, "filter.search"),
            as_of=arguments.get("asOf"),
        )
        order = arguments.get("orderBy")
        field = enum_name(order["field"]) if order else "NAME"
        direction = enum_name(order["direction"]) if order else "ASC"
        return Listing("Organization", query, queries.organization_ordering(field, direction))

    def people(self, arguments: Mapping[str, Any]) -> Listing:
        f = arguments.get("filter") or {}
        search, organization = f.get("search"), f.get("organization")
        query = queries.people_query(
            self.dialect,
            organization=None if organization is None else plain(organization),
            terms=None if search is None else terms(search, "filter.search"),
        )
        return Listing("Person", query, queries.PEOPLE_BY_NAME)

    def agreements(self, arguments: Mapping[str, Any]) -> Listing:
        f = arguments.get("filter") or {}
        year_from, year_to, party = f.get("yearFrom"), f.get("yearTo"), f.get("party")
        if year_from is not None and year_to is not None and year_from > year_to:
            raise BadValue("yearFrom after yearTo")
        query = queries.agreements_query(
            kind=None if f.get("kind") is None else enum_name(f["kind"]),
            year_from=year_from,
            year_to=year_to,
            party=None if party is None else plain(party),
            as_of=arguments.get("asOf"),
        )
        return Listing("Agreement", query, queries.AGREEMENTS_BY_TITLE)

    def page(self, name: str, arguments: Mapping[str, Any]) -> tuple[Listing, queries.Window]:
        """What a root connection reads, and which page of it."""
        listing = {
            "organizations": self.organizations,
            "people": self.people,
            "agreements": self.agreements,
        }[name](arguments)
        try:
            window = page_window(
                listing.ordering,
                first=arguments.get("first"),
                after=arguments.get("after"),
                last=arguments.get("last"),
                before=arguments.get("before"),
                maximum=self.max_page_size,
            )
        except GraphQLError:
            raise BadValue("paging arguments the resolvers refuse") from None
        return listing, window

    @staticmethod
    def read(listing: Listing, window: queries.Window) -> sa.Select[Any]:
        """The page's ids and keys, LIMIT n+1 (bound: the statement serves every n)."""
        table = TABLES[listing.node_type]
        only_ids = listing.query.with_only_columns(table.c.id)
        read = queries.keyset_query(only_ids, listing.ordering, window)
        return read.limit(sa.literal(window.limit + 1))

    @staticmethod
    def shape(listing: Listing, window: queries.Window) -> tuple[object, ...]:
        """What of a page the statement's text depends on beyond the reads' own SQL."""
        ordering = listing.ordering.name
        return ordering, window.backward, window.after is None, window.before is None


class RootCompiler(ObjectCompiler):
    @functools.cached_property
    def reader(self) -> Reader:
        return Reader(self.d.name, self.max_page_size)

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
            pairs.append((key, self.root_field(name, arguments, again(query, nodes[0]), nodes)))
        return self.obj(pairs)

    def root_field(
        self, name: str, arguments: dict[str, Any], later: Arguments, nodes: list[FieldNode]
    ) -> Sql:
        """The field's JSON; `later` gives its arguments under another request, which the
        parameters registered here are bound from when the statement is used again."""
        if name in ("organization", "person"):
            value = plain(arguments["slug"])
            slug, slot = self.params.slot(value)
            self.params.rebind(
                lambda request: Params.check(slot, value, plain(later(request)["slug"]))
            )
            return self.by_slug(name.capitalize(), nodes, slug)
        if name == "node":
            return self.node(arguments["id"], lambda request: later(request)["id"], nodes, {})
        if name == "nodes":
            ids = arguments["ids"]
            if len(ids) > min(self.max_page_size, MAX_LISTED_IDS):
                raise BadValue("too many IDs")
            listed = len(ids)

            def same_length(request: Selection) -> dict[str, Any]:
                if len(later(request)["ids"]) != listed:
                    raise Mismatch("another number of IDs")
                return {}

            self.params.rebind(same_length)
            levels: dict[str, Sql] = {}
            return self.d.list_of(
                [
                    self.node(global_id, nth(later, n), nodes, levels)
                    for n, global_id in enumerate(ids)
                ]
            )
        if name == "search":
            return self.search(arguments, later, nodes)
        if name in ("organizations", "people", "agreements"):
            return self.connection(nodes, name, arguments, later)
        raise NotCompilable(f"Query.{name}")

    # --- lookups --------------------------------------------------------------------------

    def slug_lookup(self, type_name: str, slug: Sql) -> Sql:
        return sql("(SELECT id FROM {} WHERE slug = {})", ident(TABLES[type_name].name), slug)

    def by_slug(self, type_name: str, nodes: Sequence[FieldNode], slug: Sql) -> Sql:
        return self.one(type_name, nodes, self.slug_lookup(type_name, slug))

    def node(
        self,
        global_id: str,
        later: Callable[[Selection], str],
        nodes: Sequence[FieldNode],
        levels: dict[str, Sql],
    ) -> Sql:
        """The object a global ID names: its type is the statement's (another request's ID
        of another type needs another statement), its slug a parameter."""
        type_name, slug = decoded(global_id)
        if type_name in RESOLVED_TYPES:
            raise BadValue(f"an ID of a {type_name}: the resolvers check who may read it")
        if type_name not in TABLES:

            def unknown(request: Selection) -> dict[str, Any]:
                other = decoded(later(request))[0]
                if other in TABLES or other in RESOLVED_TYPES:
                    raise Mismatch("an ID of a known type")
                return {}

            self.params.rebind(unknown)
            return self.d.null()
        if type_name not in levels:
            levels[type_name] = self.level(type_name, nodes)
        bound, slot = self.params.slot(slug)

        def rebind(request: Selection) -> dict[str, Any]:
            other_type, other_slug = decoded(later(request))
            if other_type != type_name:
                raise Mismatch("an ID of another type")
            return Params.check(slot, slug, other_slug)

        self.params.rebind(rebind)
        key = self.slug_lookup(type_name, bound)
        return self.d.embed(self.lookup(levels[type_name], key))

    # --- search ---------------------------------------------------------------------------

    def search(self, arguments: Mapping[str, Any], later: Arguments, nodes: list[FieldNode]) -> Sql:
        """Best match first, as `queries.search`; each hit built as its own type."""
        reader = self.reader
        ranked, values_for = self.params.core_slots(reader.search(arguments))
        self.params.rebind(lambda request: values_for(reader.search(later(request))))
        hits = self.cte("hits", ranked, materialized=True)
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
        return self.d.array(self.d.reread(column(found, "j")), source, order, row=found)

    # --- connections ----------------------------------------------------------------------

    def connection(
        self, nodes: list[FieldNode], field: str, arguments: Mapping[str, Any], later: Arguments
    ) -> Sql:
        reader = self.reader
        listing, window = reader.page(field, arguments)
        ordering = listing.ordering
        backward, limit = window.backward, window.limit
        read, read_values = self.params.core_slots(reader.read(listing, window))
        page = self.cte("page", read, materialized=True)
        page_size, page_slot = self.params.slot(limit)
        more_than, more_slot = self.params.slot(limit)
        counted: list[Callable[[sa.ClauseElement], dict[str, Any]]] = []  # totalCount's
        shape = reader.shape(listing, window)

        def rebind(request: Selection) -> dict[str, Any]:
            other, other_window = reader.page(field, later(request))
            if reader.shape(other, other_window) != shape:
                raise Mismatch("another order or direction of paging")
            values = read_values(reader.read(other, other_window))
            values |= Params.check(page_slot, limit, other_window.limit)
            values |= Params.check(more_slot, limit, other_window.limit)
            for count_values in counted:
                values |= count_values(queries.count_query(other.query))
            return values

        self.params.rebind(rebind)

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
            page, by_keys(reverse), page_size, item,
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
        more = sql("(SELECT count(*) FROM {}) > {}", page, more_than)
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
                total, count_values = self.params.core_slots(queries.count_query(listing.query))
                counted.append(count_values)
                value = sql("({})", total)
            elif name == "nodes":
                with self.frame(item) as frame:
                    node = self.one(
                        listing.node_type, field_nodes, column(item, "id"), owner=item,
                        nullable=False,
                    )  # fmt: skip
                value = self.d.array(node, items, natural, row=item, joins=frame.joins)
            elif name == "edges":
                edge = get_named_type(runtime.fields["edges"].type)
                assert isinstance(edge, GraphQLObjectType)
                with self.frame(item) as frame:
                    built = self.edge(edge, field_nodes, listing, item, cursor)
                value = self.d.array(built, items, natural, row=item, joins=frame.joins)
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
                node = self.one(
                    listing.node_type, field_nodes, column(item, "id"), owner=item, nullable=False
                )
                pairs.append((key, node))
            else:
                raise NotCompilable(f"{edge.name}.{name}")
        return self.obj(pairs)


def again(parent: GraphQLObjectType, node: FieldNode) -> Arguments:
    """A field's arguments under another request."""
    return lambda request: request.arguments(parent, node)


def nth(later: Arguments, n: int) -> Callable[[Selection], str]:
    return lambda request: later(request)["ids"][n]
