"""The one rule for matching text regardless of case, the same on every engine.

Databases disagree on case: SQLite's lower() folds ASCII only, PostgreSQL's follows the
database's LC_CTYPE (ASCII only again under the C locale). So text is never folded in SQL:
`fold` runs in Python, on the stored side when a row is written (into a `*_key` column) and
on the argument side when a query is built, and SQL compares the two with `=`.

`fold` is Unicode full case folding (str.casefold) between NFKC normalisations: "Ásia" and
"ÁSIA" match, whether "Á" was typed as one code point or as "A" + a combining accent; "ß"
folds to "ss", so "Straße" matches "STRASSE"; full-width and other compatibility forms match
their plain letters. Accents are kept ("Asia" is not "Ásia"). The folding is the default,
locale-independent one: Turkish dotted "İ" folds to "i" + a combining dot, so "İzmir" does
not match "IZMIR", and dotless i (U+0131) stays itself.
"""

import unicodedata


def fold(text: str) -> str:
    """The key under which `text` matches any other spelling differing only in case."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def search_fold(text: str) -> str:
    """`fold` without accents: the text the search index holds and the words a search looks
    for, so that "ebmt" finds "ÉBMT" on every engine (SQLite's tokenizer dropped accents,
    PostgreSQL's to_tsvector keeps them and lowers case by the database's locale)."""
    decomposed = unicodedata.normalize("NFD", fold(text))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)
