"""The graph questions' root fields, `path` and `neighborhood`: their arguments checked
here, answered by one statement each (service/data/graph.py)."""

from typing import Annotated

import strawberry

from service.data import graph
from service.data.models import AgreementKind as StoredAgreementKind
from service.graphql.arguments import check_size
from service.graphql.context import Info
from service.graphql.errors import BadUserInput, plain
from service.graphql.ids import decode_cursor, encode_cursor
from service.graphql.types.connection import Connection, Edge, PageInfo
from service.graphql.types.enums import AgreementKind
from service.graphql.types.graph import Neighbor, Path, TieKind, TieKinds

NEIGHBOURS = "neighborhood"  # the cursors' ordering: distance, then slug
PATHS = 10  # `path` answers this many paths when `first` is not given
AsOf = Annotated[
    int | None,
    strawberry.argument(
        description="The network as it stood at the end of this year; undated facts stand in "
        "every year (docs/graph.md)."
    ),
]
AgreementKinds = Annotated[
    list[AgreementKind] | None,
    strawberry.argument(description="AGREEMENT ties only through agreements of these kinds."),
]


def _question(
    via: list[TieKind] | None, agreement_kinds: list[AgreementKind] | None, as_of: int | None
) -> graph.Question:
    if via is not None and not via:
        raise BadUserInput("via must name at least one kind of tie", argument="via")
    if agreement_kinds is not None and not agreement_kinds:
        raise BadUserInput("agreementKinds must name at least one kind", argument="agreementKinds")
    return graph.Question(
        kinds=graph.ALL_KINDS if via is None else frozenset(graph.TieKind[k.name] for k in via),
        agreement_kinds=(
            None
            if agreement_kinds is None
            else frozenset(StoredAgreementKind(kind.name) for kind in agreement_kinds)
        ),
        as_of=as_of,
    )


def _slug(value: str, argument: str) -> str:
    slug = plain(value, argument)
    assert slug is not None
    return slug


def _unknown(argument: str, slug: str) -> BadUserInput:
    return BadUserInput(f"{argument}: no organization has the slug {slug!r}", argument=argument)


async def path(
    info: Info,
    from_: Annotated[
        str, strawberry.argument(name="from", description='Where to start: a slug ("ebmt").')
    ],
    to: Annotated[str, strawberry.argument(description='Where to arrive: a slug ("fact").')],
    max_hops: Annotated[
        int, strawberry.argument(description=f"At most this many ties (0..{graph.MAX_HOPS}).")
    ] = 4,
    via: TieKinds = None,
    agreement_kinds: AgreementKinds = None,
    as_of: AsOf = None,
    first: Annotated[
        int, strawberry.argument(description="At most this many paths (0..100).")
    ] = PATHS,
) -> list[Path]:
    """Every shortest connection, as sequences of organizations sorted by their slugs."""
    question = _question(via, agreement_kinds, as_of)
    check_size("maxHops", max_hops, graph.MAX_HOPS)
    check_size("first", first, info.context.settings.max_page_size)
    source, target = _slug(from_, "from"), _slug(to, "to")
    async with info.context.engine.connect() as conn:
        found = await graph.paths(conn, question, source, target, max_hops=max_hops, first=first)
    if found.source is None:
        raise _unknown("from", source)
    if found.target is None:
        raise _unknown("to", target)
    return [Path.of(rows) for rows in found.paths]


async def neighborhood(
    info: Info,
    of: Annotated[str, strawberry.argument(description='Whose neighbourhood: a slug ("isct").')],
    hops: Annotated[
        int, strawberry.argument(description=f"At most this many ties away (0..{graph.MAX_HOPS}).")
    ] = 2,
    via: TieKinds = None,
    agreement_kinds: AgreementKinds = None,
    as_of: AsOf = None,
    first: Annotated[
        int | None,
        strawberry.argument(description="Page forward: at most this many (0..100; default 100)."),
    ] = None,
    after: Annotated[
        str | None, strawberry.argument(description="Page forward from this cursor (exclusive).")
    ] = None,
) -> Connection[Neighbor]:
    """Every organization within `hops` ties, nearest first, then by slug."""
    question = _question(via, agreement_kinds, as_of)
    check_size("hops", hops, graph.MAX_HOPS)
    maximum = info.context.settings.max_page_size
    check_size("first", first, maximum)
    limit = maximum if first is None else first
    source = _slug(of, "of")
    start: tuple[int, str] | None = None
    if after is not None:
        distance, slug = decode_cursor(after, order=NEIGHBOURS, types=(int, str), argument="after")
        start = (distance, slug)
    async with info.context.engine.connect() as conn:
        found = await graph.neighborhood(
            conn, question, source, hops=hops, limit=limit + 1, after=start
        )
    if not found.known:
        raise _unknown("of", source)
    page = found.rows[:limit]
    edges = [
        Edge(cursor=encode_cursor(NEIGHBOURS, (row.distance, row.slug)), node=Neighbor.of(row))
        for row in page
    ]
    total = found.total

    async def count() -> int:
        return total

    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(found.rows) > limit,
            has_previous_page=start is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count=count,
    )
