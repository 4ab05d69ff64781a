"""The one rule for who may do what: resolve the request's credentials once, then compare
roles. Refusals are GraphQL errors with `UNAUTHENTICATED` (no or bad credentials) or
`FORBIDDEN` (a role too low), which never say whether a token exists."""

from typing import TYPE_CHECKING

from service.auth.principal import Principal, Role
from service.graphql.errors import PublicError

if TYPE_CHECKING:
    from service.graphql.context import Info


class Unauthenticated(PublicError):
    code = "UNAUTHENTICATED"


class Forbidden(PublicError):
    code = "FORBIDDEN"


async def require(info: "Info", role: Role) -> Principal:
    """The caller, if it holds `role` or a higher one; otherwise the refusal."""
    principal = await info.context.principal()
    if principal is None:
        raise Unauthenticated("Sign in: this needs an API token or a single sign-on token.")
    if principal.role < role:
        raise Forbidden(f"This needs the {role.name.lower()} role.")
    return principal
