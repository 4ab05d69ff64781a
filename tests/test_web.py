"""The browser side over HTTP, without a browser: what the pages load, from where, and how
it is cached. The browser itself runs in tests/test_browser.py."""

import html
import json
import re
from pathlib import Path

import pytest

from service.config import Settings
from service.graphql.view import EXAMPLE_QUERY
from service.http import compression
from service.http import pages as web
from tests.conftest import serving

ROOT = Path(__file__).resolve().parent.parent
HTML = {"Accept": "text/html"}
MOST_STATEMENTS = 32  # the partners page's one request; see the test


def fake_node_modules(root: Path, versions: dict[str, str]) -> Path:
    """A node_modules holding the vendor files, each saying which file it is."""
    for package, version in versions.items():
        (root / package).mkdir(parents=True)
        (root / package / "package.json").write_text(json.dumps({"version": version}))
        for name in web.VENDOR_FILES[package]:
            (root / package / name).parent.mkdir(parents=True, exist_ok=True)
            (root / package / name).write_text(f"/* {package} {name} */")
    return root


@pytest.fixture
def node_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = fake_node_modules(
        tmp_path / "node_modules", {"react": "18.2.0", "react-dom": "18.2.0", "graphiql": "9.9.9"}
    )
    monkeypatch.setattr(web, "NODE_MODULES", root)
    return root


def sources(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]*)"', page)


async def test_pages_allow_only_their_own_origin(client, node_modules):
    for path in ("/", "/graphql"):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert policy == web.CONTENT_SECURITY_POLICY
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"  # no inline script, no eval
        assert directives["style-src"] == "'self'"
        assert "unsafe" not in policy
        for url in sources(response.text):
            assert not re.match(r"[a-z]+:", url) or url.startswith("data:"), url
        assert "<script>" not in response.text  # every script is a file


async def test_graphiql_loads_pinned_assets_under_versioned_urls(client, node_modules):
    page = (await client.get("/graphql", headers=HTML)).text
    vendor = [url for url in sources(page) if url.startswith("static/vendor/")]
    assert vendor == [
        "static/vendor/graphiql@9.9.9/graphiql.min.css",
        "static/vendor/react@18.2.0/umd/react.production.min.js",
        "static/vendor/react-dom@18.2.0/umd/react-dom.production.min.js",
        "static/vendor/graphiql@9.9.9/graphiql.min.js",
    ]
    for url in vendor:
        response = await client.get(f"/{url}")
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        package, file = url.split("/", 3)[2].split("@")[0], url.split("/", 3)[3]
        assert response.text == f"/* {package} {file} */"
    assert (await client.get(f"/{vendor[0]}")).headers["content-type"].startswith("text/css")
    assert "javascript" in (await client.get(f"/{vendor[-1]}")).headers["content-type"]


@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/graphiql@9.9.8/graphiql.min.js",  # not the installed version
        "/static/vendor/graphiql@9.9.9/package.json",  # not a listed file
        "/static/vendor/graphiql@9.9.9/graphiql.js",
        "/static/vendor/left-pad@1.0.0/index.js",  # not a listed package
        "/static/vendor/graphiql@9.9.9/../react/umd/react.production.min.js",
        "/static/vendor/graphiql@9.9.9/%2e%2e/react/umd/react.production.min.js",
    ],
)
async def test_only_listed_files_of_installed_versions_are_served(client, node_modules, path):
    assert (await client.get(path)).status_code == 404


async def test_graphiql_without_its_assets_says_what_to_run(client, tmp_path, monkeypatch):
    fake_node_modules(tmp_path / "node_modules", {"react": "18.2.0"})
    monkeypatch.setattr(web, "NODE_MODULES", tmp_path / "node_modules")
    response = await client.get("/graphql", headers=HTML)
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql, react-dom" in response.text
    assert "<code>npm ci</code>" in response.text
    assert "make run" in response.text
    assert "<script" not in response.text  # no CDN fallback
    assert "unpkg" not in response.text
    # The API itself does not need them.
    query = '{ organization(slug: "fact") { acronym } }'
    answer = await client.post("/graphql", json={"query": query})
    assert answer.json()["data"] == {"organization": {"acronym": "FACT"}}


async def test_graphiql_opens_on_the_example_query(client, node_modules):
    page = (await client.get("/graphql", headers=HTML)).text
    attribute = re.search(r'data-example-query="([^"]*)"', page)
    assert attribute is not None
    assert html.unescape(attribute.group(1)) == EXAMPLE_QUERY


async def test_own_static_files_revalidate(client):
    page = (await client.get("/")).text
    own = [url for url in sources(page) if url.startswith("static/")]
    assert own == ["static/favicon.svg", "static/partners.css", "static/partners.js"]
    for url in [*own, "static/graphiql.js", "static/graphiql.css"]:
        response = await client.get(f"/{url}")
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "no-cache"
        etag = response.headers["etag"]
        revalidated = await client.get(f"/{url}", headers={"If-None-Match": etag})
        assert revalidated.status_code == 304
    assert (await client.get("/static/nothing.js")).status_code == 404


@pytest.mark.parametrize(
    "package", sorted(web.VENDOR_FILES), ids=lambda package: f"vendor-{package}"
)
async def test_vendor_files_are_sent_compressed_to_clients_that_take_gzip(client, package):
    version = web.vendor_version(package)
    assert version is not None, "run `npm ci`"
    for name in web.VENDOR_FILES[package]:
        url = f"/static/vendor/{package}@{version}/{name}"
        original = (web.NODE_MODULES / package / name).read_bytes()
        for _ in range(2):  # compressed once, then served from what was kept
            zipped = await client.get(url, headers={"Accept-Encoding": "gzip"})
            assert zipped.status_code == 200, url
            assert zipped.headers["content-encoding"] == "gzip"
            assert "Accept-Encoding" in zipped.headers["vary"]
            assert zipped.content == original  # httpx decodes it
            # the stylesheet embeds its fonts (66% of its size gzipped); scripts go to 21-33%
            assert zipped.num_bytes_downloaded < len(original) * 0.7, url
        plain = await client.get(url, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert plain.content == original
        refused = await client.get(url, headers={"Accept-Encoding": "gzip;q=0"})
        assert "content-encoding" not in refused.headers


async def test_own_static_files_are_sent_compressed_and_still_revalidate(client):
    original = (web.STATIC_DIR / "partners.js").read_bytes()
    zipped = await client.get("/static/partners.js", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == original
    assert zipped.num_bytes_downloaded < len(original) * 0.5
    plain = await client.get("/static/partners.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == original
    # one weak tag for both encodings (the bytes differ, the meaning does not), and it
    # revalidates in either, its 304 carrying the same tag
    assert zipped.headers["etag"] == plain.headers["etag"]
    assert zipped.headers["etag"].startswith('W/"')
    for encoding in ("gzip", "identity"):
        revalidated = await client.get(
            "/static/partners.js",
            headers={"Accept-Encoding": encoding, "If-None-Match": zipped.headers["etag"]},
        )
        assert revalidated.status_code == 304, encoding
        assert revalidated.headers["etag"] == zipped.headers["etag"]
        assert "Accept-Encoding" in revalidated.headers["vary"]
    refused = await client.get("/static/partners.js", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


@pytest.mark.parametrize("path", ["/", "/graphql"], ids=["partners-page", "graphiql-page"])
async def test_the_pages_are_sent_compressed_to_clients_that_take_gzip(client, node_modules, path):
    plain = await client.get(path, headers={**HTML, "Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    assert len(plain.content) >= compression.MIN_GZIP_BYTES
    assert "Accept-Encoding" in plain.headers["vary"]
    kept = compression.gzip_once.cache_info().hits
    for _ in range(2):  # compressed on the first request, then served from what was kept
        zipped = await client.get(path, headers={**HTML, "Accept-Encoding": "gzip"})
        assert zipped.status_code == 200
        assert zipped.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in zipped.headers["vary"]
        assert zipped.headers["content-type"] == plain.headers["content-type"]
        assert zipped.headers["content-security-policy"] == web.CONTENT_SECURITY_POLICY
        assert zipped.content == plain.content  # httpx decodes it
        assert int(zipped.headers["content-length"]) == zipped.num_bytes_downloaded
        assert zipped.num_bytes_downloaded < len(plain.content) * 0.6, path
    assert compression.gzip_once.cache_info().hits > kept
    assert zipped.headers.get("etag") == plain.headers.get("etag")
    assert plain.headers.get("etag", "W/").startswith("W/")  # when there is one, it is weak
    refused = await client.get(path, headers={**HTML, "Accept-Encoding": "gzip;q=0, *;q=1"})
    assert "content-encoding" not in refused.headers
    assert refused.content == plain.content


async def test_nothing_the_pages_load_goes_out_uncompressed(client):
    """Every file `/` and `/graphql` load (GraphiQL's as installed by `npm ci`), and the
    GraphQL answers they ask for, travel gzipped once they reach MIN_GZIP_BYTES."""
    loaded = {"/", "/graphql"}
    for page in ("/", "/graphql"):
        text = (await client.get(page, headers=HTML)).text
        loaded |= {f"/{url}" for url in sources(text) if not url.startswith(("data:", "./"))}
    assert len(loaded) >= 10, loaded
    answers = {
        "partners page": {"query": partners_page_query()},
        "GraphiQL's example": {"query": EXAMPLE_QUERY},
    }
    for what in sorted(loaded):
        plain = await client.get(what, headers={**HTML, "Accept-Encoding": "identity"})
        zipped = await client.get(what, headers={**HTML, "Accept-Encoding": "gzip"})
        assert plain.status_code == zipped.status_code == 200, what
        assert zipped.content == plain.content, what
        if len(plain.content) >= compression.MIN_GZIP_BYTES:
            assert zipped.headers.get("content-encoding") == "gzip", what
    for what, body in answers.items():
        plain = await client.post("/graphql", json=body, headers={"Accept-Encoding": "identity"})
        zipped = await client.post("/graphql", json=body, headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in plain.headers, what
        assert zipped.headers["content-encoding"] == "gzip", what
        assert zipped.json() == plain.json(), what
        assert zipped.num_bytes_downloaded < len(plain.content) * 0.3, what
    # below the threshold, gzip's framing would outweigh what it saves
    small = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Accept-Encoding": "gzip"}
    )
    assert len(small.content) < compression.MIN_GZIP_BYTES
    assert "content-encoding" not in small.headers


def partners_page_query() -> str:
    script = (ROOT / "service" / "http" / "static" / "partners.js").read_text(encoding="utf-8")
    match = re.search(r"const QUERY = `(.*?)`;", script, flags=re.DOTALL)
    assert match is not None
    return match.group(1)


async def test_the_partners_page_query_is_one_bounded_request(databases):
    """The page's one request answers in full, at a cost in SQL statements that does not
    grow with the directory."""
    counts = {}
    for name in ("curated", "synthetic:400"):
        async with serving(Settings(database_url=await databases.fresh(name))) as (client, sql):
            body = (await client.post("/graphql", json={"query": partners_page_query()})).json()
            assert "errors" not in body, body["errors"]
            counts[name] = sql.count
            if name == "curated":
                assert body["data"]["cofounded"]["totalCount"] == 2
                assert body["data"]["partners"]["totalCount"] == 24
                assert len(body["data"]["partners"]["nodes"]) == 24
    # Two connections (page and COUNT each), then one statement per relation and level,
    # shared by both through the request's loaders; ten times the organizations, no more.
    assert counts["synthetic:400"] <= counts["curated"] <= MOST_STATEMENTS, counts


def test_the_npm_packages_are_pinned_and_locked():
    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    pins = manifest["dependencies"]
    assert set(web.VENDOR_FILES) <= set(pins)
    for package, version in pins.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{package} is not pinned: {version}"
        assert lock["packages"][f"node_modules/{package}"]["version"] == version
    assert lock["packages"][""]["dependencies"] == pins  # the lock is current


def test_the_installed_packages_are_the_locked_ones():
    if not (ROOT / "node_modules").is_dir():
        pytest.skip("node_modules is not installed: run `npm ci` (make test does)")
    pins = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    for package in web.VENDOR_FILES:
        assert web.vendor_version(package) == pins[package], f"run `npm ci`: {package} differs"
