"""The dataset file and the API agree: the loader will not overwrite or prune what editors
changed through the API since the last load (it lists them and changes nothing, unless
--force), and an export of an edited directory loads back to the same records."""

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.auth.principal import Role
from service.auth.tokens import issue
from service.config import Settings
from service.data.engine import create_engine, for_writes
from service.data.loader import Snapshot, snapshot_from_database
from service.graphql.ids import encode_id
from tests.conftest import Databases
from tests.utils import db_dump
from tests.utils.cli import run_service

ROOT = Path(__file__).resolve().parents[1]
RECORDS = (
    "organization", "organization_region", "organization_source", "person", "agreement",
    "agreement_party", "representation", "initiative", "initiative_organization",
)  # fmt: skip

pytestmark = pytest.mark.slow  # each test runs the CLI a few times (a second per start)


def cli(url: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_service(url, *args)


async def run_cli(url: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(cli, url, *args)


async def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    return await asyncio.to_thread(db_dump.query, url, sql)


async def dump(url: str, tables: tuple[str, ...] = RECORDS) -> db_dump.Dump:
    return await asyncio.to_thread(db_dump.dump, url, tables)


class Editor:
    """Edits through the API as an admin."""

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client = client
        self.headers = {"authorization": f"Bearer {token}"}

    async def send(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        (result,) = body["data"].values()
        assert result["userErrors"] == [], result
        return body

    async def describe(self, slug: str, description: str, version: int = 1) -> None:
        await self.send(
            """mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) {
               userErrors { message } } }""",
            {"input": {"id": encode_id("Organization", slug), "expectedVersion": version,
                       "description": description,
                       "evidence": {"editorialNote": "Confirmed with the partner by email."}}},
        )  # fmt: skip

    async def delete_agreement(self, slug: str) -> None:
        await self.send(
            """mutation($input: DeleteInput!) { deleteAgreement(input: $input) {
               userErrors { message } } }""",
            {"input": {"id": encode_id("Agreement", slug), "expectedVersion": 1}},
        )

    async def create_partner(self, slug: str) -> None:
        await self.send(
            """mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) {
               userErrors { message } } }""",
            {"input": {"slug": slug, "name": "Cell Society", "category": "PARTNER",
                       "evidence": {"editorialNote": "Signed on 2026-11-02."}}},
        )  # fmt: skip


@pytest.fixture
async def editor(app: Any, client: httpx.AsyncClient) -> Editor:
    async with for_writes(app.state.engine).begin() as conn:
        token = await issue(conn, name="edith", role=Role.ADMIN)
    return Editor(client, token)


@pytest.fixture
def url(settings: Any) -> str:
    return str(settings.database_url)


async def test_the_loader_lists_api_edits_it_would_overwrite_and_changes_nothing(
    editor: Editor, url: str
) -> None:
    await editor.describe("fact", "Edited through the API.")
    before = await dump(url, (*RECORDS, "change", "dataset_revision"))

    refused = await run_cli(url, "seed")

    assert refused.returncode == 3, refused.stderr
    assert "! organizations[fact]: UPDATE by edith" in refused.stderr
    assert "--force" in refused.stderr
    assert "nothing was changed" in refused.stderr
    assert await dump(url, (*RECORDS, "change", "dataset_revision")) == before

    planned = await run_cli(url, "seed", "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert "! organizations[fact]: UPDATE by edith" in planned.stdout

    forced = await run_cli(url, "seed", "--force")
    assert forced.returncode == 0, forced.stderr
    rows = await query(url, "SELECT description FROM organization WHERE slug = 'fact'")
    assert rows[0][0] != "Edited through the API."  # the file's wording is back
    (last,) = await query(
        url, "SELECT operation, actor FROM change WHERE record_slug = 'fact' ORDER BY id DESC "
        "LIMIT 1",
    )  # fmt: skip
    assert tuple(last) == ("LOAD", "loader")
    again = await run_cli(url, "seed")  # overwritten by a load: no longer an API edit
    assert again.returncode == 0, again.stderr
    assert "nothing to change" in again.stdout


async def test_a_record_deleted_through_the_api_is_not_recreated_by_a_load(
    editor: Editor, url: str
) -> None:
    await editor.delete_agreement("isct-ebmt-jacie-co-founding")
    refused = await run_cli(url, "seed")
    assert refused.returncode == 3
    assert "! agreements[isct-ebmt-jacie-co-founding]: DELETE by edith" in refused.stderr


async def test_a_record_created_through_the_api_is_pruned_only_with_force(
    editor: Editor, url: str
) -> None:
    await editor.create_partner("cell-society")
    kept = await run_cli(url, "seed")  # without --prune a load never removes anything
    assert kept.returncode == 0, kept.stderr
    refused = await run_cli(url, "seed", "--prune")
    assert refused.returncode == 3
    assert "! organizations[cell-society]: CREATE by edith" in refused.stderr
    assert await query(url, "SELECT slug FROM organization WHERE slug = 'cell-society'")
    pruned = await run_cli(url, "seed", "--prune", "--force")
    assert pruned.returncode == 0, pruned.stderr
    assert not await query(url, "SELECT slug FROM organization WHERE slug = 'cell-society'")


async def test_an_edited_directory_exports_and_loads_back_to_the_same_records(
    editor: Editor, url: str, databases: Databases, tmp_path: Path
) -> None:
    await editor.describe("jacie", "Edited: JACIE accredits in Europe.")
    await editor.create_partner("cell-society")
    exported = await run_cli(url, "export", tmp_path / "out" / "partners.yaml")
    assert exported.returncode == 0, exported.stderr
    text = (tmp_path / "out" / "partners.yaml").read_text()
    assert "editorial_note:" in text
    assert "by: edith" in text

    fresh = await databases.empty()
    loaded = await run_cli(fresh, "seed", tmp_path / "out" / "partners.yaml")
    assert loaded.returncode == 0, loaded.stderr

    original, copy = await snapshot(url), await snapshot(fresh)
    assert copy == original  # every record and link, by natural key
    assert copy["organizations"]["cell-society"]["editorial_note"] == (
        "Signed on 2026-11-02.",
        "edith",
    )
    assert copy["organizations"]["jacie"]["description"] == "Edited: JACIE accredits in Europe."


async def snapshot(url: str) -> Snapshot:
    """The records as the loader compares them: by slug, with references as slugs."""
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.connect() as conn:
            return await snapshot_from_database(conn)
    finally:
        await engine.dispose()
