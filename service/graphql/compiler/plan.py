"""Compile one validated query operation into one SQL statement that builds its `data` JSON.

An object reached through a key (a foreign key, a link table, a page) becomes a level: a
`NOT MATERIALIZED` CTE `(id, j)` holding the JSON of every row of its table for that
selection, which the level above looks up by id (the planner inlines it as a primary-key
lookup). A list of a table's own rows builds each object on the row in hand instead. Lists
are ordered subqueries aggregated into JSON arrays, in exactly the orders
`service/data/queries.py` documents; connections read one keyset page (LIMIT n+1, as
`queries.keyset_page` does) into a materialized CTE that their edges, nodes and pageInfo
share.

Anything this module cannot express exactly, or any argument the resolver path would
refuse, raises NotCompilable: the resolver path then answers, with its errors. A compiled
answer is never a different answer.
"""

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
)
from graphql.execution.values import (
    VariableValues,
    get_argument_values,
    get_directive_values,
)
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.dialects.sqlite import aiosqlite

from service.data import queries
from service.graphql.arguments import search_words
from service.graphql.compiler.dialects import Dialect
from service.graphql.ids import NODE_TYPES, decode_cursor, decode_id

TABLES = {
    "Organization": "organization",
    "Agreement": "agreement",
    "Person": "person",
    "Representation": "representation",
    "Initiative": "initiative",
}
assert set(TABLES) == set(NODE_TYPES)
AGREEMENT_ORDER = "{a}.year IS NULL, {a}.year, {a}.title, {a}.slug"
SEAT_ORDER = (
    "CASE {r}.designation WHEN 'PRIMARY' THEN 0 WHEN 'ALTERNATE' THEN 1 ELSE 2 END, {r}.slug"
)
NO_YEAR = 10_000  # as service/graphql/query.py: undated organizations sort last either way
MAX_KEYS = 50  # json_build_object takes at most 100 arguments
MAX_LISTED_IDS = 90  # json_build_array, likewise
# The fields each type reads straight from its row ({row}: the row's alias); enums are
# checked on the way out (Dialect.enum).
COLUMNS = {
    "Organization": {
        "slug": "{row}.slug", "name": "{row}.name", "acronym": "{row}.acronym",
        "category": "{row}.category", "description": "{row}.description",
        "foundedYear": "{row}.founded_year", "website": "{row}.website",
    },
    "Agreement": {
        "kind": "{row}.kind", "title": "{row}.title", "year": "{row}.year",
        "description": "{row}.description",
    },
    "Representation": {
        "role": "{row}.role",
        "designation": "NULLIF({row}.designation, '')",  # as Representation.from_row
    },
    "Person": {"slug": "{row}.slug", "name": "{row}.name"},
    "Initiative": {
        "name": "{row}.name", "kind": "{row}.kind", "recurrence": "{row}.recurrence",
        "year": "{row}.year", "description": "{row}.description",
    },
}  # fmt: skip
SEARCHABLE = ("Organization", "Person", "Agreement", "Initiative")
# The full-text match is the one service/data/queries.py builds, rendered with named parameters
# (and asyncpg's explicit casts) so it splices into a compiled statement.
NAMED_DIALECTS = {
    "sqlite": aiosqlite.dialect(paramstyle="named"),
    "postgresql": asyncpg.dialect(paramstyle="named"),  # type: ignore[no-untyped-call]
}
BIND = re.compile(r":(\w+)(?:::(\w+))?")


class NotCompilable(Exception):
    """The resolver path answers this operation (and reports any error in it)."""


@dataclass(frozen=True)
class CompiledQuery:
    sql: str
    params: dict[str, Any]
    openings: tuple[str, ...]  # how each JSON object of the answer begins (see `count`)

    def count(self, text: str) -> int:
        """The JSON objects in the answer, counted by their openings: an object's opening
        brace and first key, as `{"slug":`, cannot occur inside a JSON string (a quote there
        is escaped), so counting each distinct opening counts every object exactly once."""
        return sum(text.count(opening) for opening in self.openings)


def _name(value: Any) -> str:
    """An enum argument's GraphQL name (Strawberry hands over the Python enum member)."""
    return value.name if isinstance(value, Enum) else str(value)


def _plain(value: str) -> str:
    if "\x00" in value:
        raise NotCompilable("NUL in a text argument")
    return value


@dataclass(frozen=True)
class _Key:
    sql: str  # a sort-key expression over the connection's row alias "{x}"
    type: type


@dataclass(frozen=True)
class _Connection:
    """What one root connection pages over."""

    node_type: str
    order_name: str
    keys: tuple[_Key, ...]
    descending: bool
    conditions: Callable[[str], list[str]]  # WHERE conditions over a row alias


class _Compiler:
    def __init__(
        self,
        schema: GraphQLSchema,
        dialect: Dialect,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues,
        max_page_size: int,
    ) -> None:
        self.schema = schema
        self.d = dialect
        self.fragments = fragments
        self.variables = variables
        self.max_page_size = max_page_size
        self.levels: dict[str, tuple[str, bool]] = {}
        self.params: dict[str, Any] = {}
        self.openings: set[str] = set()
        self._counter = itertools.count(1)

    # --- plumbing -------------------------------------------------------------------------

    def alias(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter)}"

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return self.d.cast(f":{name}", value)

    def obj(self, pairs: Sequence[tuple[str, str]]) -> str:
        if not pairs:  # `{}` could also be text inside a string: not countable by opening
            raise NotCompilable("an object without fields")
        self.openings.add(pairs[0][0])
        return self.d.obj(pairs)

    def matching(self, text: str, argument: str, kind: str | None) -> str:
        """The (kind, slug, rank) select of `queries.matching` for the words of `text`."""
        try:
            terms = search_words(text, argument)
        except GraphQLError:
            raise NotCompilable("not a search") from None
        assert terms is not None
        compiled = queries.matching(self.d.name, terms, kind).compile(
            dialect=NAMED_DIALECTS[self.d.name]
        )

        def rename(bind: re.Match[str]) -> str:
            name, cast = bind.group(1), bind.group(2)
            if name not in compiled.params:
                return bind.group(0)
            placeholder = f"p{len(self.params)}"
            self.params[placeholder] = compiled.params[name]
            return f"CAST(:{placeholder} AS {cast})" if cast else f":{placeholder}"

        return BIND.sub(rename, compiled.string)

    def object_type(self, name: str) -> GraphQLObjectType:
        found = self.schema.get_type(name)
        assert isinstance(found, GraphQLObjectType)
        return found

    def included(self, node: SelectionNode) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip is not None and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include is not None and include.get("if") is False)

    def matches(self, condition: str, runtime: GraphQLObjectType) -> bool:
        target = self.schema.get_type(condition)
        if target is runtime:
            return True
        return is_abstract_type(target) and self.schema.is_sub_type(target, runtime)

    def collect(
        self, runtime: GraphQLObjectType, selection_sets: Iterable[SelectionSetNode | None]
    ) -> dict[str, list[FieldNode]]:
        """Fields by response key, in first-seen order, as graphql-core's collect_fields
        groups them (fragments expanded where their type condition holds)."""
        fields: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()

        def visit(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                if not self.included(selection):
                    continue
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    fields.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    if condition is None or self.matches(condition.name.value, runtime):
                        visit(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if name in visited or fragment is None:
                        continue
                    visited.add(name)
                    if self.matches(fragment.type_condition.name.value, runtime):
                        visit(fragment.selection_set)

        for selection_set in selection_sets:
            if selection_set is not None:
                visit(selection_set)
        if len(fields) > MAX_KEYS:
            raise NotCompilable("too many keys for one JSON object")
        return fields

    def subfields(
        self, runtime: GraphQLObjectType, nodes: Sequence[FieldNode]
    ) -> dict[str, list[FieldNode]]:
        return self.collect(runtime, (node.selection_set for node in nodes))

    def arguments(self, parent: GraphQLObjectType, node: FieldNode) -> dict[str, Any]:
        try:
            return get_argument_values(parent.fields[node.name.value], node, self.variables)
        except GraphQLError as error:
            raise NotCompilable(str(error)) from None

    # --- levels ---------------------------------------------------------------------------

    def level(self, type_name: str, nodes: Sequence[FieldNode]) -> str:
        """A CTE (id, j): the JSON of this selection for every row of the type's table."""
        runtime = self.object_type(type_name)
        row = self.alias("t")
        json = self.object(runtime, self.subfields(runtime, nodes), row)
        name = self.alias("level")
        table = TABLES[type_name]
        self.levels[name] = (f"SELECT {row}.id AS id, {json} AS j FROM {table} {row}", False)
        return name

    @staticmethod
    def lookup(level: str, key: str) -> str:
        return f"(SELECT j FROM {level} WHERE id = {key})"

    def one(self, type_name: str, nodes: Sequence[FieldNode], key: str) -> str:
        return self.d.embed(self.lookup(self.level(type_name, nodes), key))

    def many(
        self, type_name: str, nodes: Sequence[FieldNode], key: str, source: str, order: str
    ) -> str:
        """A list whose rows are not the objects' own (a link table's): each object is looked
        up by id in its level."""
        return self.d.array(self.lookup(self.level(type_name, nodes), key), source, order)

    def own_rows(
        self, type_name: str, nodes: Sequence[FieldNode], row: str, condition: str, order: str
    ) -> str:
        """A list of the type's own rows: each object is built on the row in hand. Looking it
        up again by id in a level would cost one primary-key probe per element (about a
        fifth of the depth-6 statement's time on PostgreSQL)."""
        runtime = self.object_type(type_name)
        json = self.object(runtime, self.subfields(runtime, nodes), row)
        return self.d.array(json, f"{TABLES[type_name]} {row} WHERE {condition}", order)

    def object(
        self, runtime: GraphQLObjectType, fields: Mapping[str, list[FieldNode]], row: str
    ) -> str:
        """The fields every type shares are spelled here; relations by the type's own."""
        columns = COLUMNS[runtime.name]
        pairs = []
        for key, nodes in fields.items():
            name = nodes[0].name.value
            if name == "__typename":
                value = self.d.text(runtime.name)
            elif name == "id":
                value = self.d.global_id(runtime.name, f"{row}.slug")
            elif name in columns:
                value = columns[name].format(row=row)
                if isinstance(get_named_type(runtime.fields[name].type), GraphQLEnumType):
                    value = self.enum(runtime, name, value)
            elif name == "source":
                value = self.source_excerpt(nodes, f"{row}.source_document", f"{row}.source_quote")
            else:
                value = RELATIONS[runtime.name](self, runtime, name, nodes, row)
            pairs.append((key, value))
        return self.obj(pairs)

    def enum(self, runtime: GraphQLObjectType, field: str, column: str) -> str:
        named = get_named_type(runtime.fields[field].type)
        assert isinstance(named, GraphQLEnumType)
        return self.d.enum(column, list(named.values))

    def source_excerpt(self, nodes: Sequence[FieldNode], document: str, quote: str) -> str:
        """A SourceExcerpt, or null where the row has no quote (SourceExcerpt.of)."""
        runtime = self.object_type("SourceExcerpt")
        values = {"document": f"coalesce({document}, '')", "quote": quote}
        pairs = []
        for key, field_nodes in self.subfields(runtime, nodes).items():
            name = field_nodes[0].name.value
            pairs.append(
                (key, self.d.text("SourceExcerpt") if name == "__typename" else values[name])
            )
        return self.d.or_null(f"{quote} IS NULL", self.obj(pairs))

    # --- the types ------------------------------------------------------------------------

    def scope(self, org: str) -> str:
        """The organization and its units: whose agreements, seats and initiatives count."""
        unit = self.alias("u")
        return (
            f"SELECT {org}.id UNION ALL "
            f"SELECT {unit}.id FROM organization {unit} WHERE {unit}.parent_id = {org}.id"
        )

    def organization_relation(
        self, runtime: GraphQLObjectType, name: str, nodes: Sequence[FieldNode], o: str
    ) -> str:
        if name == "regions":
            rg = self.alias("rg")
            source = f"organization_region {rg} WHERE {rg}.organization_id = {o}.id"
            return self.d.array(f"{rg}.region", source, f"{rg}.position", json_items=False)
        if name == "parent":
            return self.one("Organization", nodes, f"{o}.parent_id")
        if name == "units":
            u = self.alias("u")
            condition = f"{u}.parent_id = {o}.id"
            return self.own_rows("Organization", nodes, u, condition, f"{u}.name, {u}.slug")
        if name in ("cofounders", "cofounded"):
            c, ca, cp = self.alias("c"), self.alias("ca"), self.alias("cp")
            joined = (
                f"FROM agreement {ca} JOIN agreement_party {cp} ON {cp}.agreement_id = {ca}.id "
                f"WHERE {ca}.kind = 'CO_FOUNDING'"
            )
            if name == "cofounders":
                ids = (
                    f"SELECT {cp}.organization_id {joined} AND {ca}.establishes_id = {o}.id "
                    f"AND {cp}.organization_id <> {o}.id"
                )
            else:
                ids = f"SELECT {ca}.establishes_id {joined} AND {cp}.organization_id = {o}.id"
            condition = f"{c}.id IN ({ids})"
            return self.own_rows("Organization", nodes, c, condition, f"{c}.name, {c}.slug")
        if name == "agreements":
            kind = self.arguments(runtime, nodes[0]).get("kind")
            a, ap = self.alias("a"), self.alias("ap")
            condition = (
                f"{a}.id IN (SELECT {ap}.agreement_id FROM agreement_party "
                f"{ap} WHERE {ap}.organization_id IN ({self.scope(o)}))"
            )
            if kind is not None:
                condition += f" AND {a}.kind = {self.param(_name(kind))}"
            order = AGREEMENT_ORDER.format(a=a)
            return self.own_rows("Agreement", nodes, a, condition, order)
        if name in ("representatives", "delegates"):
            r = self.alias("r")
            if name == "representatives":
                condition = f"{r}.organization_id IN ({self.scope(o)})"
            else:
                condition = f"{r}.on_behalf_of_id = {o}.id"
            return self.own_rows("Representation", nodes, r, condition, SEAT_ORDER.format(r=r))
        if name == "initiatives":
            i, io = self.alias("i"), self.alias("io")
            condition = (
                f"{i}.id IN (SELECT {io}.initiative_id FROM "
                f"initiative_organization {io} WHERE {io}.organization_id IN ({self.scope(o)}))"
            )
            return self.own_rows("Initiative", nodes, i, condition, f"{i}.name, {i}.slug")
        if name == "sources":
            s = self.alias("s")
            excerpt = self.source_excerpt(nodes, f"{s}.document", f"{s}.quote")
            source = f"organization_source {s} WHERE {s}.organization_id = {o}.id"
            return self.d.array(excerpt, source, f"{s}.position")
        raise NotCompilable(f"Organization.{name}")

    def agreement_relation(
        self, runtime: GraphQLObjectType, name: str, nodes: Sequence[FieldNode], a: str
    ) -> str:
        if name == "parties":
            p = self.alias("p")
            source = f"agreement_party {p} WHERE {p}.agreement_id = {a}.id"
            return self.many("Organization", nodes, f"{p}.organization_id", source, f"{p}.position")
        if name == "establishes":
            return self.one("Organization", nodes, f"{a}.establishes_id")
        raise NotCompilable(f"Agreement.{name}")

    def representation_relation(
        self, runtime: GraphQLObjectType, name: str, nodes: Sequence[FieldNode], r: str
    ) -> str:
        if name == "person":
            return self.one("Person", nodes, f"{r}.person_id")
        if name == "organization":
            return self.one("Organization", nodes, f"{r}.organization_id")
        if name == "onBehalfOf":
            return self.one("Organization", nodes, f"{r}.on_behalf_of_id")
        raise NotCompilable(f"Representation.{name}")

    def person_relation(
        self, runtime: GraphQLObjectType, name: str, nodes: Sequence[FieldNode], pe: str
    ) -> str:
        if name == "credentials":  # a JSON list in its column
            return self.d.json_column(f"{pe}.credentials")
        if name == "representations":
            r = self.alias("r")
            condition = f"{r}.person_id = {pe}.id"
            return self.own_rows("Representation", nodes, r, condition, SEAT_ORDER.format(r=r))
        raise NotCompilable(f"Person.{name}")

    def initiative_relation(
        self, runtime: GraphQLObjectType, name: str, nodes: Sequence[FieldNode], i: str
    ) -> str:
        if name == "organizations":
            io = self.alias("io")
            source = f"initiative_organization {io} WHERE {io}.initiative_id = {i}.id"
            order = f"{io}.position"
            return self.many("Organization", nodes, f"{io}.organization_id", source, order)
        raise NotCompilable(f"Initiative.{name}")

    # --- the root -------------------------------------------------------------------------

    def root(self, operation: OperationDefinitionNode) -> str:
        query = self.schema.query_type
        assert query is not None
        fields = self.collect(query, [operation.selection_set])
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
            arguments = self.arguments(query, nodes[0])
            pairs.append((key, self.root_field(name, arguments, nodes)))
        return self.obj(pairs)

    def root_field(self, name: str, arguments: dict[str, Any], nodes: list[FieldNode]) -> str:
        if name in ("organization", "person"):
            type_name = name.capitalize()
            slug = self.param(_plain(arguments["slug"]))
            return self.by_slug(type_name, nodes, slug)
        if name == "node":
            return self.node(arguments["id"], nodes, {})
        if name == "nodes":
            ids = arguments["ids"]
            if len(ids) > min(self.max_page_size, MAX_LISTED_IDS):
                raise NotCompilable("too many IDs")
            levels: dict[str, str] = {}
            return self.d.list_of([self.node(global_id, nodes, levels) for global_id in ids])
        if name == "organizations":
            return self.connection(nodes, self.organizations(arguments), arguments)
        if name == "people":
            return self.connection(nodes, self.people(arguments), arguments)
        if name == "agreements":
            return self.connection(nodes, self.agreements(arguments), arguments)
        if name == "search":
            return self.search(arguments, nodes)
        raise NotCompilable(f"Query.{name}")  # introspection

    def search(self, arguments: Mapping[str, Any], nodes: list[FieldNode]) -> str:
        """Best match first, as `queries.search`; each hit built as its own type."""
        first = arguments.get("first")
        limit = 20 if first is None else first
        if not 0 <= limit <= self.max_page_size:
            raise NotCompilable("first out of range")
        h = self.alias("h")
        hits = self.alias("hits")
        self.levels[hits] = (
            f"SELECT {h}.kind AS kind, {h}.slug AS slug, {h}.rank AS rank "
            f"FROM ({self.matching(arguments['query'], 'query', None)}) {h} "
            f"ORDER BY {h}.rank, {h}.kind, {h}.slug LIMIT {int(limit)}",
            True,
        )
        hit, found = self.alias("hit"), self.alias("found")
        cases = " ".join(
            f"WHEN '{type_name}' THEN "
            + self.lookup(
                self.level(type_name, nodes),
                f"(SELECT id FROM {TABLES[type_name]} WHERE slug = {hit}.slug)",
            )
            for type_name in SEARCHABLE
        )
        source = (
            f"(SELECT {hit}.rank AS rank, {hit}.kind AS kind, {hit}.slug AS slug, "
            f"CASE {hit}.kind {cases} END AS j FROM {hits} {hit}) {found} "
            f"WHERE {found}.j IS NOT NULL"
        )
        order = f"{found}.rank, {found}.kind, {found}.slug"
        return self.d.array(f"{found}.j", source, order)

    def by_slug(self, type_name: str, nodes: Sequence[FieldNode], slug: str) -> str:
        level = self.level(type_name, nodes)
        key = f"(SELECT id FROM {TABLES[type_name]} WHERE slug = {slug})"
        return self.d.embed(self.lookup(level, key))

    def node(self, global_id: str, nodes: Sequence[FieldNode], levels: dict[str, str]) -> str:
        try:
            type_name, slug = decode_id(global_id)
        except GraphQLError:
            raise NotCompilable("not an ID") from None
        if type_name not in TABLES:
            return "NULL"
        if type_name not in levels:
            levels[type_name] = self.level(type_name, nodes)
        key = f"(SELECT id FROM {TABLES[type_name]} WHERE slug = {self.param(slug)})"
        return self.d.embed(self.lookup(levels[type_name], key))

    # --- connections ----------------------------------------------------------------------

    def organizations(self, arguments: Mapping[str, Any]) -> _Connection:
        f = arguments.get("filter") or {}
        category = f.get("category")
        region = f.get("region")
        agreement_kind = f.get("agreementKind")
        search = f.get("search")
        # as queries.organizations_query: an empty region is no condition
        region_value = self.param(_plain(region).lower()) if region else None
        category_value = None if category is None else self.param(_name(category))
        kind_value = None if agreement_kind is None else self.param(_name(agreement_kind))

        def conditions(x: str) -> list[str]:
            found = []
            if category_value:
                found.append(f"{x}.category = {category_value}")
            if region_value:
                rg = self.alias("rg")
                found.append(
                    f"EXISTS (SELECT 1 FROM organization_region {rg} WHERE "
                    f"{rg}.organization_id = {x}.id AND lower({rg}.region) = {region_value})"
                )
            if search is not None:
                found.append(self.searched(x, search, "Organization"))
            if kind_value:
                ap, m, ak = self.alias("ap"), self.alias("m"), self.alias("ak")
                found.append(
                    f"EXISTS (SELECT 1 FROM agreement_party {ap} "
                    f"JOIN organization {m} ON {m}.id = {ap}.organization_id "
                    f"JOIN agreement {ak} ON {ak}.id = {ap}.agreement_id "
                    f"WHERE ({m}.id = {x}.id OR {m}.parent_id = {x}.id) "
                    f"AND {ak}.kind = {kind_value})"
                )
            return found

        order = arguments.get("orderBy")
        field = _name(order["field"]) if order else "NAME"
        direction = _name(order["direction"]) if order else "ASC"
        descending = direction == "DESC"
        name_keys = (_Key("{x}.name", str), _Key("{x}.slug", str))
        if field == "NAME":
            return _Connection(
                "Organization", f"organizations:name:{direction}", name_keys, descending, conditions
            )
        no_year = -NO_YEAR if descending else NO_YEAR
        year = _Key(f"coalesce({{x}}.founded_year, {no_year})", int)
        return _Connection(
            "Organization", f"organizations:founded_year:{direction}", (year, *name_keys),
            descending, conditions,
        )  # fmt: skip

    def searched(self, x: str, text: str, kind: str) -> str:
        hit = self.alias("h")
        matching = self.matching(text, "filter.search", kind)
        return f"{x}.slug IN (SELECT {hit}.slug FROM ({matching}) {hit})"

    def people(self, arguments: Mapping[str, Any]) -> _Connection:
        f = arguments.get("filter") or {}
        search = f.get("search")
        organization = f.get("organization")
        slug = None if organization is None else self.param(_plain(organization))

        def conditions(x: str) -> list[str]:
            found = [] if search is None else [self.searched(x, search, "Person")]
            if slug is None:
                return found
            r, so, po = self.alias("r"), self.alias("so"), self.alias("po")
            return [
                *found,
                f"EXISTS (SELECT 1 FROM representation {r} JOIN organization {so} "
                f"ON {so}.id = {r}.organization_id WHERE {r}.person_id = {x}.id AND "
                f"({so}.slug = {slug} OR {so}.parent_id IN "
                f"(SELECT {po}.id FROM organization {po} WHERE {po}.slug = {slug})))",
            ]

        keys = (_Key("{x}.name", str), _Key("{x}.slug", str))
        return _Connection("Person", "people:name", keys, False, conditions)

    def agreements(self, arguments: Mapping[str, Any]) -> _Connection:
        f = arguments.get("filter") or {}
        kind = f.get("kind")
        year_from = f.get("yearFrom")
        year_to = f.get("yearTo")
        party = f.get("party")
        if year_from is not None and year_to is not None and year_from > year_to:
            raise NotCompilable("yearFrom after yearTo")
        kind_value = None if kind is None else self.param(_name(kind))
        from_value = None if year_from is None else self.param(int(year_from))
        to_value = None if year_to is None else self.param(int(year_to))
        party_value = None if party is None else self.param(_plain(party))

        def conditions(x: str) -> list[str]:
            found = []
            if kind_value:
                found.append(f"{x}.kind = {kind_value}")
            if from_value:
                found.append(f"{x}.year >= {from_value}")
            if to_value:
                found.append(f"{x}.year <= {to_value}")
            if party_value:
                ap, po = self.alias("ap"), self.alias("po")
                found.append(
                    f"EXISTS (SELECT 1 FROM agreement_party {ap} JOIN organization {po} "
                    f"ON {po}.id = {ap}.organization_id WHERE {ap}.agreement_id = {x}.id "
                    f"AND {po}.slug = {party_value})"
                )
            return found

        keys = (_Key("{x}.title", str), _Key("{x}.slug", str))
        return _Connection("Agreement", "agreements:title", keys, False, conditions)

    def _size(self, value: Any) -> int | None:
        if value is not None and not 0 <= value <= self.max_page_size:
            raise NotCompilable("page size out of range")
        return value  # type: ignore[no-any-return]

    def _cursor(self, cursor: str | None, connection: _Connection) -> list[Any] | None:
        if cursor is None:
            return None
        try:
            types = tuple(key.type for key in connection.keys)
            return decode_cursor(cursor, order=connection.order_name, types=types, argument="")
        except GraphQLError:
            raise NotCompilable("not a cursor of this connection") from None

    def connection(
        self, nodes: list[FieldNode], connection: _Connection, arguments: Mapping[str, Any]
    ) -> str:
        first, last = self._size(arguments.get("first")), self._size(arguments.get("last"))
        after = self._cursor(arguments.get("after"), connection)
        before = self._cursor(arguments.get("before"), connection)
        backward = last is not None or before is not None
        if backward and (first is not None or after is not None):
            raise NotCompilable("both directions")
        size = last if backward else first
        limit = self.max_page_size if size is None else size
        table = TABLES[connection.node_type]

        x = self.alias("x")
        keys = [key.sql.format(x=x) for key in connection.keys]
        conditions = connection.conditions(x)
        key_tuple = f"({', '.join(keys)})"
        for bound, later in ((after, not connection.descending), (before, connection.descending)):
            if bound is not None:
                values = ", ".join(self.param(value) for value in bound)
                conditions.append(f"{key_tuple} {'>' if later else '<'} ({values})")
        reverse = connection.descending != backward
        read = ", ".join(f"{key} {'DESC' if reverse else 'ASC'}" for key in keys)
        columns = ", ".join(f"{key} AS k{n}" for n, key in enumerate(keys))
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        page = self.alias("page")
        self.levels[page] = (
            f"SELECT {x}.id AS id, {columns} FROM {table} {x}{where} ORDER BY {read} "
            f"LIMIT {int(limit) + 1}",
            True,
        )

        k = [f"k{n}" for n in range(len(keys))]
        read_k = ", ".join(f"{c} {'DESC' if reverse else 'ASC'}" for c in k)
        item = self.alias("it")
        items = f"(SELECT * FROM {page} ORDER BY {read_k} LIMIT {int(limit)}) {item}"
        natural = ", ".join(f"{item}.{c} {'DESC' if connection.descending else 'ASC'}" for c in k)
        backwards = ", ".join(f"{item}.{c} {'ASC' if connection.descending else 'DESC'}" for c in k)
        cursor = self.d.cursor(
            connection.order_name,
            [(f"{item}.{c}", key.type) for c, key in zip(k, connection.keys, strict=True)],
        )
        more = f"(SELECT count(*) FROM {page}) > {int(limit)}"
        has_next = (
            self.d.boolean(more) if not backward else self.d.constant_bool(before is not None)
        )
        has_previous = self.d.boolean(more) if backward else self.d.constant_bool(after is not None)

        runtime = get_named_type(self.schema.query_type.fields[nodes[0].name.value].type)  # type: ignore[union-attr]
        assert isinstance(runtime, GraphQLObjectType)
        pairs = []
        for key, field_nodes in self.subfields(runtime, nodes).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                value = self.d.text(runtime.name)
            elif name == "totalCount":
                y = self.alias("x")
                counted = connection.conditions(y)
                where_count = f" WHERE {' AND '.join(counted)}" if counted else ""
                value = f"(SELECT count(*) FROM {table} {y}{where_count})"
            elif name == "nodes":
                level = self.level(connection.node_type, field_nodes)
                value = self.d.array(self.lookup(level, f"{item}.id"), items, natural)
            elif name == "edges":
                edge = get_named_type(runtime.fields["edges"].type)
                assert isinstance(edge, GraphQLObjectType)
                value = self.d.array(
                    self.edge(edge, field_nodes, connection, item, cursor), items, natural
                )
            elif name == "pageInfo":
                info = self.object_type("PageInfo")
                info_values = {
                    "hasNextPage": has_next,
                    "hasPreviousPage": has_previous,
                    "startCursor": f"(SELECT {cursor} FROM {items} ORDER BY {natural} LIMIT 1)",
                    "endCursor": f"(SELECT {cursor} FROM {items} ORDER BY {backwards} LIMIT 1)",
                }
                info_pairs = [
                    (info_key, self.d.text("PageInfo") if info_nodes[0].name.value == "__typename"
                     else info_values[info_nodes[0].name.value])
                    for info_key, info_nodes in self.subfields(info, field_nodes).items()
                ]  # fmt: skip
                value = self.obj(info_pairs)
            else:
                raise NotCompilable(f"{runtime.name}.{name}")
            pairs.append((key, value))
        return self.obj(pairs)

    def edge(
        self, edge: GraphQLObjectType, nodes: Sequence[FieldNode], connection: _Connection,
        item: str, cursor: str,
    ) -> str:  # fmt: skip
        pairs = []
        for key, field_nodes in self.subfields(edge, nodes).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                pairs.append((key, self.d.text(edge.name)))
            elif name == "cursor":
                pairs.append((key, cursor))
            elif name == "node":
                pairs.append((key, self.one(connection.node_type, field_nodes, f"{item}.id")))
            else:
                raise NotCompilable(f"{edge.name}.{name}")
        return self.obj(pairs)


RelationCompiler = Callable[[_Compiler, GraphQLObjectType, str, Sequence[FieldNode], str], str]
RELATIONS: dict[str, RelationCompiler] = {
    "Organization": _Compiler.organization_relation,
    "Agreement": _Compiler.agreement_relation,
    "Representation": _Compiler.representation_relation,
    "Person": _Compiler.person_relation,
    "Initiative": _Compiler.initiative_relation,
}


def compile_operation(
    schema: GraphQLSchema,
    dialect: Dialect,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: VariableValues,
    *,
    max_page_size: int,
) -> CompiledQuery:
    """The statement for a validated query operation with coerced variables, or
    NotCompilable."""
    if operation.operation is not OperationType.QUERY:
        raise NotCompilable("not a query")
    compiler = _Compiler(schema, dialect, fragments, variables, max_page_size)
    answer = compiler.root(operation)
    openings = tuple(sorted(dialect.opening(key) for key in compiler.openings))
    return CompiledQuery(dialect.statement(compiler.levels, answer), compiler.params, openings)
