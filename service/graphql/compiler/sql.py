"""SQL text the compiler can only build safely.

`Sql` is a piece of statement text. There are four ways to make one, and none takes a
client's value as text:
- `sql(template, *parts)`: our own template text with other pieces in its `{}` slots;
- `ident(name)`: an alias or column name, checked against the identifier pattern;
- `Params.bind(value)` and `Params.core(element)`: a client's value enters as a bound
  parameter only, and SQLAlchemy Core definitions (relations, filters, orders, pages) are
  rendered with their values bound the same way;
- `key(name)` / `word(text)`: a JSON key (a client's alias, checked against GraphQL's name
  pattern) or one of our own names, as a quoted SQL string.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, LiteralString

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.dialects.sqlite import aiosqlite
from sqlalchemy.engine import Dialect as SQLAlchemyDialect

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*\Z")
OWN_WORD = re.compile(r"[A-Za-z0-9_:]+\Z")  # type names, enum values, cursor order names
# Core rendered with named parameters (and asyncpg's explicit casts), to splice into ours.
NAMED_DIALECTS: dict[str, SQLAlchemyDialect] = {
    "sqlite": aiosqlite.dialect(paramstyle="named"),
    "postgresql": asyncpg.dialect(paramstyle="named"),  # type: ignore[no-untyped-call]
}
BIND = re.compile(r":(\w+)(?:::(\w+))?")


@dataclass(frozen=True, slots=True)
class Sql:
    """A piece of SQL text, made only by the functions of this module."""

    text: str


def sql(template: LiteralString, *parts: Sql) -> Sql:
    """Our template text, its `{}` slots filled with other pieces (never with a str)."""
    for part in parts:
        if not isinstance(part, Sql):
            raise TypeError(f"an SQL template takes Sql pieces, not {type(part).__name__}")
    return Sql(template.format(*(part.text for part in parts)))


def join(separator: LiteralString, parts: Iterable[Sql]) -> Sql:
    return Sql(separator.join(sql("{}", part).text for part in parts))


def ident(name: str) -> Sql:
    """An alias or column name of ours."""
    if not IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not an SQL identifier")
    return Sql(name)


def column(alias: Sql, name: str) -> Sql:
    return sql("{}.{}", alias, ident(name))


def key(name: str) -> Sql:
    """A JSON object key: a GraphQL response key (a client's alias, so checked against the
    GraphQL name pattern even though the parser already did) as an SQL string literal."""
    if not GRAPHQL_NAME.match(name):
        raise ValueError(f"{name!r} is not a GraphQL name")
    return Sql(f"'{name}'")


def word(text: str) -> Sql:
    """One of our own names (a type name, an enum value, a cursor's order name) as an SQL
    string literal."""
    if not OWN_WORD.match(text):
        raise ValueError(f"{text!r} is not one of our names")
    return Sql(f"'{text}'")


def integer(value: int) -> Sql:
    """An integer of ours (a LIMIT the compiler computed)."""
    if type(value) is not int:
        raise TypeError(f"{value!r} is not an int")
    return Sql(str(value))


@dataclass(frozen=True, slots=True)
class Cte:
    """One named select of the statement's WITH clause. A `materialized` one is computed once
    (a page that several parts of the answer read); the others are inlined where used."""

    name: Sql
    select: Sql
    materialized: bool


class Params:
    """The statement's bound parameters: the only way a client's value reaches the database."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.values: dict[str, Any] = {}

    def _placeholder(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return name

    def bind(self, value: Any) -> Sql:
        """A value, as a parameter with its type spelled out (asyncpg infers types from
        context, and `'[' || $1` gives it none)."""
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise TypeError(f"only text and integers are bound here, not {type(value).__name__}")
        sql_type = "BIGINT" if isinstance(value, int) else "TEXT"
        return Sql(f"CAST(:{self._placeholder(value)} AS {sql_type})")

    def core(self, element: sa.ClauseElement) -> Sql:
        """A SQLAlchemy Core expression or select, rendered for this dialect with each of its
        values bound as one of this statement's parameters (our constants, written with
        `relations.constant`, are rendered inline)."""
        compiled = element.compile(
            dialect=NAMED_DIALECTS[self.dialect], compile_kwargs={"render_postcompile": True}
        )
        renamed: dict[str, str] = {}

        def rename(bind: re.Match[str]) -> str:
            name, cast = bind.group(1), bind.group(2)
            if name not in compiled.params:
                return bind.group(0)
            if name not in renamed:
                renamed[name] = self._placeholder(compiled.params[name])
            placeholder = renamed[name]
            return f"CAST(:{placeholder} AS {cast})" if cast else f":{placeholder}"

        return Sql(BIND.sub(rename, compiled.string))

    def core_list(self, elements: Iterable[sa.ClauseElement]) -> Sql:
        return join(", ", (self.core(element) for element in elements))
