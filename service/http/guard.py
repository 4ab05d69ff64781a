"""The HTTP surface's guard rails, in front of everything else.

- A request body larger than the limit is refused with 413 before it is parsed (by its
  Content-Length, or as soon as a streamed body passes the limit).
- POST /graphql takes application/json only: a form or text POST is what a cross-site page
  can send without a CORS preflight, so refusing it is the CSRF protection.
- Every response says nosniff, no framing and no referrer; a response without its own
  Content-Security-Policy gets one that allows nothing (the API serves JSON, not pages).
"""

import json

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.observability import current_request

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"
JSON_TYPES = ("application/json", "application/graphql-response+json")


async def refuse(send: Send, status: int, code: str, message: str) -> None:
    """A JSON error response, refused before the GraphQL layer; its code is logged."""
    record = current_request()
    if record is not None:
        record.error_codes.append(code)
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()),
        (b"content-security-policy", API_CSP.encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
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
            if content_type not in JSON_TYPES:
                await refuse(
                    send, 415, "UNSUPPORTED_MEDIA_TYPE",
                    "POST /graphql takes Content-Type: application/json.",
                )  # fmt: skip
                return
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(send)
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
            await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        await refuse(
            send, 413, "PAYLOAD_TOO_LARGE",
            f"The request body is larger than {self.max_body_bytes:,} bytes.",
        )  # fmt: skip
