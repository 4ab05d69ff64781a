"""Argument rules both GraphQL paths apply: the resolvers raise their errors, the compiler
declines what they would refuse, so the two can never disagree on what is valid."""

from service.data.search_index import search_terms
from service.graphql.errors import BadUserInput

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
