"""search index text folded in Python

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

The loader now writes the search index's text `search_fold`ed (service/data/text.py) and
folds a query's words the same way, instead of leaving case and accents to each engine
(SQLite's tokenizer folded all of Unicode and dropped accents; PostgreSQL's to_tsvector kept
accents and lowered case by the database's locale). This folds the rows already there, so
an upgraded database matches as a freshly loaded one does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.data.search_index import SEARCH_INDEX, folded

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    columns = [SEARCH_INDEX.c[name] for name in ("kind", "slug", "keys", "name", "body")]
    rows = [folded(*row) for row in bind.execute(sa.select(*columns))]
    bind.execute(sa.delete(SEARCH_INDEX))
    if rows:
        bind.execute(sa.insert(SEARCH_INDEX), rows)


def downgrade() -> None:
    """Nothing to undo: folded rows match under the old rules too (they are lower case)."""
