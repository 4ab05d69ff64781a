"""Source drift: does a new copy of the source page still say what the dataset quotes?

`check_source(page, dataset)` reads a copy of the page (text or saved HTML, page.py), cuts
it into sentences (sentences.py) and compares it with the dataset (check.py): the quotes no
longer on the page, and the sentences no quote covers. It reads files only, never the
database.
"""

from service.data.source.check import QuoteAt, Report, Uncovered, check_source
from service.data.source.page import PageError

__all__ = ["PageError", "QuoteAt", "Report", "Uncovered", "check_source"]
