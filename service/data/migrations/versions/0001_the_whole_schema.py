"""the whole schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25

The tables of service/data/models.py, plus the full-text search index, which each engine builds
with its own machinery (FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dataset_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "initiative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("recurrence", sa.String(length=100), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source_document", sa.String(length=200), nullable=True),
        sa.Column("source_quote", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_initiative_name"), ["name"], unique=False)

    op.create_table(
        "organization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("acronym", sa.String(length=100), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("founded_year", sa.Integer(), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["organization.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organization_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_organization_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_organization_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("credentials", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_name"), ["name"], unique=False)

    op.create_table(
        "agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("establishes_id", sa.Integer(), nullable=True),
        sa.Column("source_document", sa.String(length=200), nullable=True),
        sa.Column("source_quote", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["establishes_id"], ["organization.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("agreement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agreement_establishes_id"), ["establishes_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_agreement_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_agreement_year"), ["year"], unique=False)

    op.create_table(
        "initiative_organization",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiative.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("initiative_id", "organization_id"),
    )
    with op.batch_alter_table("initiative_organization", schema=None) as batch_op:
        batch_op.create_index(
            "ix_initiative_organization_organization",
            ["organization_id", "initiative_id"],
            unique=False,
        )

    op.create_table(
        "organization_region",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("organization_id", "position"),
    )
    with op.batch_alter_table("organization_region", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organization_region_region"), ["region"], unique=False)

    op.create_table(
        "organization_source",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("document", sa.String(length=200), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("organization_id", "position"),
    )
    op.create_table(
        "representation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=500), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("on_behalf_of_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=300), nullable=False),
        sa.Column("designation", sa.String(length=20), nullable=True),
        sa.Column("source_document", sa.String(length=200), nullable=True),
        sa.Column("source_quote", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["on_behalf_of_id"], ["organization.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("representation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_representation_on_behalf_of", ["on_behalf_of_id", "id"], unique=False
        )
        batch_op.create_index(
            "ix_representation_organization", ["organization_id", "id"], unique=False
        )
        batch_op.create_index("ix_representation_person", ["person_id", "id"], unique=False)

    op.create_table(
        "agreement_party",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreement.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("agreement_id", "organization_id"),
    )
    with op.batch_alter_table("agreement_party", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agreement_party_organization", ["organization_id", "agreement_id"], unique=False
        )

    _create_search_index()


def _create_search_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_index USING fts5("
            "kind UNINDEXED, slug UNINDEXED, keys, name, body, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        return
    op.execute(
        "CREATE TABLE search_index ("
        "kind VARCHAR(40) NOT NULL, slug VARCHAR(500) NOT NULL, keys TEXT, name TEXT NOT NULL, "
        "body TEXT, document tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('simple', coalesce(keys, '')), 'A') || "
        "setweight(to_tsvector('english', name), 'B') || "
        "setweight(to_tsvector('english', coalesce(body, '')), 'C')) STORED, "
        "PRIMARY KEY (kind, slug))"
    )
    op.execute("CREATE INDEX ix_search_index_document ON search_index USING gin (document)")


def downgrade() -> None:
    op.execute("DROP TABLE search_index")
    with op.batch_alter_table("agreement_party", schema=None) as batch_op:
        batch_op.drop_index("ix_agreement_party_organization")

    op.drop_table("agreement_party")
    with op.batch_alter_table("representation", schema=None) as batch_op:
        batch_op.drop_index("ix_representation_person")
        batch_op.drop_index("ix_representation_organization")
        batch_op.drop_index("ix_representation_on_behalf_of")

    op.drop_table("representation")
    op.drop_table("organization_source")
    with op.batch_alter_table("organization_region", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_region_region"))

    op.drop_table("organization_region")
    with op.batch_alter_table("initiative_organization", schema=None) as batch_op:
        batch_op.drop_index("ix_initiative_organization_organization")

    op.drop_table("initiative_organization")
    with op.batch_alter_table("agreement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_year"))
        batch_op.drop_index(batch_op.f("ix_agreement_kind"))
        batch_op.drop_index(batch_op.f("ix_agreement_establishes_id"))

    op.drop_table("agreement")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_name"))

    op.drop_table("person")
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_parent_id"))
        batch_op.drop_index(batch_op.f("ix_organization_name"))
        batch_op.drop_index(batch_op.f("ix_organization_category"))

    op.drop_table("organization")
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiative_name"))

    op.drop_table("initiative")
    op.drop_table("dataset_revision")
