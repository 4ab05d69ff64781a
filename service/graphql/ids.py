"""Opaque, stable global IDs and cursors. IDs carry the natural key (slug), not the integer
row id, so an ID a client stored stays valid across reloads of the dataset."""

import base64
import binascii
import json
from typing import Any

from service.graphql.errors import BadUserInput, plain

NODE_TYPES = ("Organization", "Agreement", "Person", "Representation", "Initiative")


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str) -> str:
    padded = token + "=" * (-len(token) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii")).decode()


def encode_id(type_name: str, slug: str) -> str:
    return _encode(f"{type_name}:{slug}")


def decode_id(global_id: str) -> tuple[str, str]:
    """(type name, slug); a string that is not an ID of this API is a client error."""
    try:
        type_name, slug = _decode(global_id).split(":", 1)
    except (ValueError, UnicodeError, binascii.Error):
        raise BadUserInput(f"{global_id!r} is not a valid ID", argument="id") from None
    if not type_name or not slug:
        raise BadUserInput(f"{global_id!r} is not a valid ID", argument="id")
    plain(slug, "id")
    return type_name, slug


def encode_cursor(order: str, values: tuple[Any, ...]) -> str:
    """base64url of compact JSON, non-ASCII as UTF-8: the text PostgreSQL's to_json spells
    too, so a compiled query builds the very same cursor in SQL."""
    return _encode(json.dumps([order, *values], separators=(",", ":"), ensure_ascii=False))


LARGEST_INT = 2**53  # the sort keys are years and positions; anything larger is forged


def decode_cursor(cursor: str, *, order: str, types: tuple[type, ...], argument: str) -> list[Any]:
    """The sort-key values in a cursor made by the same ordering, or a client error."""
    try:
        decoded = json.loads(_decode(cursor))
    except (ValueError, UnicodeError, binascii.Error):
        decoded = None
    if not isinstance(decoded, list) or len(decoded) != len(types) + 1 or decoded[0] != order:
        raise BadUserInput(
            f"{argument}: {cursor!r} is not a cursor of this connection and ordering",
            argument=argument,
        )
    values: list[Any] = decoded[1:]
    for value, expected in zip(values, types, strict=True):
        # bool is an int to Python; a cursor never holds one
        valid = type(value) is expected and not (type(value) is int and abs(value) > LARGEST_INT)
        if not valid:
            raise BadUserInput(f"{argument}: {cursor!r} is not a valid cursor", argument=argument)
        if isinstance(value, str):
            plain(value, argument)
    return values
