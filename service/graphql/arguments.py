"""Argument rules both GraphQL paths apply: the resolvers raise their errors, the compiler
declines what they would refuse, so the two can never disagree on what is valid."""

from typing import Any

from service.data.queries import Ordering, Window
from service.data.search_index import search_terms
from service.graphql.errors import BadUserInput
from service.graphql.ids import decode_cursor

MAX_SEARCH_WORDS = 16  # every word must match: more words never find more
SEARCH_RESULTS = 20  # `search` answers this many hits when `first` is not given


def search_words(text: str | None, argument: str) -> list[str] | None:
    """The words of a search argument, or a BAD_USER_INPUT error naming the argument."""
    if text is None:
        return None
    terms = search_terms(text)
    if not terms:
        raise BadUserInput(f"{argument} must contain at least one word", argument=argument)
    if len(terms) > MAX_SEARCH_WORDS:
        raise BadUserInput(
            f"{argument} takes at most {MAX_SEARCH_WORDS} words, got {len(terms)}",
            argument=argument,
        )
    return terms


def check_size(name: str, value: int | None, maximum: int) -> None:
    """A size, count or depth argument within 0..maximum, or a BAD_USER_INPUT naming it."""
    if value is not None and not 0 <= value <= maximum:
        raise BadUserInput(
            f"{name} must be between 0 and {maximum}, got {value}", argument=name, maximum=maximum
        )


def page_window(
    ordering: Ordering,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    maximum: int,
) -> Window:
    """The page the paging arguments ask for: forward (first/after) or backward
    (last/before), never both; sizes within 0..maximum (default: maximum); cursors made by
    this connection's ordering."""
    check_size("first", first, maximum)
    check_size("last", last, maximum)
    backward = last is not None or before is not None
    if backward and (first is not None or after is not None):
        raise BadUserInput("page forward (first/after) or backward (last/before), not both")
    size = last if backward else first

    def key(cursor: str | None, argument: str) -> list[Any] | None:
        if cursor is None:
            return None
        return decode_cursor(cursor, order=ordering.name, types=ordering.types, argument=argument)

    return Window(
        limit=maximum if size is None else size,
        after=key(after, "after"),
        before=key(before, "before"),
        backward=backward,
    )
