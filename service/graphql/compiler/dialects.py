"""The JSON building blocks of a compiled query, spelled for each database.

Both spellings build exactly the JSON the resolver path serialises: the same keys in the
same order, the same nulls, booleans, global IDs and cursors. SQLite gets its global IDs
and cursors from two SQL functions registered on every connection (`register_sqlite`,
the Python that the resolver path runs too); PostgreSQL spells them in SQL (base64url of
the same text, without padding).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


def _pg_base64url(text: str) -> str:
    """base64url without padding; PostgreSQL's base64 also breaks lines every 76 chars."""
    return f"rtrim(translate(encode(convert_to({text}, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')"


@dataclass(frozen=True)
class Dialect:
    name: str

    @property
    def sqlite(self) -> bool:
        return self.name == "sqlite"

    def obj(self, pairs: Sequence[tuple[str, str]]) -> str:
        """A JSON object of (key, SQL value) pairs; keys are GraphQL names, safe to quote."""
        function = "json_object" if self.sqlite else "json_build_object"
        return f"{function}({', '.join(f"'{key}', {value}" for key, value in pairs)})"

    def opening(self, key: str) -> str:
        """How an object whose first key is `key` begins in this database's JSON text
        (PostgreSQL's json_build_object writes `"key" : value`)."""
        return f'{{"{key}":' if self.sqlite else f'{{"{key}" :'

    def array(self, item: str, source: str, order: str, *, json_items: bool = True) -> str:
        """A JSON array of `item` for each row of `source` (FROM ... [WHERE ...]), in `order`.

        SQLite 3.40 has no ORDER BY inside aggregates: the rows are ordered in a subquery
        (an aggregate over it keeps that order), and values lose their JSON subtype on the
        way out of a subquery, hence json() around them."""
        if self.sqlite:
            element = "json(e)" if json_items else "e"
            return (
                f"json((SELECT json_group_array({element}) FROM "
                f"(SELECT {item} AS e FROM {source} ORDER BY {order})))"
            )
        return f"coalesce((SELECT json_agg({item} ORDER BY {order}) FROM {source}), '[]'::json)"

    def list_of(self, items: Sequence[str]) -> str:
        """A JSON array of the given JSON values, in order (nulls stay null)."""
        if self.sqlite:
            return f"json_array({', '.join(f'json({item})' for item in items)})"
        return f"json_build_array({', '.join(items)})" if items else "'[]'::json"

    def embed(self, scalar_subquery: str) -> str:
        """The JSON a scalar subquery returns, as a JSON value (null when there is no row)."""
        return f"json({scalar_subquery})" if self.sqlite else scalar_subquery

    def or_null(self, condition: str, value: str) -> str:
        """Null where `condition` holds, else the JSON `value` (SQLite: json() keeps it JSON
        on its way out of the CASE)."""
        chosen = f"CASE WHEN {condition} THEN NULL ELSE {value} END"
        return f"json({chosen})" if self.sqlite else chosen

    def enum(self, column: str, names: Sequence[str]) -> str:
        """An enum column, checked: a value the schema does not know fails the statement (as
        it fails the resolver, which then reports it), never reaching the client."""
        assert all(name.isidentifier() for name in names)
        allowed = ", ".join(f"'{name}'" for name in names)
        invalid = (
            f"gql_invalid({column})"
            if self.sqlite
            else f"CAST('not an enum value: ' || {column} AS INTEGER)::text"
        )
        return (
            f"CASE WHEN {column} IS NULL OR {column} IN ({allowed}) THEN {column} "
            f"ELSE {invalid} END"
        )

    def json_column(self, column: str) -> str:
        return f"json({column})" if self.sqlite else column

    def boolean(self, condition: str) -> str:
        if self.sqlite:
            return f"json(CASE WHEN {condition} THEN 'true' ELSE 'false' END)"
        return f"({condition})"

    def constant_bool(self, value: bool) -> str:
        if self.sqlite:
            return "json('true')" if value else "json('false')"
        return "true" if value else "false"

    def text(self, literal: str) -> str:
        """A constant string: only our own names (type names), never client text."""
        assert "'" not in literal
        return f"'{literal}'" if self.sqlite else f"'{literal}'::text"

    def global_id(self, type_name: str, slug: str) -> str:
        if self.sqlite:
            return f"gql_id('{type_name}', {slug})"
        return _pg_base64url(f"'{type_name}:' || {slug}")

    def cursor(self, order: str, values: Sequence[tuple[str, type]]) -> str:
        """The cursor of a row: base64url of `[order, *values]` as compact JSON (see
        service/graphql/ids.py: non-ASCII stays as is, which PostgreSQL's JSON agrees on)."""
        if self.sqlite:
            return f"gql_cursor('{order}', {', '.join(value for value, _type in values)})"
        parts = [f"to_json('{order}'::text)::text"]
        for value, type_ in values:
            parts.append(f"({value})::text" if type_ is int else f"to_json(({value})::text)::text")
        joined = " || ',' || ".join(parts)
        return _pg_base64url(f"'[' || {joined} || ']'")

    def cast(self, placeholder: str, value: Any) -> str:
        """A bound parameter with its type spelled out (asyncpg infers types from context,
        and `'[' || $1` gives it none)."""
        sql_type = "BIGINT" if isinstance(value, int) else "TEXT"
        return f"CAST({placeholder} AS {sql_type})"

    def statement(self, levels: dict[str, tuple[str, bool]], answer: str) -> str:
        """WITH the levels (name -> (select, materialized)), SELECT the answer as text."""
        result = answer if self.sqlite else f"({answer})::text"
        if not levels:
            return f"SELECT {result}"
        ctes = ",\n".join(
            f"{name} AS {'MATERIALIZED' if materialized else 'NOT MATERIALIZED'} ({select})"
            for name, (select, materialized) in levels.items()
        )
        return f"WITH {ctes}\nSELECT {result}"
