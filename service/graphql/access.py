"""The one rule for who may do what: resolve the request's credentials once, check that
editing is switched on, then compare roles. Refusals are GraphQL errors with
`UNAUTHENTICATED` (no or bad credentials) or `FORBIDDEN` (editing off, or a role too low),
which never say whether a token exists."""

from typing import TYPE_CHECKING

from service.auth.principal import Principal, Role
from service.graphql.errors import Forbidden, Unauthenticated

if TYPE_CHECKING:
    from service.graphql.context import Info


SWITCHED_OFF = "Editing is switched off on this server."


async def require(info: "Info", role: Role) -> Principal:
    """The caller, if it holds `role` or a higher one; otherwise the refusal. Anonymous
    callers learn they must sign in before they learn whether editing is on."""
    principal = await info.context.principal()
    if principal is None:
        raise Unauthenticated("Sign in: this needs an API token or a single sign-on token.")
    if not await info.context.editing_enabled():
        raise Forbidden(SWITCHED_OFF)
    if principal.role < role:
        raise Forbidden(f"This needs the {role.name.lower()} role.")
    return principal
