"""The evidence an edit rests on: a quote found verbatim in a registered source document, or
an editorial note by the editor. Either way it becomes part of the record (its quotes, or
its `editorial_note`) and of the change's audit entry."""

from dataclasses import dataclass
from typing import Any

from service.data.dataset import normalize_whitespace
from service.editing.problems import UserErrorCode, refuse


@dataclass(frozen=True)
class Evidence:
    document: str | None = None
    quote: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Cited:
    """Evidence checked: the document a quote was found in, or the note and its author."""

    document: str | None
    quote: str | None
    note: str | None


def check(evidence: Evidence, documents: dict[str, str]) -> Cited:
    """The evidence, if it holds: exactly one of a quote and a note; a quote's document is
    registered (named, or the only one) and has the quote verbatim."""
    quote = (evidence.quote or "").strip() or None
    note = (evidence.note or "").strip() or None
    if (quote is None) == (note is None):
        raise refuse(
            UserErrorCode.INVALID,
            "give either a quote from a registered source document or an editorial note",
            "evidence",
        )
    if note is not None:
        if evidence.document is not None:
            raise refuse(
                UserErrorCode.INVALID, "a document goes with a quote", "evidence", "document"
            )
        return Cited(document=None, quote=None, note=note)
    assert quote is not None
    document = evidence.document
    if document is None:
        if len(documents) != 1:
            raise refuse(
                UserErrorCode.INVALID if documents else UserErrorCode.EVIDENCE_NOT_FOUND,
                "name the source document the quote is from"
                if documents
                else "no source document is registered; load the dataset first",
                "evidence",
                "document",
            )
        (document,) = documents
    if document not in documents:
        raise refuse(
            UserErrorCode.EVIDENCE_NOT_FOUND,
            f"no registered source document is named {document!r}",
            "evidence",
            "document",
        )
    if normalize_whitespace(quote) not in normalize_whitespace(documents[document]):
        raise refuse(
            UserErrorCode.EVIDENCE_NOT_FOUND,
            f"quote not found verbatim in the source: {quote[:80]!r}",
            "evidence",
            "quote",
        )
    return Cited(document=document, quote=quote, note=None)


def attach(section: str, shaped: dict[str, Any], cited: Cited, actor: str) -> dict[str, Any]:
    """The record (file-shaped) resting on `cited`: a quote joins an organization's quotes
    or becomes another record's quote, and settles it (an earlier note is dropped); a note
    is recorded with its author, and the quotes it does not contradict stay."""
    shaped = dict(shaped)
    if cited.quote is not None:
        shaped.pop("editorial_note", None)
        if section == "organizations":
            quotes = list(shaped.get("quotes", []))
            if cited.quote not in quotes:
                quotes.append(cited.quote)
            shaped["quotes"] = quotes
        else:
            shaped["quote"] = cited.quote
    else:
        shaped["editorial_note"] = {"note": cited.note, "by": actor}
    return shaped
