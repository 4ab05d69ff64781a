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
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
)
from graphql.execution.values import VariableValues

from service.graphql.compiler.dialects import Dialect
from service.graphql.compiler.roots import RootCompiler
from service.graphql.compiler.selection import NotCompilable, Selection

__all__ = ["CompiledQuery", "NotCompilable", "compile_operation"]


@dataclass(frozen=True)
class CompiledQuery:
    sql: str
    params: dict[str, Any]
    openings: tuple[str, ...]  # how each JSON object of the answer begins (see `count`)

    def count(self, text: str) -> int:
        """The JSON objects in the answer, counted by their openings: an object's opening
        brace and first key, as `{"slug":`, cannot occur inside a JSON string (a quote there
        is escaped), so counting each distinct opening counts every object exactly once."""
        return sum(text.count(opening) for opening in self.openings)


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
    selection = Selection(schema, fragments, variables)
    compiler = RootCompiler(selection, dialect, max_page_size=max_page_size)
    answer = compiler.root(operation)
    openings = tuple(sorted(dialect.opening(key) for key in compiler.openings))
    statement = dialect.statement(compiler.ctes, answer)
    return CompiledQuery(statement.text, compiler.params.values, openings)
