"""search finds every name and acronym, stop words included

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

PostgreSQL's document stemmed names with the `english` configuration, which drops stop words:
"WHO" (the World Health Organization's acronym and the first word of its name) could not be
found there, while SQLite's FTS5 keeps every word. The document now holds each column under
`simple` (every word as written) beside `english` (stemmed), and a query word matches either
(service/data/search_index.py). The loader also stores acronyms and names as their words
joined by spaces, so that "ISCT-EU" or "ANd&tAT" typed in full is an exact match on both
engines; this rewrites the rows already there the same way. SQLite's table is unchanged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.data.search_index import SEARCH_INDEX, folded

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _both(column: str, weight: str) -> str:
    return (
        f"setweight(to_tsvector('simple', {column}), '{weight}') || "
        f"setweight(to_tsvector('english', {column}), '{weight}')"
    )


EVERY_WORD = " || ".join(
    (_both("coalesce(keys, '')", "A"), _both("name", "B"), _both("coalesce(body, '')", "C"))
)
ENGLISH_ONLY = (  # as revision 0001 made it
    "setweight(to_tsvector('simple', coalesce(keys, '')), 'A') || "
    "setweight(to_tsvector('english', name), 'B') || "
    "setweight(to_tsvector('english', coalesce(body, '')), 'C')"
)


def _document(expression: str) -> None:
    op.execute("DROP INDEX ix_search_index_document")
    op.execute("ALTER TABLE search_index DROP COLUMN document")
    op.execute(
        f"ALTER TABLE search_index ADD COLUMN document tsvector "
        f"GENERATED ALWAYS AS ({expression}) STORED"
    )
    op.execute("CREATE INDEX ix_search_index_document ON search_index USING gin (document)")


def upgrade() -> None:
    bind = op.get_bind()
    columns = [SEARCH_INDEX.c[name] for name in ("kind", "slug", "keys", "name", "body")]
    rows = [folded(*row) for row in bind.execute(sa.select(*columns))]
    bind.execute(sa.delete(SEARCH_INDEX))
    if bind.dialect.name == "postgresql":
        _document(EVERY_WORD)
    if rows:
        bind.execute(sa.insert(SEARCH_INDEX), rows)


def downgrade() -> None:
    """The English-only document again; the rows' words match under it as they are."""
    if op.get_bind().dialect.name == "postgresql":
        _document(ENGLISH_ONLY)
