"""What stands at the end of a year (`asOf`): one rule for the listings, the relations and
the graph questions (docs/graph.md).

The source dates few facts: most bodies have no founding year, and no seat or unit has a
date. An undated fact stands in every year; a dated one from its year on. An agreement also
needs every body it names to stand: it cannot be older than its parties.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql import FromClause

from service.data.models import ORGANIZATION_TABLE, PARTY_TABLE


def _by(year: sa.ColumnElement[Any], as_of: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    return sa.or_(year.is_(None), year <= as_of)


def organization_stands(t: FromClause, as_of: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """The organization `t` had been founded by the end of `as_of`, or is undated."""
    return _by(t.c.founded_year, as_of)


def agreement_stands(t: FromClause, as_of: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """The agreement `t` had been made by the end of `as_of` (or is undated), and no party
    to it, nor the body it establishes, was founded later."""
    party, body = PARTY_TABLE.alias("standing_party"), ORGANIZATION_TABLE.alias("standing_body")
    later = sa.select(body.c.id).where(body.c.founded_year > as_of)
    # Uncorrelated subqueries: the compiler renders a condition on its own, outside the
    # query it narrows, where a correlated one would lose its correlation.
    later_parties = sa.select(party.c.agreement_id).where(party.c.organization_id.in_(later))
    return sa.and_(
        _by(t.c.year, as_of),
        t.c.id.not_in(later_parties),
        sa.or_(t.c.establishes_id.is_(None), t.c.establishes_id.not_in(later)),
    )


_NAMED = sqlite.dialect(paramstyle="named")


def as_sql(select: sa.Select[Any]) -> str:
    """A statement as SQL text both engines read, its parameters as `:name` (the graph
    questions' statements are written as text)."""
    return str(select.compile(dialect=_NAMED))


AS_OF = sa.bindparam("as_of", type_=sa.Integer)
