"""HTTP caching of GET queries: an ETag tied to the dataset revision, so a client or CDN can
revalidate for no database work at all, and every replica computes the same tag.

The seed loader bumps the revision whenever it changes anything, and each process holds
the current one in memory (`service/data/revision.py`, refreshed within a second of a
load on every replica), so tagging an answer or answering 304 costs no statement. The tag
is the revision plus a hash of the request's query string and the response media type it
negotiated (one URL has an `application/json` and an `application/graphql-response+json`
representation: `Vary: Accept` says so to caches), so it changes exactly when the answer can.
"""

import hashlib
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.data.revision import HeldRevision
from service.http.guard import media_type_of
from service.http.media import JSON

CACHE_CONTROL = "public, no-cache"  # store, but revalidate: the tag makes that cheap


def _etag(revision: int, query_string: bytes, media_type: str) -> str:
    representation = (
        query_string if media_type == JSON else query_string + b"\n" + media_type.encode()
    )
    digest = hashlib.sha256(representation).hexdigest()[:24]
    return f'"r{revision}-{digest}"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


class GraphQLETagMiddleware:
    def __init__(self, app: ASGIApp, path: str = "/graphql") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        # The held value may lag a load by up to a second, never lead it: a tag never names
        # a revision newer than the data the answer then reads. While the process has lost
        # its watch on the database it could not tell a load happened: no tag, no 304.
        held: HeldRevision = scope["app"].state.revision
        revision = await held.fresh()
        if revision is None:
            await self.app(scope, receive, send)
            return
        etag = _etag(revision, scope.get("query_string", b""), media_type_of(scope))
        headers = Headers(scope=scope)
        if _matches(headers.get("if-none-match"), etag):
            await send(
                {
                    "type": "http.response.start",
                    "status": 304,
                    "headers": [
                        (b"etag", etag.encode()),
                        (b"cache-control", CACHE_CONTROL.encode()),
                        (b"vary", b"Accept"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_etag(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                # Every answer to a GET query depends on Accept, refusals included (a 400
                # under graphql-response+json is a 200 under JSON): a cache must not mix them.
                response_headers.add_vary_header("Accept")
                if message["status"] == 200:
                    response_headers["etag"] = etag
                    response_headers["cache-control"] = CACHE_CONTROL
            await send(message)

        await self.app(scope, receive, send_with_etag)

    def _cacheable(self, scope: Scope) -> bool:
        """GET requests carrying a query; GraphiQL (HTML) is not tagged. Mutations need no
        check here: the view refuses them over GET, and a refused answer is not a 200."""
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != self.path:
            return False
        accept: Any = Headers(scope=scope).get("accept", "")
        return b"query=" in scope.get("query_string", b"") and "text/html" not in accept
