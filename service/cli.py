"""Operator commands: serve, seed, migrate, export-schema, possible-types
(`python -m service --help`)."""

import argparse
import asyncio
import contextlib
import copy
import signal
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy.exc
from pydantic import ValidationError

from service.config import Settings, settings_problem
from service.data.dataset import DEFAULT_DATASET, DatasetError
from service.data.engine import create_engine
from service.data.export import DEFAULT_EXPORT
from service.data.loader import (
    SECTIONS,
    LoadConflict,
    Plan,
    Snapshot,
    from_file,
    is_empty,
    load,
)
from service.data.synthetic import synthetic_snapshot

APP = "service.app:create_app"  # a factory: `serve` and its workers build the app by name


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="seed the database if it is empty, then serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="worker processes on the one port (default 1); each has its own caches, "
        "MAX_CONCURRENCY and connection pool",
    )

    seed = commands.add_parser("seed", help="load the curated dataset (idempotent upsert)")
    seed.add_argument("path", nargs="?", type=Path, default=DEFAULT_DATASET, metavar="PATH")
    seed.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    seed.add_argument("--prune", action="store_true", help="remove what the file no longer has")
    seed.add_argument(
        "--force",
        action="store_true",
        help="overwrite (or prune) records changed through the API since the last load",
    )
    seed.add_argument(
        "--synthetic", type=int, metavar="N", help="load a synthetic directory of N organizations"
    )

    export = commands.add_parser(
        "export",
        help="write the database as a dataset file, with its source documents beside it",
        description="Write the database as a dataset file at PATH (default export/partners.yaml"
        ", or partners.yaml in PATH when it is a folder) and the source documents it quotes in "
        "source/ beside it: the folder loads on its own with `python -m service seed PATH`. "
        "The database is only read; the files are written whole or not at all.",
        epilog="exit status: 0 written; 1 the database cannot be exported (missing, not "
        "migrated, empty, or quoting more than one document, or one it never registered); "
        "2 PATH cannot be written",
    )
    export.add_argument("path", nargs="?", default=DEFAULT_EXPORT, metavar="PATH")
    export.add_argument(
        "--quotes-as-source",
        action="store_true",
        help="for a document the database never registered (a synthetic directory's), write "
        "a stand-in made of the records' quotes",
    )

    commands.add_parser("migrate", help="apply pending schema migrations")
    commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    possible = commands.add_parser(
        "possible-types",
        help="print the interfaces' and unions' object types as JSON (Apollo's possibleTypes)",
    )
    possible.add_argument(
        "--schema", type=Path, metavar="PATH", help="an SDL file (default: the served schema)"
    )

    source = commands.add_parser("source", help="compare a new copy of the source page")
    source_commands = source.add_subparsers(dest="source_command", required=True, metavar="ACTION")
    check = source_commands.add_parser(
        "check", help="list stale quotes and uncovered sentences (exit 1 when a quote is stale)"
    )
    check.add_argument("page", type=Path, metavar="PATH", help="the page as text or saved HTML")
    check.add_argument("--json", action="store_true", help="print a JSON report")
    check.add_argument(
        "--dataset", type=Path, default=DEFAULT_DATASET, metavar="PATH", help="default: %(default)s"
    )

    token = commands.add_parser("token", help="issue, list and revoke API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="issue a token and print it (once)")
    create.add_argument("--name", required=True, help="who holds it; the audit trail's actor")
    create.add_argument("--role", required=True, choices=("editor", "admin"))
    token_commands.add_parser("list", help="name, role, created and revoked of every token")
    revoke = token_commands.add_parser("revoke", help="revoke a token: refused from now on")
    revoke.add_argument("name", metavar="NAME")
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


class ProgressBar:
    """A one-line progress bar on an interactive stderr; silent otherwise."""

    STEPS = (*SECTIONS, "prune", "search index")

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.done = 0

    def __call__(self, step: str) -> None:
        if not self.enabled:
            return
        self.done += 1
        width = 30
        filled = width * self.done // len(self.STEPS)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {step:<20}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.done:
            sys.stderr.write("\n")


def _loader_settings(settings: Settings) -> Settings:
    """A load of 100,000 organizations runs statements longer than any request should."""
    return settings.model_copy(update={"statement_timeout_ms": 0})


async def _seed(
    settings: Settings,
    target: Snapshot,
    documents: dict[str, str],
    *,
    prune: bool,
    dry_run: bool,
    force: bool,
) -> Plan:
    engine = create_engine(_loader_settings(settings), create=True)
    bar = ProgressBar()
    try:
        return await load(
            engine,
            target,
            documents=documents,
            prune=prune,
            dry_run=dry_run,
            force=force,
            progress=bar,
        )
    finally:
        bar.close()
        await engine.dispose()


def seed_command(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    try:
        if args.synthetic is not None:
            if args.path != DEFAULT_DATASET:
                raise DatasetError(
                    "--synthetic", ["give a dataset PATH or --synthetic N, not both"]
                )
            if args.synthetic < 1:
                raise DatasetError("--synthetic", ["N must be at least 1"])
            target, documents = synthetic_snapshot(args.synthetic), dict[str, str]()
        else:
            target, documents = from_file(args.path)
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 2
    try:
        plan = asyncio.run(
            _seed(
                settings,
                target,
                documents,
                prune=args.prune,
                dry_run=args.dry_run,
                force=args.force,
            )
        )
    except LoadConflict as conflict:
        print(conflict.plan.summary(dry_run=True), file=sys.stderr)
        print(f"error: {conflict}", file=sys.stderr)
        print("nothing was changed", file=sys.stderr)
        return 3
    except DATABASE_ERRORS as error:
        # locked past the busy timeout, disk full, server gone: the transaction rolled back
        print(f"error: the database refused the load: {_reason(error)}", file=sys.stderr)
        print("nothing was changed", file=sys.stderr)
        return 1
    print(plan.summary(dry_run=args.dry_run))
    print(f"{'planned' if args.dry_run else 'loaded'} in {time.perf_counter() - started:.2f} s")
    return 0


# What reaching the database can raise: the driver's errors as SQLAlchemy wraps them, and the
# socket's own where nothing wraps them (asyncpg's refused or unreachable server at connect).
DATABASE_ERRORS = (sqlalchemy.exc.DBAPIError, OSError)


def _reason(error: BaseException) -> str:
    """The driver's own words, without SQLAlchemy's statement dump."""
    if isinstance(error, sqlalchemy.exc.DBAPIError) and error.orig:
        return str(error.orig).strip().splitlines()[0]
    return str(error)


def export_command(args: argparse.Namespace, settings: Settings) -> int:
    from service.data.engine import DatabaseNotReady
    from service.data.export import ExportError, read_export, target_file, write_export

    async def read() -> Any:
        engine = create_engine(_loader_settings(settings))  # a large export reads for long
        try:
            return await read_export(engine, quotes_as_source=args.quotes_as_source)
        finally:
            await engine.dispose()

    try:
        exported = asyncio.run(read())
    except (ExportError, DatabaseNotReady) as error:
        print(f"error: {error}\nnothing was written", file=sys.stderr)
        return 1
    except DATABASE_ERRORS as error:
        print(
            f"error: cannot read the database: {_reason(error)}\nnothing was written",
            file=sys.stderr,
        )
        return 1
    try:
        written = write_export(target_file(args.path), exported)
    except ExportError as error:
        print(f"error: {error}\nnothing was written", file=sys.stderr)
        return 2
    counts = ", ".join(f"{n} {section}" for section, n in exported.counts.items())
    print(f"exported {counts}")
    print("\n".join(f"wrote {path}" for path in written))
    return 0


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from service.http.admission import connection_limit

    async def seed_if_empty() -> None:
        engine = create_engine(_loader_settings(settings), create=True)
        try:
            if await is_empty(engine):
                target, documents = from_file(DEFAULT_DATASET)
                plan = await load(engine, target, documents=documents)
                print(f"seeded the empty database:\n{plan.summary()}", file=sys.stderr)
        finally:
            await engine.dispose()

    try:
        asyncio.run(seed_if_empty())
    except DATABASE_ERRORS as error:
        print(f"error: cannot use the database: {_reason(error)}", file=sys.stderr)
        return 1
    # uvicorn drains in-flight requests on SIGTERM, then re-raises the signal with the handler
    # that was there before it: make that one a clean exit, so an orderly stop exits 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    options: dict[str, Any] = {
        "factory": True,  # workers import the app by name: each process builds its own
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        # MAX_CONCURRENCY is the app's (service/http/admission.py: a GraphQL-shaped 503);
        # uvicorn's count of connections stays as a backstop above it, against floods.
        # ...and WebSockets have their own cap (MAX_WEBSOCKETS), on top of it.
        "limit_concurrency": connection_limit(settings.max_concurrency) + settings.max_websockets,
        # websockets' sans-I/O protocol: 142 KiB per idle subscribed connection, against 207
        # for the legacy one (measured with 500 connections), which is also deprecated.
        "ws": "websockets-sansio",
        "ws_max_size": settings.ws_message_bytes,  # a bigger message closes with 1009
        "ws_ping_interval": settings.ws_ping_interval_s,  # idle connections are pinged...
        "ws_ping_timeout": settings.ws_ping_interval_s,  # ...and closed if they do not answer
        # A client reusing a connection the server is closing gets a dropped request: the side
        # that sends must be the side that closes, so the server waits longer than clients.
        "timeout_keep_alive": settings.keep_alive_s,
        "timeout_graceful_shutdown": 10,  # SIGTERM: requests in flight finish, within a bound
        "access_log": False,  # ours is structured: one JSON line per request on stdout
        "log_config": _log_config(),
    }
    if args.workers <= 1:
        uvicorn.run(APP, **options)
        return 0
    # uvicorn's supervisor, with a listening socket per worker (service/workers.py).
    from service.workers import SocketPerWorker

    try:
        supervisor = SocketPerWorker(uvicorn.Config(APP, **options))
    except OSError as error:
        print(f"error: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 1
    with contextlib.suppress(KeyboardInterrupt):
        supervisor.run()
    return 0


def _exit_cleanly(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, plus JSON access lines on stdout and our errors on stderr; applied
    in every worker process."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["json_line"] = {"format": "%(message)s"}
    config["handlers"]["json_access"] = {
        "class": "logging.StreamHandler", "formatter": "json_line", "stream": "ext://sys.stdout",
    }  # fmt: skip
    config["loggers"]["service.access"] = {
        "handlers": ["json_access"], "level": "INFO", "propagate": False,
    }  # fmt: skip
    config["loggers"]["service"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def migrate_command(_args: argparse.Namespace, settings: Settings) -> int:
    from service.data.migrate import migrate

    try:
        asyncio.run(migrate(settings))
    except DATABASE_ERRORS as error:
        print(f"error: cannot use the database: {_reason(error)}", file=sys.stderr)
        return 1
    print("schema is at head")
    return 0


def export_schema_command(_args: argparse.Namespace, _settings: Settings) -> int:
    from service.graphql.schema import schema_sdl

    print(schema_sdl())
    return 0


def possible_types_command(args: argparse.Namespace, _settings: Settings) -> int:
    import json

    from service.graphql.possible_types import possible_types
    from service.graphql.schema import schema_sdl

    try:
        sdl = args.schema.read_text(encoding="utf-8") if args.schema else schema_sdl()
    except OSError as error:
        print(f"error: {args.schema}: {error.strerror}", file=sys.stderr)
        return 2
    print(json.dumps(possible_types(sdl), indent=2))
    return 0


def source_command(args: argparse.Namespace, _settings: Settings) -> int:
    """Files only: the dataset and its source as the loader reads them, and the new page."""
    from service.data.source import PageError, check_source

    try:
        report = check_source(args.page, args.dataset)
    except (DatasetError, PageError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report.as_json() if args.json else report.as_text())
    return 1 if report.stale else 0


def token_command(args: argparse.Namespace, settings: Settings) -> int:
    """The token itself goes alone to stdout (for a pipe); everything else to stderr."""
    from service.auth.tokens import TokenError

    try:
        return asyncio.run(_token_action(args, settings))
    except TokenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except DATABASE_ERRORS as error:
        print(f"error: cannot use the database: {_reason(error)}", file=sys.stderr)
        return 1


async def _token_action(args: argparse.Namespace, settings: Settings) -> int:
    from service.auth import tokens
    from service.auth.principal import Role
    from service.data.engine import for_edits
    from service.data.migrate import upgrade

    engine = create_engine(settings, create=True)
    try:
        # with the write lock from the start: two commands at once queue, neither fails
        async with for_edits(engine).begin() as conn:
            await upgrade(conn)  # a fresh database gets its tables first
            if args.token_command == "create":
                secret = await tokens.issue(conn, name=args.name, role=Role[args.role.upper()])
                print(secret)
                print(f"issued {args.role} token {args.name!r}: shown this once", file=sys.stderr)
            elif args.token_command == "revoke":
                revoked = await tokens.revoke(conn, args.name)
                print(f"revoked {args.name!r}" if revoked else f"{args.name!r} was revoked already")
            else:
                _print_tokens(await tokens.list_tokens(conn))
    except sqlalchemy.exc.IntegrityError:  # issued under the same name at the same moment
        raise tokens.TokenError(f"a token named {args.name!r} exists already") from None
    finally:
        await engine.dispose()
    return 0


def _print_tokens(listed: Sequence[Any]) -> None:
    """One line per token, in columns; never the token, never its hash."""
    rows = [("NAME", "ROLE", "CREATED (UTC)", "REVOKED (UTC)")]
    rows += [
        (token.name, token.role, _when(token.created_at), _when(token.revoked_at))
        for token in listed
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())


def _when(moment: datetime | None) -> str:
    """SQLite gives the stored UTC time back naive; PostgreSQL gives it in its own zone."""
    if moment is None:
        return "-"
    return (moment.astimezone(UTC) if moment.tzinfo else moment).strftime("%Y-%m-%d %H:%M:%S")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:  # a bad variable is the operator's to fix: no traceback
        print(f"error: {settings_problem(error)}", file=sys.stderr)
        return 2
    handlers = {
        "serve": serve_command,
        "seed": seed_command,
        "export": export_command,
        "migrate": migrate_command,
        "export-schema": export_schema_command,
        "possible-types": possible_types_command,
        "source": source_command,
        "token": token_command,
    }
    return handlers[args.command](args, settings)
