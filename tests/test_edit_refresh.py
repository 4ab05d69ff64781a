"""An edit refreshes only the ties and search documents it may change (service/data/ties.py,
search_index.py): after every edit made through the API, on both engines, `graph_tie` and
`search_index` hold row for row what a full rebuild of them gives (worked out in a
transaction that is rolled back). Edits of every kind, on the curated dataset and on a
synthetic one, then a run of random edits."""

import random
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from service.data.engine import for_writes
from service.data.search_index import SEARCH_INDEX, rebuild_search_index
from service.data.ties import COLUMNS, rebuild_ties
from tests.test_mutations import DELETE, Send, gid, payload, send, tokens

__all__ = ["send", "tokens"]  # fixtures

NOTE = {"editorialNote": "Checked against both societies' announcements."}
INDEX_COLUMNS = ("kind", "slug", "keys", "name", "body")
Rows = Counter[tuple[Any, ...]]


async def _derived(conn: AsyncConnection) -> tuple[Rows, Rows]:
    ties = await conn.execute(sa.text(f"SELECT {', '.join(COLUMNS)} FROM graph_tie"))
    index = await conn.execute(sa.select(*(SEARCH_INDEX.c[c] for c in INDEX_COLUMNS)))
    return Counter(map(tuple, ties.all())), Counter(map(tuple, index.all()))


async def assert_as_rebuilt(app: Any, after: str) -> None:
    """The stored ties and index are what a full rebuild gives, now."""
    async with for_writes(app.state.engine).connect() as conn:
        transaction = await conn.begin()
        try:
            stored = await _derived(conn)
            await rebuild_search_index(conn)
            await rebuild_ties(conn)
            rebuilt = await _derived(conn)
        finally:
            await transaction.rollback()
    for name, have, want in zip(("graph_tie", "search_index"), stored, rebuilt, strict=True):
        extra, missing = sorted(map(repr, have - want)), sorted(map(repr, want - have))
        assert not extra, (after, name, "stored, not rebuilt", extra[:5])
        assert not missing, (after, name, "rebuilt, not stored", missing[:5])


def _field(type_name: str) -> str:
    return type_name[0].lower() + type_name[1:]


async def version(send: Send, type_name: str, slug: str) -> int:
    body = await send(
        f"query($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ version }} }} }}",
        {"id": gid(type_name, slug)},
    )
    found: int = body["data"]["node"]["version"]
    return found


async def create(send: Send, type_name: str, fields: dict[str, Any]) -> list[Any]:
    mutation = (
        f"mutation($input: Create{type_name}Input!) {{ create{type_name}(input: $input) "
        f"{{ {_field(type_name)} {{ id }} userErrors {{ field message code }} }} }}"
    )
    made = payload(
        await send(mutation, {"input": {**fields, "evidence": NOTE}}), f"create{type_name}"
    )
    errors: list[Any] = made["userErrors"]
    return errors


async def update(send: Send, type_name: str, slug: str, fields: dict[str, Any]) -> list[Any]:
    mutation = (
        f"mutation($input: Update{type_name}Input!) {{ update{type_name}(input: $input) "
        f"{{ {_field(type_name)} {{ id }} userErrors {{ field message code }} }} }}"
    )
    given = {
        "id": gid(type_name, slug), "expectedVersion": await version(send, type_name, slug),
        **fields, "evidence": NOTE,
    }  # fmt: skip
    made = payload(await send(mutation, {"input": given}), f"update{type_name}")
    errors: list[Any] = made["userErrors"]
    return errors


async def delete(send: Send, type_name: str, slug: str) -> list[Any]:
    given = {"id": gid(type_name, slug), "expectedVersion": await version(send, type_name, slug)}
    made = payload(
        await send(DELETE.format(name=f"delete{type_name}"), {"input": given}, as_="admin"),
        f"delete{type_name}",
    )
    errors: list[Any] = made["userErrors"]
    return errors


# Each step: (what it does, the mutation's type, create/update/delete, slug, fields).
CURATED_STEPS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("a unit of ISCT", "Organization", "create", "cell-unit",
     {"slug": "cell-unit", "name": "Cell Unit", "category": "RELATED", "foundedYear": 2001,
      "parent": "isct"}),
    ("a body with no year", "Organization", "create", "cell-society",
     {"slug": "cell-society", "name": "Cell Society", "category": "PARTNER"}),
    ("a co-founding of three", "Agreement", "create", "three-found-cell",
     {"slug": "three-found-cell", "kind": "CO_FOUNDING", "title": "Three found Cell Society",
      "year": 1999, "parties": ["ebmt", "fact", "cell-unit"], "establishes": "cell-society"}),
    ("an MOU of four", "Agreement", "create", "four-mou",
     {"slug": "four-mou", "kind": "MEMORANDUM_OF_UNDERSTANDING", "title": "Four MOU",
      "parties": ["jacie", "nasem-forum-on-regenerative-medicine", "carm", "ctlag"]}),
    ("a party's founding year", "Organization", "update", "fact", {"foundedYear": 2005}),
    ("the established body's year", "Organization", "update", "cell-society",
     {"foundedYear": 2010}),
    ("a parent's year (roll-up)", "Organization", "update", "nasem", {"foundedYear": 1863}),
    ("a unit's year", "Organization", "update", "cell-unit", {"foundedYear": 2020}),
    ("a unit moves", "Organization", "update", "cell-unit", {"parent": "ebmt"}),
    ("a unit leaves", "Organization", "update", "nasem-forum-on-regenerative-medicine",
     {"parent": None}),
    ("a unit joins", "Organization", "update", "nasem-forum-on-regenerative-medicine",
     {"parent": "nasem"}),
    ("the parties change", "Agreement", "update", "three-found-cell",
     {"parties": ["isct", "fact", "wmda"], "year": 2011}),
    ("the kind changes", "Agreement", "update", "four-mou",
     {"kind": "CO_FOUNDING", "establishes": "cytotherapy"}),
    ("a person", "Person", "create", "sam-seat", {"slug": "sam-seat", "name": "Sam Seat"}),
    ("a seat", "Representation", "create", "sam-seat--fact",
     {"person": "sam-seat", "organization": "fact", "onBehalfOf": "isct", "role": "Liaison"}),
    ("a second seat", "Representation", "create", "sam-seat--cell-unit",
     {"person": "sam-seat", "organization": "cell-unit", "onBehalfOf": "isct",
      "role": "Observer"}),
    ("a third seat", "Representation", "create", "sam-seat--nasem-forum-on-regenerative-medicine",
     {"person": "sam-seat", "organization": "nasem-forum-on-regenerative-medicine",
      "onBehalfOf": "carm", "role": "Member"}),
    ("a seat held for another", "Representation", "update", "sam-seat--fact",
     {"onBehalfOf": "ebmt", "role": "Board Liaison"}),
    ("a person's credentials", "Person", "update", "sam-seat", {"credentials": ["MD"]}),
    ("an initiative", "Initiative", "create", "cell-days",
     {"slug": "cell-days", "name": "Cell Days", "kind": "meeting",
      "organizations": ["isct", "cell-society"], "hosts": ["fact"]}),
    ("an initiative's members", "Initiative", "update", "cell-days",
     {"organizations": ["cell-unit"], "recurrence": "annual"}),
    ("a body's description", "Organization", "update", "isct", {"description": "Renamed."}),
    ("a seat goes", "Representation", "delete", "sam-seat--cell-unit", {}),
    ("an agreement goes", "Agreement", "delete", "three-found-cell", {}),
    ("the other agreement goes", "Agreement", "delete", "four-mou", {}),
    ("an initiative goes", "Initiative", "delete", "cell-days", {}),
    ("the last seats go", "Representation", "delete", "sam-seat--fact", {}),
    ("", "Representation", "delete", "sam-seat--nasem-forum-on-regenerative-medicine", {}),
    ("a person goes", "Person", "delete", "sam-seat", {}),
    ("a unit goes", "Organization", "delete", "cell-unit", {}),
    ("a body goes", "Organization", "delete", "cell-society", {}),
]  # fmt: skip


async def _step(send: Send, type_name: str, action: str, slug: str, fields: Any) -> list[Any]:
    if action == "create":
        return await create(send, type_name, fields)
    if action == "delete":
        return await delete(send, type_name, slug)
    return await update(send, type_name, slug, fields)


async def test_every_kind_of_edit_leaves_the_ties_and_the_index_as_a_rebuild_would(
    app: Any, send: Send
) -> None:
    await assert_as_rebuilt(app, "the load")
    for what, type_name, action, slug, fields in CURATED_STEPS:
        errors = await _step(send, type_name, action, slug, fields)
        assert errors == [], (what, errors)
        await assert_as_rebuilt(app, f"{action} {type_name} {slug}: {what}")


async def _random_edit(send: Send, rng: random.Random, n: int, i: int) -> tuple[str, list[Any]]:
    """One edit of a synthetic directory of `n` bodies (it may be refused: a cycle)."""
    org = f"org-{rng.randrange(n)}"
    others = [f"org-{k}" for k in rng.sample(range(n), 3)]
    choice = rng.randrange(7)
    if choice == 0:
        year = rng.choice([None, 1900 + rng.randrange(125)])
        return f"{org} founded {year}", await update(
            send, "Organization", org, {"foundedYear": year}
        )
    if choice == 1:
        parent = rng.choice([None, others[0]])
        return f"{org} under {parent}", await update(send, "Organization", org, {"parent": parent})
    if choice == 2:
        fields = {"slug": f"random-{i}", "kind": "CO_FOUNDING", "title": f"Random {i}",
                  "year": rng.choice([None, 2000 + i]), "parties": others[:2],
                  "establishes": others[2]}  # fmt: skip
        return f"co-founding {others}", await create(send, "Agreement", fields)
    if choice == 3:
        agreement = f"agreement-{rng.randrange(n * 3 // 2)}"
        fields = {"parties": others, "year": rng.choice([None, 1990 + i])}
        return f"{agreement} parties {others}", await update(send, "Agreement", agreement, fields)
    if choice == 4:
        person = f"person-{rng.randrange(n * 6 // 5)}"
        fields = {"person": person, "organization": org, "onBehalfOf": others[0], "role": "Chair"}
        return f"{person} sits at {org}", await create(send, "Representation", fields)
    if choice == 5:
        seat = f"person-{rng.randrange(n * 6 // 5)}"
        found = await send(
            "query($id: ID!) { node(id: $id) { ... on Person { seats: representations { id "
            "organization { slug } } } } }",
            {"id": gid("Person", seat)},
        )
        held = (found.get("data") or {}).get("node") or {}
        if not held.get("seats"):
            return "no seat to move", []
        slug = f"{seat}--{held['seats'][0]['organization']['slug']}"
        return f"{slug} for {others[0]}", await update(
            send, "Representation", slug, {"onBehalfOf": others[0]}
        )
    agreement = f"agreement-{rng.randrange(n * 3 // 2)}"
    return f"{agreement} goes", await delete(send, "Agreement", agreement)


@pytest.mark.dataset("synthetic:300")
async def test_random_edits_of_a_synthetic_directory_leave_what_a_rebuild_would(
    app: Any, send: Send
) -> None:
    rng = random.Random(20261130)
    await assert_as_rebuilt(app, "the load")
    made = 0
    for i in range(30):
        what, errors = await _random_edit(send, rng, 300, i)
        made += not errors
        await assert_as_rebuilt(app, f"edit {i}: {what} {errors}")
    assert made >= 20, made  # most of them were made, not refused
