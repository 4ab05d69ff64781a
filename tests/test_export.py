"""`python -m service export` through its public surface: the CLI as a subprocess against a
database of its own (the `databases` fixture, on the engine TEST_ENGINE names), read back
with plain SQLAlchemy (tests/utils/db_dump.py).

The export's promise is a round trip: a database written as a folder and loaded into another
database gives the same records, and the same folder again, byte for byte.
"""

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import Databases
from tests.test_seed_cli import ROOT, SOURCE_DIR, Result, seed
from tests.utils import db_dump
from tests.utils.cli import run_service
from tests.utils.db_dump import Dump

DOCUMENT = "isct-partner-organizations.txt"
RECORDS = ("organization", "person", "agreement", "representation", "initiative")
LINKS = ("organization_region", "organization_source", "agreement_party", "initiative_organization")
# A foreign key column -> the table whose slug it stands for.
REFERENCES = {
    "parent_id": "organization",
    "organization_id": "organization",
    "on_behalf_of_id": "organization",
    "establishes_id": "organization",
    "person_id": "person",
    "agreement_id": "agreement",
    "initiative_id": "initiative",
}


def export(url: str, *args: str | Path, cwd: Path) -> Result:
    """`python -m service export ARGS` against the database at `url`, run in `cwd`."""
    return run_service(url, "export", *args, cwd=cwd)


def exported(url: str, folder: Path, *args: str) -> Path:
    """Export into `folder` (PATH ending in a slash); the folder."""
    result = export(url, f"{folder}/", *args, cwd=folder.parent)
    assert result.returncode == 0, result.stderr
    return folder


def fresh(databases: Databases, name: str = "curated") -> str:
    return asyncio.run(databases.fresh(name))


def empty(databases: Databases) -> str:
    return asyncio.run(databases.empty())


def by_natural_key(url: str, tables: tuple[str, ...] = (*RECORDS, *LINKS)) -> Dump:
    """The record tables with surrogate ids replaced by the slugs they stand for: two
    databases loaded in different orders number their rows differently."""
    dumped = db_dump.dump(url, tables)
    slugs = {
        table: {dict(row)["id"]: dict(row)["slug"] for row in db_dump.dump(url, (table,))[table]}
        for table in RECORDS
    }

    def named(row: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, Any], ...]:
        return tuple(
            (column, slugs[REFERENCES[column]].get(value) if column in REFERENCES else value)
            for column, value in row
            if column != "id"
        )

    return {table: sorted((named(row) for row in rows), key=repr) for table, rows in dumped.items()}


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_the_curated_dataset_round_trips_through_an_export(
    databases: Databases, tmp_path: Path
) -> None:
    first, second = fresh(databases), empty(databases)
    result = export(first, cwd=tmp_path)  # the default PATH: export/partners.yaml
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "export"
    assert sorted(files(folder)) == ["partners.yaml", f"source/{DOCUMENT}"]
    assert (folder / "source" / DOCUMENT).read_bytes() == (SOURCE_DIR / DOCUMENT).read_bytes()

    loaded = seed(second, folder / "partners.yaml")
    assert loaded.returncode == 0, loaded.stderr
    tables = (*RECORDS, *LINKS, "registered_document")
    assert by_natural_key(second, tables) == by_natural_key(first, tables)
    assert files(exported(second, tmp_path / "again")) == files(folder)


def test_the_exported_folder_loads_on_its_own(databases: Databases, tmp_path: Path) -> None:
    url, elsewhere = fresh(databases), tmp_path / "elsewhere" / "copy"
    shutil.copytree(exported(url, tmp_path / "out"), elsewhere)
    shutil.rmtree(tmp_path / "out")
    assert not (elsewhere.parent / "source").exists()
    other = empty(databases)
    loaded = seed(other, elsewhere / "partners.yaml")
    assert loaded.returncode == 0, loaded.stderr
    assert by_natural_key(other) == by_natural_key(url)


def test_loading_the_export_into_its_own_database_changes_nothing(
    databases: Databases, tmp_path: Path
) -> None:
    url = fresh(databases)
    before = db_dump.dump(url, sorted(db_dump.data_tables(url)))
    loaded = seed(url, exported(url, tmp_path / "out") / "partners.yaml")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.splitlines()[-2] == "nothing to change"
    assert db_dump.dump(url, sorted(db_dump.data_tables(url))) == before


def test_the_export_reads_like_the_curated_file(databases: Databases, tmp_path: Path) -> None:
    text = (exported(fresh(databases), tmp_path / "out") / "partners.yaml").read_text("utf-8")
    assert "Cytotherapy®" in text  # unicode kept, not escaped
    assert f"\ndocument: {DOCUMENT}\n\norganizations:\n  - slug: " in text
    sections = [line for line in text.splitlines() if line and line[0] not in " #"]
    assert [line.split(":")[0] for line in sections] == [
        "document", "organizations", "agreements", "people", "representations", "initiatives",
    ]  # fmt: skip
    assert max(len(line) for line in text.splitlines()) <= 100


def test_a_synthetic_directory_round_trips_with_its_quotes_as_source(
    databases: Databases, tmp_path: Path
) -> None:
    url = fresh(databases, "synthetic:50")
    refused = export(url, "out/", cwd=tmp_path)
    assert refused.returncode == 1
    assert "'synthetic'" in refused.stderr
    assert "--quotes-as-source" in refused.stderr
    assert not (tmp_path / "out").exists()

    folder = exported(url, tmp_path / "out", "--quotes-as-source")
    other = empty(databases)
    loaded = seed(other, folder / "partners.yaml")
    assert loaded.returncode == 0, loaded.stderr
    assert by_natural_key(other) == by_natural_key(url)
    # The second database registered the stand-in, so it exports without being asked to.
    assert files(exported(other, tmp_path / "again")) == files(folder)


def test_an_unwritable_path_is_refused_and_nothing_is_written(
    databases: Databases, tmp_path: Path
) -> None:
    url = fresh(databases)
    blocked = tmp_path / "out"
    blocked.mkdir()
    (blocked / "source").write_text("a file where the source folder goes\n")
    (blocked / "partners.yaml").write_text("an older export\n")
    before = files(blocked)
    result = export(url, blocked / "partners.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot write" in result.stderr
    assert "nothing was written" in result.stderr
    assert files(blocked) == before  # no temporary file left, the old file untouched

    under_a_file = export(url, blocked / "partners.yaml" / "deeper" / "x.yaml", cwd=tmp_path)
    assert under_a_file.returncode == 2, under_a_file.stderr
    assert files(blocked) == before


def test_a_database_with_nothing_to_export_is_refused(databases: Databases, tmp_path: Path) -> None:
    url = empty(databases)
    never_loaded = export(url, "out/", cwd=tmp_path)
    assert never_loaded.returncode == 1
    assert "nothing was written" in never_loaded.stderr

    migrated = subprocess.run(
        [sys.executable, "-m", "service", "migrate"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert migrated.returncode == 0
    no_records = export(url, "out/", cwd=tmp_path)
    assert no_records.returncode == 1
    assert "holds no records" in no_records.stderr
    assert not (tmp_path / "out").exists()


def test_records_quoting_two_documents_are_refused(databases: Databases, tmp_path: Path) -> None:
    url = fresh(databases)

    async def cite_another_document() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    sa.text(
                        "UPDATE person SET source_document = 'other.txt' "
                        "WHERE slug = (SELECT min(slug) FROM person)"
                    )
                )
        finally:
            await engine.dispose()

    asyncio.run(cite_another_document())
    result = export(url, "out/", cwd=tmp_path)
    assert result.returncode == 1
    assert f"'{DOCUMENT}'" in result.stderr
    assert "'other.txt'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_help_documents_the_exit_codes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service", "export", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "exit status: 0 written; 1" in " ".join(result.stdout.split())
