"""Objects and their relations, compiled into JSON-building SQL.

An object reached through a key (a foreign key, a link row) is built where it is used: on
SQLite a scalar subquery reads its row by primary key and builds it in place, so its JSON
never passes through a subquery's column (which would drop its JSON subtype and need
re-parsing); on PostgreSQL it is looked up by id in a level, a `NOT MATERIALIZED` CTE
`(id, j)` holding the JSON of every row of its table for that selection (the planner
inlines it as a primary-key lookup). A list of a table's own rows builds each object on the
row in hand.
Every relation is compiled from its one definition in `service/data/relations.py`, the
same the resolver path's batched queries are derived from.
"""

import itertools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)
from sqlalchemy.sql.selectable import NamedFromClause

from service.data.queries import SERVED
from service.data.relations import (
    RELATIONS,
    TABLES,
    Keyed,
    Linked,
    Reference,
    Values,
    scope,
)
from service.graphql.compiler.dialects import Dialect
from service.graphql.compiler.selection import (
    NotCompilable,
    Selection,
    enum_name,
    python_name,
)
from service.graphql.compiler.sql import Cte, Mismatch, Params, Sql, column, ident, join, sql


@dataclass
class Frame:
    """What one SELECT of a SQLite statement reads from: the aliases of its rows (an
    array's row or a looked-up object's, and the tables joined to them), and those joins."""

    rows: set[str]
    joins: list[Sql]


class ObjectCompiler:
    """The statement under construction: its CTEs and parameters, and how each object and
    relation is spelled."""

    def __init__(
        self,
        selection: Selection,
        dialect: Dialect,
        *,
        max_page_size: int,
        in_place: int | None = None,
    ) -> None:
        """`in_place` (SQLite): how many arrays deep objects are built in place; deeper
        ones are built in a level and embedded with json() (see `nested`)."""
        self.selection = selection
        self.in_place = in_place
        self.depth = 0  # arrays around what is being built, since the statement or a level
        self.d = dialect
        self.max_page_size = max_page_size
        self.params = Params(dialect.name)
        self.ctes: list[Cte] = []
        self.frames: list[Frame] = []
        self._counter = itertools.count(1)

    # --- plumbing -------------------------------------------------------------------------

    def alias(self, prefix: str) -> Sql:
        return ident(f"{prefix}{next(self._counter)}")

    def aliased(self, table: sa.Table, prefix: str = "t") -> NamedFromClause:
        """The table under a fresh alias of ours, for Core definitions rendered piecewise."""
        return table.alias(self.alias(prefix).text)

    def obj(self, pairs: Sequence[tuple[str, Sql]]) -> Sql:
        if not pairs:  # every object opens with `{"` (CompiledQuery.count), so has a key
            raise NotCompilable("an object without fields")
        return self.d.obj(pairs)

    def cte(self, prefix: str, select: Sql, *, materialized: bool) -> Sql:
        name = self.alias(prefix)
        self.ctes.append(Cte(name, select, materialized))
        return name

    @contextmanager
    def frame(self, row: Sql) -> Iterator[Frame]:
        """Build what reads `row` (an object on it, an array's item) in its own frame."""
        frame = Frame({row.text}, [])
        self.frames.append(frame)
        try:
            yield frame
        finally:
            self.frames.pop()

    @contextmanager
    def nested(self) -> Iterator[bool]:
        """Build an array's item one array deeper: whether it is built in place. SQLite 3.40's
        parser stack holds about six arrays nested in one another; past `in_place` an item
        is built in a level instead, whose CTE the parser reads at the top again."""
        self.depth += 1
        try:
            yield not self.d.sqlite or self.in_place is None or self.depth <= self.in_place
        finally:
            self.depth -= 1

    # --- levels and lists -----------------------------------------------------------------

    def level(self, type_name: str, nodes: Sequence[FieldNode]) -> Sql:
        """A CTE (id, j): the JSON of this selection for every row of the type's table."""
        runtime = self.selection.object_type(type_name)
        row = self.aliased(TABLES[type_name])
        alias = ident(row.name)
        depth, self.depth = self.depth, 0
        try:
            with self.frame(alias) as frame:
                json = self.object(runtime, self.selection.subfields(runtime, nodes), row)
        finally:
            self.depth = depth
        source = join(" ", [sql("{} {}", ident(TABLES[type_name].name), alias), *frame.joins])
        select = sql("SELECT {} AS id, {} AS j FROM {}", column(alias, "id"), json, source)
        return self.cte("level", select, materialized=False)

    @staticmethod
    def lookup(level: Sql, key: Sql) -> Sql:
        return sql("(SELECT j FROM {} WHERE id = {})", level, key)

    def one(
        self,
        type_name: str,
        nodes: Sequence[FieldNode],
        key: Sql,
        *,
        owner: Sql | None = None,
        nullable: bool = True,
    ) -> Sql:
        """The object whose id is `key`, a column of the row `owner` (null when there is
        none, which only a `nullable` key can name).

        On SQLite, where the owner's row is read by the SELECT being built, the object's
        table is joined to it there and the object built on the joined row: a scalar
        subquery per object would nest the statement one level deeper each time, and SQLite
        3.40's parser stack holds about six nested arrays of objects (the depth-6 query
        needs five, plus four objects by key). Otherwise it is a scalar subquery of its own,
        which tables its own keys join in turn."""
        runtime = self.selection.object_type(type_name)
        fields = self.selection.subfields(runtime, nodes)
        table = ident(TABLES[type_name].name)
        row = self.aliased(TABLES[type_name])
        alias = ident(row.name)
        found = sql("{} = {}", column(alias, "id"), key)
        outer = self.frames[-1] if self.frames else None
        if outer is not None and owner is not None and owner.text in outer.rows:
            outer.rows.add(alias.text)
            outer.joins.append(sql("LEFT JOIN {} {} ON {}", table, alias, found))
            json = self.object(runtime, fields, row)
            return (
                self.d.or_null(sql("{} IS NULL", column(alias, "id")), json) if nullable else json
            )
        with self.frame(alias) as frame:
            json = self.object(runtime, fields, row)
        read = join(" ", [sql("{} {}", table, alias), *frame.joins])
        return self.d.built(sql("(SELECT {} FROM {} WHERE {})", json, read, found))

    def many(
        self,
        type_name: str,
        nodes: Sequence[FieldNode],
        key: Sql,
        source: Sql,
        order: Sql,
        row: Sql,
    ) -> Sql:
        """A list whose rows are not the objects' own (a link table's): each object is found
        by its id, `key`, read from the link's `row`."""
        with self.frame(row) as frame, self.nested() as in_place:
            if in_place:
                item = self.one(type_name, nodes, key, owner=row, nullable=False)
            else:
                item = self.d.embed(self.lookup(self.level(type_name, nodes), key))
        return self.d.array(item, source, order, row=row, joins=frame.joins)

    def own_rows(
        self, type_name: str, nodes: Sequence[FieldNode], row: NamedFromClause, condition: Sql,
        order: Sql,
    ) -> Sql:  # fmt: skip
        """A list of the type's own rows: each object is built on the row in hand. Looking it
        up again by id in a level would cost one primary-key probe per element (about a
        fifth of the depth-6 statement's time on PostgreSQL)."""
        runtime = self.selection.object_type(type_name)
        alias = ident(row.name)
        with self.frame(alias) as frame, self.nested() as in_place:
            if in_place:
                json = self.object(runtime, self.selection.subfields(runtime, nodes), row)
            else:
                level = self.level(type_name, nodes)
                json = self.d.embed(self.lookup(level, column(alias, "id")))
        source = sql("{} {} WHERE {}", ident(TABLES[type_name].name), alias, condition)
        return self.d.array(json, source, order, row=alias, joins=frame.joins)

    # --- objects --------------------------------------------------------------------------

    def object(self, runtime: GraphQLObjectType, fields: Mapping[str, list[FieldNode]],
               row: NamedFromClause) -> Sql:  # fmt: skip
        """The fields every type shares are spelled here; columns as `queries.SERVED` serves
        them to the resolvers; relations by their definitions."""
        served = SERVED[runtime.name](row)
        alias = ident(row.name)
        pairs = []
        for key, nodes in fields.items():
            name = nodes[0].name.value
            field = python_name(name)
            if name == "__typename":
                value = self.d.text(runtime.name)
            elif name == "id":
                value = self.d.global_id(runtime.name, column(alias, "slug"))
            elif name == "source":
                value = self.source_excerpt(
                    nodes, column(alias, "source_document"), column(alias, "source_quote")
                )
            elif name == "editorialNote":
                value = self.editorial_note(
                    nodes, column(alias, "editorial_note"), column(alias, "editorial_note_by")
                )
            elif field in served and (runtime.name, field) not in RELATIONS:
                value = self.scalar(runtime, name, self.params.core(served[field]))
            else:
                value = self.relation(runtime, name, nodes, row)
            pairs.append((key, value))
        return self.obj(pairs)

    def scalar(self, runtime: GraphQLObjectType, name: str, value: Sql) -> Sql:
        """A column's value as its field's type needs it: enums checked on the way out,
        lists (stored as JSON text) as JSON."""
        field_type = runtime.fields[name].type
        named = get_named_type(field_type)
        if isinstance(named, GraphQLEnumType):
            return self.d.enum(value, list(named.values))
        nullable = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
        if isinstance(nullable, GraphQLList):
            return self.d.json_column(value)
        assert isinstance(named, GraphQLScalarType)
        return value

    def source_excerpt(self, nodes: Sequence[FieldNode], document: Sql, quote: Sql) -> Sql:
        """A SourceExcerpt, or null where the row has no quote (SourceExcerpt.of)."""
        runtime = self.selection.object_type("SourceExcerpt")
        values = {"document": sql("coalesce({}, '')", document), "quote": quote}
        pairs = []
        for key, field_nodes in self.selection.subfields(runtime, nodes).items():
            name = field_nodes[0].name.value
            pairs.append(
                (key, self.d.text("SourceExcerpt") if name == "__typename" else values[name])
            )
        return self.d.or_null(sql("{} IS NULL", quote), self.obj(pairs))

    def editorial_note(self, nodes: Sequence[FieldNode], note: Sql, by: Sql) -> Sql:
        """An EditorialNote, or null where the row has no note (EditorialNote.of)."""
        runtime = self.selection.object_type("EditorialNote")
        values = {"note": note, "by": sql("coalesce({}, '')", by)}
        pairs = []
        for key, field_nodes in self.selection.subfields(runtime, nodes).items():
            name = field_nodes[0].name.value
            pairs.append(
                (key, self.d.text("EditorialNote") if name == "__typename" else values[name])
            )
        return self.d.or_null(sql("{} IS NULL", note), self.obj(pairs))

    # --- relations ------------------------------------------------------------------------

    def relation(
        self,
        runtime: GraphQLObjectType,
        name: str,
        nodes: Sequence[FieldNode],
        row: NamedFromClause,
    ) -> Sql:
        definition = RELATIONS.get((runtime.name, python_name(name)))
        if definition is None:
            raise NotCompilable(f"{runtime.name}.{name}")
        owner = ident(row.name)
        if isinstance(definition, Reference):
            foreign = column(owner, definition.column)
            nullable = TABLES[runtime.name].c[definition.column].nullable is not False
            return self.one(definition.target, nodes, foreign, owner=owner, nullable=nullable)
        if isinstance(definition, Values):
            excerpts = get_named_type(runtime.fields[name].type).name == "SourceExcerpt"
            return self.values(definition, nodes, owner, excerpts=excerpts)
        owner_id: sa.ColumnElement[int] = sa.literal_column(column(owner, "id").text)
        target = self.aliased(TABLES[definition.target])
        if isinstance(definition, Keyed):
            key = target.c[definition.key]
            condition: sa.ColumnElement[bool] = (
                key.in_(scope(owner_id, lambda table: self.aliased(table, "u")))
                if definition.rolls_up
                else key == owner_id
            )
            order = self.params.core_list(definition.order(target))
            return self.own_rows(
                definition.target, nodes, target, self.params.core(condition), order
            )
        return self.linked(definition, runtime, nodes, owner_id, target)

    def values(
        self, definition: Values, nodes: Sequence[FieldNode], owner: Sql, *, excerpts: bool
    ) -> Sql:
        """Plain values in their source order; SourceExcerpt objects where the field asks."""
        v = self.alias("v")
        source = sql(
            "{} {} WHERE {} = {}",
            ident(definition.table.name), v, column(v, definition.key), column(owner, "id"),
        )  # fmt: skip
        order = column(v, "position")
        if excerpts:
            item = self.source_excerpt(nodes, column(v, "document"), column(v, "quote"))
            return self.d.array(item, source, order, row=v)
        (value,) = definition.columns
        return self.d.array(column(v, value), source, order, row=v)

    def linked(
        self, definition: Linked, runtime: GraphQLObjectType, nodes: Sequence[FieldNode],
        owner_id: sa.ColumnElement[int], target: NamedFromClause,
    ) -> Sql:  # fmt: skip
        link = definition.link(lambda table: self.aliased(table, "l"))
        owned: sa.ColumnElement[bool]
        if definition.rolls_up:
            owned = link.owner.in_(scope(owner_id, lambda table: self.aliased(table, "u")))
        else:
            owned = link.owner == owner_id
        if definition.order is None:  # in the link's own order: each target looked up by id
            assert link.position is not None
            rows = sa.select(link.member.label("member"), link.position.label("position"))
            s = self.alias("s")
            source = sql("({}) {}", self.params.core(rows.where(*link.where, owned)), s)
            member, position = column(s, "member"), column(s, "position")
            return self.many(definition.target, nodes, member, source, position, s)
        condition: sa.ColumnElement[bool] = target.c.id.in_(link.members(owned))
        node = nodes[0]
        arguments = self.selection.arguments(runtime, node)
        unknown = set(arguments) - set(definition.filters) - set(definition.conditions)
        if unknown:
            raise NotCompilable(f"{runtime.name}.{node.name.value}({', '.join(sorted(unknown))})")

        def value_of(argument: str, found: dict[str, Any]) -> Any:
            value = found.get(argument)
            return (
                enum_name(value) if value is not None and argument in definition.filters else value
            )

        slots: dict[str, tuple[str, Any]] = {}  # argument -> (its parameter, its value)
        for argument in (*definition.filters, *definition.conditions):
            value = value_of(argument, arguments)
            if value is None:
                continue
            bound, name = self.params.slot(value)
            slots[argument] = (name, value)
            given: sa.ColumnElement[Any] = sa.literal_column(bound.text)
            if argument in definition.filters:
                narrowed = target.c[definition.filters[argument]] == given
            else:
                narrowed = definition.conditions[argument](target, given)
            condition = sa.and_(condition, narrowed)
        if node.arguments:

            def rebind(request: Selection) -> dict[str, Any]:
                found = request.arguments(runtime, node)
                given = {a for a in slots.keys() | found.keys() if found.get(a) is not None}
                if given != set(slots):
                    raise Mismatch("a filter given or left out")
                values: dict[str, Any] = {}
                for argument, (name, old) in slots.items():
                    values |= Params.check(name, old, value_of(argument, found))
                return values

            self.params.rebind(rebind)
        order = self.params.core_list(definition.order(target))
        return self.own_rows(definition.target, nodes, target, self.params.core(condition), order)
