"""Back-pressure: at most MAX_CONCURRENCY requests in flight per process; past it, an immediate
503 `OVERLOADED` with `Retry-After`, GraphQL-shaped like every other refusal (`refuse`), so
a client reads `extensions.code` here as anywhere else instead of uvicorn's plain text.

What counts is requests in flight in this app, from the moment they pass CORS to their last
byte sent, on the process's one event loop (no lock: nothing awaits between the check and
the count). uvicorn's `limit_concurrency` counted open connections instead, idle keep-alive
ones included, so a client's connection pool could be refused with nothing in flight. It
stays in `serve` as a backstop well above this limit (`connection_limit`), which only a
flood of connections reaches: it caps sockets and memory, which nothing here can.

The health probes are neither counted nor refused. A liveness probe (`/healthz`) that
failed under load would get a busy but healthy process restarted; a readiness probe
(`/readyz`) that failed under load would take every busy replica out of rotation at once,
moving the whole load onto fewer of them. Overload is answered per request, by this 503,
which a load balancer retries elsewhere. `/metrics` is exempt too: an overloaded process is
the one whose metrics matter.
"""

from starlette.types import ASGIApp, Receive, Scope, Send

from service.http.guard import refuse

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
RETRY_AFTER_S = 1  # a request takes tens of milliseconds: a second is long enough to clear


def connection_limit(max_concurrency: int) -> int:
    """uvicorn's `limit_concurrency` under ours: room for every request we admit, each on a
    connection of its own, plus idle keep-alive connections (four per admitted request,
    at least 100), so that our 503 is the one clients see."""
    return max(4 * max_concurrency, max_concurrency + 100)


class ConcurrencyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await refuse(
                scope, send, 503, "OVERLOADED",
                f"The server is handling its limit of {self.limit} requests at once;"
                f" retry in {RETRY_AFTER_S} s.",
                [("retry-after", str(RETRY_AFTER_S))],
            )  # fmt: skip
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
