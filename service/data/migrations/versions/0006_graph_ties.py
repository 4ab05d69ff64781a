"""the ties between organizations, derived for the graph questions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

`path` and `neighborhood` walk the network one hop at a time. Deriving every tie of the
directory for each question cost about a second at 10,000 organizations; `graph_tie` holds
them, indexed by the body they start from, rebuilt by the loader with the data
(service/data/ties.py). This fills it from the data already there.
"""

from collections.abc import Sequence

from alembic import op

from service.data.ties import GRAPH_TIE, rebuild_sql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    GRAPH_TIE.create(bind)
    op.execute(rebuild_sql(bind.dialect.name))
    op.execute("ANALYZE graph_tie")  # or SQLite plans its joins as if it were empty


def downgrade() -> None:
    GRAPH_TIE.drop(op.get_bind())
