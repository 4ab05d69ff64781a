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


class Unauthenticated(PublicError):
    """No credentials where a role is needed, or credentials that are not valid."""

    code = "UNAUTHENTICATED"


class Forbidden(PublicError):
    """A role too low, or editing switched off."""

    code = "FORBIDDEN"


def plain(value: str | None, argument: str) -> str | None:
    """Text a client passes on to SQL: a NUL character is no slug or region anywhere, and
    PostgreSQL cannot even hold one, so it is the client's error, not ours."""
    if value is not None and "\x00" in value:
        raise BadUserInput(f"{argument} must not contain NUL characters", argument=argument)
    return value
