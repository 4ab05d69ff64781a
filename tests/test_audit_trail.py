"""The audit trail's read side: `changes`, each record's `history`, `node(id:)` of a Change
and `viewer`, for editors and admins only; and every record's `version` and `editorialNote`,
the same on the compiled and the resolver path.

Only loads make entries here (edits through the API have their own tests): the curated load
is one LOAD entry per record, and a second load of an edited file changes some records,
which gives entries with both `before` and `after`.
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import yaml

from service.auth.principal import Role
from service.auth.tokens import issue
from service.config import Settings
from service.data.dataset import DEFAULT_DATASET
from service.data.loader import from_file, load
from service.graphql.ids import decode_id, encode_id
from tests.conftest import serving
from tests.utils import dataset

SECTIONS = {
    "organizations": "Organization",
    "agreements": "Agreement",
    "people": "Person",
    "representations": "Representation",
    "initiatives": "Initiative",
}
ENTRY = "id at actor operation recordId version before after editorialNote requestId"
PAGE = f"totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} \
edges {{ cursor node {{ {ENTRY} }} }}"
NOTE = {"note": "Confirmed by the secretariat in 2026.", "by": "curator"}


def slug_of(section: str, record: dict[str, Any]) -> str:
    if section == "representations":
        return f"{record['person']}--{record['organization']}"
    return str(record["slug"])


def records() -> dict[str, dict[str, Any]]:
    """Every record of the curated file, by its global ID."""
    return {
        encode_id(type_name, slug_of(section, record)): record
        for section, type_name in SECTIONS.items()
        for record in dataset()[section]
    }


async def post(
    client: httpx.AsyncClient, query: str, token: str | None = None, **variables: Any
) -> dict[str, Any]:
    headers = {"accept": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body: dict[str, Any] = response.json()
    body.pop("extensions", None)
    return body


async def token_for(app: Any, name: str, role: Role = Role.EDITOR) -> str:
    async with app.state.engine.begin() as conn:
        return await issue(conn, name=name, role=role)


@pytest.fixture
async def editor(app: Any) -> str:
    return await token_for(app, "ed")


async def every_entry(client: httpx.AsyncClient, token: str, filter: Any = None) -> list[Any]:
    """The whole trail (under `filter`), page by page forward."""
    entries: list[Any] = []
    after = None
    query = f"query($after: String, $filter: ChangeFilter) {{ changes(first: 100, \
after: $after, filter: $filter) {{ {PAGE} }} }}"
    while True:
        body = await post(client, query, token, after=after, filter=filter)
        assert "errors" not in body, body
        page = body["data"]["changes"]
        entries += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(entries)
            return entries
        after = page["pageInfo"]["endCursor"]


def edited_dataset(tmp_path: Any) -> Any:
    """The curated file with FACT's description changed and a note on JACIE."""
    data = yaml.safe_load(DEFAULT_DATASET.read_text(encoding="utf-8"))
    for organization in data["organizations"]:
        if organization["slug"] == "fact":
            organization["description"] = "Edited: " + organization["description"]
        if organization["slug"] == "jacie":
            organization["editorial_note"] = dict(NOTE)
    (tmp_path / "source").symlink_to(DEFAULT_DATASET.parent / "source")
    path = tmp_path / "partners.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


async def load_edited(app: Any, tmp_path: Any) -> None:
    target, documents = from_file(edited_dataset(tmp_path))
    await load(app.state.engine, target, documents=documents)


# --- what the first load left -----------------------------------------------------------


async def test_the_curated_load_is_one_load_entry_per_record(client, editor):
    entries = await every_entry(client, editor)
    expected = records()
    assert sorted(entry["recordId"] for entry in entries) == sorted(expected)
    for entry in entries:
        assert entry["operation"] == "LOAD"
        assert entry["actor"] == "loader"
        assert entry["before"] is None
        assert entry["version"] == 1
        assert entry["editorialNote"] is None
        assert entry["requestId"] is None
        assert datetime.fromisoformat(entry["at"]).tzinfo is not None
        record = expected[entry["recordId"]]
        # the record as the file writes it: every field the file gives a value (but the
        # curators' notes, which are not data), with that value
        kept = {k: v for k, v in record.items() if k != "notes" and v not in (None, [])}
        assert {key: entry["after"].get(key) for key in kept} == kept, entry
    ids = [entry["id"] for entry in entries]
    assert len(set(ids)) == len(ids)


async def test_paging_backward_gives_the_newest_entries_in_the_same_order(client, editor):
    forward = await every_entry(client, editor)
    query = f"query($before: String) {{ changes(last: 7, before: $before) {{ {PAGE} }} }}"
    newest = (await post(client, query, editor))["data"]["changes"]
    assert [edge["node"]["id"] for edge in newest["edges"]] == [e["id"] for e in forward[-7:]]
    assert newest["pageInfo"]["hasPreviousPage"]
    assert not newest["pageInfo"]["hasNextPage"]
    older = await post(client, query, editor, before=newest["pageInfo"]["startCursor"])
    page = older["data"]["changes"]
    assert [edge["node"]["id"] for edge in page["edges"]] == [e["id"] for e in forward[-14:-7]]
    assert page["pageInfo"]["hasNextPage"]
    assert page["pageInfo"]["hasPreviousPage"]


async def test_a_page_resumes_after_the_last_entry_read(client, editor):
    forward = await every_entry(client, editor)
    query = "query($after: String) { changes(first: 3, after: $after) { edges { cursor node { id } } } }"  # noqa: E501
    first = (await post(client, query, editor))["data"]["changes"]["edges"]
    then = (await post(client, query, editor, after=first[-1]["cursor"]))["data"]["changes"]
    assert [edge["node"]["id"] for edge in first + then["edges"]] == [
        entry["id"] for entry in forward[:6]
    ]


async def test_page_sizes_are_held_to_the_connection_limit(client, editor):
    body = await post(client, "{ changes(first: 101) { totalCount } }", editor)
    assert body["data"] is None  # changes is non-null, as the contract fixes it
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# --- filters ----------------------------------------------------------------------------


async def test_each_filter_narrows_the_trail(client, editor):
    everything = await every_entry(client, editor)
    fact = encode_id("Organization", "fact")

    async def ids(**filter: Any) -> list[str]:
        return [entry["id"] for entry in await every_entry(client, editor, filter)]

    organizations = [e["id"] for e in everything if decode_id(e["recordId"])[0] == "Organization"]
    people = await ids(recordType="PERSON")
    assert len(people) == len(dataset()["people"])
    assert await ids(recordType="ORGANIZATION") == organizations
    assert await ids(recordId=fact) == [e["id"] for e in everything if e["recordId"] == fact]
    assert len(await ids(recordId=fact)) == 1
    assert await ids(recordId=fact, recordType="PERSON") == []
    assert await ids(actor="loader") == [e["id"] for e in everything]
    assert await ids(actor="someone-else") == []
    assert await ids(operation="LOAD") == [e["id"] for e in everything]
    assert await ids(operation="UPDATE") == []
    now = datetime.now(UTC)
    assert await ids(since=(now + timedelta(days=1)).isoformat()) == []
    assert await ids(until=(now - timedelta(days=3650)).isoformat()) == []
    recent = {"since": (now - timedelta(days=3650)).isoformat(), "until": now.isoformat()}
    assert await ids(**recent) == [e["id"] for e in everything]


async def test_a_filter_that_names_no_record_is_a_client_error(client, editor):
    for filter in ({"recordId": "nonsense"}, {"recordId": encode_id("Change", "1")}):
        body = await post(
            client,
            "query($f: ChangeFilter) { changes(filter: $f) { totalCount } }",
            editor,
            f=filter,
        )
        assert body["data"] is None, body  # changes is non-null
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# --- a record's history, after a second load --------------------------------------------

HISTORY = f"""{{ organization(slug: "fact") {{ version history {{ {PAGE} }} }}
  jacie: organization(slug: "jacie") {{ version editorialNote {{ note by }} }} }}"""


async def test_a_second_load_adds_entries_with_before_and_after(app, client, editor, tmp_path):
    old = next(o for o in dataset()["organizations"] if o["slug"] == "fact")["description"]
    await load_edited(app, tmp_path)
    body = await post(client, HISTORY, editor)
    assert "errors" not in body, body
    fact = body["data"]["organization"]
    assert fact["version"] == 2
    history = [edge["node"] for edge in fact["history"]["edges"]]
    assert [(entry["operation"], entry["version"]) for entry in history] == [
        ("LOAD", 1),
        ("LOAD", 2),
    ]
    created, changed = history
    assert created["before"] is None
    assert changed["before"] == created["after"]
    assert changed["before"]["description"] == old
    assert changed["after"]["description"] == "Edited: " + old
    assert body["data"]["jacie"] == {"version": 2, "editorialNote": NOTE}
    newest = await post(
        client, '{ organization(slug: "fact") { history(last: 1) { nodes { id } } } }', editor
    )
    assert newest["data"]["organization"]["history"]["nodes"] == [{"id": changed["id"]}]


async def test_history_is_there_for_every_kind_of_record(client, editor):
    query = """{ agreements(first: 1) { nodes { id history { nodes { recordId record { id } } } } }
      people(first: 1) { nodes { id history { nodes { recordId record { id } } } } }
      organizations(first: 1) { nodes { id representatives { id history { totalCount } }
        initiatives { id history { totalCount } } } } }"""
    body = await post(client, query, editor)
    assert "errors" not in body, body
    for root in ("agreements", "people"):
        (node,) = body["data"][root]["nodes"]
        assert node["history"]["nodes"] == [{"recordId": node["id"], "record": {"id": node["id"]}}]
    (organization,) = body["data"]["organizations"]["nodes"]
    for item in organization["representatives"] + organization["initiatives"]:
        assert item["history"]["totalCount"] == 1


# --- node(id:) of a Change ----------------------------------------------------------------


async def test_a_change_is_a_node_for_editors(client, editor):
    (entry, *_) = await every_entry(client, editor)
    query = f"query($id: ID!) {{ node(id: $id) {{ __typename ... on Change {{ {ENTRY} }} }} }}"
    body = await post(client, query, editor, id=entry["id"])
    assert body == {"data": {"node": {"__typename": "Change", **entry}}}
    missing = await post(client, query, editor, id=encode_id("Change", "999999"))
    assert missing == {"data": {"node": None}}
    listed = await post(
        client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", editor,
        ids=[entry["id"], encode_id("Organization", "fact")],
    )  # fmt: skip
    assert [node["id"] for node in listed["data"]["nodes"]] == [
        entry["id"],
        encode_id("Organization", "fact"),
    ]


# --- who may read -------------------------------------------------------------------------

REFUSED = {
    "changes": "{ changes { totalCount nodes { actor after } } }",
    "filtered": '{ changes(last: 1, filter: {actor: "loader"}) { nodes { id } } }',
    "history": '{ organization(slug: "fact") { history { nodes { after } } } }',
}


async def test_anonymous_callers_are_refused_every_read_of_the_trail(client, editor):
    (entry, *_) = await every_entry(client, editor)
    for name, query in REFUSED.items():
        body = await post(client, query)
        assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"]
        assert "loader" not in json.dumps(body["data"]), (name, body)
    node = "query($id: ID!) { node(id: $id) { ... on Change { actor after } } }"
    answers = [
        await post(client, node, id=global_id)
        for global_id in (entry["id"], encode_id("Change", "999999"), encode_id("Change", "x"))
    ]
    assert answers[0] == answers[1] == answers[2], answers
    assert answers[0]["data"] == {"node": None}
    assert answers[0]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "errors" not in await post(client, node, editor, id=entry["id"])


async def test_the_viewer_is_the_caller(app, client, editor):
    admin = await token_for(app, "boss", Role.ADMIN)
    query = "{ viewer { name role } }"
    assert await post(client, query) == {"data": {"viewer": None}}
    assert await post(client, query, editor) == {
        "data": {"viewer": {"name": "ed", "role": "EDITOR"}}
    }
    assert (await post(client, query, admin))["data"]["viewer"] == {"name": "boss", "role": "ADMIN"}
    bad = await post(client, query, "not-a-token")
    assert bad["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# --- version and editorialNote on both paths ---------------------------------------------

EDIT_STATE = "version editorialNote { __typename note by }"
BOTH_PATHS = f"""{{
  organizations(first: 100) {{ nodes {{ slug {EDIT_STATE}
    agreements {{ {EDIT_STATE} parties {{ {EDIT_STATE} }} }}
    representatives {{ {EDIT_STATE} person {{ {EDIT_STATE} source {{ document quote }} }} }}
    initiatives {{ {EDIT_STATE} }} }} }}
  people(first: 100) {{ nodes {{ slug {EDIT_STATE} source {{ __typename document quote }} }} }}
  jacie: organization(slug: "jacie") {{ {EDIT_STATE} }}
  node(id: "{encode_id("Organization", "fact")}") {{ ... on Organization {{ {EDIT_STATE} }} }}
}}"""
WITH_HISTORY = '{ organization(slug: "fact") { version history { totalCount } } }'


async def answers(url: str, query: str, token: str | None) -> dict[bool, tuple[Any, int]]:
    """The body and the count of SQL statements, from the compiled and the resolver path."""
    found = {}
    for compiled in (True, False):
        settings = Settings(database_url=url, compiled_queries=compiled, response_cache_bytes=0)
        async with serving(settings) as (client, sql):
            await post(client, "{ __typename }")  # warm up: lifespan statements are not ours
            sql.statements.clear()
            found[compiled] = (await post(client, query, token), len(sql.statements))
    return found


async def test_version_and_editorial_note_are_the_same_on_both_paths(
    app, editor, settings, tmp_path
):
    await load_edited(app, tmp_path)
    found = await answers(settings.database_url, BOTH_PATHS, None)
    (compiled, statements), (resolved, _) = found[True], found[False]
    assert "errors" not in resolved, resolved
    assert compiled == resolved
    assert statements == 1  # still one compiled statement
    assert resolved["data"]["jacie"]["editorialNote"] == {"__typename": "EditorialNote", **NOTE}
    assert resolved["data"]["node"]["version"] == 2
    people = resolved["data"]["people"]["nodes"]
    assert any(person["source"] for person in people)


async def test_the_trail_falls_back_to_the_resolvers_and_answers_alike(settings, editor):
    found = await answers(settings.database_url, WITH_HISTORY, editor)
    (compiled, statements), (resolved, _) = found[True], found[False]
    assert compiled == resolved
    assert resolved["data"]["organization"]["history"]["totalCount"] == 1
    assert statements > 1  # the resolvers answered, not one compiled statement
    query = "{ changes(first: 1) { nodes { id } } organizations(first: 1) { nodes { version } } }"
    found = await answers(settings.database_url, query, editor)
    assert found[True][0] == found[False][0]
    assert "errors" not in found[True][0], found[True][0]
