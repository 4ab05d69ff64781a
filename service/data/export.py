"""Export: the database written back as a dataset file that the loader reads to the same
state (`python -m service export`).

The records are read as the loader compares them (`snapshot_from_database`) and turned back
into the file's shape by `records.file_shape`, the one place both directions are written,
so a load of the export plans nothing. The folder is written whole or not at all: every
file goes to a temporary name beside its target first, and the dataset file is renamed into
place last, once the source documents it cites are there.

The same database gives the same bytes: sections in the curated file's order, records by
their natural key, a block-style YAML that keeps unicode. What the database does not hold is
not exported: the curated file's comments and each record's `notes`.
"""

import contextlib
import enum
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.data.dataset import SECTIONS
from service.data.loader import Snapshot, snapshot_from_database
from service.data.migrate import alembic_config
from service.data.models import DOCUMENT_TABLE
from service.data.records import file_shape

DEFAULT_EXPORT = Path("export") / "partners.yaml"
FILE_NAME = DEFAULT_EXPORT.name  # the file's name when PATH is a folder
WIDTH = 80  # PyYAML breaks at the first space past it: lines end near the curated 92
HEADER = """\
# Exported from the database by `python -m service export`.
# `python -m service seed` loads this folder as it is (its source documents are in
# source/). The curated file's comments and the records' `notes` are not kept in the
# database, so they are not here.
"""
STAND_IN = """\
# A stand-in for {document!r}, written by `python -m service export --quotes-as-source`:
# the database never registered that document's text, so this is only its records' quotes,
# one a line. It lets the folder load; it is not the original document.
"""


class ExportError(Exception):
    """The database cannot be exported as a dataset file; nothing was written."""


class ExportPathError(ExportError):
    """The export's files cannot be written where asked; nothing was written."""


@dataclass(frozen=True)
class Exported:
    """What a database holds, ready to write: the dataset file's text and, by name, the
    source documents beside it."""

    text: str
    sources: Mapping[str, str]
    counts: Mapping[str, int]


# ------------------------------------------------------------------------ reading the database


async def read_export(engine: AsyncEngine, *, quotes_as_source: bool = False) -> Exported:
    """The database as a dataset file, read in one transaction (one consistent state)."""
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            await _check_schema(conn)
            snapshot = await snapshot_from_database(conn)
            registered = await _registered(conn)
    counts = {section: len(snapshot[section]) for section in SECTIONS}
    if not any(counts.values()):
        # Refused rather than written: an empty file loaded with --prune would empty the
        # database it is loaded into, and an empty database here is more likely the wrong
        # DATABASE_URL than a network with nothing in it.
        raise ExportError("the database holds no records: there is nothing to export")
    document = _document(snapshot, registered)
    if document in registered:
        text = registered[document]
    elif quotes_as_source:
        text = _stand_in(document, snapshot)
    else:
        raise ExportError(
            f"the records cite the document {document!r}, whose text the database never "
            "registered (a synthetic directory's, or one loaded before documents were kept), "
            "so the export could not be loaded; --quotes-as-source writes a stand-in made of "
            "the records' own quotes"
        )
    return Exported(dataset_text(snapshot, document), {document: text}, counts)


async def _check_schema(conn: AsyncConnection) -> None:
    """The tables an export reads are those of the newest migration (export never migrates:
    it writes nothing to the database)."""

    def revisions(sync: sa.Connection) -> tuple[str | None, str | None]:
        current = MigrationContext.configure(sync).get_current_revision()
        return current, ScriptDirectory.from_config(alembic_config()).get_current_head()

    current, head = await conn.run_sync(revisions)
    if current is None:
        raise ExportError(
            "the database has no tables yet: nothing was ever loaded into it "
            "(python -m service seed loads the curated dataset)"
        )
    if current != head:
        raise ExportError(
            f"the database's schema is at {current}, not {head}: "
            "run `python -m service migrate` first"
        )


async def _registered(conn: AsyncConnection) -> dict[str, str]:
    rows = await conn.execute(sa.select(DOCUMENT_TABLE.c.name, DOCUMENT_TABLE.c.text))
    return {row.name: row.text for row in rows}


def _quoted(snapshot: Snapshot) -> Iterator[tuple[str, str]]:
    """(document, quote) of every quote of every record."""
    for values in snapshot["organizations"].values():
        yield from values["sources"]
    for section in SECTIONS:
        if section != "organizations":
            for values in snapshot[section].values():
                if values["source_quote"] is not None:
                    yield values["source_document"], values["source_quote"]


def cited_documents(snapshot: Snapshot) -> set[str]:
    """Every document a record's quote comes from."""
    return {document for document, _quote in _quoted(snapshot)}


def _document(snapshot: Snapshot, registered: Mapping[str, str]) -> str:
    """The one document the file names: the one its quotes come from."""
    cited = cited_documents(snapshot)
    if len(cited) > 1:
        # The file format names one `document` for every quote in it (the loader gives each
        # quote that document), so records quoting two documents have no faithful file:
        # writing one name would move the other document's quotes onto it.
        raise ExportError(
            "the records quote more than one document, and a dataset file names only one: "
            + ", ".join(repr(name) for name in sorted(cited))
        )
    if cited:
        document = cited.pop()
    elif len(registered) == 1:  # every record rests on an editorial note
        document = next(iter(registered))
    else:
        raise ExportError(
            "no record quotes a document and the database has "
            f"{len(registered) or 'no'} registered document(s): the file must name one"
        )
    if document in ("", ".", "..") or "/" in document or "\\" in document or "\0" in document:
        raise ExportError(f"the document name {document!r} is not a file name")
    return document


def _stand_in(document: str, snapshot: Snapshot) -> str:
    quotes = sorted({quote for _document, quote in _quoted(snapshot)})
    return STAND_IN.format(document=document) + "".join(f"{quote}\n" for quote in quotes)


# ----------------------------------------------------------------------------- the YAML text


def dataset_text(snapshot: Snapshot, document: str) -> str:
    """The dataset file's text: the same snapshot always gives the same bytes."""
    data: dict[str, Any] = {"document": document}
    for section in SECTIONS:
        records = snapshot[section]
        if records:
            data[section] = [file_shape(section, slug, records[slug]) for slug in sorted(records)]
    body = yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=WIDTH, indent=2
    )
    if yaml.load(body, Loader=yaml.SafeLoader) != data:
        raise AssertionError("the YAML written does not read back as the records")
    return HEADER + "\n" + "".join(_spaced(body.splitlines(keepends=True)))


def _spaced(lines: list[str]) -> Iterator[str]:
    """A blank line between sections and between records, as the curated file has them.
    Only a line at column 0 (a section) or `  - ` (a record) starts one: a scalar's
    continuation lines are indented deeper than its key."""
    previous = ""
    for line in lines:
        section = not line[0].isspace()
        record = line.startswith("  - ") and previous[0].isspace()
        if previous and (section or record):
            yield "\n"
        yield line
        previous = line


class _Dumper(yaml.SafeDumper):
    """Block style with each list indented under its key (the curated file's layout)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """A long text as a folded block (`>-`), as the curated file writes its quotes, when the
    fold reads back as exactly the same text; otherwise PyYAML's own choice."""
    style = ">" if len(value) > WIDTH - 10 and _folds_back(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _enum(dumper: yaml.SafeDumper, value: enum.Enum) -> yaml.ScalarNode:
    return _text(dumper, str(value.value))


class _FoldedDumper(yaml.SafeDumper):
    pass


_FoldedDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
)


def _folds_back(value: str) -> bool:
    written = yaml.dump([value], Dumper=_FoldedDumper, allow_unicode=True, width=WIDTH)
    return bool(yaml.safe_load(written) == [value])


_Dumper.add_representer(str, _text)
_Dumper.add_multi_representer(enum.Enum, _enum)


# ----------------------------------------------------------------------------- the files


def target_file(given: str | Path) -> Path:
    """PATH names the dataset file, or a folder (existing, or ending in a slash) to write
    `partners.yaml` in."""
    path = Path(given)
    folder = str(given).endswith(("/", os.sep)) or path.is_dir()
    return path / FILE_NAME if folder else path


def write_export(path: Path, exported: Exported) -> list[Path]:
    """Write the folder all or nothing; the files written, the dataset file last."""
    files = {path.parent / "source" / name: text for name, text in sorted(exported.sources.items())}
    files[path] = exported.text  # renamed last: never a dataset without its sources
    for target in files:
        if target.is_dir():
            raise ExportPathError(f"cannot write {target}: it is a folder")
    created: list[Path] = []
    temporaries: list[tuple[Path, Path]] = []
    try:
        for target, text in files.items():
            created.extend(_make_folders(target.parent))
            temporaries.append((_write_temporary(target, text.encode("utf-8")), target))
        for temporary, target in temporaries:
            temporary.replace(target)
    except OSError as error:
        for temporary, _target in temporaries:
            temporary.unlink(missing_ok=True)
        for folder in reversed(created):
            _remove_if_empty(folder)
        where = error.filename or path
        raise ExportPathError(f"cannot write {where}: {error.strerror or error}") from error
    return list(files)


def _make_folders(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents; those created, outermost first."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for each in reversed(missing):
        each.mkdir()
    return list(reversed(missing))


def _write_temporary(target: Path, data: bytes) -> Path:
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty (it was not ours) or already gone
        folder.rmdir()
