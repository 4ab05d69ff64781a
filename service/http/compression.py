"""Content coding: gzip for every client that takes it, with validators that stay right.

One layer, `CompressionMiddleware`, sits just inside the access log and compresses whatever
the app sends (GraphQL answers, the pages, our static files, refusals) when the client
takes gzip and the body is at least MIN_GZIP_BYTES. The partners page's GraphQL answer is
43 kB of JSON and 7 kB gzipped, so the API's answers matter as much as the files. A body
that is the same for every request (GraphiQL's vendor files, the two pages) is compressed
once and kept instead (`PrecompressedResponse`, `gzip_once`); it reaches the layer already
encoded and passes through. Compressing answers that echo what a request sent is safe here
(no BREACH-style leak): no response carries a secret, no cookie or token, to be guessed at.

The one ETag rule, applied here and nowhere else: every ETag that leaves the app is weak
(`weak_etag`). The gzip and identity bodies of one resource are different bytes, and a
strong tag shared by both would tell a cache they are interchangeable byte for byte
(RFC 9110, 8.8.1 and 8.8.3). A weak tag claims only that they mean the same, which they do.
If-None-Match compares weakly, so revalidation works as before in either encoding, and a
304 (which has no body to say which encoding its 200 would have had) carries the same tag
as that 200 whatever the request's Accept-Encoding. Tags that differ per encoding would
instead need every If-None-Match check (Starlette's static files, our GraphQL ETags) to
map them back.
"""

import asyncio
import functools
import zlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipResponder, IdentityResponder
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from zlib_ng import zlib_ng

from service.http.media import qualities

MIN_GZIP_BYTES = 1000  # below this, gzip's framing outweighs what it saves
# zlib-ng writes the same gzip format as zlib, faster: on a 427 kB depth-6 answer its level 5
# takes 1.05 ms for 26.1 kB where zlib's level 6 took 2.86 ms for 24.6 kB, and on GraphiQL's
# 3.5 MB bundle 28 against 74 ms for 1 % more. Every uncached answer pays this on the way out.
GZIP_LEVEL = 5  # per response (API answers, our files): the CPU spent on every request
GZIP_ONCE_LEVEL = 9  # computed once and kept: the smallest result is worth the time
GZIP_WBITS = 16 + zlib.MAX_WBITS  # zlib's gzip wrapper: no file name, mtime 0
THREAD_MIN_BYTES = 128 * 1024  # from here a body is compressed off the event loop (Starlette's)


def accepts_gzip(headers: Headers) -> bool:
    """Whether the client takes gzip: named in Accept-Encoding (or `*`) with a quality above 0;
    where both are listed, gzip's own entry decides."""
    return _takes_gzip(headers.get("accept-encoding", ""))


@functools.lru_cache(maxsize=64)
def _takes_gzip(accept_encoding: str) -> bool:
    """`accepts_gzip` by the header's text, remembered: clients send the same few."""
    listed = dict(qualities(accept_encoding))
    quality = listed.get("gzip", listed.get("*", 0.0))
    return quality > 0


def weak_etag(etag: str) -> str:
    """The weak form of an ETag (unchanged if it already is): see the module's docstring."""
    return etag if etag.startswith("W/") else f"W/{etag}"


def gzip_bytes(content: bytes, level: int = GZIP_ONCE_LEVEL) -> bytes:
    """gzip with no timestamp, so equal content always compresses to equal bytes."""
    return zlib_ng.compress(content, level, wbits=GZIP_WBITS)


async def gzip_answer(content: bytes) -> bytes:
    """`content` compressed at the per-response level, as the compression layer would: in a
    worker thread from THREAD_MIN_BYTES, so a large answer does not hold up the event loop."""
    if len(content) < THREAD_MIN_BYTES:
        return gzip_bytes(content, GZIP_LEVEL)
    return await asyncio.to_thread(gzip_bytes, content, GZIP_LEVEL)


@functools.lru_cache(maxsize=16)
def gzip_once(content: bytes) -> bytes:
    """`content` compressed, kept by its value: a page whose bytes do not change is compressed
    on its first request only, and a changed page (a new GraphiQL install, an edited
    index.html) is simply a new entry."""
    return gzip_bytes(content)


def _merge_vary(headers: MutableHeaders) -> None:
    """One Vary header without repeats: the layer adds Accept-Encoding to what the app's
    layers already listed, some of which name it themselves."""
    names: list[str] = []
    for value in headers.getlist("vary"):
        for name in (part.strip() for part in value.split(",")):
            if name and name.lower() not in (seen.lower() for seen in names):
                names.append(name)
    if names:
        headers["vary"] = ", ".join(names)


class PrecompressedResponse(Response):
    """A body that is the same for every request, sent gzip-compressed (from `gzip_once`) to
    clients that take it. The endpoints that build it do not see Accept-Encoding (GraphiQL's
    page is rendered through Strawberry's `render_graphql_ide`), so the encoding is chosen
    when the response is sent, from the request it answers."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if len(self.body) >= MIN_GZIP_BYTES:
            self.headers.add_vary_header("Accept-Encoding")
            if accepts_gzip(Headers(scope=scope)):
                self.body = gzip_once(bytes(self.body))
                self.headers["content-encoding"] = "gzip"
                self.headers["content-length"] = str(len(self.body))
        await super().__call__(scope, receive, send)


class _ZlibNgResponder(GZipResponder):
    """Starlette's gzip responder (which moves bodies of 128 KiB or more to a worker thread,
    where zlib-ng, like zlib, lets go of the GIL) with zlib-ng's compressor in zlib's place."""

    _deflate: zlib_ng._Compress | None = None

    def _compress_body(self, body: bytes, more_body: bool) -> bytes:
        if self._deflate is None:
            self._deflate = zlib_ng.compressobj(self.compresslevel, zlib.DEFLATED, GZIP_WBITS)
        compressed = self._deflate.compress(body)
        return compressed + self._deflate.flush(zlib.Z_SYNC_FLUSH if more_body else zlib.Z_FINISH)


class CompressionMiddleware:
    """Starlette's gzip responders, chosen by `accepts_gzip` (Starlette's own middleware only
    looks for "gzip" in the header, so `gzip;q=0` would get gzip), with the ETag rule and a
    Vary header without repeats on every response."""

    def __init__(
        self, app: ASGIApp, *, minimum_size: int = MIN_GZIP_BYTES, level: int = GZIP_LEVEL
    ) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.level = level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        responder: IdentityResponder
        if accepts_gzip(Headers(scope=scope)):
            responder = _ZlibNgResponder(
                self.app,
                self.minimum_size,
                compresslevel=self.level,
                thread_minimum_size=THREAD_MIN_BYTES,
            )
        else:
            responder = IdentityResponder(self.app, self.minimum_size)

        async def send_with_weak_etag(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                etag = headers.get("etag")
                if etag is not None:
                    headers["etag"] = weak_etag(etag)
                if message["status"] == 304:
                    # stands for a 200 that varies by encoding once it is large enough
                    headers.add_vary_header("Accept-Encoding")
                _merge_vary(headers)
            await send(message)

        await responder(scope, receive, send_with_weak_etag)
