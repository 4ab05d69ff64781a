"""What a client sees of an error: its own mistakes in full, our failures never in detail.

Errors the client can act on (parse, validation, variables, PublicError) pass through. The
database being unreachable or out of connections becomes SERVICE_UNAVAILABLE with HTTP 503,
so load balancers and clients retry; anything else becomes a generic INTERNAL error whose
details only reach the log.
"""

from typing import Any

import sqlalchemy.exc
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

INTERNAL_MESSAGE = "Internal server error"
UNAVAILABLE_MESSAGE = "The database is unavailable or busy; retry shortly."
UNAVAILABLE = (
    sqlalchemy.exc.TimeoutError,  # no free connection within the pool timeout
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    ConnectionError,
    TimeoutError,
)


def is_public(error: GraphQLError) -> bool:
    """Parse, validation, variable and client errors are the client's to read (graphql-core
    wraps a variable-coercion error around another GraphQLError)."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


def is_unavailable(error: GraphQLError) -> bool:
    return isinstance(error.original_error, UNAVAILABLE)


class PublicErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not is_public(error))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if is_unavailable(error):
            self._set_status(503)
            return self._replace(error, UNAVAILABLE_MESSAGE, "SERVICE_UNAVAILABLE")
        return self._replace(error, INTERNAL_MESSAGE, "INTERNAL")

    def _replace(self, error: GraphQLError, message: str, code: str) -> GraphQLError:
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": code},
        )

    def _set_status(self, status: int) -> None:
        response: Any = getattr(self.execution_context.context, "response", None)
        if response is not None:
            response.status_code = status
