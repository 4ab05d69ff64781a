"""Evidence that is not a quote: an editor's note that a record's facts rest on."""

from typing import Any

import strawberry


@strawberry.type(
    description="An editor's note on a record: why its facts stand where the source page "
    "alone does not say so (a correction, a later announcement, a decision)."
)
class EditorialNote:
    note: str = strawberry.field(description="The note, as the editor wrote it.")
    by: str = strawberry.field(description="Who wrote it: the editor's account name.")

    @classmethod
    def of(cls, row: Any) -> "EditorialNote | None":
        """A row's `editorial_note`/`editorial_note_by` pair, when it has a note."""
        if row.editorial_note is None:
            return None
        return cls(note=row.editorial_note, by=row.editorial_note_by or "")


VERSION = (
    "Bumped by every change to this record (an edit, or a load that changed it): an update "
    "names the version it read, and is refused if the record has changed since."
)
EDITORIAL_NOTE = (
    "The editor's note this record's facts rest on, where an edit gave one instead of a "
    "quote; null when the record rests on the source page alone (its quoted excerpts)."
)
