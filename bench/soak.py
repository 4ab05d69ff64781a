"""A bounded loopback soak with hostile traffic mixed in: N connections for a fixed window
against a real server (`python -m service serve`, all limits at their defaults, the curated
dataset on SQLite), one request in ten hostile. Pass: no 5xx and no dropped connection.
Reported: the legitimate requests' p50/p99 (pyperf), how each hostile kind was answered,
and the server's peak RSS, as a section of RESULTS.md.

    python -m bench.soak [--seconds 30] [--connections 50] [--hostile 0.1]
"""

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.load import LOOPBACK, ROOT, Tally, peak_rss_kib, serve
from bench.report import table, write_section
from bench.run import commit

LEGITIMATE = [
    "{ organizations(first: 100, filter: {category: PARTNER}) { totalCount nodes { slug name "
    "acronym regions agreements { kind year title parties { slug name } } representatives "
    "{ role person { name credentials } } cofounders { name } initiatives { name } } } }",
    '{ organization(slug: "fact") { name cofounders { name } representatives { role } } }',
    '{ search(query: "cord blood") { __typename ... on Organization { name } } }',
    "{ agreements(first: 20, filter: {kind: MEMORANDUM_OF_UNDERSTANDING}) { nodes { title } } }",
]
DEEP = "{ organizations(first: 1) { nodes { " + "units { " * 20 + "slug" + " }" * 20 + " } } }"
COST = (
    "{ organizations(first: 100) { nodes { agreements { parties { agreements "
    "{ parties { agreements { parties { slug } } } } } } } } }"
)
HUGE = b'{"query": "' + b" " * 200_000 + b'{ __typename }"}'  # 200 kB
FORM = {"content-type": "application/x-www-form-urlencoded"}
INTROSPECTION = "{ __schema { types { fields { type { fields { type { name } } } } } } }"
HOSTILE: dict[str, dict[str, Any]] = {
    "aliases": {"json": {"query": "{ " + " ".join(f"a{i}: __typename" for i in range(500)) + " }"}},
    "depth": {"json": {"query": DEEP}},
    "cost": {"json": {"query": COST}},
    "circular-introspection": {"json": {"query": INTROSPECTION}},
    "invalid": {"json": {"query": "{ organizaton { nme } }"}},
    "syntax": {"json": {"query": "{ organizations( "}},
    "batch": {"json": [{"query": "{ __typename }"}] * 50},
    "form-post": {"content": b"query=%7B__typename%7D", "headers": FORM},
    "huge-body": {"content": HUGE, "headers": {"content-type": "application/json"}},
    "bad-id": {"json": {"query": '{ node(id: "!!!") { id } }'}},
}
SECTION = "## Soak with hostile traffic"


async def soak(url: str, seconds: float, connections: int, hostile: float) -> dict[str, Any]:
    rng, answers, failures = random.Random(20261125), Counter[str](), Counter[str]()
    tally = Tally(start=time.perf_counter(), end=time.perf_counter() + seconds)

    async def connection(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < tally.end:
            kind = rng.choice(list(HOSTILE)) if rng.random() < hostile else "legit"
            request = HOSTILE.get(kind) or {"json": {"query": rng.choice(LEGITIMATE)}}
            started = time.perf_counter()
            try:
                response = await client.post(url, **request)
            except httpx.HTTPError as error:  # which request and how, so it can be traced
                failures[f"{kind}:{type(error).__name__}"] += 1
                continue
            answers[f"{kind}:{response.status_code}"] += 1
            if kind == "legit":
                ok = response.status_code == 200 and "errors" not in response.json()
                tally.record(started, time.perf_counter(), None if ok else response.text[:200])

    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        await asyncio.gather(*(connection(client) for _ in range(connections)))
    answered = sum(answers.values())
    return {
        "seconds": seconds,
        "connections": connections,
        "hostile_share": hostile,
        "answered": answered,
        "rps": round(answered / seconds, 1),
        "server_errors_5xx": sum(n for k, n in answers.items() if int(k.split(":")[1]) >= 500),
        "transport_errors": sum(failures.values()),
        "transport_errors_by_kind": dict(failures),
        "legit_ok": len(tally.seconds),
        "legit_failed": tally.errors,
        "legit_p50_ms": tally.percentile_ms(50),
        "legit_p99_ms": tally.percentile_ms(99),
        "answers": dict(sorted(answers.items())),
    }


def run(seconds: float, connections: int, hostile: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="soak-") as workdir:
        env = {"DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/soak.sqlite3"}
        seed = [sys.executable, "-m", "service", "seed"]
        subprocess.run(seed, cwd=ROOT, env={**os.environ, **env}, check=True, capture_output=True)
        command = [sys.executable, "-m", "service", "serve", "--host", LOOPBACK, "--port", "{port}"]
        log = Path(workdir) / "server.log"
        with serve(command, env, log) as (base, pid):
            result = asyncio.run(soak(f"{base}/graphql", seconds, connections, hostile))
            result["server_peak_rss_mib"] = round(peak_rss_kib(pid) / 1024, 1)
        if result["transport_errors"]:  # the server's own account of a dropped connection
            lines = log.read_text(errors="replace").splitlines()
            result["server_log_tail"] = lines[-40:]
            raised = [line for line in lines if re.match(r"^[\w.]+(Error|Exception): ", line)]
            result["server_error"] = raised[-1] if raised else None
    result["commit"] = commit()
    return result


def markdown(r: dict[str, Any]) -> str:
    keys = ("answered", "rps", "server_errors_5xx", "transport_errors", "legit_ok")
    keys += ("legit_failed", "legit_p50_ms", "legit_p99_ms", "server_peak_rss_mib")
    kinds = ", ".join(f"{kind} {count}" for kind, count in r["answers"].items())
    failures = ", ".join(f"{k} {n}" for k, n in r["transport_errors_by_kind"].items()) or "none"
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return "\n".join(
        [
            SECTION,
            "",
            f"`python -m bench.soak` ({when}, commit `{r['commit']}`): {r['connections']} "
            "connections for "
            f"{r['seconds']:g} s, {r['hostile_share']:.0%} of requests hostile (aliases, depth, "
            "cost, circular introspection, invalid and unparsable documents, batches, form "
            "posts, 200 kB bodies, malformed IDs). Latencies are the legitimate requests'.",
            "",
            *table(" | ".join(keys), [[r[key] for key in keys]]),
            f"How each kind was answered (kind:status count): {kinds}.",
            "",
            f"Transport errors (kind:exception count): {failures}.",
            "",
            *(
                [f"The server's log, last exception: `{r['server_error']}`.", ""]
                if r.get("server_error")
                else []
            ),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--hostile", type=float, default=0.1)
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")  # beside a quick run's figures
    results = ROOT / "bench" / ("RESULTS.quick.md" if quick else "RESULTS.md")
    parser.add_argument("--results", type=Path, default=results)
    args = parser.parse_args(argv)
    result = run(args.seconds, args.connections, args.hostile)
    write_section(args.results, SECTION, markdown(result))
    print(json.dumps(result, indent=2))
    return 0 if result["server_errors_5xx"] == 0 and result["transport_errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
