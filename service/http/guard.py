"""The HTTP surface's guard rails, in front of everything else.

- A request body larger than the limit is refused with 413 before it is parsed (by its
  Content-Length, or as soon as a streamed body passes the limit).
- POST /graphql takes application/json only: a form or text POST is what a cross-site page
  can send without a CORS preflight, so refusing it is the CSRF protection.
- A GraphQL request whose Accept header allows neither GraphQL response type is refused
  with 406 (service/http/media.py); GraphiQL's page (GET without a query) is not.
- Every refusal, here or in any later layer, is a GraphQL-shaped JSON error with
  `extensions.code`, in the media type the request negotiated.
- Every response says nosniff, no framing and no referrer; a response without its own
  Content-Security-Policy gets one that allows nothing (the API serves JSON, not pages).
"""

import json
from collections.abc import Iterable
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.media import JSON, SUPPORTED, content_type, negotiate
from service.http.observability import current_request

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def media_type_of(scope: Scope) -> str:
    """The response media type the request negotiated (legacy JSON when it allows none):
    read from Accept once per request, then kept in the request's state for every layer."""
    state = scope.setdefault("state", {})
    if "media_type" not in state:
        state["media_type"] = negotiate(Headers(scope=scope).get("accept")) or JSON
    media_type: str = state["media_type"]
    return media_type


async def refuse(
    scope: Scope,
    send: Send,
    status: int,
    code: str,
    message: str,
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    """A GraphQL-shaped error response (no `data`: nothing ran), in the request's media
    type; its code is logged."""
    record = current_request()
    if record is not None:
        record.error_codes.append(code)
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    raw_headers = [
        (b"content-type", content_type(media_type_of(scope)).encode()),
        (b"content-length", str(len(body)).encode()),
        *((name.encode(), value.encode()) for name, value in headers),
        *((name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()),
        (b"content-security-policy", API_CSP.encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass


class HTTPGuardMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, graphql_path: str = "/graphql"):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.graphql_path = graphql_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] == "POST" and scope["path"] == self.graphql_path:
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type not in SUPPORTED:
                await refuse(
                    scope, send, 415, "UNSUPPORTED_MEDIA_TYPE",
                    "POST /graphql takes Content-Type: application/json.",
                )  # fmt: skip
                return
        if self._unacceptable(scope, headers):
            await refuse(
                scope, send, 406, "NOT_ACCEPTABLE",
                "This endpoint answers application/graphql-response+json or application/json;"
                " the Accept header allows neither.",
            )  # fmt: skip
            return
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, send)
            return
        started = False
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def secured_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                response_headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    response_headers.setdefault(name, value)
                response_headers.setdefault("content-security-policy", API_CSP)
            await send(message)

        try:
            await self.app(scope, limited_receive, secured_send)
        except BodyTooLarge:
            if started:
                raise
            await self._too_large(scope, send)

    def _unacceptable(self, scope: Scope, headers: Headers) -> bool:
        """A GraphQL request (not GraphiQL's page) that accepts neither response type."""
        if scope["path"] != self.graphql_path or scope["method"] not in ("GET", "POST"):
            return False
        if negotiate(headers.get("accept")) is not None:
            return False
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        return not (scope["method"] == "GET" and "query" not in query)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        await refuse(
            scope, send, 413, "PAYLOAD_TOO_LARGE",
            f"The request body is larger than {self.max_body_bytes:,} bytes.",
        )  # fmt: skip
