"""Errors the client is meant to read. Anything else is masked (see schema.py)."""

from typing import Any

from graphql import GraphQLError


class PublicError(GraphQLError):
    """An error whose message is safe and useful to show the client, with a stable code."""

    code = "BAD_REQUEST"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": self.code, **extensions})


class BadUserInput(PublicError):
    code = "BAD_USER_INPUT"
