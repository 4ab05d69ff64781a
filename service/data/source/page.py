"""A copy of the source page as text with a line number for every character.

Two forms are accepted. The text form is what seed/source/ keeps: it is read as it is. The
HTML form is the page as a browser saves it ("Save page as… HTML"): a file whose first
non-blank characters open markup (`<!doctype`, `<!--`, `<?xml` or a tag) is HTML, and only
its visible text is kept, decoded by the standard library's html.parser:

- entities are decoded (`&amp;`, `&nbsp;`, `&rsquo;`, `&#8217;`);
- text inside script, style, noscript, template, title, svg, iframe, select and nav
  elements (or `role="navigation"`), and inside elements marked `hidden` or
  `style="display: none"`, is dropped: none of it is shown as the page's content, and
  navigation is the same on every page of the site;
- inputs and images contribute nothing (a hidden input's value is never shown, a field's
  value is form state, an image's alt text is not displayed beside the image);
- block elements (p, div, li, h1-h6, br, td, ...) break lines; inside them line breaks of
  the file are ordinary spaces, except in pre;
- an item of an unordered list starts with the bullet a browser draws, "•": the dataset's
  quotes come from the rendered page, where "ISCT Board Representatives: • Wanxing Cui"
  reads that way (a stylesheet that hides the bullets is not looked at).

Line numbers are those of the file that was read, so a sentence found in saved HTML is
reported at the line of the HTML file where its text starts.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

SKIPPED = frozenset(
    {"script", "style", "noscript", "template", "title", "svg", "iframe", "select", "nav"}
)
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr"}
)  # fmt: skip
BLOCKS = frozenset(
    {"address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd",
     "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
     "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend",
     "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
     "th", "thead", "tr", "ul"}
)  # fmt: skip
_MARKUP_START = re.compile(r"\s*<(?:!doctype|!--|\?xml|[a-z])", re.IGNORECASE)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


class PageError(Exception):
    """A page that cannot be read; the message says why, for an operator."""


@dataclass(frozen=True)
class Page:
    """The visible text (blocks separated by newlines) and, per character, its file line."""

    text: str
    lines: tuple[int, ...]
    form: str  # "text" or "html"

    def line_at(self, offset: int) -> int:
        return self.lines[offset] if self.lines else 1


def read_page(path: Path) -> Page:
    """Read a copy of the source page in either form, or raise PageError."""
    text = _decode(path, _read_bytes(path))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if is_html(text):
        return html_page(text)
    return Page(text, tuple(_line_numbers(text, 1)), "text")


def is_html(text: str) -> bool:
    return _MARKUP_START.match(text.lstrip("\ufeff")) is not None


def html_page(html: str) -> Page:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return Page("".join(parser.chunks), tuple(parser.lines), "html")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise PageError(f"{path}: cannot read the page: {error.strerror}") from error


def _decode(path: Path, data: bytes) -> str:
    """UTF-8, or the charset a saved HTML page declares in its first 2 KiB."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        declared = _CHARSET.search(data[:2048])
        if declared is None:
            raise PageError(
                f"{path}: the page is not UTF-8 (byte {error.start}) and declares no charset"
            ) from error
        encoding = declared.group(1).decode("ascii")
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as second:
            raise PageError(f"{path}: cannot decode the page as {encoding}: {second}") from second


def _line_numbers(text: str, first: int) -> list[int]:
    """The line of each character of `text`, which starts at line `first`."""
    lines: list[int] = []
    line = first
    for char in text:
        lines.append(line)
        if char == "\n":
            line += 1
    return lines


class _VisibleText(HTMLParser):
    """Collects the text a browser shows, one chunk per data event, with its lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.lines: list[int] = []
        self._skipping: str | None = None  # the tag whose subtree is being dropped
        self._depth = 0  # how many of that tag are open
        self._pre = 0
        self._lists: list[str] = []  # the open ul/ol elements, innermost last

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping is not None:
            if tag == self._skipping and tag not in VOID:
                self._depth += 1
            return
        if tag not in VOID and _hidden(tag, dict(attrs)):
            self._skipping, self._depth = tag, 1
            return
        if tag == "pre":
            self._pre += 1
        if tag in ("ul", "ol"):
            self._lists.append(tag)
        if tag in BLOCKS:
            self._emit("\n")
        if tag == "li" and self._lists[-1:] != ["ol"]:
            self._emit("\u2022 ")

    def handle_endtag(self, tag: str) -> None:
        if self._skipping is not None:
            if tag == self._skipping:
                self._depth -= 1
                if self._depth == 0:
                    self._skipping = None
            return
        if tag == "pre" and self._pre:
            self._pre -= 1
        if tag in ("ul", "ol") and self._lists:
            self._lists.pop()
        if tag in BLOCKS and tag != "br":
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self._skipping is not None or not data:
            return
        self.lines.extend(_line_numbers(data, self.getpos()[0]))
        self.chunks.append(data if self._pre else data.replace("\n", " "))

    def _emit(self, text: str) -> None:
        """Text the browser adds (a line break, a bullet), at the current tag's line."""
        self.chunks.append(text)
        self.lines.extend([self.getpos()[0]] * len(text))


def _hidden(tag: str, attrs: dict[str, str | None]) -> bool:
    return (
        tag in SKIPPED
        or "hidden" in attrs
        or attrs.get("role") == "navigation"
        or _HIDDEN_STYLE.search(attrs.get("style") or "") is not None
    )
