"""The full-text search index: one row per searchable node, rebuilt by the seed loader in the
same transaction as the data it indexes, so search never disagrees with the tables.

SQLite indexes with FTS5, PostgreSQL with a generated tsvector (see the first migration);
both hold the same (kind, slug, keys, name, body) rows. `keys` holds what a user types to name
a thing exactly (an acronym) and ranks above a name, which ranks above a description.

The rows' text is `search_fold`ed in Python (service/data/text.py), as are the words of a
query: case and accents are settled before either engine sees the text, so they match alike
on both (SQLite's tokenizer and PostgreSQL's to_tsvector, under any locale, fold differently).
"""

import re
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


def _joined(*parts: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """Text columns joined by spaces, NULLs skipped."""
    joined: sa.ColumnElement[str] = sa.func.coalesce(parts[0], "")
    for part in parts[1:]:
        joined = joined + " " + sa.func.coalesce(part, "")
    return joined


def _documents() -> list[sa.Select[Any]]:
    """One SELECT per searchable type, each giving (kind, slug, keys, name, body)."""
    roles = (
        sa.select(sa.func.aggregate_strings(REPRESENTATION.c.role, " "))
        .where(REPRESENTATION.c.person_id == PERSON.c.id)
        .scalar_subquery()
    )
    return [
        sa.select(
            sa.literal("Organization"), ORG.c.slug, ORG.c.acronym, ORG.c.name,
            _joined(ORG.c.description),
        ),
        sa.select(
            sa.literal("Person"), PERSON.c.slug, sa.null(), PERSON.c.name,
            _joined(sa.cast(PERSON.c.credentials, sa.Text), roles),
        ),
        sa.select(
            sa.literal("Agreement"), AGREEMENT.c.slug, sa.null(), AGREEMENT.c.title,
            _joined(AGREEMENT.c.description),
        ),
        sa.select(
            sa.literal("Initiative"), INITIATIVE.c.slug, sa.null(), INITIATIVE.c.name,
            _joined(INITIATIVE.c.kind, INITIATIVE.c.recurrence, INITIATIVE.c.description),
        ),
    ]  # fmt: skip


def folded(kind: str, slug: str, keys: str | None, name: str, body: str | None) -> Row:
    """An index row with its text as the engines must see it."""
    return {
        "kind": kind,
        "slug": slug,
        "keys": None if keys is None else search_fold(keys),
        "name": search_fold(name),
        "body": None if body is None else search_fold(body),
    }


async def rebuild_search_index(conn: AsyncConnection) -> None:
    await conn.execute(sa.delete(SEARCH_INDEX))
    for select in _documents():
        rows = [folded(*row) for row in await conn.execute(select)]
        if rows:
            await conn.execute(sa.insert(SEARCH_INDEX), rows)


TOKEN = re.compile(r"\w+", re.UNICODE)


def search_terms(query: str) -> list[str]:
    """Words of a user's query; operators and punctuation are never passed to the engine."""
    return TOKEN.findall(search_fold(query))


def fts5_match(terms: list[str]) -> str:
    """Every term must match, the last one as a prefix (search as you type)."""
    quoted = [f'"{term}"' for term in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


def tsquery(terms: list[str]) -> str:
    return " & ".join(f"{term}:*" for term in terms)
