"""What a client sees of an error: its own mistakes in full, our failures never in detail.

Errors the client can act on (parse, validation, variables, PublicError) pass through. The
database being unavailable (unreachable, out of connections, shutting down, busy: as
service/data/failures.py reads the driver's error code, the same on both engines) becomes
SERVICE_UNAVAILABLE with HTTP 503, so load balancers and clients retry; anything else,
a missing table included, becomes a generic INTERNAL error whose details only reach the log.
"""

import re
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from service.data import failures
from service.http.observability import current_request

INTERNAL_MESSAGE = "Internal server error (the log has the details under this requestId)"
UNAVAILABLE_MESSAGE = "The database is unavailable or busy; retry shortly."


def is_public(error: GraphQLError) -> bool:
    """Parse, validation, variable and client errors are the client's to read (graphql-core
    wraps a variable-coercion error around another GraphQLError)."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


def is_unavailable(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and failures.is_unavailable(original)


SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def _code(error: GraphQLError) -> str:
    """A stable code for the errors graphql-core and Strawberry raise without one."""
    if isinstance(error.original_error, GraphQLError):
        return "BAD_USER_INPUT"  # a variable's value does not fit its type
    if "Document contains more than" in error.message:
        return "QUERY_TOO_COMPLEX"  # too many tokens
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    return "GRAPHQL_VALIDATION_FAILED"


class PublicErrors(MaskErrors):
    def __init__(self, *, suggestions: bool = False) -> None:
        super().__init__(should_mask_error=lambda _error: True)
        self.suggestions = suggestions

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        """Every error passes here (see __init__): public ones get a code and lose
        suggestions; our own failures are replaced."""
        replaced = self._public(error) if is_public(error) else self._unexpected(error)
        record = current_request()
        if record is not None:
            record.error_codes.append(str((replaced.extensions or {}).get("code")))
        return replaced

    def _public(self, error: GraphQLError) -> GraphQLError:
        extensions = dict(error.extensions or {})
        extensions.setdefault("code", _code(error))
        message = error.message if self.suggestions else SUGGESTION.sub("", error.message)
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=error.original_error,
            extensions=extensions,
        )

    def _unexpected(self, error: GraphQLError) -> GraphQLError:
        if is_unavailable(error):
            self._set_status(503)
            return self._replace(error, UNAVAILABLE_MESSAGE, "SERVICE_UNAVAILABLE")
        record = current_request()
        request_id = record.request_id if record else None
        return self._replace(error, INTERNAL_MESSAGE, "INTERNAL", requestId=request_id)

    def _replace(
        self, error: GraphQLError, message: str, code: str, **details: Any
    ) -> GraphQLError:
        extensions = {"code": code, **{k: v for k, v in details.items() if v is not None}}
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )

    def _set_status(self, status: int) -> None:
        response: Any = getattr(self.execution_context.context, "response", None)
        if response is not None:
            response.status_code = status
