"""The root Query: thin resolvers that validate arguments and hand off to queries/loaders.

The fields that take arguments a client can get wrong (`nodes`, `organizations`, `people`,
`agreements`, `search`) are nullable: a bad argument nulls that field alone, with its error
at its path, and the other root fields of the request still answer (a non-null root field's
error would null the whole `data`)."""

import asyncio
from typing import Annotated, Any

import strawberry

from service.auth.principal import Role
from service.data import queries
from service.graphql.access import require
from service.graphql.arguments import SEARCH_RESULTS, search_words
from service.graphql.context import Info
from service.graphql.errors import BadUserInput, plain
from service.graphql.filters import (
    AgreementFilter,
    ChangeFilter,
    OrganizationFilter,
    OrganizationOrder,
    PersonFilter,
)
from service.graphql.ids import NODE_TYPES, decode_id
from service.graphql.paging import paginate
from service.graphql.questions import AsOf, neighborhood, path
from service.graphql.types.agreement import Agreement
from service.graphql.types.change import Change, change_conditions, load_change
from service.graphql.types.connection import After, Before, Connection, First, Last
from service.graphql.types.dataset import Dataset
from service.graphql.types.initiative import Initiative
from service.graphql.types.node import Node
from service.graphql.types.organization import Organization
from service.graphql.types.person import Person
from service.graphql.types.representation import Representation
from service.graphql.types.viewer import Viewer

BUILDERS: dict[str, Any] = {
    "Organization": Organization.from_row,
    "Agreement": Agreement.from_row,
    "Person": Person.from_row,
    "Representation": Representation.from_row,
    "Initiative": Initiative.from_row,
}
assert set(BUILDERS) == set(NODE_TYPES)

SearchResult = Annotated[
    Organization | Person | Agreement | Initiative,
    strawberry.union("SearchResult", description="Anything `search` can find."),
]


def _organization_ordering(order: OrganizationOrder | None) -> queries.Ordering:
    order = order or OrganizationOrder()
    return queries.organization_ordering(order.field.name, order.direction.name)


async def _load_nodes(info: Info, keys: list[tuple[str, str]]) -> list[Any | None]:
    """Objects by (type, slug), in order; loads run together so each type is one batch."""

    async def load(type_name: str, slug: str) -> Any | None:
        if type_name == "Change":  # editors only, refused before anything is read
            return await load_change(info, slug)
        if type_name not in BUILDERS:
            return None
        row = await info.context.loaders.by_slug[type_name].load(slug)
        return BUILDERS[type_name](row) if row else None

    return list(await asyncio.gather(*(load(type_name, slug) for type_name, slug in keys)))


@strawberry.type(description="Read the ISCT partner network.")
class Query:
    @strawberry.field(description="Fetch any object by its global ID; null if it does not exist.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")],
    ) -> Node | None:
        (found,) = await _load_nodes(info, [decode_id(id)])
        return found

    @strawberry.field(description="Fetch many objects by global ID, in order; null where missing.")
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global IDs.")],
    ) -> list[Node | None] | None:
        maximum = info.context.settings.max_page_size
        if len(ids) > maximum:
            raise BadUserInput(f"ids takes at most {maximum} IDs, got {len(ids)}", argument="ids")
        return await _load_nodes(info, [decode_id(global_id) for global_id in ids])

    @strawberry.field(description='One organization by slug ("fact"); null if there is none.')
    async def organization(
        self, info: Info, slug: Annotated[str, strawberry.argument(description="Its slug.")]
    ) -> Organization | None:
        row = await info.context.loaders.by_slug["Organization"].load(plain(slug, "slug") or "")
        return Organization.from_row(row) if row else None

    @strawberry.field(description="Organizations, sorted by name unless `orderBy` says otherwise.")
    async def organizations(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            OrganizationFilter | None, strawberry.argument(description="Conditions to match.")
        ] = None,
        order_by: Annotated[
            OrganizationOrder | None, strawberry.argument(description="Sort order (default: name).")
        ] = None,
        as_of: AsOf = None,
    ) -> Connection[Organization] | None:
        f = filter or OrganizationFilter()
        query = queries.organizations_query(
            info.context.engine.dialect.name,
            category=f.category.name if f.category else None,
            region=plain(f.region, "filter.region"),
            agreement_kind=f.agreement_kind.name if f.agreement_kind else None,
            terms=search_words(f.search, "filter.search"),
            as_of=as_of,
        )
        return await paginate(
            info, query, _organization_ordering(order_by), Organization.from_row,
            first=first, after=after, last=last, before=before,
        )  # fmt: skip

    @strawberry.field(description='One person by slug ("patrick-hanley"); null if there is none.')
    async def person(
        self, info: Info, slug: Annotated[str, strawberry.argument(description="Their slug.")]
    ) -> Person | None:
        row = await info.context.loaders.by_slug["Person"].load(plain(slug, "slug") or "")
        return Person.from_row(row) if row else None

    @strawberry.field(description="People, sorted by name.")
    async def people(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            PersonFilter | None, strawberry.argument(description="Conditions to match.")
        ] = None,
    ) -> Connection[Person] | None:
        f = filter or PersonFilter()
        query = queries.people_query(
            info.context.engine.dialect.name,
            organization=plain(f.organization, "filter.organization"),
            terms=search_words(f.search, "filter.search"),
        )
        return await paginate(
            info, query, queries.PEOPLE_BY_NAME, Person.from_row,
            first=first, after=after, last=last, before=before,
        )  # fmt: skip

    @strawberry.field(description="Agreements, sorted by title.")
    async def agreements(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            AgreementFilter | None, strawberry.argument(description="Conditions to match.")
        ] = None,
        as_of: AsOf = None,
    ) -> Connection[Agreement] | None:
        f = filter or AgreementFilter()
        if f.year_from is not None and f.year_to is not None and f.year_from > f.year_to:
            raise BadUserInput("filter.yearFrom must not be after filter.yearTo")
        query = queries.agreements_query(
            kind=f.kind.name if f.kind else None,
            year_from=f.year_from,
            year_to=f.year_to,
            party=plain(f.party, "filter.party"),
            as_of=as_of,
        )
        return await paginate(
            info, query, queries.AGREEMENTS_BY_TITLE, Agreement.from_row,
            first=first, after=after, last=last, before=before,
        )  # fmt: skip

    @strawberry.field(
        description="The audit trail: every change to every record, by the API or the seed "
        "loader, oldest first (`last: N` for the newest N; `after` resumes from the last entry "
        "read). Editors and admins only (docs/audit.md)."
    )
    async def changes(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            ChangeFilter | None, strawberry.argument(description="Conditions to match.")
        ] = None,
    ) -> Connection[Change]:
        await require(info, Role.EDITOR)
        query = queries.changes_query(**change_conditions(filter))
        return await paginate(
            info, query, queries.CHANGES_BY_ID, Change.from_row,
            first=first, after=after, last=last, before=before,
        )  # fmt: skip

    @strawberry.field(
        description="Who is asking: the caller the request's `Authorization` names; null for an "
        "anonymous request (an UNAUTHENTICATED error for credentials that are not valid)."
    )
    async def viewer(self, info: Info) -> Viewer | None:
        principal = await info.context.principal()
        return None if principal is None else Viewer.of(principal)

    path = strawberry.field(
        resolver=path,
        description="How two organizations are connected: every shortest path of ties between "
        "them (at most `maxHops`), sorted by the slugs along it; one statement (docs/graph.md).",
    )
    neighborhood = strawberry.field(
        resolver=neighborhood,
        description="Every organization within `hops` ties of one, with its distance and the "
        "tie that reached it; nearest first, then by slug (docs/graph.md).",
    )

    @strawberry.field(
        description="Where the data comes from and which load it is as of, so a client can "
        'show "as of ...".'
    )
    async def dataset(self, info: Info) -> Dataset:
        return await Dataset.current(info)

    @strawberry.field(
        description="Full-text search over names, acronyms, descriptions, roles and initiatives. "
        "Every word must match, stop words included; the last one may be a prefix. Best match "
        "first: an exact acronym, then an exact name, then names holding every word, then the "
        "rest; shorter names (descriptions, for the rest) first within each, then by type."
    )
    async def search(
        self,
        info: Info,
        query: Annotated[str, strawberry.argument(description="Words to look for.")],
        first: Annotated[
            int | None, strawberry.argument(description="At most this many results (0..100).")
        ] = SEARCH_RESULTS,
    ) -> list[SearchResult] | None:
        maximum = info.context.settings.max_page_size
        limit = SEARCH_RESULTS if first is None else first
        if not 0 <= limit <= maximum:
            raise BadUserInput(f"first must be between 0 and {maximum}, got {limit}")
        terms = search_words(query, "query")
        assert terms is not None
        async with info.context.engine.connect() as conn:
            hits = await queries.search(conn, terms, limit)
        found = await _load_nodes(info, [(row.kind, row.slug) for row in hits])
        return [node for node in found if node is not None]
