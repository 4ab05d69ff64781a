"""Whole GraphQL answers kept in memory, keyed by what the answer depends on: the request
(the GET query string or the POST body, byte for byte), the media type it negotiated, and the
dataset revision the process holds.

The directory is read-mostly and every visitor's browser sends the same partners query, so
a repeated request is answered without parsing, validating or touching the database. An
answer is never older than the data: the revision is part of the key, and the process's
revision holder follows every change (the loader's, another replica's) within a second, so a
change simply makes the old entries unreachable; the LRU bound then retires them.

Only a clean answer is kept: a 200 whose request recorded no GraphQL error, so neither a
refusal, an over-limit request, nor a partial answer with errors is ever replayed. Requests
that carry credentials (`Authorization`, `Cookie`) neither read nor fill the cache: what a
credential may see is for the layer that checks it to say, not for a shared store to guess.

It sits innermost, beside the GraphQL view: the ETag, compression and request-id layers
outside it treat a hit exactly as a fresh answer (same ETag, same encoding, its own id). An
answer is kept from its second request (`ResponseCache.admits`): the first passes through
untouched. A clean miss that is kept leaves the way a hit does, from its new entry: its
body is compressed once, for the client and the cache together, and the compression layer
passes the encoded body on.
"""

import functools
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.bodies import read_body, replay_body
from service.http.compression import MIN_GZIP_BYTES, accepts_gzip, gzip_answer
from service.http.guard import media_type_of
from service.http.observability import current_request

CREDENTIAL_HEADERS = (b"authorization", b"cookie")
ENTRY_OVERHEAD_BYTES = 200  # the key's and the entry's own objects, roughly
# An answer over 1/16 of the bound (2 MiB by default) is served but not kept: the 5 MB of one
# depth-6 page of 1,000 would push out a hundred partners-page answers, each asked far oftener.
MAX_ENTRY_SHARE = 16


@dataclass(frozen=True)
class Answer:
    """What the view sent, and what the request's record learned, to replay both. A body
    worth compressing is kept gzipped too, so that a hit costs no compression either (the
    layer outside passes an encoded body through)."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    gzipped: bytes | None
    operation: str | None
    cost: dict[str, Any] | None
    execution: str | None

    @property
    def size(self) -> int:
        headers = sum(len(k) + len(v) for k, v in self.headers)
        return len(self.body) + len(self.gzipped or b"") + headers

    def message(self, gzip: bool) -> tuple[Message, bytes]:
        """The response start and body for a client that does (or does not) take gzip. The
        start is a fresh message (the layers outside add their headers to it) over headers
        worked out once per entry: a hit is the cache's most frequent path."""
        headers, body = self._gzip_headers if gzip else self._identity_headers
        start = {"type": "http.response.start", "status": self.status, "headers": [*headers]}
        return start, body

    @functools.cached_property
    def _identity_headers(self) -> tuple[tuple[tuple[bytes, bytes], ...], bytes]:
        return self._headers(gzip=False)

    @functools.cached_property
    def _gzip_headers(self) -> tuple[tuple[tuple[bytes, bytes], ...], bytes]:
        return self._headers(gzip=True)

    def _headers(self, gzip: bool) -> tuple[tuple[tuple[bytes, bytes], ...], bytes]:
        headers = MutableHeaders(raw=list(self.headers))
        body = self.body
        if self.gzipped is not None:
            headers.add_vary_header("Accept-Encoding")
            if gzip:
                body = self.gzipped
                headers["content-encoding"] = "gzip"
                headers["content-length"] = str(len(body))
        return tuple(headers.raw), body


Key = tuple[str, bytes, str, int]


class ResponseCache:
    """An LRU bounded in bytes (bodies, headers and keys). One per process: nothing shared,
    nothing to invalidate across processes, since the revision in the key does that.

    An answer is kept from its second request on, not its first (`admits`): a request
    asked once (a lookup by a key nobody asks again, a page of its own) would otherwise be
    held, copied and kept, pushing out answers asked again and again, and every entry is
    more for the garbage collector's full passes to walk. Serving small queries each asked
    once, in one process, the cache cost 24-65 us a request before this. The first sight is
    remembered by the key's hash alone, in a set forgotten whole once it holds
    SEEN_CAPACITY (a doorkeeper, as TinyLFU calls it): ints the collector does not track."""

    SEEN_CAPACITY = 65_536

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.entries: OrderedDict[Key, Answer] = OrderedDict()
        self.seen: set[int] = set()
        self.size = 0
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        self.first_sights = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: Key) -> Answer | None:
        answer = self.entries.get(key)
        if answer is None:
            self.misses += 1
            return None
        self.entries.move_to_end(key)
        self.hits += 1
        return answer

    def admits(self, key: Key) -> bool:
        """Whether a missed answer is to be kept: it was asked before (and not kept, or
        kept and since pushed out). Its first request is remembered instead."""
        sighting = hash(key)
        if sighting in self.seen:
            self.seen.discard(sighting)
            return True
        if len(self.seen) >= self.SEEN_CAPACITY:
            self.seen.clear()
        self.seen.add(sighting)
        self.first_sights += 1
        return False

    def put(self, key: Key, answer: Answer) -> None:
        cost = _cost(key, answer)
        if cost > self.max_bytes // MAX_ENTRY_SHARE:  # one huge answer must not flush the rest
            return
        if key in self.entries:
            self.size -= _cost(key, self.entries.pop(key))
        self.entries[key] = answer
        self.size += cost
        while self.size > self.max_bytes:
            old_key, old = self.entries.popitem(last=False)
            self.size -= _cost(old_key, old)
            self.evictions += 1


def _cost(key: Key, answer: Answer) -> int:
    return answer.size + len(key[1]) + ENTRY_OVERHEAD_BYTES


class ResponseCacheCollector:
    """The cache's own counters, read at scrape time (as the document store's are)."""

    def __init__(self, cache: ResponseCache) -> None:
        self.cache = cache

    def collect(self) -> Iterator[Metric]:
        cache = self.cache
        yield CounterMetricFamily(
            "response_cache_hits_total", "GraphQL answers served from the response cache",
            value=cache.hits,
        )  # fmt: skip
        yield CounterMetricFamily(
            "response_cache_misses_total",
            "Cacheable GraphQL requests the response cache did not hold", value=cache.misses,
        )  # fmt: skip
        yield CounterMetricFamily(
            "response_cache_first_sights_total",
            "Missed answers served but not kept: an answer is kept from its second request",
            value=cache.first_sights,
        )  # fmt: skip
        yield CounterMetricFamily(
            "response_cache_evictions_total", "Answers dropped to stay within the bound",
            value=cache.evictions,
        )  # fmt: skip
        yield GaugeMetricFamily(
            "response_cache_bytes", "Bytes the response cache holds", value=cache.size
        )
        yield GaugeMetricFamily(
            "response_cache_entries", "Answers the response cache holds", value=len(cache.entries)
        )
        yield GaugeMetricFamily(
            "response_cache_max_bytes", "The response cache's bound (RESPONSE_CACHE_BYTES)",
            value=cache.max_bytes,
        )  # fmt: skip


class ResponseCacheMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: ResponseCache,
        revision: Callable[[Scope], Awaitable[int | None]],
        path: str = "/graphql",
    ) -> None:
        self.app = app
        self.cache = cache
        self.revision = revision
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        revision = await self.revision(scope)
        if revision is None:  # not known yet: answer, keep nothing
            await self.app(scope, receive, send)
            return
        if scope["method"] == "POST":
            body = await read_body(receive)
            receive = replay_body(body)
        else:
            body = scope.get("query_string", b"")
        key: Key = (scope["method"], body, media_type_of(scope), revision)

        answer = self.cache.get(key)
        if answer is not None:
            await _replay_answer(answer, scope, send)
            return
        if not self.cache.admits(key):  # its first request: answered, not kept
            await self.app(scope, receive, send)
            return

        held: list[Message] = []
        streaming = False

        async def hold(message: Message) -> None:
            # The view's answer is held until the view is done: only then is it known to be
            # clean, and a clean answer leaves through `_send_answer`, compressed once for
            # both the client and the cache (the compression layer passes an encoded body on).
            nonlocal streaming
            if streaming:
                await send(message)
                return
            held.append(message)
            if message["type"] == "http.response.body" and message.get("more_body", False):
                streaming = True  # not one answer but a stream: on as it comes, kept nowhere
                for waiting in held:
                    await send(waiting)
                held.clear()

        await self.app(scope, receive, hold)
        answer = None if streaming else await _clean_answer(held)
        if answer is None:
            for message in held:
                await send(message)
            return
        self.cache.put(key, answer)
        await _send_answer(answer, scope, send)

    def _cacheable(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["path"] != self.path or not self.cache.enabled:
            return False
        if scope["method"] not in ("GET", "POST"):
            return False
        headers = dict(scope["headers"])
        if any(name in headers for name in CREDENTIAL_HEADERS):
            return False
        # GraphiQL's page (a browser's GET without a query) is not an answer.
        return scope["method"] == "POST" or b"query" in scope.get("query_string", b"")


async def _clean_answer(held: list[Message]) -> Answer | None:
    """The view's one response as an `Answer`, if it is one to keep: a 200 in a single body,
    not encoded already, from a request that recorded no GraphQL error."""
    record = current_request()
    if record is None or record.error_codes or len(held) != 2:
        return None
    start, body_message = held
    if start["type"] != "http.response.start" or start["status"] != 200:
        return None
    headers = tuple((bytes(k), bytes(v)) for k, v in start.get("headers", []))
    if any(name == b"content-encoding" for name, _ in headers):
        return None  # not the view's own bytes: nothing here knows how to replay them
    body = body_message.get("body", b"")
    return Answer(
        status=200,
        headers=headers,
        body=body,
        gzipped=await gzip_answer(body) if len(body) >= MIN_GZIP_BYTES else None,
        operation=record.operation,
        cost=record.cost,
        execution=record.execution,
    )


async def _replay_answer(answer: Answer, scope: Scope, send: Send) -> None:
    record = current_request()
    if record is not None:
        record.operation = answer.operation
        record.cost = answer.cost
        record.execution = "cache"
    await _send_answer(answer, scope, send)


async def _send_answer(answer: Answer, scope: Scope, send: Send) -> None:
    start, body = answer.message(gzip=accepts_gzip(Headers(scope=scope)))
    await send(start)
    await send({"type": "http.response.body", "body": body})
