"""A bounded loopback soak with hostile traffic mixed in: N connections for a fixed window
against a real server (`python -m service serve`, all limits at their defaults), one request
in ten hostile. Pass: zero 5xx. Reported: the legitimate requests' p50/p99, how each hostile
kind was answered, and the server's peak RSS.

    python -m bench.soak [--seconds 30] [--connections 50] [--hostile 0.1]
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.load import LOOPBACK, ROOT, _wait_ready, free_port, peak_rss_kib
from bench.stats import percentile

LEGITIMATE = [
    "{ organizations(first: 100, filter: {category: PARTNER}) { totalCount nodes { slug name "
    "acronym regions agreements { kind year title parties { slug name } } representatives "
    "{ role person { name credentials } } cofounders { name } initiatives { name } } } }",
    '{ organization(slug: "fact") { name cofounders { name } representatives { role } } }',
    '{ search(query: "cord blood") { __typename ... on Organization { name } } }',
    "{ agreements(first: 20, filter: {kind: MEMORANDUM_OF_UNDERSTANDING}) { nodes { title } } }",
]
DEEP = "{ organizations(first: 1) { nodes { " + "units { " * 20 + "slug" + " }" * 20 + " } } }"
HOSTILE: dict[str, dict[str, Any]] = {
    "aliases": {"json": {"query": "{ " + " ".join(f"a{i}: __typename" for i in range(500)) + " }"}},
    "depth": {"json": {"query": DEEP}},
    "cost": {
        "json": {
            "query": "{ organizations(first: 100) { nodes { agreements { parties { agreements "
            "{ parties { agreements { parties { slug } } } } } } } } }"
        }
    },
    "circular-introspection": {
        "json": {"query": "{ __schema { types { fields { type { fields { type { name } } } } } } }"}
    },
    "invalid": {"json": {"query": "{ organizaton { nme } }"}},
    "syntax": {"json": {"query": "{ organizations( "}},
    "batch": {"json": [{"query": "{ __typename }"}] * 50},
    "form-post": {
        "content": b"query=%7B__typename%7D",
        "content_type": "application/x-www-form-urlencoded",
    },
    "huge-body": {"content": b'{"query": "' + b" " * 200_000 + b'{ __typename }"}'},
    "bad-id": {"json": {"query": '{ node(id: "!!!") { id } }'}},
}


@dataclass
class Tally:
    legit_ms: list[float] = field(default_factory=list)
    legit_errors: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    server_errors: int = 0
    transport_errors: int = 0
    transport_kinds: Counter[str] = field(default_factory=Counter)  # "kind:ExceptionName"


async def _send(client: httpx.AsyncClient, url: str, kind: str, tally: Tally) -> None:
    started = time.perf_counter()
    request: dict[str, Any] = (
        {"json": {"query": random.choice(LEGITIMATE)}} if kind == "legit" else HOSTILE[kind]
    )
    content: bytes | None = request.get("content")
    headers = {"content-type": request.get("content_type") or "application/json"}
    try:
        if content is None:
            response = await client.post(url, json=request["json"])
        else:
            response = await client.post(url, content=content, headers=headers)
    except httpx.HTTPError as error:  # which request and how, so a failure can be traced
        tally.transport_errors += 1
        tally.transport_kinds[f"{kind}:{type(error).__name__}"] += 1
        return
    tally.statuses[f"{kind}:{response.status_code}"] += 1
    if response.status_code >= 500:
        tally.server_errors += 1
    if kind == "legit":
        if response.status_code == 200 and "errors" not in response.json():
            tally.legit_ms.append((time.perf_counter() - started) * 1000)
        else:
            tally.legit_errors += 1


async def _soak(url: str, seconds: float, connections: int, hostile: float) -> Tally:
    tally = Tally()
    deadline = time.perf_counter() + seconds
    rng = random.Random(20261125)
    kinds = list(HOSTILE)

    async def connection(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            kind = rng.choice(kinds) if rng.random() < hostile else "legit"
            await _send(client, url, kind, tally)

    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        await asyncio.gather(*(connection(client) for _ in range(connections)))
    return tally


def _database(workdir: Path) -> str:
    path = workdir / "soak.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    subprocess.run(
        [sys.executable, "-m", "service", "seed"], cwd=ROOT, check=True,
        env={**os.environ, "DATABASE_URL": url}, capture_output=True,
    )  # fmt: skip
    return url


def run(seconds: float, connections: int, hostile: float) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    port = free_port()
    try:
        url = _database(workdir)
        with (workdir / "server.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "service", "serve", "--host", LOOPBACK, "--port", str(port)],
                cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.DEVNULL,
                stderr=log,
            )  # fmt: skip
        base = f"http://{LOOPBACK}:{port}"
        try:
            _wait_ready(base, process)
            tally = asyncio.run(_soak(f"{base}/graphql", seconds, connections, hostile))
            rss = peak_rss_kib(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)
        # the server's own account of a dropped connection, before the workdir goes
        server_log = (workdir / "server.log").read_text(errors="replace").splitlines()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    answered = sum(tally.statuses.values())
    return {
        "seconds": seconds,
        "connections": connections,
        "hostile_share": hostile,
        "answered": answered,
        "rps": round(answered / seconds, 1),
        "server_errors_5xx": tally.server_errors,
        "transport_errors": tally.transport_errors,
        "transport_errors_by_kind": dict(sorted(tally.transport_kinds.items())),
        "legit_ok": len(tally.legit_ms),
        "legit_failed": tally.legit_errors,
        "legit_p50_ms": round(percentile(tally.legit_ms, 0.5), 1) if tally.legit_ms else None,
        "legit_p99_ms": round(percentile(tally.legit_ms, 0.99), 1) if tally.legit_ms else None,
        "server_peak_rss_mib": round(rss / 1024, 1),
        "answers": dict(sorted(tally.statuses.items())),
        "server_log_tail": server_log[-40:] if tally.transport_errors else [],
    }


SECTION = "## Soak with hostile traffic"


def markdown(result: dict[str, Any]) -> str:
    answers = ", ".join(f"{kind} {count}" for kind, count in result["answers"].items())
    return "\n".join(
        [
            SECTION,
            "",
            f"`python -m bench.soak` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}): "
            f"`python -m service serve` on the curated dataset (SQLite, default limits), "
            f"{result['connections']} connections for {result['seconds']:g} s, "
            f"{result['hostile_share']:.0%} of requests hostile (aliases, depth, cost, circular "
            "introspection, invalid and unparsable documents, batches, form posts, 200 kB "
            "bodies, malformed IDs).",
            "",
            "| answered | req/s | 5xx | transport errors | legitimate ok | legitimate failed "
            "| legitimate p50 ms | legitimate p99 ms | server peak RSS |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
            f"| {result['answered']} | {result['rps']} | {result['server_errors_5xx']} | "
            f"{result['transport_errors']} | {result['legit_ok']} | {result['legit_failed']} | "
            f"{result['legit_p50_ms']} | {result['legit_p99_ms']} | "
            f"{result['server_peak_rss_mib']} MiB |",
            "",
            f"How each kind was answered (kind:status count): {answers}.",
            "",
            *(
                [f"Transport errors (kind:exception count): {failures}.", ""]
                if (
                    failures := ", ".join(
                        f"{kind} {count}"
                        for kind, count in result["transport_errors_by_kind"].items()
                    )
                )
                else []
            ),
        ]
    )


def write_section(results_md: Path, section: str) -> None:
    """Replace (or append) this section of RESULTS.md; the rest is bench.run's."""
    text = results_md.read_text() if results_md.exists() else "# Benchmark results\n"
    if SECTION in text:
        before, _, rest = text.partition(SECTION)
        after = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    results_md.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--hostile", type=float, default=0.1)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "soak.json")
    args = parser.parse_args(argv)
    result = run(args.seconds, args.connections, args.hostile)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    write_section(ROOT / "bench" / "RESULTS.md", markdown(result))
    print(json.dumps(result, indent=2))
    return 0 if result["server_errors_5xx"] == 0 and result["transport_errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
