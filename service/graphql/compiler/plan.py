"""Compile one validated query operation into one SQL statement that builds its `data` JSON.

The work is split by job: `selection` reads the operation as graphql-core would (fields,
fragments, directives, arguments); `objects` spells objects and their relations, each from
its one definition in `service/data/relations.py`; `roots` spells the root fields, whose
filters, orders, pages and search it renders from the builders the resolver path runs
(`service/data/queries.py`); `dialects` spells JSON for each database; and `sql` is the
only way any of them makes SQL text (a client's value enters as a bound parameter only).

Anything the compiler cannot express exactly, or any argument the resolver path would
refuse, raises NotCompilable: the resolver path then answers, with its errors. A compiled
answer is never a different answer.

A statement depends on the document and on the shape of its variables (which are given, how
`@skip`/`@include` go, the type behind a global ID, the order a connection pages in), never
on their values: every value is a bound parameter. `CompiledQuery.bind` gives the parameters
of the same statement for another request's variables, or raises Mismatch when they need a
statement of another shape (or NotCompilable when the resolvers answer them).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from graphql import (
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
)
from graphql.execution.values import VariableValues

from service.graphql.compiler.dialects import Dialect
from service.graphql.compiler.roots import RootCompiler
from service.graphql.compiler.selection import BadValue, NotCompilable, Selection
from service.graphql.compiler.sql import Layout, Mismatch, Rebinder

# How many arrays deep SQLite statements build objects in place: unbounded first, then less
# and less until SQLite's parser takes the statement (ObjectCompiler.in_place).
IN_PLACE_DEPTHS: tuple[int | None, ...] = (None, 4, 3, 2, 1, 0)

__all__ = ["BadValue", "CompiledQuery", "Mismatch", "NotCompilable", "compile_operation"]


@dataclass(frozen=True)
class CompiledQuery:
    sql: str
    layout: Layout  # the answer's text around the statement's columns
    params: dict[str, Any]
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    directives: tuple[tuple[SelectionNode, bool], ...]  # each @skip/@include, and its way
    rebinders: tuple[Rebinder, ...]
    variables: VariableValues  # the coerced variables it was compiled with

    def statement(self) -> sa.TextClause:
        return sa.text(self.sql)

    def bind(self, variables: VariableValues) -> dict[str, Any]:
        """The parameters of this statement for another request's coerced variables (of
        the same operation): Mismatch when they need another statement, NotCompilable
        when the resolvers answer them. The variables it was compiled with bind its own
        values: every rebinder derives from the variables alone, and building the pages'
        statements again to key them took 0.7 of a repeated partners-page request's 3.6 ms."""
        if variables == self.variables:
            return dict(self.params)
        selection = Selection(self.schema, self.fragments, variables)
        for node, included in self.directives:
            if selection.included(node) is not included:
                raise Mismatch("a @skip or @include goes the other way")
        params = dict(self.params)
        for rebinder in self.rebinders:
            params |= rebinder(selection)
        return params

    def answer(self, row: Sequence[Any]) -> list[str]:
        """The answer's JSON text from the statement's row, as pieces to join: the layout's
        texts around the columns (SQLite's NULL is JSON null)."""
        values = []
        for value in row:
            if value is not None and not isinstance(value, str):
                raise TypeError(f"a compiled column is {type(value).__name__}, not JSON text")
            values.append("null" if value is None else value)
        return self.layout.parts(values)

    @staticmethod
    def count(parts: Iterable[str]) -> int:
        """The JSON objects in the answer, in one pass: every object the compiler builds has
        a key (an empty selection is not compiled), so it opens with `{"`, which cannot
        occur inside a JSON string (a quote there is escaped) nor span two pieces (each is
        whole JSON values, or the layout's text between them); the stored JSON columns hold
        lists of strings, never objects."""
        return sum(part.count('{"') for part in parts)


def compile_operation(
    schema: GraphQLSchema,
    dialect: Dialect,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: VariableValues,
    *,
    max_page_size: int,
) -> CompiledQuery:
    """The statement for a validated query operation with coerced variables, or
    NotCompilable."""
    if operation.operation is not OperationType.QUERY:
        raise NotCompilable("not a query")
    for in_place in IN_PLACE_DEPTHS if dialect.sqlite else (None,):
        selection = Selection(schema, fragments, variables)
        compiler = RootCompiler(selection, dialect, max_page_size=max_page_size, in_place=in_place)
        statement, layout = dialect.statement(compiler.ctes, compiler.root(operation))
        if dialect.parses(statement):
            break
    else:
        raise NotCompilable("nested too deep for SQLite's parser")
    return CompiledQuery(
        statement.text,
        layout,
        compiler.params.values,
        schema,
        fragments,
        tuple(selection.directives.values()),
        tuple(compiler.params.rebinders),
        variables,
    )
