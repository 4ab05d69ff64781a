"""Reading a request body in a middleware, and handing the same body on to the app: the
layers that must see a POST body before the view (persisted queries, the response cache) read
it whole (the guard has already capped its size) and replay it."""

from starlette.types import Message, Receive


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay_body(body: bytes) -> Receive:
    """A `receive` that gives the body once, then reports the client gone, as the server
    would once the request is read."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
