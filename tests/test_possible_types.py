"""`python -m service possible-types`: the map a client cache needs to match fragments on
`Node` and `SearchResult`, printed from schema.graphql (or the served schema)."""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema.graphql"


def possible_types(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", "possible-types", *args],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def declared() -> dict[str, list[str]]:
    """The union's members and the interface's implementations, as schema.graphql spells them."""
    sdl = SCHEMA.read_text(encoding="utf-8")
    union = re.search(r"^union SearchResult = (.+)$", sdl, flags=re.MULTILINE)
    assert union is not None
    nodes = re.findall(r"^type (\w+) implements (?:\w+ & )*Node\b", sdl, flags=re.MULTILINE)
    return {
        "Node": sorted(nodes),
        "SearchResult": sorted(name.strip() for name in union.group(1).split("|")),
    }


def test_it_prints_every_union_and_interface_member_from_the_schema_file():
    result = possible_types("--schema", str(SCHEMA))
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed == declared()
    assert "Organization" in printed["Node"]
    assert "Person" in printed["SearchResult"]


def test_the_served_schema_gives_the_same_map():
    served, from_file = possible_types(), possible_types("--schema", str(SCHEMA))
    assert served.returncode == 0, served.stderr
    assert json.loads(served.stdout) == json.loads(from_file.stdout)


def test_a_missing_schema_file_is_a_one_line_error(tmp_path):
    result = possible_types("--schema", str(tmp_path / "nope.graphql"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
