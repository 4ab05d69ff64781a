"""The page cut into sentences, and which of them are page furniture rather than facts.

A sentence is a run of words within one line of the page (a paragraph in the text form,
a block in HTML): a line break always ends one, and inside a line a word ending in `.`,
`!` or `?` (perhaps followed by a closing quote or bracket) ends one when the next word
starts with a capital or a digit. A full stop after a single letter ("Joseph C. Laning"),
after dotted initials ("U.S.") or after a title (Dr, Mr, Mrs, Ms, Prof, St, Jr, Sr, No,
vs) does not. Bullets at the start of a line are not part of the sentence.

Some sentences state nothing the dataset could model, and are ignored (counted, not listed):

- logo captions and image names: "ARM Logo", "SCB logo", "JSRM_RGB_V.png" (the page puts
  one before most partners; they repeat the heading that follows);
- link labels that are the same on every card: "View Website", "Learn more", "Read more";
- headings equal to the name of an organization the dataset already has, with or without
  a leading "The" and its "(ACRONYM)", or the acronym alone: the organization is known;
- anything without a letter or a digit (a lone bullet, a separator).

Everything else is a sentence the dataset should cover; what is left over is a possibly
new fact for a person to read. The page's own titles ("About ISCT", "Partner
Organizations" and the two category headings) are deliberately not ignored: they are few,
and a renamed category is worth a look.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from service.data.source.page import Page

# bullet, middle dot, hyphen, asterisk, en and em dash, small square, white and black circle
BULLETS = frozenset("\u2022\u00b7-*\u2013\u2014\u25aa\u25e6\u25cf")
TITLES = frozenset({"dr", "mr", "mrs", "ms", "prof", "st", "jr", "sr", "no", "vs"})
LINK_LABELS = frozenset({"view website", "learn more", "read more"})
_CLOSING = ")]\"'\u201d\u2019"  # brackets, straight and curly closing quotes
_OPENING = "([\"'\u201c\u2018"
_ENDS = re.compile(f"[.!?][{re.escape(_CLOSING)}]*$")
_INITIALS = re.compile(r"^(?:[^\W\d_]\.)+$")
_LOGO = re.compile(r"^.{0,100}\blogo$|^\S+\.(?:png|jpe?g|gif|svg|webp)$", re.IGNORECASE)


@dataclass(frozen=True)
class Sentence:
    """A sentence, its line in the page file, and its span in the normalized page text."""

    text: str
    line: int
    start: int
    end: int


@dataclass(frozen=True)
class _Word:
    text: str
    offset: int  # in the page text
    start: int  # in the normalized page text
    opens_line: bool


def sentences(page: Page) -> Iterator[Sentence]:
    """Every sentence of the page, in order."""
    for line in _lines(_words(page.text)):
        for words in _split(line):
            while words and words[0].text in BULLETS:
                words = words[1:]
            if words:
                yield Sentence(
                    text=" ".join(word.text for word in words),
                    line=page.line_at(words[0].offset),
                    start=words[0].start,
                    end=words[-1].start + len(words[-1].text),
                )


def headings(names: Iterable[tuple[str, str | None]]) -> frozenset[str]:
    """The headings (case-folded) that name a known organization, from (name, acronym)."""
    found: set[str] = set()
    for name, acronym in names:
        forms = [name] if acronym is None else [name, f"{name} ({acronym})", acronym]
        found.update(form.casefold() for form in forms)
        found.update(f"the {form}".casefold() for form in forms)
    return frozenset(found)


def ignored(sentence: str, known_headings: frozenset[str]) -> bool:
    """Whether a sentence is page furniture (see the module docstring)."""
    folded = sentence.casefold()
    return (
        not any(char.isalnum() for char in sentence)
        or _LOGO.match(sentence) is not None
        or folded in LINK_LABELS
        or folded in known_headings
    )


def _words(text: str) -> Iterator[_Word]:
    """Words as normalize_whitespace joins them: one space between, none around."""
    start = 0
    previous_end = 0
    for match in re.finditer(r"\S+", text):
        opens_line = start == 0 or "\n" in text[previous_end : match.start()]
        yield _Word(match.group(), match.start(), start, opens_line)
        start += len(match.group()) + 1
        previous_end = match.end()


def _lines(words: Iterable[_Word]) -> Iterator[list[_Word]]:
    line: list[_Word] = []
    for word in words:
        if word.opens_line and line:
            yield line
            line = []
        line.append(word)
    if line:
        yield line


def _split(line: list[_Word]) -> Iterator[list[_Word]]:
    begin = 0
    for index in range(len(line) - 1):
        if _ends_sentence(line[index].text, line[index + 1].text):
            yield line[begin : index + 1]
            begin = index + 1
    yield line[begin:]


def _ends_sentence(word: str, following: str) -> bool:
    if _ENDS.search(word) is None:
        return False
    head = following.lstrip(_OPENING)[:1]
    if not (head.isupper() or head.isdigit()):
        return False
    bare = word.rstrip(_CLOSING)
    if bare.endswith("."):
        stem = bare[:-1]
        if _INITIALS.match(bare) or stem.casefold() in TITLES or len(stem) == 1:
            return False
    return True
