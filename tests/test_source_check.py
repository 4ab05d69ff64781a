"""The source drift check (`python -m service source check`) through the CLI only.

Every test runs the real command as a subprocess on a copy of the source page that the test
makes from seed/source/ (unchanged, edited, or turned into HTML), against the curated
dataset. Expectations come from reading the page: which sentences the dataset deliberately
does not model, which records quote a section, where an edited sentence lands. The check
reads files only, so no database is involved.
"""

import html
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "seed" / "partners.yaml"
SOURCE = (ROOT / "seed" / "source" / "isct-partner-organizations.txt").read_text(encoding="utf-8")
LINES = SOURCE.split("\n")

# The page's own titles: the breadcrumb, the page title and the two category headings. The
# dataset models categories as a field of each organization, never these lines as quotes.
PAGE_TITLES = (
    "About ISCT",
    "Partner Organizations",
    "ISCT Co-Founded Organizations",
    "Other Partner Organizations",
)


def _check(page: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", "source", "check", str(page), *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _report(page: Path) -> tuple[int, dict[str, Any]]:
    result = _check(page, "--json")
    assert result.stderr == ""
    return result.returncode, json.loads(result.stdout)


def _write(tmp_path: Path, text: str, name: str = "page.txt") -> Path:
    page = tmp_path / name
    page.write_text(text, encoding="utf-8")
    return page


def _line_of(text: str, line: str) -> int:
    """The 1-based number of the first line of `text` whose stripped content is `line`."""
    return [row.strip() for row in text.split("\n")].index(line) + 1


def _titles(text: str) -> list[dict[str, Any]]:
    return [{"line": _line_of(text, title), "sentence": title} for title in PAGE_TITLES]


def _section(first: str, following: str) -> tuple[int, int]:
    """The line indexes [start, end) of a partner's block: from its first line (its logo
    caption) to the first line of the next block."""
    stripped = [row.strip() for row in LINES]
    return stripped.index(first), stripped.index(following)


def _stale_fields(report: dict[str, Any]) -> set[str]:
    return {item["field"] for item in report["stale"]}


def _dataset_line(record_start: str, field: str) -> int:
    """The line of `field:` in the dataset record that starts with `record_start`."""
    rows = DATASET.read_text(encoding="utf-8").split("\n")
    start = rows.index(record_start)
    return next(i for i in range(start, len(rows)) if rows[i].strip().startswith(field)) + 1


# ----------------------------------------------------------------------- the page as kept


def test_the_unchanged_page_has_nothing_stale_and_only_its_own_titles_uncovered(tmp_path):
    code, report = _report(_write(tmp_path, SOURCE))

    assert code == 0
    assert report["stale"] == []
    assert report["uncovered"] == _titles(SOURCE)
    assert report["summary"]["stale"] == 0
    assert report["summary"]["uncovered"] == len(PAGE_TITLES)
    assert report["summary"]["format"] == "text"


def test_the_json_report_has_a_stable_shape(tmp_path):
    _code, report = _report(_write(tmp_path, SOURCE.replace("in 2018", "in 2019")))

    assert set(report) == {"stale", "uncovered", "summary"}
    assert set(report["summary"]) == {
        "page", "format", "dataset", "quotes", "stale", "sentences", "ignored", "uncovered",
    }  # fmt: skip
    assert {tuple(sorted(item)) for item in report["stale"]} == {
        ("field", "key", "kind", "line", "quote")
    }
    assert {tuple(sorted(item)) for item in report["uncovered"]} == {("line", "sentence")}
    summary = report["summary"]
    assert summary["dataset"] == str(DATASET)
    assert summary["stale"] == len(report["stale"])
    assert summary["uncovered"] == len(report["uncovered"])
    assert summary["ignored"] + summary["uncovered"] <= summary["sentences"]


def test_the_default_output_is_grouped_with_line_numbers_and_a_summary(tmp_path):
    edited = SOURCE.replace("in 2018", "in 2019")
    result = _check(_write(tmp_path, edited))

    assert result.returncode == 1
    out = result.stdout.splitlines()
    assert out[0].startswith("stale: 2 quote(s)")
    assert "organizations[carm].quotes[1]" in result.stdout
    possibly_new = next(i for i, row in enumerate(out) if row.startswith("possibly new:"))
    assert possibly_new > 0
    assert f'line {_line_of(edited, "About ISCT")}  "About ISCT"' in result.stdout
    assert out[-1].startswith("2 stale of ")
    assert "5 uncovered of " in out[-1]


# ---------------------------------------------------------------------------- edited copies


def test_a_removed_partner_section_makes_every_quote_of_it_stale(tmp_path):
    start, end = _section("BAA Logo", "CARM Logo")
    edited = "\n".join(LINES[:start] + LINES[end:])
    code, report = _report(_write(tmp_path, edited))

    assert code == 1
    assert {(item["kind"], item["key"]) for item in report["stale"]} == {
        ("organization", "baa"),
        ("agreement", "isct-baa-mou-2016"),
        ("person", "janice-fogarty"),
        ("representation", "janice-fogarty--baa"),
    }
    assert _stale_fields(report) >= {
        "organizations[baa].quotes[0]",
        "organizations[baa].quotes[1]",
    }
    assert report["uncovered"] == _titles(edited)


def test_a_changed_year_makes_the_quote_with_it_stale_and_the_new_sentence_uncovered(tmp_path):
    assert SOURCE.count("in 2018") == 1
    edited = SOURCE.replace("in 2018", "in 2019")
    code, report = _report(_write(tmp_path, edited))

    assert code == 1
    assert _stale_fields(report) == {
        "organizations[carm].quotes[1]",
        "agreements[isct-carm-mou-2018].quote",
    }
    mou = next(item for item in report["stale"] if item["kind"] == "agreement")
    assert mou["line"] == _dataset_line("  - slug: isct-carm-mou-2018", "quote:")
    assert "in 2018" in mou["quote"]
    sentence = (
        "CARM and ISCT have collaborated on projects since 2014 and signed a Memorandum of"
        " Understanding (MOU) in 2019."
    )
    paragraph = next(i for i, row in enumerate(edited.split("\n")) if sentence in row) + 1
    assert report["uncovered"] == sorted(
        [*_titles(edited), {"line": paragraph, "sentence": sentence}], key=lambda u: u["line"]
    )


def test_a_new_mou_paragraph_is_uncovered_at_its_line_and_nothing_is_stale(tmp_path):
    new = "ISCT and WMDA signed a Memorandum of Understanding (MOU) in 2024 to support donors."
    wmda = _line_of(SOURCE, "World Marrow Donor Association (WMDA)")
    edited_lines = [*LINES[: wmda + 3], "", f"    {new}", *LINES[wmda + 3 :]]
    edited = "\n".join(edited_lines)
    code, report = _report(_write(tmp_path, edited))

    assert code == 0
    assert report["stale"] == []
    assert {"line": wmda + 5, "sentence": new} in report["uncovered"]
    assert report["uncovered"] == [*_titles(edited), {"line": wmda + 5, "sentence": new}]


def test_reordered_sections_leave_nothing_stale(tmp_path):
    baa = _section("BAA Logo", "CARM Logo")
    arm = _section("ARM Logo", "ASTCT Logo")
    other = _line_of(SOURCE, "Other Partner Organizations")
    moved = {*range(*baa), *range(*arm)}
    rest = [row for i, row in enumerate(LINES) if i not in moved]
    at = rest.index(LINES[other - 1]) + 1
    edited = "\n".join([*rest[:at], *LINES[slice(*baa)], *LINES[slice(*arm)], *rest[at:]])
    assert sorted(edited.split("\n")) == sorted(LINES)
    code, report = _report(_write(tmp_path, edited))

    assert code == 0
    assert report["stale"] == []
    assert report["uncovered"] == _titles(edited)


# ----------------------------------------------------------------------------- saved HTML


def _as_html(text: str) -> str:
    """The page as a browser saves it: head, scripts, a navigation bar, entities, wrapped
    paragraphs, lists for the representatives and images for the logos."""
    body: list[str] = []
    items: list[str] = []
    for row in (row.strip() for row in text.split("\n")):
        if row.startswith("• "):
            items.append(f"  <li>{_entities(row[2:])}</li>")
            continue
        if items:
            body += ["<ul>", *items, "</ul>"]
            items = []
        if not row:
            continue
        if re.search(r"(?i)\blogo$|\.png$", row):
            body.append(f'<img src="logo.png" alt="{html.escape(row)}">')
        else:
            wrapped = textwrap.fill(_entities(row), 70, break_on_hyphens=False)
            body.append(f"<p>\n{wrapped}\n</p>")
    body += ["<ul>", *items, "</ul>"] if items else []
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            "<title>Partner Organizations | ISCT</title>",
            "<style>p { margin: 0 } .x::before { content: 'Hidden Style Text.' }</style>",
            '<script>document.write("<p>Script Sentence.</p>");</script>',
            "</head><body>",
            '<nav class="menu"><ul><li><a href="/">Home</a></li><li>Join ISCT</li></ul></nav>',
            '<form><input type="hidden" name="token" value="Hidden Input Text."></form>',
            "<noscript><p>Please enable JavaScript.</p></noscript>",
            "<div hidden><p>A hidden banner.</p></div>",
            *body,
            "<template><p>A template sentence.</p></template>",
            "</body></html>",
        ]
    )


def _entities(text: str) -> str:
    """Escape as a CMS does: &amp;, numeric curly apostrophes, &reg; and one &nbsp;."""
    escaped = html.escape(text, quote=False).replace("\u2019", "&#8217;").replace("®", "&reg;")
    return escaped.replace("Cord Blood Association", "Cord Blood&nbsp;Association")


def test_the_page_saved_as_html_has_nothing_stale_and_the_same_uncovered_sentences(tmp_path):
    page = _as_html(SOURCE)
    for entity in ("&amp;", "&#8217;", "&nbsp;", "&reg;"):
        assert entity in page
    code, report = _report(_write(tmp_path, page, "page.html"))

    assert code == 0
    assert report["summary"]["format"] == "html"
    assert report["stale"] == []
    assert [item["sentence"] for item in report["uncovered"]] == list(PAGE_TITLES)
    html_rows = page.split("\n")
    for item in report["uncovered"]:
        assert item["sentence"] in html_rows[item["line"] - 1]


def test_an_edit_in_saved_html_is_found_at_its_line_in_the_html_file(tmp_path):
    page = _as_html(SOURCE.replace("in 2018", "in 2019"))
    code, report = _report(_write(tmp_path, page, "page.html"))

    assert code == 1
    assert _stale_fields(report) == {
        "organizations[carm].quotes[1]",
        "agreements[isct-carm-mou-2018].quote",
    }
    new = next(item for item in report["uncovered"] if "2019" in item["sentence"])
    assert new["sentence"].startswith("CARM and ISCT have collaborated")
    starts_at = re.search(r"CARM\s+and\s+ISCT\s+have", page)
    assert starts_at is not None
    assert new["line"] == page.count("\n", 0, starts_at.start()) + 1


# ------------------------------------------------------------------------------ exit codes


def test_a_missing_page_exits_2_with_a_message_and_no_traceback(tmp_path):
    result = _check(tmp_path / "nowhere.html")

    assert result.returncode == 2
    assert result.stdout == ""
    assert "nowhere.html" in result.stderr
    assert "cannot read the page" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_dataset_exits_2_with_a_message(tmp_path):
    result = _check(_write(tmp_path, SOURCE), "--dataset", str(tmp_path / "none.yaml"))

    assert result.returncode == 2
    assert "none.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_page_that_is_not_text_exits_2(tmp_path):
    page = tmp_path / "page.bin"
    page.write_bytes(b"\xff\xfe\x00binary")
    result = _check(page)

    assert result.returncode == 2
    assert "not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("arguments", [[], ["page.txt", "--bogus"]])
def test_a_usage_error_exits_2(arguments):
    result = subprocess.run(
        [sys.executable, "-m", "service", "source", "check", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "usage:" in result.stderr
