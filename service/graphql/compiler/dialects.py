"""The JSON building blocks of a compiled query, spelled for each database.

Both spellings build exactly the JSON the resolver path serialises: the same keys in the
same order, the same nulls, booleans, global IDs and cursors, and the same bytes. SQLite
builds it with its JSON functions, whose values keep their JSON subtype as long as they are
built in place. PostgreSQL builds it as text, compact as SQLite's: json_build_object would
write `"key" : value` and json_agg `, ` (about a tenth more bytes, and not the same answer),
and casting text to json would parse it again; so a JSON value (`Sql.json`) is spliced into
its parent's text as it is, and any other value quoted as JSON by to_json.

SQLite gets its global IDs and cursors from two SQL functions registered on every
connection (`register_sqlite`, the Python that the resolver path runs too); PostgreSQL
spells them in SQL (base64url of the same text, without padding).
"""

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.graphql.compiler.sql import (
    Cte,
    Layout,
    Sql,
    as_json,
    as_object,
    columns_read,
    ident,
    join,
    json_subquery,
    key,
    opening,
    sql,
    word,
)
from service.graphql.ids import encode_cursor, encode_id


def _sqlite_cursor(order: str, *values: Any) -> str:
    return encode_cursor(order, tuple(values))


def _sqlite_invalid(value: Any) -> None:
    raise ValueError(f"{value!r} is not a value of its GraphQL enum")


def register_sqlite(dbapi_connection: Any) -> None:
    """Give a new SQLite connection the functions compiled queries call."""
    dbapi_connection.create_function("gql_id", 2, encode_id, deterministic=True)
    dbapi_connection.create_function("gql_invalid", 1, _sqlite_invalid, deterministic=True)
    dbapi_connection.create_function("gql_cursor", -1, _sqlite_cursor, deterministic=True)


def _pg_base64url(text: Sql) -> Sql:
    """base64url without padding; PostgreSQL's base64 also breaks lines every 76 chars."""
    return sql(
        "rtrim(translate(encode(convert_to({}, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')", text
    )


@dataclass(frozen=True)
class Dialect:
    name: str

    @property
    def sqlite(self) -> bool:
        return self.name == "sqlite"

    def value(self, piece: Sql) -> Sql:
        """PostgreSQL: a value as JSON text, never null (a JSON value as it is)."""
        return piece if piece.json else sql("coalesce(to_json({})::text, 'null')", piece)

    def obj(self, pairs: Sequence[tuple[str, Sql]]) -> Sql:
        """A JSON object of (key, SQL value) pairs; keys are GraphQL names (checked)."""
        if self.sqlite:
            fields = join(", ", (sql("{}, {}", key(name), value) for name, value in pairs))
            return as_object(sql("json_object({})", fields), pairs)
        parts = []
        for n, (name, value) in enumerate(pairs):
            parts += [opening(name, first=n == 0), self.value(value)]
        return as_object(sql("({} || '}}')", join(" || ", parts)), pairs)

    def array(
        self, item: Sql, source: Sql, order: Sql, *, row: Sql, joins: Sequence[Sql] = ()
    ) -> Sql:
        """A JSON array of `item` for each row of `source` (FROM ... [WHERE ...]), in `order`;
        `row` is the alias `item` reads the source's row by, and `joins` (SQLite) join to it
        the tables of the objects `item` builds on their rows.

        SQLite 3.40 has no ORDER BY inside aggregates: the rows are ordered in a subquery (an
        aggregate over it keeps that order; a LEFT JOIN keeps its left side outermost) that
        passes on, under the same alias, only the plain columns `item` and `joins` read, and
        each item is built in the aggregate itself. A JSON value read back from a subquery's
        column would have lost its JSON subtype and need json() around it, re-parsing every
        level's text at every level above it (about half the depth-6 statement's time);
        built in place, it stays JSON."""
        if self.sqlite:
            read = columns_read(join(" ", [item, *joins]), row)
            listed = join(", ", (sql("{} AS {}", ref, name) for ref, name in read))
            ordered = sql(
                "(SELECT {} FROM {} ORDER BY {}) {}",
                listed if read else sql("1 AS one"), source, order, row,
            )  # fmt: skip
            rows = join(" ", [ordered, *joins])
            return json_subquery(sql("json_group_array({})", item), rows)
        # PostgreSQL orders inside the aggregate: the subquery only names the row (the
        # planner pulls it up), so that the joins can follow it.
        read = columns_read(join(" ", [item, order, *joins]), row)
        listed = join(", ", (sql("{} AS {}", ref, name) for ref, name in read))
        named = sql("(SELECT {} FROM {}) {}", listed if read else sql("1 AS one"), source, row)
        return json_subquery(
            sql("concat('[', string_agg({}, ',' ORDER BY {}), ']')", self.value(item), order),
            join(" ", [named, *joins]),
        )

    def parses(self, statement: Sql) -> bool:
        """Whether the database's parser takes `statement`. SQLite 3.40's parser has a fixed
        stack (100 entries), which a statement nesting many arrays of objects overflows; its
        own parser says so, in an empty in-memory database (no file, nothing read), where a
        statement it parses fails only later, at its first table name."""
        if not self.sqlite:
            return True
        probe = sqlite3.connect(":memory:")
        try:
            probe.execute(statement.text)
        except sqlite3.OperationalError as error:
            return "parser stack overflow" not in str(error)
        except sqlite3.Error:
            return True
        finally:
            probe.close()
        return True

    def list_of(self, items: Sequence[Sql]) -> Sql:
        """A JSON array of the given JSON values, in order (nulls stay null)."""
        if self.sqlite:
            listed = join(", ", (sql("json({})", item) for item in items))
            return as_json(sql("json_array({})", listed))
        listed = join(" || ',' || ", (self.value(item) for item in items))
        return as_json(sql("('[' || {} || ']')", listed) if items else sql("'[]'"))

    def null(self) -> Sql:
        """JSON null."""
        return sql("NULL") if self.sqlite else as_json(sql("'null'"))

    def embed(self, scalar_subquery: Sql) -> Sql:
        """The JSON text a scalar subquery reads from a level, as a JSON value (null when
        there is no row)."""
        if self.sqlite:
            return as_json(sql("json({})", scalar_subquery))
        return as_json(sql("coalesce({}, 'null')", scalar_subquery))

    def built(self, scalar_subquery: Sql) -> Sql:
        """The JSON a scalar subquery builds in place, as a JSON value (null when there is
        no row; a scalar subquery keeps SQLite's JSON subtype)."""
        return as_json(
            scalar_subquery if self.sqlite else sql("coalesce({}, 'null')", scalar_subquery)
        )

    def reread(self, column: Sql) -> Sql:
        """JSON text this statement built, read back from a subquery's column."""
        return as_json(sql("json({})", column) if self.sqlite else column)

    def or_null(self, condition: Sql, value: Sql) -> Sql:
        """Null where `condition` holds, else the JSON `value` (a CASE keeps SQLite's JSON
        subtype, as a scalar subquery does; only a subquery's or a CTE's columns lose it)."""
        return as_json(sql("CASE WHEN {} THEN {} ELSE {} END", condition, self.null(), value))

    def enum(self, column: Sql, names: Sequence[str]) -> Sql:
        """An enum column, checked: a value the schema does not know fails the statement (as
        it fails the resolver, which then reports it), never reaching the client."""
        allowed = join(", ", (word(name) for name in names))
        invalid = (
            sql("gql_invalid({})", column)
            if self.sqlite
            else sql("CAST('not an enum value: ' || {} AS INTEGER)::text", column)
        )
        return sql(
            "CASE WHEN {} IS NULL OR {} IN ({}) THEN {} ELSE {} END",
            column, column, allowed, column, invalid,
        )  # fmt: skip

    def json_column(self, column: Sql) -> Sql:
        """A stored JSON list of scalars, compact: SQLite's json() writes it so; PostgreSQL
        keeps the text as stored (`["MD", "PhD"]`), so its items are joined again."""
        if self.sqlite:
            return as_json(sql("json({})", column))
        items = sql(
            "(SELECT concat('[', string_agg(e.value::text, ',' ORDER BY e.n), ']') "
            "FROM json_array_elements({}) WITH ORDINALITY AS e(value, n))",
            column,
        )
        return as_json(sql("CASE WHEN {} IS NULL THEN 'null' ELSE {} END", column, items))

    def boolean(self, condition: Sql) -> Sql:
        chosen = sql("CASE WHEN {} THEN 'true' ELSE 'false' END", condition)
        return as_json(sql("json({})", chosen) if self.sqlite else chosen)

    def constant_bool(self, value: bool) -> Sql:
        spelled = sql("'true'") if value else sql("'false'")
        return as_json(sql("json({})", spelled) if self.sqlite else spelled)

    def text(self, name: str) -> Sql:
        """A constant string: only our own names (type names), never client text."""
        return word(name) if self.sqlite else sql("{}::text", word(name))

    def global_id(self, type_name: str, slug: Sql) -> Sql:
        if self.sqlite:
            return sql("gql_id({}, {})", word(type_name), slug)
        return _pg_base64url(sql("{} || {}", word(f"{type_name}:"), slug))

    def cursor(self, order: str, values: Sequence[tuple[Sql, type]]) -> Sql:
        """The cursor of a row: base64url of `[order, *values]` as compact JSON (see
        service/graphql/ids.py: non-ASCII stays as is, which PostgreSQL's JSON agrees on)."""
        if self.sqlite:
            listed = join(", ", (value for value, _type in values))
            return sql("gql_cursor({}, {})", word(order), listed)
        parts = [sql("to_json({}::text)::text", word(order))]
        for value, type_ in values:
            spelled = "({})::text" if type_ is int else "to_json(({})::text)::text"
            parts.append(sql(spelled, value))
        return _pg_base64url(sql("'[' || {} || ']'", join(" || ',' || ", parts)))

    def statement(self, ctes: Sequence[Cte], answer: Sql) -> tuple[Sql, Layout]:
        """WITH the CTEs, SELECT the answer's values as JSON text (SQLite: or NULL), one
        column each (answer_1, answer_2, ...: a compiled answer's statement in a log), and
        the layout that writes the answer around them (`Layout`)."""
        layout, values = Layout.of(answer)
        if len(values) == 1 and values[0].subquery is not None:
            # An array alone (a page of nodes): its aggregate is the statement's own, not a
            # subquery's value copied out to the statement's row (one copy of the answer
            # less: at W3's 4.9 MB, SQLite's peak went from 21 to 16 MB).
            value, source = values[0].subquery
            result = sql("{} AS answer_1 FROM {}", value, source)
        else:
            result = join(
                ", ",
                (
                    sql("{} AS {}", self.selected(value), ident(f"answer_{n}"))
                    for n, value in enumerate(values, start=1)
                ),
            )
        if not ctes:
            return sql("SELECT {}", result), layout
        listed = join(
            ",\n",
            (
                sql("{} AS MATERIALIZED ({})", cte.name, cte.select)
                if cte.materialized
                else sql("{} AS NOT MATERIALIZED ({})", cte.name, cte.select)
                for cte in ctes
            ),
        )
        return sql("WITH {}\nSELECT {}", listed, result), layout

    def selected(self, value: Sql) -> Sql:
        """A value of the answer as a column of the statement: its JSON text. SQLite's JSON
        values are selected as they are (NULL for null: `Layout` callers read it so), its
        other values quoted as JSON as json_object would have written them."""
        if self.sqlite:
            return value if value.json else sql("json_quote({})", value)
        return self.value(value)
