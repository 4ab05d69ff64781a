"""The seed loader (`python -m service seed`) through its public surface only.

Every test runs the real CLI as a subprocess against a database of its own (the `databases`
fixture hands them out, on the engine TEST_ENGINE names) and reads it back with plain
SQLAlchemy by its URL (tests/utils/db_dump.py). Expectations are derived from the curated
dataset (seed/partners.yaml, loaded with yaml.safe_load) rather than copied into the tests.

A CLI run costs about a second (mostly imports), so tests that start from the curated
dataset get a copy of a database loaded once per session, and independent runs are started
side by side.

What only SQLite has (a database file whose bytes can be hashed, a -wal file beside it, a
file that may not exist yet) is checked only when the URL is SQLite; the row-level checks
(every row of every table) run on both engines.
"""

import asyncio
import json
import os
import pty
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.ext.asyncio import AsyncConnection

from service.data.text import search_fold
from tests.conftest import Databases
from tests.utils import db_dump, involved, participants
from tests.utils.db_dump import Dump, Row, count, file_hashes, sqlite_path, tables

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "seed" / "partners.yaml"
SOURCE_DIR = ROOT / "seed" / "source"

# Dataset section -> the table holding its records (in the order the summary prints them).
SECTIONS = {
    "organizations": "organization",
    "people": "person",
    "agreements": "agreement",
    "representations": "representation",
    "initiatives": "initiative",
}
# Every table whose content a load decides; dumps compare all of them.
TABLES = (
    "organization",
    "organization_region",
    "organization_source",
    "person",
    "agreement",
    "agreement_party",
    "representation",
    "initiative",
    "initiative_organization",
    "dataset_revision",
    "search_index",
    "graph_tie",
    "change",
    "registered_document",
    "api_token",
)
# The organization the brief's examples edit; any organization with a one-line description,
# a category and at least one quote would do.
EDITED = "usp"
MISSING_REFERENCE = "no-such-organization"

Result = subprocess.CompletedProcess[str]


# ------------------------------------------------------------------------- running the CLI


def _command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "service", "seed", *map(str, args)]


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url}


def seed(url: str, *args: str | Path) -> Result:
    """`python -m service seed ARGS` against the database at `url`, output captured."""
    return subprocess.run(
        _command(*args),
        cwd=ROOT,
        env=_env(url),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def seed_all(jobs: Sequence[tuple[str, Sequence[str | Path]]]) -> list[Result]:
    """Independent runs side by side (each spends most of its second importing)."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda job: seed(job[0], *job[1]), jobs))


def seed_with_terminal_stderr(url: str, *args: str | Path) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal: (exit code, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    try:
        process = subprocess.Popen(
            _command(*args),
            cwd=ROOT,
            env=_env(url),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=slave,
            text=True,
        )
    finally:
        os.close(slave)
    try:
        stdout, _ = process.communicate(timeout=120)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    return process.returncode, stdout, b"".join(chunks).decode("utf-8", "replace")


def tail(text: str, n: int = 5) -> str:
    """The end of an output, for assertion messages (a traceback's last lines say most)."""
    return "\n".join(text.splitlines()[-n:])


def lines(result: Result) -> list[str]:
    return result.stdout.splitlines()


def summary_line(section: str, added: int = 0, changed: int = 0, removed: int = 0) -> str:
    return f"{section}: {added} added, {changed} changed, {removed} removed"


# ------------------------------------------------------------------------ the dataset file


@cache
def _curated_text() -> str:
    return DATASET.read_text(encoding="utf-8")


def curated() -> dict[str, Any]:
    """A fresh copy of the curated dataset as plain data."""
    data = yaml.safe_load(_curated_text())
    assert isinstance(data, dict)
    return data


def organization(data: dict[str, Any], slug: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [o for o in data["organizations"] if o["slug"] == slug]
    assert len(found) == 1, f"the curated dataset has no single organization {slug!r}"
    return found[0]


def with_source(workdir: Path) -> Path:
    """`workdir/partners.yaml` is checked against a copy of seed/source beside it."""
    shutil.copytree(SOURCE_DIR, workdir / "source")
    return workdir / "partners.yaml"


def write_dataset(workdir: Path, data: dict[str, Any]) -> Path:
    path = with_source(workdir)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(text, encoding="utf-8")
    return path


class DatasetText:
    """The curated file as lines, edited in place so that the line numbers of what an edit
    does not touch stay those of the original file."""

    def __init__(self) -> None:
        self.lines = _curated_text().splitlines(keepends=True)

    def record(self, section: str, slug: str) -> int:
        """The index of the record's first line (`  - slug: SLUG`)."""
        start = self.lines.index(f"{section}:\n")
        return self.lines.index(f"  - slug: {slug}\n", start)

    def record_end(self, section: str, slug: str) -> int:
        """The index just past the record: its fields are the lines indented by four."""
        end = self.record(section, slug) + 1
        while end < len(self.lines) and self.lines[end].startswith("    "):
            end += 1
        return end

    def field(self, section: str, slug: str, field: str) -> int:
        """The index of the line where the record's `field:` starts."""
        for index in range(self.record(section, slug), self.record_end(section, slug)):
            if self.lines[index].startswith(f"    {field}:"):
                return index
        raise AssertionError(f"{section}[{slug}] has no line for {field!r}")

    def replace(self, index: int, old: str, new: str) -> int:
        """Replace text within one line; the 1-based number of the line edited."""
        assert old in self.lines[index], (old, self.lines[index])
        self.lines[index] = self.lines[index].replace(old, new, 1)
        return index + 1

    def write(self, workdir: Path, *, encoding: str = "utf-8") -> Path:
        path = with_source(workdir)
        path.write_bytes("".join(self.lines).encode(encoding))
        return path


def edit_description(text: DatasetText, slug: str) -> str:
    """Append to the one-line description of organization `slug`; the new description."""
    old = organization(curated(), slug)["description"]
    new = f"{old} (edited)"
    text.replace(text.field("organizations", slug, "description"), f" {old}\n", f" {new}\n")
    return new


# ---------------------------------------------------------------------- reading the database


def revision(url: str) -> list[int]:
    return [value for (value,) in db_dump.query(url, "SELECT revision FROM dataset_revision")]


def dump(url: str) -> Dump:
    """Every row of every table the schema has, as (column, value) pairs, in a stable order."""
    return db_dump.dump(url, TABLES)


def untimed(dumped: Dump) -> Dump:
    """The dump without the time of the last load and of each audit entry, which differ
    between two equal loads made at different times."""
    return {
        table: [tuple((c, v) for c, v in row if c not in ("loaded_at", "at")) for row in rows]
        for table, rows in dumped.items()
    }


def differences(before: Dump, after: Dump) -> dict[str, tuple[list[Row], list[Row]]]:
    """Per table: (rows gone, rows new), for the tables that differ."""
    return {
        table: (
            [row for row in before[table] if row not in after[table]],
            [row for row in after[table] if row not in before[table]],
        )
        for table in TABLES
        if before[table] != after[table]
    }


def value(row: Row, column: str) -> Any:
    return dict(row)[column]


def stored_json(stored: Any) -> Any:
    """A JSON column as dumped: text on SQLite, decoded on PostgreSQL."""
    return json.loads(stored) if isinstance(stored, str) else stored


async def _content(conn: AsyncConnection) -> dict[str, dict[Any, tuple[Any, ...]]]:
    async def rows(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in await conn.execute(sa.text(sql))]

    async def grouped(sql: str) -> dict[Any, tuple[Any, ...]]:
        """(owner, item...) rows as owner -> its items (a list when a row has several)."""
        groups: dict[Any, list[Any]] = {}
        for owner, *item in await rows(sql):
            groups.setdefault(owner, []).append(item if len(item) > 1 else item[0])
        return {owner: tuple(items) for owner, items in groups.items()}

    regions = await grouped(
        "SELECT organization_id, region FROM organization_region ORDER BY organization_id, position"
    )
    sources = await grouped(
        "SELECT organization_id, document, quote FROM organization_source "
        "ORDER BY organization_id, position"
    )
    parties = await grouped(
        "SELECT p.agreement_id, o.slug FROM agreement_party p "
        "JOIN organization o ON o.id = p.organization_id ORDER BY p.agreement_id, p.position"
    )
    members = await grouped(
        "SELECT m.initiative_id, o.slug, m.role FROM initiative_organization m "
        "JOIN organization o ON o.id = m.organization_id "
        "ORDER BY m.initiative_id, m.position"
    )
    return {
        "organizations": {
            slug: (*rest, regions.get(id_, ()), sources.get(id_, ()))
            for id_, slug, *rest in await rows(
                "SELECT o.id, o.slug, o.name, o.acronym, o.category, o.description, "
                "o.founded_year, o.website, p.slug FROM organization o "
                "LEFT JOIN organization p ON p.id = o.parent_id"
            )
        },
        "people": {
            slug: (name, json.loads(credentials))
            for slug, name, credentials in await rows(
                "SELECT slug, name, CAST(credentials AS TEXT) FROM person"
            )
        },
        "agreements": {
            slug: (*rest, parties.get(id_, ()))
            for id_, slug, *rest in await rows(
                "SELECT a.id, a.slug, a.kind, a.title, a.year, a.description, e.slug, "
                "a.source_document, a.source_quote FROM agreement a "
                "LEFT JOIN organization e ON e.id = a.establishes_id"
            )
        },
        "representations": {
            (person, seat): tuple(rest)
            for person, seat, *rest in await rows(
                "SELECT p.slug, o.slug, b.slug, r.role, r.designation, r.source_document, "
                "r.source_quote FROM representation r JOIN person p ON p.id = r.person_id "
                "JOIN organization o ON o.id = r.organization_id "
                "JOIN organization b ON b.id = r.on_behalf_of_id"
            )
        },
        "initiatives": {
            slug: (*rest, members.get(id_, ()))
            for id_, slug, *rest in await rows(
                "SELECT id, slug, name, kind, recurrence, year, description, "
                "source_document, source_quote FROM initiative"
            )
        },
    }


def content(url: str) -> dict[str, dict[Any, tuple[Any, ...]]]:
    """The database by natural keys, in the dataset's terms (references as slugs)."""
    return db_dump.read(url, _content)


def expected_content(data: dict[str, Any]) -> dict[str, dict[Any, tuple[Any, ...]]]:
    """What `content` must read back after loading `data`."""
    doc = data["document"]
    return {
        "organizations": {
            o["slug"]: (
                o["name"], o.get("acronym"), o["category"], o.get("description"),
                o.get("founded_year"), o.get("website"), o.get("parent"),
                tuple(o.get("regions", ())), tuple([doc, quote] for quote in o["quotes"]),
            )
            for o in data["organizations"]
        },
        "people": {p["slug"]: (p["name"], p.get("credentials", [])) for p in data["people"]},
        "agreements": {
            a["slug"]: (
                a["kind"], a["title"], a.get("year"), a.get("description"), a.get("establishes"),
                doc, a["quote"], tuple(a["parties"]),
            )
            for a in data["agreements"]
        },
        "representations": {
            (r["person"], r["organization"]): (
                r["on_behalf_of"], r["role"], r.get("designation"), doc, r["quote"],
            )
            for r in data["representations"]
        },
        "initiatives": {
            i["slug"]: (
                i["name"], i["kind"], i.get("recurrence"), i.get("year"), i.get("description"),
                doc, i["quote"], tuple([p["slug"], p["role"]] for p in participants(i)),
            )
            for i in data["initiatives"]
        },
    }  # fmt: skip


# -------------------------------------------------------------------------------- fixtures


def fresh(databases: Databases) -> str:
    """The URL of a new database holding the curated dataset (a copy of a session template)."""
    return asyncio.run(databases.fresh("curated"))


def empty(databases: Databases) -> str:
    """The URL of a new database with no schema (on SQLite, a file that does not exist yet)."""
    return asyncio.run(databases.empty())


@dataclass(frozen=True)
class Loaded:
    url: str
    result: Result


@pytest.fixture(scope="module")
def curated_load(databases: Databases) -> Loaded:
    """The curated dataset loaded once by the CLI (by the default path) into an empty database."""
    url = empty(databases)
    return Loaded(url, seed(url))


@pytest.fixture
def loaded_db(databases: Databases) -> str:
    """A fresh database holding the curated dataset, for one test."""
    return fresh(databases)


# ------------------------------------------------------------------ 1. the curated dataset


def test_loading_the_curated_dataset_stores_every_record(
    curated_load: Loaded, databases: Databases
) -> None:
    data = curated()
    result, url = curated_load.result, curated_load.url
    assert result.returncode == 0, tail(result.stderr)
    for section, table in SECTIONS.items():
        assert count(url, table) == len(data[section]), section
        assert summary_line(section, added=len(data[section])) in lines(result)
    assert "changes were applied" in lines(result)
    assert content(url) == expected_content(data)
    assert revision(url) == [1]
    # The dumps the other tests compare cover every table the schema has...
    assert db_dump.data_tables(url) == set(TABLES)
    # ...and the databases they start from are row for row what the CLI loads.
    assert untimed(dump(fresh(databases))) == untimed(dump(url))
    (row,) = dump(url)["dataset_revision"]
    assert value(row, "loaded_at") is not None  # the load is stamped


# ------------------------------------------------------------------------- 2. idempotence


def test_loading_the_same_file_twice_changes_nothing(loaded_db: str) -> None:
    before = dump(loaded_db)
    result = seed(loaded_db, DATASET)
    assert result.returncode == 0, tail(result.stderr)
    for section in SECTIONS:
        assert summary_line(section) in lines(result)
    assert "nothing to change" in lines(result)
    assert dump(loaded_db) == before  # dataset_revision included: no bump either


# ---------------------------------------------------------------------- 3. one-record edit


def test_editing_one_record_changes_only_that_row(loaded_db: str, tmp_path: Path) -> None:
    text = DatasetText()
    description = edit_description(text, EDITED)
    path = text.write(tmp_path)
    before = dump(loaded_db)

    result = seed(loaded_db, path)

    assert result.returncode == 0, tail(result.stderr)
    out = lines(result)
    edited_line = out.index(summary_line("organizations", changed=1))
    assert out[edited_line + 1] == f"  ~ {EDITED}"
    assert not out[edited_line + 2].startswith("  ")  # nothing else is listed as changed
    for section in SECTIONS.keys() - {"organizations"}:
        assert summary_line(section) in out
    assert "changes were applied" in out

    after = dump(loaded_db)
    changed = differences(before, after)
    assert changed.keys() == {"organization", "search_index", "dataset_revision", "change"}
    (old_row,), (new_row,) = changed["organization"]
    assert value(old_row, "slug") == value(new_row, "slug") == EDITED
    assert value(new_row, "description") == description
    assert value(new_row, "version") == value(old_row, "version") + 1
    assert {c: v for c, v in old_row if c not in ("description", "version")} == {
        c: v for c, v in new_row if c not in ("description", "version")
    }
    ((), (entry,)) = changed["change"]  # one audit entry, appended: none rewritten
    assert (value(entry, "operation"), value(entry, "actor")) == ("LOAD", "loader")
    assert (value(entry, "record_type"), value(entry, "record_slug")) == ("Organization", EDITED)
    assert stored_json(value(entry, "after"))["description"] == description
    assert stored_json(value(entry, "before"))["description"] != description
    assert value(entry, "version") == value(new_row, "version")
    (old_entry,), (new_entry,) = changed["search_index"]  # the index follows the edit
    assert value(old_entry, "slug") == value(new_entry, "slug") == EDITED
    assert search_fold(description) in value(new_entry, "body")  # folded for the engines
    assert revision(loaded_db) == [revision_of(before) + 1]
    (old_state,), (new_state,) = changed["dataset_revision"]  # a new revision, a new time
    assert value(new_state, "loaded_at") not in (None, value(old_state, "loaded_at"))


def revision_of(dumped: Dump) -> int:
    (row,) = dumped["dataset_revision"]
    return int(value(row, "revision"))


# ----------------------------------------------------------------------------------- 4. prune


def prunable(data: dict[str, Any]) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    """An organization that is no other's parent, with the fewest records referring to it,
    and those records (which must go with it for the file to stay valid)."""

    def referrers(slug: str) -> dict[str, list[dict[str, Any]]]:
        return {
            "agreements": [
                a for a in data["agreements"]
                if slug in a["parties"] or a.get("establishes") == slug
            ],
            "representations": [
                r for r in data["representations"]
                if slug in (r["organization"], r["on_behalf_of"])
            ],
            "initiatives": [i for i in data["initiatives"] if slug in involved(i)],
        }  # fmt: skip

    parents = {o.get("parent") for o in data["organizations"]}
    candidates = [o["slug"] for o in data["organizations"] if o["slug"] not in parents]
    slug = min(candidates, key=lambda s: (sum(map(len, referrers(s).values())), s))
    return slug, {"organizations": [organization(data, slug)], **referrers(slug)}


def without(rows: list[Row], column: str, values: set[Any]) -> list[Row]:
    return [row for row in rows if value(row, column) not in values]


def test_records_missing_from_the_file_are_kept_unless_pruned(
    loaded_db: str, tmp_path: Path
) -> None:
    data = curated()
    slug, gone = prunable(data)
    if data["initiatives"][-1] not in gone["initiatives"]:  # a section nothing refers to
        gone["initiatives"].append(data["initiatives"][-1])
    for section, records in gone.items():
        data[section] = [record for record in data[section] if record not in records]
    path = write_dataset(tmp_path, data)
    before = dump(loaded_db)

    kept = seed(loaded_db, path)

    assert kept.returncode == 0, tail(kept.stderr)
    for section in SECTIONS:
        n = len(gone.get(section, []))
        assert summary_line(section) + (f", {n} kept" if n else "") in lines(kept)
    assert lines(kept)[-2].startswith("nothing to change")
    assert "--prune" in lines(kept)[-2]
    assert dump(loaded_db) == before

    pruned = seed(loaded_db, path, "--prune")

    assert pruned.returncode == 0, tail(pruned.stderr)
    out = lines(pruned)
    for section in SECTIONS:
        assert summary_line(section, removed=len(gone.get(section, []))) in out
    assert out[out.index(summary_line("organizations", removed=1)) + 1] == f"  - {slug}"
    assert "changes were applied" in out
    assert content(loaded_db) == expected_content(data)

    after = dump(loaded_db)
    ids = {
        table: {value(row, "id") for row in before[table] if value(row, "slug") in slugs}
        for table, slugs in (
            ("organization", {slug}),
            ("agreement", {a["slug"] for a in gone["agreements"]}),
            ("initiative", {i["slug"] for i in gone["initiatives"]}),
        )
    }
    org_ids = ids["organization"]
    survivors = {
        "organization": without(before["organization"], "id", org_ids),
        "organization_region": without(before["organization_region"], "organization_id", org_ids),
        "organization_source": without(before["organization_source"], "organization_id", org_ids),
        "person": before["person"],
        "agreement": without(before["agreement"], "id", ids["agreement"]),
        "agreement_party": without(before["agreement_party"], "agreement_id", ids["agreement"]),
        "representation": without(
            without(before["representation"], "organization_id", org_ids),
            "on_behalf_of_id",
            org_ids,
        ),
        "initiative": without(before["initiative"], "id", ids["initiative"]),
        "initiative_organization": without(
            before["initiative_organization"], "initiative_id", ids["initiative"]
        ),
    }
    for table, rows in survivors.items():
        assert after[table] == rows, table  # the rest is untouched, ids included
    assert slug not in {value(row, "slug") for row in after["search_index"]}
    assert revision(loaded_db) == [revision_of(before) + 1]


# --------------------------------------------------------------------------------- 5. dry run


@dataclass(frozen=True)
class DryRuns:
    inspected: Loaded  # only read
    to_load: Loaded  # loaded afterwards by a test of its own


@pytest.fixture(scope="module")
def dry_runs_on_empty(databases: Databases) -> DryRuns:
    """`seed --dry-run` against two databases with no schema (on SQLite, files that do not
    exist yet), side by side: one to inspect, one to load, so no test writes to what another
    reads."""
    urls = [empty(databases), empty(databases)]
    inspected, to_load = (
        Loaded(url, result)
        for url, result in zip(urls, seed_all([(url, ["--dry-run"]) for url in urls]), strict=True)
    )
    return DryRuns(inspected, to_load)


def test_a_dry_run_on_an_empty_database_prints_the_plan_and_loads_nothing(
    dry_runs_on_empty: DryRuns,
) -> None:
    data = curated()
    result, url = dry_runs_on_empty.inspected.result, dry_runs_on_empty.inspected.url
    assert result.returncode == 0, tail(result.stderr)
    for section in SECTIONS:
        assert summary_line(section, added=len(data[section])) in lines(result)
    assert "changes would be applied" in lines(result)
    assert lines(result)[-1].startswith("planned in")
    # Not even the schema: the migration ran in the transaction the dry run rolled back
    # (no alembic_version either). On SQLite the file may exist now, but holds no table.
    assert tables(url) == set()


def test_a_dry_run_on_a_loaded_database_writes_nothing(loaded_db: str, tmp_path: Path) -> None:
    text = DatasetText()
    edit_description(text, EDITED)
    path = text.write(tmp_path)
    before = dump(loaded_db)

    result = seed(loaded_db, path, "--dry-run")

    assert result.returncode == 0, tail(result.stderr)
    out = lines(result)
    assert out[out.index(summary_line("organizations", changed=1)) + 1] == f"  ~ {EDITED}"
    assert "changes would be applied" in out
    assert dump(loaded_db) == before


def test_a_database_that_has_seen_a_dry_run_can_still_be_loaded(
    dry_runs_on_empty: DryRuns,
) -> None:
    dry_run = dry_runs_on_empty.to_load
    assert dry_run.result.returncode == 0, tail(dry_run.result.stderr)
    result = seed(dry_run.url)
    assert result.returncode == 0, tail(result.stderr)
    assert count(dry_run.url, "organization") == len(curated()["organizations"])
    assert revision(dry_run.url) == [1]  # the dry run bumped nothing either


# ------------------------------------------------------------------------------ 6. bad files


@dataclass(frozen=True)
class BadFile:
    path: Path
    fragments: tuple[str, ...]  # each must appear in stderr


def _syntax_error(workdir: Path) -> BadFile:
    text = DatasetText()
    index = text.field("organizations", EDITED, "name")
    name = organization(curated(), EDITED)["name"]
    broken = name.replace(" ", ": ", 1)  # a second `: ` on the line: not valid YAML
    line = text.replace(index, name, broken)
    column = text.lines[index].index(":", text.lines[index].index("name:") + 5) + 1
    return BadFile(text.write(workdir), (f"line {line}, column {column}", "YAML error"))


def _missing_field(workdir: Path) -> BadFile:
    text = DatasetText()
    del text.lines[text.field("organizations", EDITED, "name")]
    line = text.record("organizations", EDITED) + 1
    return BadFile(text.write(workdir), (f"line {line}: organizations[{EDITED}].name", "required"))


def _unknown_reference(workdir: Path) -> BadFile:
    agreement = curated()["agreements"][0]
    text = DatasetText()
    index = text.field("agreements", agreement["slug"], "parties")
    parties = [*agreement["parties"][:-1], MISSING_REFERENCE]
    text.lines[index] = f"    parties: [{', '.join(parties)}]\n"
    return BadFile(
        text.write(workdir),
        (
            f"agreements[{agreement['slug']}].parties",
            f"unknown reference {MISSING_REFERENCE!r}",
        ),
    )


def _duplicate_slug(workdir: Path) -> BadFile:
    text = DatasetText()
    start, end = text.record("organizations", EDITED), text.record_end("organizations", EDITED)
    text.lines[end:end] = text.lines[start:end]
    return BadFile(text.write(workdir), (f"organizations[{EDITED}]", f"duplicate slug {EDITED!r}"))


def _wrong_types(workdir: Path) -> BadFile:
    """A quoted number and a word, in two records: both are reported at once."""
    first, second = [o for o in curated()["organizations"] if o.get("founded_year")][:2]
    text = DatasetText()
    fragments = ["2 problem(s)", "valid integer"]
    for record, bad in ((first, '"{year}"'), (second, "nineteen")):
        index = text.field("organizations", record["slug"], "founded_year")
        year = record["founded_year"]
        line = text.replace(index, f" {year}\n", f" {bad.format(year=year)}\n")
        fragments.append(f"line {line}: organizations[{record['slug']}].founded_year")
    return BadFile(text.write(workdir), tuple(fragments))


def _quote_not_in_source(workdir: Path) -> BadFile:
    quote = organization(curated(), EDITED)["quotes"][-1]
    tampered = f"{quote[: len(quote) // 2]}~{quote[len(quote) // 2 :]}"
    text = DatasetText()
    start, end = text.record("organizations", EDITED), text.record_end("organizations", EDITED)
    (index,) = [i for i in range(start, end) if text.lines[i] == f"      - {quote}\n"]
    text.replace(index, quote, tampered)
    return BadFile(
        text.write(workdir),
        (f"organizations[{EDITED}]", "quote not found verbatim in the source", tampered),
    )


def _unknown_field(workdir: Path) -> BadFile:
    text = DatasetText()
    index = text.field("organizations", EDITED, "description")
    line = text.replace(index, "description:", "descripton:")
    return BadFile(text.write(workdir), (f"line {line}: organizations[{EDITED}].descripton",))


def _unknown_category(workdir: Path) -> BadFile:
    category = organization(curated(), EDITED)["category"]
    text = DatasetText()
    index = text.field("organizations", EDITED, "category")
    line = text.replace(index, f" {category}\n", f" {category}X\n")
    valid = sorted({o["category"] for o in curated()["organizations"]})
    return BadFile(
        text.write(workdir),
        (f"line {line}: organizations[{EDITED}].category", *(repr(c) for c in valid)),
    )


def _missing_file(workdir: Path) -> BadFile:
    path = workdir / "no-such-file.yaml"
    return BadFile(path, (str(path), "cannot read the file", "No such file"))


def _empty_file(workdir: Path) -> BadFile:
    path = with_source(workdir)
    path.write_text("", encoding="utf-8")
    return BadFile(path, (str(path), "must be a YAML mapping"))


def _duplicate_initiative_member(workdir: Path) -> BadFile:
    initiative = curated()["initiatives"][0]
    text = DatasetText()
    index = text.field("initiatives", initiative["slug"], "organizations")
    members = [*initiative["organizations"], initiative["organizations"][0]]
    text.lines[index] = f"    organizations: [{', '.join(members)}]\n"
    return BadFile(text.write(workdir), (f"initiatives[{initiative['slug']}].organizations",))


def _not_utf8(workdir: Path) -> BadFile:
    text = DatasetText()
    assert any(not line.isascii() for line in text.lines)  # the page has "®" and curly quotes
    path = text.write(workdir, encoding="cp1252")
    return BadFile(path, (str(path), "UTF-8"))


BAD_FILES: dict[str, Callable[[Path], BadFile]] = {
    "yaml-syntax-error": _syntax_error,
    "missing-required-field": _missing_field,
    "unknown-reference": _unknown_reference,
    "duplicate-slug": _duplicate_slug,
    "wrong-types": _wrong_types,
    "quote-not-in-source": _quote_not_in_source,
    "unknown-field": _unknown_field,
    "unknown-category": _unknown_category,
    "missing-file": _missing_file,
    "empty-file": _empty_file,
    "duplicate-initiative-member": _duplicate_initiative_member,
    "not-utf8": _not_utf8,
}


@dataclass(frozen=True)
class State:
    """What a rejected run must leave exactly as it found it."""

    files: dict[str, str] | None  # SQLite: sha256 of the file and of each side file present
    tables: set[str]  # every table, Alembic's and FTS5's own included: none new, none gone
    rows: Dump  # every row of every table, dataset_revision included


def state(url: str) -> State:
    """The file is hashed first, before this process opens the database to read it."""
    files = file_hashes(url) if sqlite_path(url) is not None else None
    return State(files, tables(url), dump(url))


@dataclass(frozen=True)
class Rejection:
    bad: BadFile
    result: Result
    before: State
    after: State


@pytest.fixture(scope="module")
def rejections(
    databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Rejection]:
    """Every bad file, each against a fresh curated database of its own, run side by side."""
    prepared = []
    for name, build in BAD_FILES.items():
        url = fresh(databases)
        prepared.append((name, url, build(tmp_path_factory.mktemp(name)), state(url)))
    results = seed_all([(url, [bad.path]) for _, url, bad, _ in prepared])
    return {
        name: Rejection(bad, result, before, state(url))
        for (name, url, bad, before), result in zip(prepared, results, strict=True)
    }


BAD_FILE_PARAMS = [pytest.param(name, id=name) for name in BAD_FILES]


@pytest.mark.parametrize("name", BAD_FILE_PARAMS)
def test_a_bad_file_is_rejected_and_nothing_is_written(
    rejections: dict[str, Rejection], name: str
) -> None:
    rejection = rejections[name]
    result = rejection.result
    assert "Traceback" not in result.stderr, tail(result.stderr)
    assert result.returncode == 2, tail(result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {rejection.bad.path}: ")
    missing = [fragment for fragment in rejection.bad.fragments if fragment not in result.stderr]
    assert not missing, f"{missing} not in:\n{result.stderr}"
    assert result.stderr.endswith("nothing was written\n")
    before, after = rejection.before, rejection.after
    assert revision_of(after.rows) == revision_of(before.rows)
    assert after.tables == before.tables
    assert after.rows == before.rows  # row for row, on either engine
    # On SQLite, also byte for byte, -wal included (PostgreSQL has no file of its own to
    # hash: its data directory is the server's, and its bytes change without any write).
    assert after.files == before.files


# ---------------------------------------------------------------------------- 7. synthetic


def test_a_synthetic_directory_loads_deterministically_and_idempotently(
    databases: Databases,
) -> None:
    first, second, never = (empty(databases) for _ in range(3))

    a, b, zero = seed_all(
        [
            (first, ["--synthetic", "50"]),
            (second, ["--synthetic", "50"]),
            (never, ["--synthetic", "0"]),
        ]
    )

    assert a.returncode == 0, tail(a.stderr)
    assert b.returncode == 0, tail(b.stderr)
    assert a.stdout.splitlines()[:-1] == b.stdout.splitlines()[:-1]  # all but the timing
    assert count(first, "organization") == 50
    assert summary_line("organizations", added=50) in lines(a)
    for section, table in SECTIONS.items():  # the summary counts what was stored
        added = count(first, table)
        assert added > 0, table
        assert summary_line(section, added=added) in lines(a)
    assert untimed(dump(first)) == untimed(dump(second))

    assert zero.returncode == 2
    assert "--synthetic" in zero.stderr
    assert "at least 1" in zero.stderr
    assert zero.stderr.endswith("nothing was written\n")
    assert zero.stdout == ""
    never_path = sqlite_path(never)
    if never_path is not None:  # only SQLite creates a database by connecting to it
        assert not never_path.exists()
    assert tables(never) == set()

    before = dump(first)
    again = seed(first, "--synthetic", "50")
    assert again.returncode == 0, tail(again.stderr)
    assert "nothing to change" in lines(again)
    assert dump(first) == before


# ------------------------------------------------------------------------- 8. progress bar


def test_no_progress_bar_when_stderr_is_not_a_terminal(curated_load: Loaded) -> None:
    assert curated_load.result.returncode == 0
    assert curated_load.result.stderr == ""


def test_a_progress_bar_when_stderr_is_a_terminal(databases: Databases) -> None:
    """The counterpart of the test above: the bar exists, and only a terminal gets it."""
    code, stdout, terminal = seed_with_terminal_stderr(empty(databases))
    assert code == 0, terminal
    assert "[#" in terminal
    assert "[#" not in stdout
    assert "changes were applied" in stdout.splitlines()
