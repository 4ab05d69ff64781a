"""region_key: regions matched by a key folded in Python

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

Region filters compared lower(region) in SQL, which folds ASCII only on SQLite (and under
PostgreSQL's C locale), so "ásia" found "Ásia" on one engine and not the other. The key is
`fold(region)` (service/data/text.py), written by the loader with every region; this fills
it for the rows already there, in Python, since neither engine can compute it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.data.text import fold

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REGION = sa.table(
    "organization_region",
    sa.column("organization_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("region", sa.String),
    sa.column("region_key", sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table("organization_region", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_key", sa.Text(), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(sa.select(REGION.c.organization_id, REGION.c.position, REGION.c.region))
    keys = [
        {"owner": owner, "at": position, "key": fold(region)} for owner, position, region in rows
    ]
    if keys:
        bind.execute(
            sa.update(REGION)
            .where(
                REGION.c.organization_id == sa.bindparam("owner"),
                REGION.c.position == sa.bindparam("at"),
            )
            .values(region_key=sa.bindparam("key")),
            keys,
        )

    with op.batch_alter_table("organization_region", schema=None) as batch_op:
        batch_op.alter_column("region_key", existing_type=sa.Text(), nullable=False)
        batch_op.create_index(
            "ix_organization_region_region_key", ["region_key", "organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("organization_region", schema=None) as batch_op:
        batch_op.drop_index("ix_organization_region_region_key")
        batch_op.drop_column("region_key")
