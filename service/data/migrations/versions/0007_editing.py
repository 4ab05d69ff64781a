"""editing: record versions and editorial notes, the audit trail, API tokens, documents

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

The directory is edited through the API as well as loaded from the dataset file:

- every record gets a `version` (bumped per change, for optimistic concurrency) and an
  editorial note with its author (for a fact an editor asserts rather than the page);
  people keep their quote, as the other records do, so an export can write it back;
- `change`, the audit trail, is append-only: triggers refuse UPDATE and DELETE on it, so
  not even a bug in the service can rewrite history;
- `api_token` holds the SHA-256 of each operator-issued token, never the token;
- `registered_document` holds the source pages quotes are checked against.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.data.models import API_TOKEN_TABLE, CHANGE_TABLE, DOCUMENT_TABLE

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORDS = ("organization", "agreement", "person", "representation", "initiative")
APPEND_ONLY = "the audit trail is append-only"


def upgrade() -> None:
    bind = op.get_bind()
    for table in RECORDS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("version", sa.Integer, nullable=False, server_default="1")
            )
            batch_op.add_column(sa.Column("editorial_note", sa.Text, nullable=True))
            batch_op.add_column(sa.Column("editorial_note_by", sa.String(300), nullable=True))
            if table == "person":
                batch_op.add_column(sa.Column("source_document", sa.String(200), nullable=True))
                batch_op.add_column(sa.Column("source_quote", sa.Text, nullable=True))
    for created in (CHANGE_TABLE, API_TOKEN_TABLE, DOCUMENT_TABLE):
        created.create(bind)
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION change_is_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER change_append_only BEFORE UPDATE OR DELETE ON change "
            "FOR EACH ROW EXECUTE FUNCTION change_is_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER change_no_{event.lower()} BEFORE {event} ON change "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER change_append_only ON change")
        op.execute("DROP FUNCTION change_is_append_only()")
    for created in (DOCUMENT_TABLE, API_TOKEN_TABLE, CHANGE_TABLE):
        created.drop(bind)
    for table in reversed(RECORDS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "person":
                batch_op.drop_column("source_quote")
                batch_op.drop_column("source_document")
            batch_op.drop_column("editorial_note_by")
            batch_op.drop_column("editorial_note")
            batch_op.drop_column("version")
