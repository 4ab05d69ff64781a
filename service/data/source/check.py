"""Compare a new copy of the source page with the dataset: stale quotes, uncovered sentences.

Quotes are matched exactly as the loader matches them (service/data/dataset.py): both sides
go through `normalize_whitespace`, and a quote is still on the page when it is a substring
of the whole normalized page. A quote that is not is *stale*: the fact it supports may have
changed.

A sentence of the page (see sentences.py) is *covered* when every letter and digit of it
lies inside some occurrence of a quote on the page: inside one quote, or across several
adjacent ones. This is stricter than "a quote lies within the sentence" on purpose: short
quotes (an organization's name, "ISCT and FIRM have collaborated since 2015") sit inside
sentences that say more, and a clause added to such a sentence ("... and signed an MOU in
2024") must surface. Sentences that are neither covered nor ignored are listed as possibly
new facts, with their line in the page.
"""

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from service.data.dataset import Dataset, line_of, normalize_whitespace, read_dataset
from service.data.source.page import Page, read_page
from service.data.source.sentences import headings, ignored, sentences

KINDS = {
    "organizations": "organization",
    "agreements": "agreement",
    "people": "person",
    "representations": "representation",
    "initiatives": "initiative",
}


@dataclass(frozen=True)
class QuoteAt:
    """A quote of the dataset and where it is: listed when the page no longer contains it."""

    kind: str
    key: str
    field: str
    quote: str
    line: int | None  # in the dataset file


@dataclass(frozen=True)
class Uncovered:
    """A sentence of the page that no quote covers."""

    line: int  # in the page file
    sentence: str


@dataclass(frozen=True)
class Report:
    page: Path
    dataset: Path
    form: str
    quotes: int
    sentences: int
    ignored: int
    stale: tuple[QuoteAt, ...]
    uncovered: tuple[Uncovered, ...]

    def summary(self) -> dict[str, Any]:
        return {
            "page": str(self.page),
            "format": self.form,
            "dataset": str(self.dataset),
            "quotes": self.quotes,
            "stale": len(self.stale),
            "sentences": self.sentences,
            "ignored": self.ignored,
            "uncovered": len(self.uncovered),
        }

    def as_json(self) -> str:
        """`{"stale": [{kind, key, field, quote, line}], "uncovered": [{line, sentence}],
        "summary": {page, format, dataset, quotes, stale, sentences, ignored, uncovered}}`:
        `line` is in the dataset file for a stale quote and in the page for a sentence."""
        return json.dumps(
            {
                "stale": [asdict(item) for item in self.stale],
                "uncovered": [asdict(item) for item in self.uncovered],
                "summary": self.summary(),
            },
            indent=2,
            ensure_ascii=False,
        )

    def as_text(self) -> str:
        return "\n".join(_text_lines(self))


def check_source(page_path: Path, dataset_path: Path) -> Report:
    """Read both files (DatasetError, PageError) and compare them."""
    dataset = read_dataset(dataset_path)
    page = read_page(page_path)
    root = yaml.compose(dataset_path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    haystack = normalize_whitespace(page.text)
    quotes = list(_quotes(dataset, root))
    stale = tuple(q for q in quotes if normalize_whitespace(q.quote) not in haystack)
    uncovered, total, skipped = _uncovered(page, haystack, dataset, [q.quote for q in quotes])
    return Report(page_path, dataset_path, page.form, len(quotes), total, skipped, stale, uncovered)


def _quotes(dataset: Dataset, root: yaml.Node | None) -> Iterator[QuoteAt]:
    """Every quote in file order, at the line the loader's errors would name."""
    for i, org in enumerate(dataset.organizations):
        for j, quote in enumerate(org.quotes):
            line = line_of(root, ("organizations", i, "quotes", j))
            field = f"organizations[{org.slug}].quotes[{j}]"
            yield QuoteAt("organization", org.slug, field, quote, line)
    for section in ("agreements", "people", "representations", "initiatives"):
        for i, record in enumerate(getattr(dataset, section)):
            line = line_of(root, (section, i, "quote"))
            field = f"{section}[{record.slug}].quote"
            yield QuoteAt(KINDS[section], record.slug, field, record.quote, line)


def _uncovered(
    page: Page, haystack: str, dataset: Dataset, quotes: list[str]
) -> tuple[tuple[Uncovered, ...], int, int]:
    """The uncovered sentences, how many sentences there are, and how many were ignored."""
    covered = _coverage(haystack, quotes)
    known = headings((org.name, org.acronym) for org in dataset.organizations)
    found: list[Uncovered] = []
    total = skipped = 0
    for sentence in sentences(page):
        total += 1
        if ignored(sentence.text, known):
            skipped += 1
        elif not all(
            covered[i] for i in range(sentence.start, sentence.end) if haystack[i].isalnum()
        ):
            found.append(Uncovered(sentence.line, sentence.text))
    return tuple(found), total, skipped


def _coverage(haystack: str, quotes: list[str]) -> bytearray:
    """Per character of the normalized page: 1 where some occurrence of a quote lies."""
    covered = bytearray(len(haystack))
    for needle in {normalize_whitespace(quote) for quote in quotes}:
        at = haystack.find(needle)
        while at >= 0 and needle:
            covered[at : at + len(needle)] = b"\x01" * len(needle)
            at = haystack.find(needle, at + 1)
    return covered


def _text_lines(report: Report) -> Iterator[str]:
    if report.stale:
        yield f"stale: {len(report.stale)} quote(s) of {report.dataset} are not on the page"
        for item in report.stale:
            where = f"line {item.line}" if item.line else "line ?"
            yield f"  {where:>9}  {item.field}"
            yield f"             {_shorten(item.quote)}"
    if report.uncovered:
        yield f"possibly new: {len(report.uncovered)} sentence(s) of {report.page} no quote covers"
        for sentence in report.uncovered:
            yield f"  {f'line {sentence.line}':>9}  {_shorten(sentence.sentence)}"
    yield (
        f"{len(report.stale)} stale of {report.quotes} quotes; "
        f"{len(report.uncovered)} uncovered of {report.sentences} sentences "
        f"({report.ignored} ignored as page furniture); page read as {report.form}"
    )


def _shorten(text: str, width: int = 100) -> str:
    text = normalize_whitespace(text)
    return f'"{text}"' if len(text) <= width else f'"{text[: width - 1]}…"'
