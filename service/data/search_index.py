"""The full-text search index: one row per searchable node, rebuilt by the seed loader in the
same transaction as the data it indexes, so search never disagrees with the tables. An edit
through the API replaces just the rows of the documents it changes (`forget_documents`
before its write, `index_documents` after), from the same definition of a document.

SQLite indexes with FTS5, PostgreSQL with a generated tsvector (migration 0004); both hold the
same (kind, slug, keys, name, body) rows. `keys` holds what a user types to name a thing
exactly (an acronym), `name` its name or title, `body` the prose about it.

The rows' text is `search_fold`ed in Python (service/data/text.py), as are the words of a
query: case and accents are settled before either engine sees the text, so they match alike
on both (SQLite's tokenizer and PostgreSQL's to_tsvector, under any locale, fold differently).
`keys` and `name` are stored as their words (`search_terms`) joined by single spaces, so the
engines split them as a query is split ("ISCT-EU", "ANd&tAT" and "Joint Accreditation
Committee-ISCT & EBMT" hold the words a user types) and an exact acronym or name is plain
equality with the query's words. `body` stays folded prose, split by each engine.

Matching, the same on both engines: every word of the query must occur in the row, the last
one as a prefix (search as you type), no word is ever dropped. SQLite's FTS5 tokenizer
(`porter unicode61`) keeps stop words and stems every column; PostgreSQL's document holds
each column twice, under the `simple` configuration (every word as written, stop words
included: "who", "the") and under `english` (stemmed, stop words dropped), and a query word
matches either. So "WHO" finds the World Health Organization on both, and "organizations"
finds "organization" on both through the stemmer.

Ranking, the same on both engines (`rank`, lower is better, ties by kind then slug):
  0. an exact acronym: the query's words are the acronym's words;
  1. an exact name: the query's words are the name's words;
  2. a name match: every word occurs in the acronym or the name;
  3. a text match: the rest.
Within tiers 0-2 a shorter name ranks first (the words cover more of it), within tier 3 a
shorter description. Neither engine's relevance score (bm25, ts_rank_cd) is used: they
weigh words differently, so the same rows would come back in a different order.

What still differs: the stemmers (SQLite's Porter, PostgreSQL's Snowball English) reduce a
few words differently, so a word in another inflection can match on one engine only; and
`body` is split by each engine's own parser, which on PostgreSQL keeps URLs, host names,
e-mail addresses, paths and numbers with dots or slashes ("2021/2022", "3.5") as single
tokens, so a word inside one is found there only as the token's start.
"""

import re
from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from service.data.models import (
    AGREEMENT_TABLE,
    INITIATIVE_TABLE,
    ORGANIZATION_TABLE,
    PERSON_TABLE,
    REPRESENTATION_TABLE,
)
from service.data.text import search_fold

Row = dict[str, Any]

SEARCH_INDEX = sa.Table(
    "search_index",
    sa.MetaData(),
    sa.Column("kind", sa.String(40)),
    sa.Column("slug", sa.String(500)),
    sa.Column("keys", sa.Text),
    sa.Column("name", sa.Text),
    sa.Column("body", sa.Text),
)

ORG = ORGANIZATION_TABLE
PERSON = PERSON_TABLE
AGREEMENT = AGREEMENT_TABLE
INITIATIVE = INITIATIVE_TABLE
REPRESENTATION = REPRESENTATION_TABLE
TABLE_OF_KIND = {
    "Organization": ORG, "Person": PERSON, "Agreement": AGREEMENT, "Initiative": INITIATIVE,
}  # fmt: skip
KIND_OF_TABLE = {table.name: kind for kind, table in TABLE_OF_KIND.items()}


def _joined(*parts: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """Text columns joined by spaces, NULLs skipped."""
    joined: sa.ColumnElement[str] = sa.func.coalesce(parts[0], "")
    for part in parts[1:]:
        joined = joined + " " + sa.func.coalesce(part, "")
    return joined


def _documents(only: Mapping[str, Collection[str]] | None = None) -> list[sa.Select[Any]]:
    """One SELECT per searchable type, each giving (kind, slug, keys, name, body); with
    `only` (kind -> slugs), just those documents."""
    roles = (
        sa.select(sa.func.aggregate_strings(REPRESENTATION.c.role, " "))
        .where(REPRESENTATION.c.person_id == PERSON.c.id)
        .scalar_subquery()
    )
    documents = [
        (ORG, sa.select(
            sa.literal("Organization"), ORG.c.slug, ORG.c.acronym, ORG.c.name,
            _joined(ORG.c.description),
        )),
        (PERSON, sa.select(
            sa.literal("Person"), PERSON.c.slug, sa.null(), PERSON.c.name,
            _joined(sa.cast(PERSON.c.credentials, sa.Text), roles),
        )),
        (AGREEMENT, sa.select(
            sa.literal("Agreement"), AGREEMENT.c.slug, sa.null(), AGREEMENT.c.title,
            _joined(AGREEMENT.c.description),
        )),
        (INITIATIVE, sa.select(
            sa.literal("Initiative"), INITIATIVE.c.slug, sa.null(), INITIATIVE.c.name,
            _joined(INITIATIVE.c.kind, INITIATIVE.c.recurrence, INITIATIVE.c.description),
        )),
    ]  # fmt: skip
    if only is None:
        return [select for _table, select in documents]
    return [
        select.where(table.c.slug.in_(sorted(only[KIND_OF_TABLE[table.name]])))
        for table, select in documents
        if only.get(KIND_OF_TABLE[table.name])
    ]


def folded(kind: str, slug: str, keys: str | None, name: str, body: str | None) -> Row:
    """An index row with its text as the engines must see it (idempotent: a stored row
    folds to itself)."""
    return {
        "kind": kind,
        "slug": slug,
        "keys": None if keys is None else words(keys),
        "name": words(name),
        "body": None if body is None else search_fold(body),
    }


async def rebuild_search_index(conn: AsyncConnection) -> None:
    await conn.execute(sa.delete(SEARCH_INDEX))
    await _index(conn, _documents())


async def forget_documents(conn: AsyncConnection, only: Mapping[str, Collection[str]]) -> None:
    """Before the records `only` names (kind -> slugs) change: their rows go. FTS5 indexes
    no slug, so on SQLite each row is found through the words of the name it was indexed
    under, which its record still holds, rather than by reading every row."""
    for kind, slugs in only.items():
        table = TABLE_OF_KIND.get(kind)
        if table is None:  # a seat has no document of its own
            continue
        named = table.c.title if kind == "Agreement" else table.c.name
        rows = await conn.execute(
            sa.select(table.c.slug, named).where(table.c.slug.in_(sorted(slugs)))
        )
        for slug, name in rows.all():
            found = [SEARCH_INDEX.c.kind == kind, SEARCH_INDEX.c.slug == slug]
            terms = search_terms(name)
            if conn.dialect.name == "sqlite" and terms:
                found.append(
                    sa.text(
                        "search_index.rowid IN (SELECT rowid FROM search_index "
                        "WHERE search_index MATCH :named)"
                    ).bindparams(named=fts5_match(terms, "name"))
                )
            await conn.execute(sa.delete(SEARCH_INDEX).where(*found))


async def index_documents(conn: AsyncConnection, only: Mapping[str, Collection[str]]) -> None:
    """After the records `only` names changed (their rows forgotten before): their rows as
    they now are (none for a deleted record)."""
    await _index(conn, _documents(only))


async def _index(conn: AsyncConnection, documents: list[sa.Select[Any]]) -> None:
    for select in documents:
        rows = [folded(*row) for row in await conn.execute(select)]
        if rows:
            await conn.execute(sa.insert(SEARCH_INDEX), rows)


TOKEN = re.compile(r"[^\W_]+")  # letters and digits: "_" splits words, as in both engines


def search_terms(query: str) -> list[str]:
    """Words of a user's query; operators and punctuation are never passed to the engine."""
    return TOKEN.findall(search_fold(query))


def words(text: str) -> str:
    """`text` as the index stores an acronym or a name: its words, joined by single spaces."""
    return " ".join(search_terms(text))


NAME_COLUMNS = "{keys name}"  # an FTS5 column filter


def fts5_match(terms: list[str], columns: str | None = None) -> str:
    """Every term must match (in `columns`, when given), the last one as a prefix."""
    quoted = [f'"{term}"' for term in terms]
    quoted[-1] += "*"
    expression = " ".join(quoted)
    return f"{columns} : ({expression})" if columns else expression


NAME_WEIGHTS = "AB"  # the weights of keys and name in PostgreSQL's document


def ts_query(terms: list[str], weights: str = "") -> sa.ColumnElement[Any]:
    """Every term must match (at `weights`, when given), the last one as a prefix: each as
    written (`simple`) or stemmed (`english`, which has nothing to say of a stop word)."""
    query: sa.ColumnElement[Any] | None = None
    for n, term in enumerate(terms):
        label = ("*" if n == len(terms) - 1 else "") + weights
        text = f"{term}:{label}" if label else term
        either = sa.func.to_tsquery("simple", text).op("||")(sa.func.to_tsquery("english", text))
        query = either if query is None else query.op("&&")(either)
    assert query is not None, "a search has at least one word"
    return query
