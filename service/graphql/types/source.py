"""Provenance: the verbatim source text a fact comes from."""

from typing import Any

import strawberry


@strawberry.type(description="Where a fact comes from: a verbatim excerpt of a source document.")
class SourceExcerpt:
    document: str = strawberry.field(description="The source document the quote is taken from.")
    quote: str = strawberry.field(description="The excerpt, verbatim from that document.")

    @classmethod
    def of(cls, row: Any) -> "SourceExcerpt | None":
        """A row's `source_document`/`source_quote` pair, when it has one."""
        if row.source_quote is None:
            return None
        return cls(document=row.source_document or "", quote=row.source_quote)
