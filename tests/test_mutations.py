"""Editing through the API, on both engines: every mutation with good and bad input, through
GraphQL over HTTP. A refused edit leaves every table as it was, the audit trail included;
a made one changes its record, bumps its version and appends exactly one audit entry."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import yaml

from service.auth.principal import Role
from service.auth.tokens import issue, revoke
from service.data.dataset import DEFAULT_DATASET, DatasetError, parse_dataset
from service.data.engine import for_writes
from service.graphql.ids import encode_id
from tests.utils import db_dump

SOURCE = (DEFAULT_DATASET.parent / "source" / "isct-partner-organizations.txt").read_text()
QUOTE = "Wanxing Cui, MD, PhD"  # verbatim on the page
FACT_QUOTE = "Foundation for Accreditation of Cellular Therapy (FACT) establishes"
Send = Callable[..., Awaitable[dict[str, Any]]]


async def _token(app: Any, name: str, role: Role) -> str:
    async with for_writes(app.state.engine).begin() as conn:
        return await issue(conn, name=name, role=role)


@pytest.fixture
async def tokens(app: Any) -> dict[str, str]:
    return {
        "editor": await _token(app, "edith", Role.EDITOR),
        "admin": await _token(app, "ada", Role.ADMIN),
    }


@pytest.fixture
def send(client: httpx.AsyncClient, tokens: dict[str, str]) -> Send:
    """POST a GraphQL operation as `as_` (a role name, or None for anonymous)."""

    async def run(
        query: str, variables: dict[str, Any] | None = None, *, as_: str | None = "editor"
    ) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {tokens[as_]}"} if as_ else {}
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        body.pop("extensions", None)
        return body

    return run


def gid(type_name: str, slug: str) -> str:
    return encode_id(type_name, slug)


async def everything(app: Any) -> db_dump.Dump:
    """Every row of every table (read on a thread: the dump runs its own event loop)."""
    url = str(app.state.settings.database_url)
    return await asyncio.to_thread(lambda: db_dump.dump(url, sorted(db_dump.data_tables(url))))


async def changes(app: Any) -> list[dict[str, Any]]:
    """The audit trail, oldest first, its JSON decoded."""
    url = str(app.state.settings.database_url)
    rows = await asyncio.to_thread(
        db_dump.query,
        url,
        "SELECT id, actor, operation, record_type, record_slug, version, before, after, "
        "evidence_quote, editorial_note, request_id, reverts FROM change ORDER BY id",
    )
    names = "id actor operation record_type record_slug version before after evidence_quote "
    names += "editorial_note request_id reverts"
    decoded = []
    for row in rows:
        entry = dict(zip(names.split(), row, strict=True))
        for key in ("before", "after"):
            if isinstance(entry[key], str):
                entry[key] = json.loads(entry[key])
        decoded.append(entry)
    return decoded


ORG_FIELDS = "id slug name description version editorialNote { note by }"
CREATE_ORG = f"""mutation($input: CreateOrganizationInput!) {{
  createOrganization(input: $input) {{
    organization {{ {ORG_FIELDS} }} changeId userErrors {{ field message code }} }} }}"""
UPDATE_ORG = f"""mutation($input: UpdateOrganizationInput!) {{
  updateOrganization(input: $input) {{
    organization {{ {ORG_FIELDS} }} changeId userErrors {{ field message code }} }} }}"""
DELETE = """mutation($input: DeleteInput!) {{
  {name}(input: $input) {{ deletedId changeId userErrors {{ field message code }} }} }}"""
RESTORE = """mutation($input: RestoreInput!) {
  restoreRecord(input: $input) {
    record { id ... on Organization { name version } ... on Agreement { title version } }
    changeId userErrors { field message code } } }"""
REVERT = """mutation($input: RevertChangeInput!) {
  revertChange(input: $input) {
    record { id ... on Organization { description version } } recordId changeId
    userErrors { field message code } } }"""


def payload(body: dict[str, Any], name: str) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][name]
    return result


def new_partner(**changes: Any) -> dict[str, Any]:
    fields = {
        "slug": "cell-society",
        "name": "Cell Society",
        "category": "PARTNER",
        "foundedYear": 2001,
        "regions": ["Europe"],
        "evidence": {"editorialNote": "Announced by both societies on 2026-11-02."},
    }
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


# ---------------------------------------------------------------- made edits


async def test_an_editor_creates_an_organization_resting_on_an_editorial_note(
    app: Any, send: Send
) -> None:
    made = payload(await send(CREATE_ORG, {"input": new_partner()}), "createOrganization")

    assert made["userErrors"] == []
    organization = made["organization"]
    assert organization["slug"] == "cell-society"
    assert organization["version"] == 1
    assert organization["editorialNote"] == {
        "note": "Announced by both societies on 2026-11-02.",
        "by": "edith",
    }
    read = await send('{ organization(slug: "cell-society") { name foundedYear regions } }')
    assert read["data"]["organization"] == {
        "name": "Cell Society",
        "foundedYear": 2001,
        "regions": ["Europe"],
    }
    entry = (await changes(app))[-1]
    assert entry["operation"] == "CREATE"
    assert (entry["record_type"], entry["record_slug"]) == ("Organization", "cell-society")
    assert entry["actor"] == "edith"
    assert entry["before"] is None
    assert entry["after"]["name"] == "Cell Society"
    assert entry["editorial_note"] == "Announced by both societies on 2026-11-02."
    assert entry["request_id"]
    assert made["changeId"] == gid("Change", str(entry["id"]))


async def test_an_update_from_the_version_read_changes_the_record_and_bumps_its_version(
    app: Any, send: Send
) -> None:
    before = await changes(app)
    made = payload(
        await send(
            UPDATE_ORG,
            {
                "input": {
                    "id": gid("Organization", "fact"),
                    "expectedVersion": 1,
                    "description": "Accredits cellular therapy programs.",
                    "evidence": {"quote": FACT_QUOTE},
                }
            },
        ),
        "updateOrganization",
    )
    assert made["userErrors"] == []
    assert made["organization"]["version"] == 2
    assert made["organization"]["description"] == "Accredits cellular therapy programs."
    assert made["organization"]["editorialNote"] is None  # a quote settles it
    (entry,) = (await changes(app))[len(before) :]
    assert entry["operation"] == "UPDATE"
    assert entry["version"] == 2
    assert entry["before"]["description"] != entry["after"]["description"]
    assert entry["evidence_quote"] == FACT_QUOTE
    assert FACT_QUOTE in entry["after"]["quotes"]


async def test_every_kind_of_record_is_created_updated_deleted_and_restored(
    app: Any, send: Send
) -> None:
    note = {"editorialNote": "Confirmed with the partnerships team."}
    steps: list[tuple[str, str, str, dict[str, Any], dict[str, Any]]] = [
        (
            "Person", "Person", "person-x",
            {"slug": "person-x", "name": "Pat Example", "credentials": ["PhD"]},
            {"name": "Pat Example-Smith"},
        ),
        (
            "Agreement", "Agreement", "isct-fact-mou-2026",
            {"slug": "isct-fact-mou-2026", "kind": "MEMORANDUM_OF_UNDERSTANDING",
             "title": "ISCT-FACT MOU", "year": 2026, "parties": ["isct", "fact"]},
            {"year": 2025},
        ),
        (
            "Representation", "Representation", "person-x--fact",
            {"person": "person-x", "organization": "fact", "onBehalfOf": "isct",
             "role": "ISCT Liaison", "designation": "PRIMARY"},
            {"role": "ISCT Board Liaison"},
        ),
        (
            "Initiative", "Initiative", "isct-fact-webinars",
            {"slug": "isct-fact-webinars", "name": "ISCT-FACT webinars", "kind": "webinar",
             "organizations": ["isct", "fact"], "hosts": ["jacie"]},
            {"recurrence": "monthly"},
        ),
    ]  # fmt: skip
    for type_name, input_name, slug, created, updated in steps:
        field = type_name[0].lower() + type_name[1:]
        create = (
            f"mutation($input: Create{input_name}Input!) {{ create{type_name}(input: $input) "
            f"{{ {field} {{ id version }} userErrors {{ field message code }} }} }}"
        )
        made = payload(
            await send(create, {"input": {**created, "evidence": note}}), f"create{type_name}"
        )
        assert made["userErrors"] == [], (type_name, made)
        assert made[field] == {"id": gid(type_name, slug), "version": 1}
        update = (
            f"mutation($input: Update{input_name}Input!) {{ update{type_name}(input: $input) "
            f"{{ {field} {{ id version }} userErrors {{ field message code }} }} }}"
        )
        changed = payload(
            await send(
                update,
                {"input": {"id": gid(type_name, slug), "expectedVersion": 1, **updated,
                           "evidence": note}},
            ),
            f"update{type_name}",
        )  # fmt: skip
        assert changed["userErrors"] == [], (type_name, changed)
        assert changed[field]["version"] == 2
    # Deleting goes dependants first (the seat before its person), as an admin.
    for type_name, _input, slug, *_ in reversed(steps):
        deleted = payload(
            await send(
                DELETE.format(name=f"delete{type_name}"),
                {"input": {"id": gid(type_name, slug), "expectedVersion": 2, "reason": "test"}},
                as_="admin",
            ),
            f"delete{type_name}",
        )
        assert deleted["userErrors"] == [], (type_name, deleted)
        assert deleted["deletedId"] == gid(type_name, slug)
        found = await send("query($id: ID!) { node(id: $id) { id } }", {"id": gid(type_name, slug)})
        assert found["data"]["node"] is None
    for type_name, _input, slug, *_ in steps:
        restored = payload(
            await send(RESTORE, {"input": {"id": gid(type_name, slug)}}, as_="admin"),
            "restoreRecord",
        )
        assert restored["userErrors"] == [], (type_name, restored)
        assert restored["record"]["id"] == gid(type_name, slug)
    seat = await send('{ person(slug: "person-x") { version representations { role version } } }')
    # The versions continue: 1 created, 2 updated, (deleted at 2), 3 restored.
    assert seat["data"]["person"] == {
        "version": 3,
        "representations": [{"role": "ISCT Board Liaison", "version": 3}],
    }
    operations = [e["operation"] for e in await changes(app) if e["record_slug"] == "person-x"]
    assert operations == ["CREATE", "UPDATE", "DELETE", "RESTORE"]


async def test_an_admin_reverts_a_change_and_the_revert_is_itself_a_change(
    app: Any, send: Send
) -> None:
    original = (await send('{ organization(slug: "jacie") { description } }'))["data"]
    edited = payload(
        await send(
            UPDATE_ORG,
            {"input": {"id": gid("Organization", "jacie"), "expectedVersion": 1,
                       "description": "Mistyped.", "evidence": {"editorialNote": "oops"}}},
        ),
        "updateOrganization",
    )  # fmt: skip
    reverted = payload(
        await send(REVERT, {"input": {"id": edited["changeId"]}}, as_="admin"), "revertChange"
    )
    assert reverted["userErrors"] == []
    assert reverted["record"] == {
        "id": gid("Organization", "jacie"),
        "description": original["organization"]["description"],
        "version": 3,
    }
    last = (await changes(app))[-1]
    assert last["operation"] == "REVERT"
    assert gid("Change", str(last["reverts"])) == edited["changeId"]
    assert last["actor"] == "ada"
    # The reverted change no longer describes the record: reverting it again conflicts.
    again = payload(
        await send(REVERT, {"input": {"id": edited["changeId"]}}, as_="admin"), "revertChange"
    )
    assert [e["code"] for e in again["userErrors"]] == ["CONFLICT"]


async def test_reverting_a_creation_deletes_the_record(app: Any, send: Send) -> None:
    made = payload(await send(CREATE_ORG, {"input": new_partner()}), "createOrganization")
    reverted = payload(
        await send(REVERT, {"input": {"id": made["changeId"]}}, as_="admin"), "revertChange"
    )
    assert reverted["userErrors"] == []
    assert reverted["record"] is None
    assert reverted["recordId"] == gid("Organization", "cell-society")
    gone = await send('{ organization(slug: "cell-society") { id } }')
    assert gone["data"]["organization"] is None


# ---------------------------------------------------------------- refused edits


BAD_EDITS: list[tuple[str, str, dict[str, Any], str, list[str]]] = [
    ("unknown parent", CREATE_ORG, {"input": new_partner(parent="no-such-body")},
     "NOT_FOUND", ["input", "parent"]),
    ("bad slug", CREATE_ORG, {"input": new_partner(slug="Not A Slug")},
     "INVALID", ["input", "slug"]),
    ("taken slug", CREATE_ORG, {"input": new_partner(slug="fact")},
     "INVALID", ["input", "slug"]),
    ("year out of range", CREATE_ORG, {"input": new_partner(foundedYear=1492)},
     "INVALID", ["input", "foundedYear"]),
    ("no evidence at all", CREATE_ORG, {"input": new_partner(evidence={})},
     "INVALID", ["input", "evidence"]),
    ("both a quote and a note", CREATE_ORG,
     {"input": new_partner(evidence={"quote": QUOTE, "editorialNote": "and a note"})},
     "INVALID", ["input", "evidence"]),
    ("a quote not on the page", CREATE_ORG,
     {"input": new_partner(evidence={"quote": "Cell Society signed an MOU with ISCT"})},
     "EVIDENCE_NOT_FOUND", ["input", "evidence", "quote"]),
    ("an unregistered document", CREATE_ORG,
     {"input": new_partner(evidence={"quote": QUOTE, "document": "elsewhere.txt"})},
     "EVIDENCE_NOT_FOUND", ["input", "evidence", "document"]),
    ("a stale version", UPDATE_ORG,
     {"input": {"id": gid("Organization", "fact"), "expectedVersion": 7, "name": "F",
                "evidence": {"editorialNote": "n"}}},
     "CONFLICT", ["input", "expectedVersion"]),
    ("a garbage id", UPDATE_ORG,
     {"input": {"id": "%%%", "expectedVersion": 1, "name": "F",
                "evidence": {"editorialNote": "n"}}},
     "INVALID", ["input", "id"]),
    ("another type's id", UPDATE_ORG,
     {"input": {"id": gid("Person", "wanxing-cui"), "expectedVersion": 1, "name": "F",
                "evidence": {"editorialNote": "n"}}},
     "NOT_FOUND", ["input", "id"]),
    ("a record that does not exist", UPDATE_ORG,
     {"input": {"id": gid("Organization", "nope"), "expectedVersion": 1, "name": "F",
                "evidence": {"editorialNote": "n"}}},
     "NOT_FOUND", ["input", "id"]),
    ("a parent cycle", UPDATE_ORG,
     {"input": {"id": gid("Organization", "nasem"), "expectedVersion": 1,
                "parent": "nasem-forum-on-regenerative-medicine",
                "evidence": {"editorialNote": "n"}}},
     "INVALID", ["input", "parent"]),
    ("clearing a required field", UPDATE_ORG,
     {"input": {"id": gid("Organization", "fact"), "expectedVersion": 1, "name": None,
                "evidence": {"editorialNote": "n"}}},
     "INVALID", ["input", "name"]),
    ("an edit that changes nothing", UPDATE_ORG,
     {"input": {"id": gid("Organization", "isct"), "expectedVersion": 1,
                "evidence": {"quote": "International Society for Cell and Gene Therapy (ISCT)"}}},
     "INVALID", []),
    ("a co-founding that founds nothing",
     """mutation($input: CreateAgreementInput!) { createAgreement(input: $input) {
        agreement { id } changeId userErrors { field message code } } }""",
     {"input": {"slug": "x-co-founding", "kind": "CO_FOUNDING", "title": "X",
                "parties": ["isct", "fact", "isct"], "evidence": {"editorialNote": "n"}}},
     "INVALID", ["input", "establishes"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "variables", "code", "field"),
    [case[1:] for case in BAD_EDITS],
    ids=[case[0] for case in BAD_EDITS],
)
async def test_a_refused_edit_says_what_to_fix_and_changes_nothing(
    app: Any, send: Send, query: str, variables: dict[str, Any], code: str, field: list[str]
) -> None:
    before = await everything(app)
    body = await send(query, variables)
    assert "errors" not in body, body
    (result,) = body["data"].values()
    assert next(iter(v for k, v in result.items() if k not in ("userErrors", "changeId"))) is None
    assert result["changeId"] is None
    assert code in [error["code"] for error in result["userErrors"]], result
    if field:
        assert field in [error["field"] for error in result["userErrors"]], result
    assert await everything(app) == before  # every table, the audit trail included


async def test_every_problem_is_reported_at_once(send: Send) -> None:
    body = await send(
        CREATE_ORG,
        {"input": new_partner(parent="no-such-body", foundedYear=1066,
                              evidence={"quote": "not on the page"})},
    )  # fmt: skip
    errors = body["data"]["createOrganization"]["userErrors"]
    assert {tuple(e["field"]) for e in errors} == {
        ("input", "evidence", "quote"),
        ("input", "foundedYear"),
    }  # the reference is checked once the record is well-formed


async def test_the_api_refuses_a_record_with_the_loaders_own_words(send: Send) -> None:
    """Shared validation: what the loader says of a bad record in a file, the API says of
    the same record."""
    bad = {"slug": "x-co-founding", "kind": "CO_FOUNDING", "title": "X",
           "parties": ["isct", "fact", "isct", "ghost"]}  # fmt: skip
    dataset = yaml.safe_load(DEFAULT_DATASET.read_text())
    dataset["agreements"].append({**bad, "quote": QUOTE})
    with pytest.raises(DatasetError) as refused:
        parse_dataset(yaml.safe_dump(dataset), label="file", source_text=SOURCE)
    loader_messages = {problem.rsplit(": ", 1)[-1] for problem in refused.value.problems}

    body = await send(
        """mutation($input: CreateAgreementInput!) { createAgreement(input: $input) {
           userErrors { field message code } } }""",
        {"input": {**bad, "evidence": {"quote": QUOTE}}},
    )
    api_messages = {e["message"] for e in body["data"]["createAgreement"]["userErrors"]}
    assert api_messages == loader_messages
    assert api_messages == {
        "'isct' is listed twice",
        "unknown reference 'ghost'",
        "required for CO_FOUNDING agreements and only for them",
    }


async def test_an_organization_in_use_cannot_be_deleted(app: Any, send: Send) -> None:
    before = await everything(app)
    body = await send(
        DELETE.format(name="deleteOrganization"),
        {"input": {"id": gid("Organization", "fact"), "expectedVersion": 1}},
        as_="admin",
    )
    (error,) = body["data"]["deleteOrganization"]["userErrors"]
    assert error["code"] == "IN_USE"
    assert "agreements[isct-astct-fact-co-founding]" in error["message"]
    assert await everything(app) == before


async def test_restoring_a_record_that_is_not_deleted_is_refused(send: Send) -> None:
    body = await send(RESTORE, {"input": {"id": gid("Organization", "fact")}}, as_="admin")
    assert [e["code"] for e in body["data"]["restoreRecord"]["userErrors"]] == ["INVALID"]
    never = await send(RESTORE, {"input": {"id": gid("Organization", "never")}}, as_="admin")
    assert [e["code"] for e in never["data"]["restoreRecord"]["userErrors"]] == ["NOT_FOUND"]


# ---------------------------------------------------------------- who may edit


@pytest.mark.parametrize(
    ("who", "query", "variables", "code"),
    [
        (None, CREATE_ORG, {"input": new_partner()}, "UNAUTHENTICATED"),
        (
            "editor",
            DELETE.format(name="deleteAgreement"),
            {
                "input": {
                    "id": gid("Agreement", "isct-astct-fact-co-founding"),
                    "expectedVersion": 1,
                }
            },
            "FORBIDDEN",
        ),
        ("editor", RESTORE, {"input": {"id": gid("Organization", "x")}}, "FORBIDDEN"),
        ("editor", REVERT, {"input": {"id": gid("Change", "1")}}, "FORBIDDEN"),
    ],
    ids=["anonymous", "editor-deletes", "editor-restores", "editor-reverts"],
)
async def test_an_edit_without_the_role_is_refused_and_changes_nothing(
    app: Any,
    send: Send,
    who: str | None,
    query: str,
    variables: dict[str, Any],
    code: str,
) -> None:
    before = await everything(app)
    body = await send(query, variables, as_=who)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert await everything(app) == before


async def test_a_revoked_token_edits_nothing(app: Any, send: Send) -> None:
    async with for_writes(app.state.engine).begin() as conn:
        assert await revoke(conn, "edith")
    before = await everything(app)
    body = await send(CREATE_ORG, {"input": new_partner()})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert await everything(app) == before


# ---------------------------------------------------------------- what moves with an edit


async def test_an_edit_moves_the_revision_and_the_etag(
    client: httpx.AsyncClient, send: Send
) -> None:
    url = '/graphql?query={organization(slug:"fact"){name}}'
    first = await client.get(url)
    assert first.status_code == 200
    revision = (await send("{ dataset { revision } }"))["data"]["dataset"]["revision"]
    payload(
        await send(
            UPDATE_ORG,
            {"input": {"id": gid("Organization", "fact"), "expectedVersion": 1,
                       "name": "FACT Renamed", "evidence": {"editorialNote": "renamed"}}},
        ),
        "updateOrganization",
    )  # fmt: skip
    second = await client.get(url, headers={"if-none-match": first.headers["etag"]})
    assert second.status_code == 200  # not 304: the tag moved with the data
    assert second.headers["etag"] != first.headers["etag"]
    assert second.json()["data"]["organization"]["name"] == "FACT Renamed"
    moved = (await send("{ dataset { revision } }"))["data"]["dataset"]["revision"]
    assert moved == revision + 1


async def test_an_edit_is_searchable_and_walkable_at_once(send: Send) -> None:
    payload(await send(CREATE_ORG, {"input": new_partner()}), "createOrganization")
    made = await send(
        """mutation($input: CreateAgreementInput!) { createAgreement(input: $input) {
           userErrors { message } } }""",
        {"input": {"slug": "cell-society-isct-mou", "kind": "MEMORANDUM_OF_UNDERSTANDING",
                   "title": "MOU", "parties": ["cell-society", "isct"],
                   "evidence": {"editorialNote": "signed"}}},
    )  # fmt: skip
    assert made["data"]["createAgreement"]["userErrors"] == []
    found = await send('{ search(query: "cell society") { ... on Organization { slug } } }')
    assert {"slug": "cell-society"} in found["data"]["search"]
    walked = await send(
        '{ path(from: "cell-society", to: "isct") { length ties { kind agreement { slug } } } }'
    )
    assert walked["data"]["path"] == [
        {
            "length": 1,
            "ties": [{"kind": "AGREEMENT", "agreement": {"slug": "cell-society-isct-mou"}}],
        }
    ]


async def test_more_writes_than_a_request_may_make_are_refused_before_any(
    app: Any, client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    limit = app.state.settings.max_writes
    fields = " ".join(
        f'w{n}: createPerson(input: {{slug: "p-{n}", name: "P {n}", '
        f'evidence: {{editorialNote: "n"}}}}) {{ userErrors {{ message }} }}'
        for n in range(limit + 1)
    )
    before = await everything(app)
    response = await client.post(
        "/graphql",
        json={"query": f"mutation {{ {fields} }}"},
        headers={"authorization": f"Bearer {tokens['editor']}"},
    )
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COMPLEX"]
    assert f"the limit is {limit}" in body["errors"][0]["message"]
    assert await everything(app) == before


async def test_a_write_counts_towards_the_cost_it_reports(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": CREATE_ORG, "variables": {"input": new_partner()}},
        headers={"authorization": f"Bearer {tokens['editor']}"},
    )
    cost = response.json()["extensions"]["cost"]
    assert cost["requested"] >= 100  # the write, and the organization it returns
