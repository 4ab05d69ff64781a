"""The Subscription root, over WebSocket (graphql-transport-ws on /graphql): the audit
trail as it grows, and live queries. The work is service/live's; this validates arguments,
checks who may see what, and turns rows into the API's types."""

from collections.abc import AsyncGenerator
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from strawberry.scalars import JSON

from service.auth.principal import Role
from service.data import queries
from service.graphql.access import require
from service.graphql.context import Info
from service.graphql.errors import BadUserInput, PublicError
from service.graphql.filters import ChangeFilter
from service.graphql.ids import decode_cursor, decode_id
from service.graphql.types.change import Change, change_conditions
from service.live.feed import PAGE, Overflowed, matcher
from service.live.hub import LiveHub


def _hub(info: Info) -> LiveHub:
    hub = info.context.live
    if hub is None:  # an app without its lifespan (no revision to follow)
        raise PublicError("Live updates are not available on this server.")
    return hub


def _resume_point(after: str | None, hub: LiveHub) -> int:
    """Where a `changes` subscription starts: after the entry `after` names (a Change's ID,
    or a cursor from the `changes` connection), or with the next change."""
    if after is None:
        return hub.feed.last_id
    try:
        type_name, key = decode_id(after)
        if type_name == "Change" and key.isdigit():
            return int(key)
    except BadUserInput:
        pass
    (entry,) = decode_cursor(after, order="changes:id", types=(int,), argument="after")
    return int(entry)


def _live_document(query: str) -> None:
    """A live query is a query: refused here, before anything runs, if it is not one."""
    try:
        document = parse(query)
    except GraphQLError as error:
        raise BadUserInput(
            f"query is not valid GraphQL: {error.message}", argument="query"
        ) from None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
        raise BadUserInput("query must hold exactly one query operation", argument="query")


@strawberry.type(
    description="Updates pushed over WebSocket (graphql-transport-ws on /graphql) the moment a "
    "change commits, on every replica (docs/live.md)."
)
class Subscription:
    @strawberry.subscription(
        description="Each change to the directory as it is committed (an audit trail entry), "
        "oldest first. `after` (a Change's `id`, or a `changes` cursor) resumes after that "
        "entry, so a client that reconnects misses nothing; one that reads slowly gets every "
        "change, in order, at its own pace. Editors and admins only."
    )
    async def changes(
        self,
        info: Info,
        after: Annotated[
            str | None,
            strawberry.argument(description="Resume after this change (its ID or cursor)."),
        ] = None,
        filter: Annotated[
            ChangeFilter | None, strawberry.argument(description="Conditions to match.")
        ] = None,
    ) -> AsyncGenerator[Change, None]:
        await require(info, Role.EDITOR)
        hub = _hub(info)
        conditions = change_conditions(filter)
        backlog = queries.changes_query(**conditions)
        last = _resume_point(after, hub)
        while True:  # each turn: catch up from the log, then follow the feed until it overflows
            subscriber = hub.feed.subscribe(matcher(conditions))
            try:
                while last < subscriber.watermark:
                    rows = await hub.feed.page(backlog, last, subscriber.watermark)
                    for row in rows:
                        info.context.refresh_loaders()
                        yield Change.from_row(row)
                        last = row.id
                    if len(rows) < PAGE:
                        last = max(last, subscriber.watermark)
                while True:
                    try:
                        row = await subscriber.next()
                    except Overflowed:
                        # More changes came than this subscriber was sending (a burst, or a
                        # client not reading): its queue is dropped, and it reads on from
                        # the log at its own pace, from the last change it sent.
                        break
                    if row.id > last:
                        info.context.refresh_loaders()
                        yield Change.from_row(row)
                        last = row.id
            finally:
                hub.feed.unsubscribe(subscriber)

    @strawberry.subscription(
        description="A live query: the answer to `query` (a query operation, with `variables`) "
        "now, and again each time a change alters it; nothing is sent while it stays the same. "
        "Subscribers of the same query and variables share one execution per change. Runs as "
        "an anonymous reader. Each message is the query's response: "
        '{"data": ..., "errors": ...}.'
    )
    async def live(
        self,
        info: Info,
        query: Annotated[str, strawberry.argument(description="The query to keep answering.")],
        variables: Annotated[JSON | None, strawberry.argument(description="Its variables.")] = None,
    ) -> AsyncGenerator[JSON, None]:
        hub = _hub(info)
        _live_document(query)
        if variables is not None and not isinstance(variables, dict):
            raise BadUserInput("variables must be a JSON object", argument="variables")
        given: dict[str, Any] | None = variables
        queue, key = await hub.answers.subscribe(query, given, await hub.revision.fresh())
        try:
            while True:
                yield await queue.get()  # decoded once for every subscriber
        finally:
            hub.answers.unsubscribe(key, queue)
