"""The browser side: the partners page at `/`, GraphiQL's page, and the static files they load.

Nothing comes from a CDN. GraphiQL and React are npm packages (`package.json`, pinned by
`package-lock.json`, installed into `node_modules/` by `make` with `npm ci`); only the files
listed in `VENDOR_FILES` are served, under versioned URLs (`static/vendor/graphiql@3.8.3/...`)
cached for a year, so a new version is a new URL. Our own files (`service/http/static/`) are
revalidated on each load (ETag). Everything, the pages included, is sent gzip-compressed to
clients that take it (service/http/compression.py): the vendor files and the pages are
compressed once and kept, since their bytes do not change between requests.
Pages carry a Content-Security-Policy that allows this origin only, with no inline script.
"""

import asyncio
import hashlib
import html
import json
import mimetypes
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from service.http.compression import PrecompressedResponse, accepts_gzip, gzip_bytes

STATIC_DIR = Path(__file__).resolve().parent / "static"
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
INSTALL_COMMAND = "npm ci"  # what `make run` runs; named in the error page

# The files of each npm package the pages load; nothing else under node_modules is served.
VENDOR_FILES: dict[str, tuple[str, ...]] = {
    "react": ("umd/react.production.min.js",),
    "react-dom": ("umd/react-dom.production.min.js",),
    "graphiql": ("graphiql.min.js", "graphiql.min.css"),
}

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # GraphiQL's icons
        "font-src 'self' data:",  # GraphiQL's stylesheet embeds its fonts
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
IMMUTABLE = "public, max-age=31536000, immutable"


def vendor_version(package: str) -> str | None:
    """The installed version of `package`, or None when it or one of its files is missing."""
    root = NODE_MODULES / package
    try:
        version = json.loads((root / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None
    if not isinstance(version, str) or not all((root / f).is_file() for f in VENDOR_FILES[package]):
        return None
    return version


def vendor_files() -> Callable[[Request], Awaitable[Response]]:
    """The endpoint for GraphiQL's and React's files. A file never changes at its versioned
    URL, so each is compressed once (at the highest level, in a worker thread) and kept, per
    app, for every later request that takes gzip."""
    compressed: dict[Path, bytes] = {}

    async def vendor_file(request: Request) -> Response:
        """A listed file of an installed package, at its installed version only (else 404)."""
        package = request.path_params["package"]
        path = request.path_params["path"]
        version = request.path_params["version"]
        if path not in VENDOR_FILES.get(package, ()) or vendor_version(package) != version:
            return PlainTextResponse("Not Found", status_code=404)
        file = NODE_MODULES / package / path
        headers = {
            "Cache-Control": IMMUTABLE,
            "X-Content-Type-Options": "nosniff",
            "Vary": "Accept-Encoding",
        }
        if not accepts_gzip(request.headers):
            return FileResponse(file, headers=headers)
        if file not in compressed:
            compressed[file] = await asyncio.to_thread(_gzip_file, file)
        media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        headers["Content-Encoding"] = "gzip"
        return Response(compressed[file], media_type=media_type, headers=headers)

    return vendor_file


def _gzip_file(file: Path) -> bytes:
    return gzip_bytes(file.read_bytes())


class OwnStaticFiles(StaticFiles):
    """`service/http/static/`: revalidated on every load, with the pages' security headers."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(PAGE_HEADERS)
        return response


async def partners_page(_request: Request) -> Response:
    """The reference client: ISCT's partners from one GraphQL request (static/partners.js).
    Read on each request (a thread, as FileResponse did) so an edited page is served at once;
    compressed only when its bytes change. The ETag is a hash of those bytes, so every
    replica tags the page alike."""
    content = await asyncio.to_thread((STATIC_DIR / "index.html").read_bytes)
    etag = '"' + hashlib.sha256(content).hexdigest()[:24] + '"'
    return PrecompressedResponse(
        content, media_type="text/html", headers={**PAGE_HEADERS, "ETag": etag}
    )


def graphiql_page(example_query: str) -> Response:
    """GraphiQL from the self-hosted assets, opening on `example_query`; a clear error page
    (never a CDN fallback) when `npm ci` has not installed them."""
    versions = {package: vendor_version(package) for package in VENDOR_FILES}
    missing = sorted(package for package, version in versions.items() if version is None)
    if missing:
        return PrecompressedResponse(
            _MISSING_ASSETS.format(packages=", ".join(missing), command=INSTALL_COMMAND),
            status_code=503,
            headers=PAGE_HEADERS,
            media_type="text/html",
        )

    def url(package: str, file: int = 0) -> str:
        return html.escape(
            f"static/vendor/{package}@{versions[package]}/{VENDOR_FILES[package][file]}"
        )

    return PrecompressedResponse(
        _GRAPHIQL.format(
            graphiql_css=url("graphiql", 1),
            react=url("react"),
            react_dom=url("react-dom"),
            graphiql_js=url("graphiql"),
            example_query=html.escape(example_query, quote=True),
        ),
        headers=PAGE_HEADERS,
        media_type="text/html",
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/", partners_page),
        Route("/static/vendor/{package}@{version}/{path:path}", vendor_files()),
        # compressed per response by the app's CompressionMiddleware, like the API's answers
        Mount("/static", app=OwnStaticFiles(directory=STATIC_DIR), name="static"),
    ]


# Relative URLs throughout: the pages work wherever the app is mounted.
_GRAPHIQL = """\
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>GraphiQL · ISCT Partner Graph</title>
  <meta name="description" content="Explore the GraphQL API of ISCT's partner network.">
  <link rel="icon" href="static/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="{graphiql_css}">
  <link rel="stylesheet" href="static/graphiql.css">
  <script src="{react}" defer></script>
  <script src="{react_dom}" defer></script>
  <script src="{graphiql_js}" defer></script>
  <script src="static/graphiql.js" defer></script>
</head>
<body>
  <div id="graphiql" data-example-query="{example_query}">Loading GraphiQL…</div>
  <noscript>GraphiQL needs JavaScript. The API itself answers <code>POST /graphql</code>
    without it, and the <a href="./">partners page</a> shows what it can do.</noscript>
</body>
</html>
"""

_MISSING_ASSETS = """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>GraphiQL is not installed</title></head>
<body>
  <h1>GraphiQL's files are not installed</h1>
  <p>This service serves GraphiQL from its own copy of the npm packages, never from a CDN,
    and these are missing from the project's <code>node_modules/</code>: {packages}.</p>
  <p>Install them by running <code>{command}</code> in the project's directory
    (<code>make run</code> does it for you), then reload this page.</p>
  <p>The API works without them: <code>POST /graphql</code> with a JSON body.</p>
</body>
</html>
"""
