"""What each of two changes buys, measured together: the document cache and the compiled path.

`bench.run` starts `python -m bench.ablation --engine E --dataset curated=URL --dataset
synthetic-1000=URL --out FILE` once per engine, after the stability step, in a process of
its own so its peak RSS is not mixed with the workloads'. On each dataset it builds four apps
on the same database, every combination of the two settings:

- the resolvers without the document cache (`compiled_queries=False, document_cache_size=0`):
  the service before both changes;
- the resolvers with the cache: what the cache buys on its own;
- the compiled path without the cache: what compiling buys on its own;
- the compiled path with the cache: the service as it ships (the cache at its default size).

A machine shared with other work changes speed from one second to the next, so only figures
taken side by side compare: each round sends one request to each app, and the order rotates
from round to round so that no app always goes first (after the previous round's garbage) or
last. The four answers are compared every round as parsed JSON with key order kept; a
difference fails the workload. Each app's own /metrics says how many documents it parsed and
validated during the timed rounds, so a setting that did not take effect fails the workload
instead of mislabelling a column.
"""

import argparse
import asyncio
import dataclasses
import gc
import json
import sqlite3
import sys
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from bench.datasets import Dataset
from bench.workloads import (
    Budget,
    Clock,
    PathCheck,
    Sample,
    Target,
    WorkloadError,
    canonical,
    diff,
    lean,
    lookup,
    node_ids,
    path_figures,
    request,
    rss_kib,
    serving,
    settings_for,
)
from service.config import Settings
from tests.queries import DEPTH_6_QUERY, FRONTEND_QUERY

CACHE_FIELD = "document_cache_size"
PARSED, VALIDATED = "graphql_documents_parsed_total", "graphql_documents_validated_total"
# At least 30 rounds (10 in quick runs); more while the budget's seconds allow. The floor
# governs W2, where the two resolver apps take over a second each per round.
FULL = Budget(reps=60, min_reps=30, seconds=40, warmup=3)
QUICK = Budget(reps=20, min_reps=10, seconds=8, warmup=2)
NODE_IDS = 6  # W6 cycles through these: two organizations, two people, two agreements


@dataclass(frozen=True)
class Variant:
    """One of the four apps: which path answers, and whether documents are cached."""

    key: str
    label: str
    compiled: bool
    cached: bool


VARIANTS = (
    Variant("resolvers_uncached", "resolvers, no cache", compiled=False, cached=False),
    Variant("resolvers_cached", "resolvers + cache", compiled=False, cached=True),
    Variant("compiled_uncached", "compiled, no cache", compiled=True, cached=False),
    Variant("compiled_cached", "compiled + cache", compiled=True, cached=True),
)
BEFORE, AFTER = VARIANTS[0], VARIANTS[-1]
# Each step's ratio: the slower variant's median over the faster one's (above 1x: it helps).
STEPS: dict[str, tuple[str, str]] = {
    "cache_on_resolvers": ("resolvers_uncached", "resolvers_cached"),
    "cache_on_compiled": ("compiled_uncached", "compiled_cached"),
    "compiled_with_cache": ("resolvers_cached", "compiled_cached"),
    "overall": ("resolvers_uncached", "compiled_cached"),
}


class AblationError(Exception):
    """The four apps cannot be built as asked: the comparison would measure something else."""


@dataclass(frozen=True)
class App:
    variant: Variant
    target: Target


Send = Callable[[Target, int], Awaitable[Sample]]  # one request of round number n


@dataclass(frozen=True)
class Case:
    """One workload: how to send its request in a given round, and its warm-up rounds."""

    workload: str
    title: str
    send: Send
    warmup: int


def variant_settings(url: str, variant: Variant) -> Settings:
    """Settings for one variant. The cache's size is always explicit (0, or the field's
    default), never left to the environment; a Settings without the field is an error,
    since `settings_for` would drop it silently and two columns would measure the same."""
    field = Settings.model_fields.get(CACHE_FIELD)
    if field is None:
        raise AblationError(f"Settings has no {CACHE_FIELD}: the cache cannot be turned off")
    size = field.default if variant.cached else 0
    return settings_for(url, variant.compiled, **{CACHE_FIELD: size})


@asynccontextmanager
async def serving_all(url: str) -> AsyncIterator[list[App]]:
    """The four apps on one database, each with its own engine, lifespan and client."""
    async with AsyncExitStack() as stack:
        apps = [
            App(variant, await stack.enter_async_context(serving(variant_settings(url, variant))))
            for variant in VARIANTS
        ]
        yield apps


async def document_counts(target: Target) -> tuple[int, int]:
    """Documents parsed and validated so far, as the app's own /metrics reports them."""
    response = await target.client.get("/metrics")
    values = {
        sample.name: sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }
    if PARSED not in values or VALIDATED not in values:
        raise WorkloadError(f"/metrics lacks {PARSED} or {VALIDATED}")
    return int(values[PARSED]), int(values[VALIDATED])


def rotated(apps: Sequence[App], number: int) -> list[App]:
    """Round `number`'s order: each app leads in turn."""
    start = number % len(apps)
    return [*apps[start:], *apps[:start]]


class AnswerCheck(PathCheck):
    """The four answers of a round, each compared with the first variant's (the service
    before both changes)."""

    def compare_round(self, answers: dict[str, Sample], what: str) -> None:
        self.compared += 1
        reference = canonical(answers[BEFORE.key].body)
        for variant in VARIANTS[1:]:
            text = canonical(answers[variant.key].body)
            if text != reference:
                self.differ += 1
                where = diff(reference, text, names=(BEFORE.label, variant.label))
                self.first_difference = self.first_difference or f"{what}: {where}"
                return


async def one_round(apps: Sequence[App], case: Case, number: int) -> dict[str, Sample]:
    """One request to each app, in this round's order; their answers by variant."""
    answers: dict[str, Sample] = {}
    for app in rotated(apps, number):
        answers[app.variant.key] = await case.send(app.target, number)
    return answers


@dataclass
class Rounds:
    """The timed samples of one case by variant, and the comparison of their answers."""

    samples: dict[str, list[Sample]]
    check: AnswerCheck

    @classmethod
    def empty(cls) -> "Rounds":
        return cls({variant.key: [] for variant in VARIANTS}, AnswerCheck())

    @property
    def count(self) -> int:
        return len(self.samples[BEFORE.key])


async def timed_rounds(apps: Sequence[App], case: Case, budget: Budget) -> Rounds:
    """Rounds while the budget allows; the warm-up's numbers come first, so W6's IDs go on
    cycling where the warm-up left them."""
    rounds, clock = Rounds.empty(), Clock()
    while budget.more(rounds.count, clock.seconds):
        number = case.warmup + rounds.count
        started = time.perf_counter()
        answers = await one_round(apps, case, number)
        clock.since(started)
        rounds.check.compare_round(answers, f"round {rounds.count + 1}")
        for key, sample in answers.items():
            rounds.samples[key].append(lean(sample))
    return rounds


def cache_error(variant: Variant, rounds: int, parsed: int, validated: int) -> str | None:
    """Why the variant's documents were not handled as its settings say: with the cache, a
    repeated document is neither parsed nor validated after the warm-up; without it, both
    happen on every request."""
    expected = 0 if variant.cached else rounds
    if parsed == expected and validated == expected:
        return None
    return (
        f"{variant.label}: {parsed} parses and {validated} validations in {rounds} rounds, "
        f"expected {expected} of each"
    )


def variant_figures(samples: Sequence[Sample], parsed: int, validated: int) -> dict[str, Any]:
    """One variant's latency, statements and size (as the workloads report a path), whether
    a compiled app answered with its one statement, and its document work per request."""
    return {
        **path_figures(samples),
        "compiled_answered": sum(s.one_text_statement for s in samples),
        "parsed": parsed,
        "validated": validated,
    }


def step_ratios(variants: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Each step's slower median over its faster one."""
    medians = {key: figures["latency_ms"]["median"] for key, figures in variants.items()}
    return {step: medians[slow] / medians[fast] for step, (slow, fast) in STEPS.items()}


async def measure(apps: Sequence[App], case: Case, budget: Budget) -> dict[str, Any]:
    """Warm up (which also fills the caches that are on), then time rounds; the figures,
    with an error for answers that differ or a cache that did not behave as set."""
    for number in range(case.warmup):
        await one_round(apps, case, number)
    gc.collect()
    before = {app.variant.key: await document_counts(app.target) for app in apps}
    rounds = await timed_rounds(apps, case, budget)
    variants: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for app in apps:
        parsed, validated = await document_counts(app.target)
        parsed -= before[app.variant.key][0]
        validated -= before[app.variant.key][1]
        variants[app.variant.key] = variant_figures(
            rounds.samples[app.variant.key], parsed, validated
        )
        if problem := cache_error(app.variant, rounds.count, parsed, validated):
            errors.append(problem)
    if rounds.check.differ:
        errors.insert(
            0,
            f"the four apps' JSON differs in {rounds.check.differ} of "
            f"{rounds.check.compared} rounds: {rounds.check.first_difference}",
        )
    result: dict[str, Any] = {
        "workload": case.workload,
        "title": case.title,
        "rounds": rounds.count,
        "warmup": case.warmup,
        "variants": variants,
        "ratios": step_ratios(variants),
        "answers": rounds.check.figures(),
        "rss_kib": rss_kib(),
    }
    if errors:
        result["error"] = "; ".join(errors)
    return result


# --- the workloads ----------------------------------------------------------------------


def fixed(query: str, variables: dict[str, Any] | None) -> Send:
    """The same request every round."""

    async def send(target: Target, _number: int) -> Sample:
        return await request(target, query, variables)

    return send


def cycling(ids: Sequence[str]) -> Send:
    """`node(id:)` on the round's ID: all four apps look up the same one in a round."""

    async def send(target: Target, number: int) -> Sample:
        return await lookup(target, ids[number % len(ids)])

    return send


async def cases(dataset: Dataset, apps: Sequence[App], budget: Budget) -> list[Case]:
    """W1 on the curated dataset, W2 on a synthetic one, W6 on both. W6 warms up on every
    ID, so each app's compiled statements (kept by variables) are all built before timing."""
    found: list[Case] = []
    if dataset.size is None:
        found.append(Case("W1", "frontend query", fixed(FRONTEND_QUERY, None), budget.warmup))
    else:
        variables = {"first": 100}
        found.append(
            Case("W2", "depth-6, first: 100", fixed(DEPTH_6_QUERY, variables), budget.warmup)
        )
    ids = (await node_ids(apps[-1].target))[:NODE_IDS]
    if not ids:
        raise WorkloadError("no IDs to look up")
    warmup = max(budget.warmup, len(ids))
    found.append(Case("W6", "node(id:) lookup", cycling(ids), warmup))
    return found


async def run_case(case: Case, apps: Sequence[App], budget: Budget) -> dict[str, Any]:
    """One workload; a failure is its result, so it cannot hide the others'."""
    began = time.perf_counter()
    print(f"  {case.workload} ...", end="", flush=True, file=sys.stderr)
    try:
        result = await measure(apps, case, budget)
    except Exception as error:
        traceback.print_exc()
        result = {"workload": case.workload, "title": case.title, "error": _failure(error)}
    print(f" {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return result


def _failure(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


async def run_dataset(
    dataset: Dataset, url: str, budget: Budget, only: set[str] | None
) -> list[dict[str, Any]]:
    """Every case of one dataset on its four apps; apps that cannot start fail the dataset."""
    print(f"  ablation on {dataset.label}", file=sys.stderr)
    try:
        async with serving_all(url) as apps:
            selected = [c for c in await cases(dataset, apps, budget) if allowed(c, only)]
            results = [await run_case(case, apps, budget) for case in selected]
    except Exception as error:
        traceback.print_exc()
        results = [{"workload": "all", "title": "the four apps", "error": _failure(error)}]
    return [{**result, "dataset": dataset.name, "label": dataset.label} for result in results]


def allowed(case: Case, only: set[str] | None) -> bool:
    return not only or case.workload in only


def dataset_of(name: str) -> Dataset:
    """`curated` or `synthetic-N`, as bench.datasets names them."""
    if name == "curated":
        return Dataset(None)
    prefix = "synthetic-"
    if not name.startswith(prefix) or not name.removeprefix(prefix).isdigit():
        raise ValueError(f"not a dataset name: {name!r}")
    return Dataset(int(name.removeprefix(prefix)))


def parse_dataset(argument: str) -> tuple[Dataset, str]:
    """`NAME=URL` from the command line."""
    name, separator, url = argument.partition("=")
    if not separator or not url:
        raise argparse.ArgumentTypeError(f"expected NAME=URL, got {argument!r}")
    try:
        return dataset_of(name), url
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


async def run_all(
    datasets: Sequence[tuple[Dataset, str]], budget: Budget, only: set[str] | None
) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    for dataset, url in datasets:
        results.extend(await run_dataset(dataset, url, budget, only))
    return {"results": results, "rss_peak_kib": rss_kib()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ablation", description=__doc__)
    parser.add_argument("--engine", required=True)
    parser.add_argument(
        "--dataset", type=parse_dataset, action="append", required=True, help="NAME=URL"
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="comma-separated workloads (of W1, W2, W6)")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    budget = QUICK if args.quick else FULL
    started = time.perf_counter()
    result = asyncio.run(run_all(args.dataset, budget, only))
    result.update(
        engine=args.engine,
        budget=dataclasses.asdict(budget),
        variants={variant.key: variant.label for variant in VARIANTS},
        seconds=time.perf_counter() - started,
        sqlite_version=sqlite3.sqlite_version,
    )
    args.out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
