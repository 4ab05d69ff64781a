"""Automatic persisted queries (APQ) and the optional safelist.

APQ (the Apollo protocol): a client sends `extensions.persistedQuery.sha256Hash` instead of
the document; if the server knows the hash it runs the stored document, otherwise it answers
PERSISTED_QUERY_NOT_FOUND and the client resends hash and document, which the server checks
and remembers. Over GET this turns a long query into a short, CDN-cacheable URL.

Safelist mode: only documents in the safelist file run (by hash or by identical text); APQ
can then fetch safelisted documents but never register new ones.

PERSISTED_QUERY_NOT_FOUND answers 200 under `application/json` (what legacy APQ clients
expect) and 404 under `application/graphql-response+json`, where an answer without `data`
must not be a 2xx; Apollo Client reads the code from either and resends the document.
"""

import hashlib
import json
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from service.http.bodies import read_body, replay_body
from service.http.guard import media_type_of, refuse
from service.http.media import GRAPHQL_RESPONSE

# A body without either cannot hold the persistedQuery key: JSON spells a key out, or escapes
# its characters as \uXXXX. Such a body (nearly every POST) is passed on without parsing.
PERSISTED, ESCAPE = b"persistedQuery", b"\\u"


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def load_safelist(path: Path) -> dict[str, str]:
    """A JSON object of name -> document (or a list of documents); keyed here by hash."""
    data = json.loads(path.read_text(encoding="utf-8"))
    documents = data.values() if isinstance(data, dict) else data
    if not all(isinstance(document, str) for document in documents):
        raise ValueError(f"{path}: the safelist must hold GraphQL documents as strings")
    return {sha256(document): document for document in documents}


class QueryStore:
    """Documents by hash: the safelist (fixed) and what APQ registered (bounded, LRU)."""

    def __init__(self, *, capacity: int, safelist: dict[str, str] | None) -> None:
        self.capacity = capacity
        self.safelist = safelist
        self.registered: OrderedDict[str, str] = OrderedDict()

    def get(self, digest: str) -> str | None:
        if self.safelist is not None:
            return self.safelist.get(digest)
        document = self.registered.get(digest)
        if document is not None:
            self.registered.move_to_end(digest)
        return document

    def register(self, digest: str, document: str) -> None:
        if self.safelist is not None:
            return
        self.registered[digest] = document
        self.registered.move_to_end(digest)
        while len(self.registered) > self.capacity:
            self.registered.popitem(last=False)


class Rejection(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def resolve(store: QueryStore, query: Any, extensions: Any) -> str | None:
    """The document to run for a request's `query` and `extensions`, or a Rejection."""
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    if persisted is not None:
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(digest, str) or persisted.get("version", 1) != 1:
            raise Rejection(400, "BAD_USER_INPUT", "persistedQuery needs version 1 and sha256Hash")
        if isinstance(query, str):
            if sha256(query) != digest:
                raise Rejection(400, "BAD_USER_INPUT", "sha256Hash does not match the query")
            _allowed(store, digest)
            store.register(digest, query)
            return query
        known = store.get(digest)
        if known is None:
            message = "PersistedQueryNotFound" if store.safelist is None else "Not in the safelist"
            code = "PERSISTED_QUERY_NOT_FOUND" if store.safelist is None else "FORBIDDEN"
            raise Rejection(404 if store.safelist is None else 403, code, message)
        return known
    if isinstance(query, str):
        _allowed(store, sha256(query))
    return None


def _allowed(store: QueryStore, digest: str) -> None:
    if store.safelist is not None and digest not in store.safelist:
        raise Rejection(403, "FORBIDDEN", "Only safelisted documents run on this server.")


class PersistedQueryMiddleware:
    def __init__(self, app: ASGIApp, *, store: QueryStore, path: str = "/graphql") -> None:
        self.app = app
        self.store = store
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        try:
            if scope["method"] == "GET":
                scope = self._rewrite_get(scope)
            elif scope["method"] == "POST":
                body = await read_body(receive)
                receive = replay_body(self._rewrite_post(body))
        except Rejection as rejection:
            status = rejection.status
            if status == 404 and media_type_of(scope) != GRAPHQL_RESPONSE:
                status = 200  # legacy APQ clients read the code from a 200
            await refuse(scope, send, status, rejection.code, str(rejection))
            return
        await self.app(scope, receive, send)

    def _rewrite_get(self, scope: Scope) -> Scope:
        params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if "text/html" in Headers(scope=scope).get("accept", "") and "query" not in params:
            return scope  # GraphiQL
        try:
            extensions = json.loads(params["extensions"]) if "extensions" in params else None
        except ValueError:
            raise Rejection(400, "BAD_USER_INPUT", "extensions must be JSON") from None
        document = resolve(self.store, params.get("query"), extensions)
        if document is None or params.get("query") == document:
            return scope
        params["query"] = document
        return {**scope, "query_string": urlencode(params).encode("latin-1")}

    def _rewrite_post(self, body: bytes) -> bytes:
        if self.store.safelist is None and PERSISTED not in body and ESCAPE not in body:
            return body  # no persistedQuery key, spelled out or escaped: nothing to resolve
        try:
            payload = json.loads(body)
        except ValueError:
            return body  # the GraphQL view refuses malformed JSON
        if not isinstance(payload, dict):
            return body  # the view refuses batches and other non-objects
        document = resolve(self.store, payload.get("query"), payload.get("extensions"))
        if document is None or payload.get("query") == document:
            return body
        return json.dumps({**payload, "query": document}).encode()
