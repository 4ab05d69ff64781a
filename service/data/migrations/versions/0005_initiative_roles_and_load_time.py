"""initiative roles and the time of the last load

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

An organization linked to an initiative was always "behind" it; the source also names hosts
("at the University of Granada/ ANd&tAT") and recipients ("scholarships for 3 ISCT Europe
Members"), so each link now has a `role` (service/data/models.py, InitiativeRole). Links
already there keep what they meant, ORGANIZER, until the next load writes the dataset's.

`dataset_revision.loaded_at` is when the load that last changed the data ran, so a client
can show "as of ..." beside the revision; it stays null until the next load that changes
something.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("initiative_organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=20), nullable=False, server_default="ORGANIZER")
        )
    with op.batch_alter_table("dataset_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dataset_revision", schema=None) as batch_op:
        batch_op.drop_column("loaded_at")
    with op.batch_alter_table("initiative_organization", schema=None) as batch_op:
        batch_op.drop_column("role")
