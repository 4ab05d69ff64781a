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

No value of a request is ever part of the text, so one statement serves every request of the
same document whose values have the same shape: `Params.slot` and `Params.core_slots` bind a
request's values and say how to bind the next request's (see `Params.rebind`).
"""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.dialects.sqlite import aiosqlite
from sqlalchemy.engine import Dialect as SQLAlchemyDialect
from sqlalchemy.sql.compiler import Compiled

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*\Z")
OWN_WORD = re.compile(r"[A-Za-z0-9_:]+\Z")  # type names, enum values, cursor order names
# Core rendered with named parameters (and asyncpg's explicit casts), to splice into ours.
NAMED_DIALECTS: dict[str, SQLAlchemyDialect] = {
    "sqlite": aiosqlite.dialect(paramstyle="named"),
    "postgresql": asyncpg.dialect(paramstyle="named"),  # type: ignore[no-untyped-call]
}
BIND = re.compile(r":(\w+)(?:::(\w+))?")
POSTCOMPILE = "__[POSTCOMPILE_"


@dataclass(frozen=True, slots=True)
class Sql:
    """A piece of SQL text, made only by the functions of this module. `json`: its value is
    JSON text (PostgreSQL builds the answer as text, so a JSON value is spliced in as it is
    and any other value quoted as JSON first). `pairs`: it builds an object that is always
    there, of these keys and values, which the statement's answer can open (`Layout`).
    `subquery`: it is the scalar subquery `(SELECT value FROM source)` of these two, which
    a statement selecting it alone can be instead (`Dialect.statement`)."""

    text: str
    json: bool = False
    pairs: "tuple[tuple[str, Sql], ...] | None" = None
    subquery: "tuple[Sql, Sql] | None" = None


def as_object(piece: Sql, pairs: Sequence[tuple[str, Sql]]) -> Sql:
    """The same SQL, a JSON object that is always there, built from `pairs`."""
    return Sql(piece.text, json=True, pairs=tuple(pairs))


def json_subquery(value: Sql, source: Sql) -> Sql:
    """`(SELECT value FROM source)`, whose value is JSON text."""
    return Sql(sql("(SELECT {} FROM {})", value, source).text, json=True, subquery=(value, source))


def as_json(piece: Sql) -> Sql:
    """The same SQL, whose value is JSON text."""
    return Sql(piece.text, json=True)


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


def columns_read(piece: Sql, alias: Sql) -> list[tuple[Sql, Sql]]:
    """The columns `piece` reads from the row named `alias`, each once, in the order first
    read: (the reference, the column's name as written), e.g. (`t3.slug`, `slug`). Our
    aliases are unique in a statement and no value of a request is part of its text, so
    every `alias.` in the text is such a reference."""
    pattern = re.compile(rf'(?<![\w."]){re.escape(alias.text)}\.("?)(\w+)\1')
    found: dict[str, tuple[Sql, Sql]] = {}
    for match in pattern.finditer(piece.text):
        name = match.group(1) + match.group(2) + match.group(1)
        found.setdefault(name, (Sql(match.group(0)), Sql(name)))
    return list(found.values())


def key(name: str) -> Sql:
    """A JSON object key: a GraphQL response key (a client's alias, so checked against the
    GraphQL name pattern even though the parser already did) as an SQL string literal."""
    if not GRAPHQL_NAME.match(name):
        raise ValueError(f"{name!r} is not a GraphQL name")
    return Sql(f"'{name}'")


def json_opening(name: str, *, first: bool) -> str:
    """The JSON text before a key's value: `{"name":` for an object's first key, `,"name":`
    for the others (a GraphQL name, checked as `key`: nothing in it needs escaping)."""
    if not GRAPHQL_NAME.match(name):
        raise ValueError(f"{name!r} is not a GraphQL name")
    return f'{"{" if first else ","}"{name}":'


def opening(name: str, *, first: bool) -> Sql:
    """`json_opening` as an SQL string literal (it holds no quote of SQL's)."""
    return Sql(f"'{json_opening(name, first=first)}'")


def word(text: str) -> Sql:
    """One of our own names (a type name, an enum value, a cursor's order name) as an SQL
    string literal."""
    if not OWN_WORD.match(text):
        raise ValueError(f"{text!r} is not one of our names")
    return Sql(f"'{text}'")


@dataclass(frozen=True)
class Layout:
    """The answer's text around the values the statement selects: `texts[0]`, the first
    column's value, `texts[1]`, ..., the last column's value, `texts[-1]`.

    The answer's root object, and the objects nested in it that are always there (a
    connection and its pageInfo), are written here once, not by the database: built in
    SQL, each level copied the whole answer once more, its largest array included, while
    the level below was still held. Serving W3 at 100k (4.9 MB), SQLite's memory peaked at
    35 MB a statement with the two levels built in SQL and at 21 MB without them."""

    texts: tuple[str, ...]

    @classmethod
    def of(cls, answer: Sql) -> "tuple[Layout, list[Sql]]":
        """The layout of `answer` and the values it leaves to the statement, in order: the
        objects of `answer` that are always there are opened, down to their other values."""
        texts, columns = [""], []

        def open_(value: Sql) -> None:
            if value.pairs is None:
                columns.append(value)
                texts.append("")
                return
            for n, (name, item) in enumerate(value.pairs):
                texts[-1] += json_opening(name, first=n == 0)
                open_(item)
            texts[-1] += "}"

        open_(answer)
        return cls(tuple(texts)), columns

    def parts(self, values: Sequence[str]) -> list[str]:
        """The answer's text, as the pieces to join: the texts with the values between."""
        if len(values) != len(self.texts) - 1:
            raise ValueError(f"{len(values)} values for a layout of {len(self.texts) - 1}")
        parts = [self.texts[0]]
        for value, text in zip(values, self.texts[1:], strict=True):
            parts += (value, text)
        return parts


@dataclass(frozen=True, slots=True)
class Cte:
    """One named select of the statement's WITH clause. A `materialized` one is computed once
    (a page that several parts of the answer read); the others are inlined where used."""

    name: Sql
    select: Sql
    materialized: bool


class Mismatch(Exception):
    """The next request's values need a statement of another shape than this one (another
    type behind a global ID, another order, a filter given or left out)."""


Rebinder = Callable[[Any], dict[str, Any]]  # the next request -> its parameters' values


def _sql_type(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"only text and integers are bound here, not {type(value).__name__}")
    return "BIGINT" if isinstance(value, int) else "TEXT"


class Params:
    """The statement's bound parameters: the only way a client's value reaches the database.

    `rebinders` say how to bind the same statement for another request: each takes that
    request (what the compiler's caller passes, a `Selection` under its variables) and
    gives the values of the parameters it is responsible for, or raises `Mismatch` when
    the request needs another statement (or NotCompilable when the resolvers answer it)."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.values: dict[str, Any] = {}
        self.rebinders: list[Rebinder] = []

    def _placeholder(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return name

    def bind(self, value: Any) -> Sql:
        """A value, as a parameter with its type spelled out (asyncpg infers types from
        context, and `'[' || $1` gives it none)."""
        return self.slot(value)[0]

    def slot(self, value: Any) -> tuple[Sql, str]:
        """`bind`, and the parameter's name, to give it another request's value."""
        sql_type = _sql_type(value)
        name = self._placeholder(value)
        return Sql(f"CAST(:{name} AS {sql_type})"), name

    @staticmethod
    def check(name: str, old: Any, new: Any) -> dict[str, Any]:
        """{name: new}, when `new` is bound as `old` was (text as text, integers as integers)."""
        if _sql_type(new) != _sql_type(old):
            raise Mismatch(f"{name} changes type")
        return {name: new}

    def rebind(self, rebinder: Rebinder) -> None:
        self.rebinders.append(rebinder)

    def core(self, element: sa.ClauseElement) -> Sql:
        """A SQLAlchemy Core expression or select, rendered for this dialect with each of its
        values bound as one of this statement's parameters (our constants, written with
        `relations.constant`, are rendered inline)."""
        compiled = element.compile(
            dialect=NAMED_DIALECTS[self.dialect], compile_kwargs={"render_postcompile": True}
        )
        return self._splice(compiled)[0]

    def _splice(self, compiled: Compiled) -> tuple[Sql, dict[str, str]]:
        """Core's text with its parameters renamed as this statement's (and cast the way
        asyncpg needs), and the new name of each."""
        renamed: dict[str, str] = {}

        def rename(bind: re.Match[str]) -> str:
            name, cast = bind.group(1), bind.group(2)
            if name not in compiled.params:
                return bind.group(0)
            if name not in renamed:
                renamed[name] = self._placeholder(compiled.params[name])
            placeholder = renamed[name]
            return f"CAST(:{placeholder} AS {cast})" if cast else f":{placeholder}"

        return Sql(BIND.sub(rename, compiled.string)), renamed

    def core_slots(
        self, element: sa.ClauseElement
    ) -> tuple[Sql, Callable[[sa.ClauseElement], dict[str, Any]]]:
        """`core`, and how to bind the same text for the same element built from another
        request's values: its parameters' values, or Mismatch when that element's SQL is
        not this one (SQLAlchemy's cache key says: the structure without the values)."""
        dialect = NAMED_DIALECTS[self.dialect]
        cache_key = element._generate_cache_key()
        # Compiled with its cache key, to bind another element's values by position
        # (`construct_params`); Core renders our inline constants only in a second pass,
        # which forgets the key, so their text comes from a compilation of its own.
        keyed = element.compile(dialect=dialect, cache_key=cache_key)
        rendered = keyed
        if POSTCOMPILE in keyed.string:
            rendered = element.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        text, renamed = self._splice(rendered)
        inline = {name: value for name, value in keyed.params.items() if name not in renamed}
        rebindable = cache_key is not None and set(renamed) <= set(keyed.params)
        expected = None if cache_key is None else cache_key.key

        def values_for(other: sa.ClauseElement) -> dict[str, Any]:
            other_key = other._generate_cache_key()
            if not rebindable or other_key is None or other_key.key != expected:
                raise Mismatch("another statement")
            values = keyed.construct_params(extracted_parameters=other_key.bindparams)
            assert values is not None
            found: dict[str, Any] = {}
            for name, value in values.items():
                if name in renamed:
                    found[renamed[name]] = value
                elif value != inline[name]:  # rendered inline: must not change
                    raise Mismatch(f"{name} is part of the text")
            return found

        return text, values_for

    def core_list(self, elements: Iterable[sa.ClauseElement]) -> Sql:
        return join(", ", (self.core(element) for element in elements))
