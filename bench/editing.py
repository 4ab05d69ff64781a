"""Edits through the API: `python -m bench.editing [--engines sqlite,postgresql] [--edits 200]
[--editors 8] [--seconds 10]`, a step of `make bench`.

Per engine, on a working copy of the curated dataset, against a real server (`python -m
service serve`, one process, limits at their defaults) on loopback:

- **latency**: one editor's `updateOrganization` round trips one after another, each from
  the version the last one answered (so none conflicts), after a few untimed ones; p50 and
  p99 by pyperf;
- **distinct records**: N editors at once, each editing a record of its own for a window
  (so they conflict on no version, only on the database's write lock or row locks): edits
  per second, and each edit's p50/p99;
- **one record**: N editors at once on the same record, each edit read → update from the
  version read → on CONFLICT read again (at most 100 tries): edits per second, conflicts per
  edit, and the p50/p99 of a whole edit, retries included;
- **SQL statements per edit**: counted on an in-process app's engine (`before_cursor_execute`,
  transaction control excepted) for the same mutation, the editing transaction and the
  record read back for the payload together.

Every edit is checked (no userErrors but the conflicts the retries expect, no 5xx); a
failure is listed under Problems and the command exits 1. The samples go to
`bench/results/editing.json` (pyperf), the section "## Editing" of RESULTS.md is replaced.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyperf
from sqlalchemy import event

from bench.datasets import curated_copies
from bench.load import LOOPBACK, ROOT, serve
from bench.report import ENGINES, NONE, benchmark, ms, table, write_section
from bench.run import commit
from service.app import create_app
from service.auth import tokens
from service.auth.principal import Role
from service.config import Settings
from service.data.engine import create_engine, for_writes
from service.graphql.ids import encode_id

SECTION = "## Editing"
UPDATE = """mutation Edit($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) {
    organization { version } changeId userErrors { message code }
  }
}"""
READ = "query Read($slug: String!) { organization(slug: $slug) { version } }"
NOTE = {"editorialNote": "benchmark edit"}
# Distinct records: one per editor, none of them the record the latency series edits.
RECORDS = ("jacie", "abtcel-gen", "andtat", "arm", "astct", "baa", "carm", "catapult", "cba",
           "cellcan", "usp", "ebmt")  # fmt: skip
LATENCY_RECORD, SHARED_RECORD = "fact", "isct"
WARMUP, MAX_TRIES = 10, 100


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class EditFailed(Exception):
    """An edit answered with something other than success or an expected conflict."""


def update_body(slug: str, version: int, text: str) -> dict[str, Any]:
    variables = {
        "input": {
            "id": encode_id("Organization", slug),
            "expectedVersion": version,
            "description": text,
            "evidence": NOTE,
        }
    }
    return {"query": UPDATE, "variables": variables}


@dataclass
class Editor:
    client: httpx.AsyncClient
    token: str
    edits: int = 0
    conflicts: int = 0
    seconds: list[float] = field(default_factory=list)

    async def read(self, slug: str) -> int:
        response = await self.client.post(
            "/graphql", json={"query": READ, "variables": {"slug": slug}}
        )
        if response.status_code != 200:
            raise EditFailed(f"read {response.status_code}: {response.text[:200]}")
        version: int = response.json()["data"]["organization"]["version"]
        return version

    async def update(self, slug: str, version: int, text: str) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql",
            json=update_body(slug, version, text),
            headers={"authorization": f"Bearer {self.token}"},
        )
        body = response.json() if response.status_code == 200 else {}
        if "data" not in body or body.get("errors"):
            raise EditFailed(f"update {response.status_code}: {response.text[:300]}")
        payload: dict[str, Any] = body["data"]["updateOrganization"]
        return payload

    async def edit_from(self, slug: str, version: int, text: str) -> int:
        """One edit that must not conflict: the new version."""
        started = time.perf_counter()
        payload = await self.update(slug, version, text)
        self.seconds.append(time.perf_counter() - started)
        if payload["userErrors"]:
            raise EditFailed(f"refused: {payload['userErrors']}")
        self.edits += 1
        new: int = payload["organization"]["version"]
        return new

    async def edit_retrying(self, slug: str, text: str) -> None:
        """Read, update from the version read, again on CONFLICT: the whole edit timed."""
        started = time.perf_counter()
        for _ in range(MAX_TRIES):
            payload = await self.update(slug, await self.read(slug), text)
            errors = payload["userErrors"]
            if not errors:
                self.seconds.append(time.perf_counter() - started)
                self.edits += 1
                return
            if [e["code"] for e in errors] != ["CONFLICT"]:
                raise EditFailed(f"refused: {errors}")
            self.conflicts += 1
        raise EditFailed(f"no edit of {slug} after {MAX_TRIES} tries")


async def latency(base: str, token: str, edits: int) -> list[float]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        editor = Editor(client, token)
        version = await editor.read(LATENCY_RECORD)
        for i in range(WARMUP + edits):
            version = await editor.edit_from(LATENCY_RECORD, version, f"Latency edit {i}.")
        return editor.seconds[WARMUP:]


async def crowd(
    base: str, token: str, editors: int, seconds: float, shared: bool
) -> dict[str, Any]:
    """`editors` at once for `seconds`: on records of their own, or all on one record."""
    end = time.perf_counter() + seconds

    async def one(n: int) -> Editor:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            editor = Editor(client, token)
            slug = SHARED_RECORD if shared else RECORDS[n]
            version = await editor.read(slug)
            i = 0
            while time.perf_counter() < end:
                text = f"Editor {n}, edit {i}."
                if shared:
                    await editor.edit_retrying(slug, text)
                else:
                    version = await editor.edit_from(slug, version, text)
                i += 1
            return editor

    started = time.perf_counter()
    done = await asyncio.gather(*(one(n) for n in range(editors)))
    elapsed = time.perf_counter() - started
    edits = sum(e.edits for e in done)
    return {
        "editors": editors,
        "seconds": round(elapsed, 2),
        "edits": edits,
        "edits_per_s": round(edits / elapsed, 1),
        "conflicts": sum(e.conflicts for e in done),
        "samples": [s for e in done for s in e.seconds],
    }


async def statements_per_edit(url: str, token: str, edits: int = 20) -> dict[str, Any]:
    """The SQL statements one edit sends, on an in-process app over the same database."""
    app = create_app(Settings(database_url=url, response_cache_bytes=0))
    async with app.router.lifespan_context(app):
        sent: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if statement.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
                sent.append(statement)

        # On the engine with transactions: its listeners hear the read engine's too.
        event.listen(for_writes(app.state.engine).sync_engine, "before_cursor_execute", count)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            editor = Editor(client, token)
            version = await editor.read(LATENCY_RECORD)
            counts = []
            for i in range(edits):
                sent.clear()
                version = await editor.edit_from(LATENCY_RECORD, version, f"Counted edit {i}.")
                counts.append(len(sent))
        return {"min": min(counts), "max": max(counts), "median": sorted(counts)[len(counts) // 2]}


async def issue_token(url: str) -> str:
    engine = create_engine(Settings(database_url=url))
    try:
        async with for_writes(engine).begin() as conn:
            return await tokens.issue(conn, name=f"bench {time.time_ns()}", role=Role.EDITOR)
    finally:
        await engine.dispose()


def measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    token = asyncio.run(issue_token(url))
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="editing-") as workdir:
        command = [sys.executable, "-m", "service", "serve", "--host", LOOPBACK, "--port", "{port}"]
        with serve(command, {"DATABASE_URL": url}, Path(workdir) / "server.log") as (base, _pid):
            say("  latency")
            result["latency"] = asyncio.run(latency(base, token, args.edits))
            for shared in (False, True):
                name = "one record" if shared else "distinct records"
                say(f"  {args.editors} editors, {name}")
                result[name] = asyncio.run(crowd(base, token, args.editors, args.seconds, shared))
    say("  statements per edit")
    result["statements"] = asyncio.run(statements_per_edit(url, token))
    return result


def percentiles(name: str, samples: list[float]) -> tuple[float | None, float | None]:
    if not samples:
        return None, None
    found = benchmark(name, samples)
    return float(found.median()), float(found.percentile(99))


def markdown(results: list[dict[str, Any]], args: argparse.Namespace, when: str) -> str:
    rows = []
    for r in results:
        label = ENGINES[r["engine"]]
        if "error" in r:
            rows.append([label, r["error"], *[NONE] * 7])
            continue
        p50, p99 = percentiles("latency", r["latency"])
        s = r["statements"]
        statements = f"{s['median']}" + (
            f" ({s['min']}-{s['max']})" if s["min"] != s["max"] else ""
        )
        rows.append(
            [
                label,
                "one editor, in turn",
                len(r["latency"]),
                ms(p50),
                ms(p99),
                NONE,
                NONE,
                statements,
            ]
        )
        for name in ("distinct records", "one record"):
            c = r[name]
            p50, p99 = percentiles(name, c["samples"])
            conflicts = f"{c['conflicts'] / c['edits']:.2f}" if c["edits"] else NONE
            rows.append([label, f"{c['editors']} editors, {name}", c["edits"], ms(p50), ms(p99),
                         c["edits_per_s"], conflicts, statements])  # fmt: skip
    header = "engine | edits | n | p50 ms | p99 ms | edits/s | conflicts per edit | SQL per edit"
    return "\n".join(
        [
            SECTION,
            "",
            f"`python -m bench.editing` ({when}, commit `{commit()}`): `updateOrganization` "
            "round trips against a real server (one process, loopback, the curated dataset). "
            f"One editor: {args.edits} edits in turn after {WARMUP} untimed. Crowds: "
            f"{args.editors} editors for {args.seconds:g} s, each on a record of its own, then "
            "all on one record, reading the version again and retrying on CONFLICT (their "
            "p50/p99 is a whole edit, retries included). SQL per edit: statements one edit "
            "sends (the transaction and the record read back), counted in process.",
            "",
            *table(header, rows),
            f"Load average (1 min) on {os.cpu_count()} CPUs after the run: "
            f"{os.getloadavg()[0]:.1f}; the machine is shared.",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.editing", description=__doc__)
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    parser.add_argument("--engines", default=",".join(ENGINES), help="sqlite,postgresql")
    parser.add_argument("--edits", type=int, default=50 if quick else 200)
    parser.add_argument("--editors", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3 if quick else 10)
    parser.add_argument(
        "--results",
        type=Path,
        default=ROOT / "bench" / ("RESULTS.quick.md" if quick else "RESULTS.md"),
    )
    args = parser.parse_args(argv)
    if args.editors > len(RECORDS):
        parser.error(f"at most {len(RECORDS)} editors (one record each)")
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results: list[dict[str, Any]] = []
    for engine in [e for e in args.engines.split(",") if e]:
        say(f"[{engine}] editing")
        entry: dict[str, Any] = {"engine": engine}
        try:
            with curated_copies(engine, "editing-") as prepare:
                entry |= measure(prepare(), args)
        except (EditFailed, OSError, RuntimeError, subprocess.SubprocessError) as error:
            entry["error"] = f"{type(error).__name__}: {error}"
            say(f"*** {entry['error']} ***")
        results.append(entry)
    out = ROOT / "bench" / ("results.quick" if quick else "results")
    out.mkdir(exist_ok=True)
    benches = [
        benchmark(f"{ENGINES[r['engine']]} {name}", samples)
        for r in results
        if "error" not in r
        for name, samples in [
            ("latency", r["latency"]),
            *((name, r[name]["samples"]) for name in ("distinct records", "one record")),
        ]
        if samples
    ]
    if benches:
        pyperf.BenchmarkSuite(benches).dump(str(out / "editing.json"), replace=True)
    (out / "editing-run.json").write_text(json.dumps(results) + "\n")
    section = markdown(results, args, when)
    write_section(args.results, SECTION, section)
    print(section)
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
