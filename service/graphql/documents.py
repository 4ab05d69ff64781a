"""Prepared documents: each distinct query text is parsed and validated once per app.

Clients send the same few documents over and over (with different variables), and parsing
plus validation is most of what a small query costs before it reaches the database. The
outcome of both depends only on the text, the schema and the schema's validation rules,
all fixed for one app, so it is remembered per text in a bounded LRU store that lives on
the schema instance (two apps in one process never share one).

What is never remembered: anything that depends on the variables or the operation name,
which is why the query limits (depth, aliases, cost: computed from variables) always run,
and why a document refused by them is not recorded as invalid.
"""

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension


@dataclass
class _Prepared:
    document: DocumentNode
    errors: tuple[GraphQLError, ...] | None = None  # None until validated; () when valid


class PreparedDocuments:
    """Parsed documents and their validation errors by query text, least recently used
    evicted first.

    Only successful parses are stored. A syntax error is cheap to find again (the parser
    stops at it), a text that does not parse is typically a one-off typo or a probe, and
    keeping failures out means every entry holds a real document, so no entry ever has to
    stand for "parsed, but badly".

    The lock costs next to nothing under asyncio and keeps the store sound should it ever be
    reached from a worker thread (Strawberry's sync execution path, a threaded server).
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.parsed = 0  # texts the parser really ran on, failures included
        self.validated = 0  # documents the validator really ran on
        self._entries: OrderedDict[str, _Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def document(self, text: str) -> DocumentNode | None:
        """The parsed document for `text`, if it is remembered (valid or not)."""
        with self._lock:
            entry = self._touch(text)
            return entry.document if entry else None

    def errors(self, text: str) -> list[GraphQLError] | None:
        """A fresh list of the validation errors of `text` ([] when valid), or None when
        its validation is not known; callers may change the list, never the store."""
        with self._lock:
            entry = self._touch(text)
            return list(entry.errors) if entry and entry.errors is not None else None

    def valid_document(self, text: str) -> DocumentNode | None:
        """The document for `text` only when it is known to pass validation, so a caller can
        skip both steps without ever running a document this schema would refuse."""
        with self._lock:
            entry = self._touch(text)
            return entry.document if entry and entry.errors == () else None

    def parse_failed(self) -> None:
        with self._lock:
            self.parsed += 1

    def add_parsed(self, text: str, document: DocumentNode) -> None:
        with self._lock:
            self.parsed += 1
            self._put(text, _Prepared(document))

    def add_validated(self, text: str, document: DocumentNode, errors: list[GraphQLError]) -> None:
        """Record what validation found for `document`, the parse of `text`. The entry is
        (re)created if it was evicted between parsing and validation."""
        with self._lock:
            self.validated += 1
            entry = self._entries.get(text)
            if entry is None or entry.document is not document:
                entry = _Prepared(document)
            entry.errors = tuple(errors)
            self._put(text, entry)

    def _touch(self, text: str) -> _Prepared | None:
        entry = self._entries.get(text)
        if entry is not None:
            self._entries.move_to_end(text)
        return entry

    def _put(self, text: str, entry: _Prepared) -> None:
        self._entries[text] = entry
        self._entries.move_to_end(text)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)


class DocumentCache(SchemaExtension):
    """Serve parsing and validation from the schema's PreparedDocuments.

    It must come after every extension with parse or validation hooks (extensions that only
    hook execution may follow it): Strawberry nests hooks in list order, so its on_validate
    then runs after every other extension's pre-validation code (the query limits above
    all). That order gives two guarantees: a limit refusal, which depends on the variables,
    is already in `pre_execution_errors` before the cache is consulted (the cache then
    stands aside and records nothing), and whatever `pre_execution_errors` holds after its
    yield, when it was empty before, can only have come from validation itself.

    A document this extension did not parse or take from the store (one an earlier
    extension supplied) is left entirely alone.
    """

    def __init__(self) -> None:
        self._text: str | None = None
        self._document: DocumentNode | None = None

    def _store(self) -> PreparedDocuments | None:
        """The store of the schema running the request; a schema without one runs uncached."""
        store = getattr(self.execution_context.schema, "prepared_documents", None)
        return store if isinstance(store, PreparedDocuments) else None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        store = self._store()
        text = context.query
        if store is None or not text or context.graphql_document is not None:
            yield
            return
        cached = store.document(text)
        if cached is not None:
            context.graphql_document = cached
            self._text, self._document = text, cached
            yield
            return
        yield  # Strawberry parses, with the request's parse options (max_tokens)
        document = context.graphql_document
        if document is None:
            store.parse_failed()
            return
        store.add_parsed(text, document)
        self._text, self._document = text, document

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        store, text, document = self._store(), self._text, self._document
        if (
            store is None
            or text is None
            or document is None
            or context.graphql_document is not document
            or context.pre_execution_errors is not None  # refused by a limit: not ours to keep
        ):
            yield
            return
        known = store.errors(text)
        if known is not None:
            context.pre_execution_errors = known
            yield
            return
        yield  # Strawberry validates
        if context.pre_execution_errors is not None:
            store.add_validated(text, document, context.pre_execution_errors)
