"""Response media types (GraphQL over HTTP): which one a request's Accept header asks for.

`application/graphql-response+json` is the spec's own type: under it, a request refused
before execution (it does not parse, validate, or name an operation the document has)
answers 4xx without `data`, so a client can trust the status. `application/json` is the
legacy type: such a request answers 200 with `data: null`, as before.

The new type is chosen when the client names it at least as strongly as `application/json`
(Apollo Client 4 sends `application/graphql-response+json,application/json;q=0.9`).
A wildcard (`*/*`, `application/*`) or no Accept header at all keeps `application/json`:
what the spec's audits expect, and what every legacy client reads. An Accept header that
allows neither type gets 406.
"""

import functools

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
SUPPORTED = (GRAPHQL_RESPONSE, JSON)


def qualities(accept: str) -> list[tuple[str, float]]:
    """Each item of an Accept-style header (Accept, Accept-Encoding) with its quality, in
    lower case (a malformed q counts as 0)."""
    ranges = []
    for item in accept.split(","):
        media_range, *params = (part.strip() for part in item.split(";"))
        if not media_range:
            continue
        quality = 1.0
        for param in params:
            name, _, raw = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(raw.strip())
                except ValueError:
                    quality = 0.0
        ranges.append((media_range.lower(), quality))
    return ranges


def _match(media_type: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The quality the most specific matching range gives `media_type`, and how specific
    that range is (2 exact, 1 `type/*`, 0 `*/*`); (0, -1) when none matches."""
    best = (0.0, -1)
    kind = media_type.split("/")[0]
    for media_range, quality in ranges:
        if media_range == media_type:
            specificity = 2
        elif media_range == f"{kind}/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best[1]:
            best = (quality, specificity)
    return best


@functools.lru_cache(maxsize=64)
def negotiate(accept: str | None) -> str | None:
    """The media type to answer in, or None when Accept allows neither (406). Remembered
    by the header's text (clients send the same few), so a request costs a lookup."""
    if accept is None or not accept.strip():
        return JSON
    ranges = qualities(accept)
    new_quality, new_specificity = _match(GRAPHQL_RESPONSE, ranges)
    old_quality, _ = _match(JSON, ranges)
    if new_quality <= 0 and old_quality <= 0:
        return None
    if new_quality > old_quality:
        return GRAPHQL_RESPONSE
    if new_quality == old_quality and new_specificity == 2:
        return GRAPHQL_RESPONSE  # both named equally: the spec's preferred type
    return JSON


def content_type(media_type: str) -> str:
    """The Content-Type header for an answer in `media_type` (legacy JSON as it always was)."""
    return media_type if media_type == JSON else f"{media_type}; charset=utf-8"
