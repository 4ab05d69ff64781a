"""Limits on what one document may ask for, checked after parsing and before validation, so
an abusive query costs one walk of its syntax tree and never a SQL statement.

One walk of the operation, with fragments expanded where they are spread (an alias or a
field inside a fragment counts every time the fragment is used), measures depth, aliases,
root fields and cost. Cost follows the GitHub/Shopify model: every object a query can return
costs 1, and a list multiplies what it contains by how many items it may hold: `first`/
`last` for connections (the page size when absent), `len(ids)` for `nodes`, `first` for
`search`, and an expected fan-out for the plain relation lists. Every response reports
`extensions.cost`: the requested (static) cost, the actual number of objects returned, and
the limit.
"""

import json
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

from service.graphql.compiler.execution import RawJSON
from service.graphql.core_schema import graphql_core_schema
from service.http.observability import current_request


@dataclass(frozen=True)
class QueryLimits:
    max_depth: int = 12
    max_aliases: int = 50
    max_root_fields: int = 50
    max_cost: int = 50_000
    page_size: int = 100  # what a connection without first/last may return
    list_fanout: int = 3  # expected items in a plain relation list (agreements, parties...)
    max_writes: int = 10  # mutations per request: each is a transaction, serialized with others
    write_cost: int = 100  # what one mutation counts towards max_cost, besides what it returns


INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
TYPE_EXPANDERS = frozenset({"fields", "inputFields", "interfaces", "possibleTypes"})
MAX_OF_TYPE = 10  # the standard introspection query nests ofType 7 deep


@dataclass(frozen=True)
class _Introspection:
    """Where a path is inside introspection: a type's fields expanded inside another type's
    fields is the circular-introspection attack; the standard query never does it."""

    expanders: int = 0
    of_type: int = 0

    def enter(self, name: str) -> "_Introspection":
        entered = _Introspection(
            self.expanders + (name in TYPE_EXPANDERS), self.of_type + (name == "ofType")
        )
        if entered.expanders > 1 or entered.of_type > MAX_OF_TYPE:
            raise LimitExceeded(
                "QUERY_TOO_DEEP",
                "Circular introspection is not allowed: expand each type's fields once "
                "(the standard introspection query does).",
            )
        return entered


@dataclass
class Measure:
    depth: int = 0
    aliases: int = 0
    root_fields: int = 0
    cost: int = 0


class LimitExceeded(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class _Walk:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    limits: QueryLimits
    measure: Measure = field(default_factory=Measure)
    spreading: list[str] = field(default_factory=list)

    def selection(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None,
        depth: int, multiplier: int, introspection: _Introspection | None = None,
    ) -> None:  # fmt: skip
        if selection_set is None:
            return
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                self.field(node, parent, depth, multiplier, introspection)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                self.selection(node.selection_set, target, depth, multiplier, introspection)
            elif isinstance(node, FragmentSpreadNode):
                self.spread(node, depth, multiplier, introspection)

    def spread(
        self, node: FragmentSpreadNode, depth: int, multiplier: int,
        introspection: _Introspection | None,
    ) -> None:  # fmt: skip
        name = node.name.value
        fragment = self.fragments.get(name)
        if fragment is None or name in self.spreading:
            return  # unknown or cyclic: validation reports it
        self.spreading.append(name)
        target = self.schema.get_type(fragment.type_condition.name.value)
        self.selection(fragment.selection_set, target, depth, multiplier, introspection)
        self.spreading.pop()

    def field(
        self, node: FieldNode, parent: GraphQLNamedType | None, depth: int, multiplier: int,
        introspection: _Introspection | None,
    ) -> None:  # fmt: skip
        name = node.name.value
        measure = self.measure
        measure.aliases += node.alias is not None
        measure.root_fields += depth == 0 and introspection is None
        if introspection is None and name in INTROSPECTION_ROOTS:
            introspection = _Introspection()
        if introspection is not None:  # bounded by its own rule, not by depth or cost
            self._check()
            self.selection(node.selection_set, None, depth, multiplier, introspection.enter(name))
            return
        depth += 1
        measure.depth = max(measure.depth, depth)
        self._check()
        definition = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(name)
        if parent is None or definition is None:  # __typename or unknown: depth only
            self.selection(node.selection_set, None, depth, multiplier)
            return
        named = get_named_type(definition.type)
        if not parent.name.endswith("Connection"):  # a page's edges/nodes are its items
            multiplier *= self._items(node, definition, named)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            measure.cost += multiplier
        self.selection(node.selection_set, named, depth, multiplier)

    def _items(self, node: FieldNode, definition: GraphQLField, named: GraphQLNamedType) -> int:
        """How many items this field may return for each of its parents."""
        arguments = {argument.name.value: argument.value for argument in node.arguments or ()}
        if named.name.endswith("Connection"):
            size = self._int(arguments.get("first"))
            size = self._int(arguments.get("last")) if size is None else size
            return self.limits.page_size if size is None else max(size, 0)
        if "ids" in arguments:
            return max(self._length(arguments["ids"]), 0)
        type_ = definition.type
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if not isinstance(type_, GraphQLList):
            return 1
        size = self._given_or_default(arguments, definition, "first")
        items = self.limits.list_fanout if size is None else max(size, 0)
        if "maxHops" in definition.args:  # a path question: each path may hold maxHops + 1
            hops = self._given_or_default(arguments, definition, "maxHops")
            items *= max(hops or 0, 0) + 1
        return items

    def _given_or_default(
        self, arguments: Mapping[str, Any], definition: GraphQLField, name: str
    ) -> int | None:
        size = self._int(arguments.get(name))
        if size is None and name in definition.args:
            default = definition.args[name].default_value
            size = default if isinstance(default, int) else None
        return size

    def _int(self, value: Any) -> int | None:
        """An Int argument's value; one GraphQL cannot hold is left to validation to report."""
        number: Any = None
        if isinstance(value, IntValueNode):
            number = int(value.value)
        elif isinstance(value, VariableNode):
            number = self.variables.get(value.name.value)
        valid = isinstance(number, int) and not isinstance(number, bool)
        return number if valid and -(2**31) <= number < 2**31 else None

    def _length(self, value: Any) -> int:
        if isinstance(value, ListValueNode):
            return len(value.values)
        if isinstance(value, VariableNode):
            given = self.variables.get(value.name.value)
            return len(given) if isinstance(given, list) else 1
        return 1

    def _check(self) -> None:
        measure, limits = self.measure, self.limits
        if measure.depth > limits.max_depth:
            raise LimitExceeded(
                "QUERY_TOO_DEEP", f"The query is nested deeper than {limits.max_depth} levels."
            )
        if measure.aliases > limits.max_aliases:
            raise LimitExceeded(
                "TOO_MANY_ALIASES",
                f"The query uses more than {limits.max_aliases} aliases "
                "(an alias inside a fragment counts each time the fragment is used).",
            )
        if measure.root_fields > limits.max_root_fields:
            raise LimitExceeded(
                "QUERY_TOO_COMPLEX",
                f"The query asks for more than {limits.max_root_fields} root fields.",
            )


def measure_operation(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    limits: QueryLimits,
) -> Measure:
    """Depth, aliases and root fields raise LimitExceeded as soon as they pass the limit;
    the cost is checked once the whole operation is measured."""
    walk = _Walk(schema, fragments, variables, limits)
    walk.selection(operation.selection_set, schema.get_root_type(operation.operation), 0, 1)
    if operation.operation == OperationType.MUTATION:
        writes = walk.measure.root_fields
        if writes > limits.max_writes:
            raise LimitExceeded(
                "QUERY_TOO_COMPLEX",
                f"The request makes {writes} mutations; the limit is {limits.max_writes} "
                "per request.",
            )
        walk.measure.cost += writes * limits.write_cost
    if walk.measure.cost > limits.max_cost:
        raise LimitExceeded(
            "QUERY_TOO_COMPLEX",
            f"The query could return {walk.measure.cost:,} objects; the limit is "
            f"{limits.max_cost:,}. Ask for smaller pages (first/last) or fewer nested lists.",
        )
    return walk.measure


def _objects(value: Any) -> Iterator[None]:
    """One item per object in a response's data."""
    if isinstance(value, dict):
        yield None
        for child in value.values():
            yield from _objects(child)
    elif isinstance(value, list):
        for child in value:
            yield from _objects(child)


class QueryLimitsExtension(SchemaExtension):
    """Apply QueryLimits (from the request's settings) to each operation."""

    def __init__(self, *, limits: QueryLimits) -> None:
        self.limits = limits
        self.requested: int | None = None

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            try:
                self.requested = self._measure(document.definitions).cost
            except LimitExceeded as exceeded:
                context.pre_execution_errors = [
                    GraphQLError(str(exceeded), extensions={"code": exceeded.code})
                ]
        yield

    def _measure(self, definitions: Any) -> Measure:
        context = self.execution_context
        return measure_document(
            graphql_core_schema(context.schema),
            definitions,
            context.operation_name,
            context.variables or {},
            self.limits,
        )

    def get_results(self) -> dict[str, Any]:
        return cost_results(
            self.limits, self.requested, self.execution_context.result,
            self.execution_context.operation_name,
        )  # fmt: skip


def measure_document(
    schema: GraphQLSchema,
    definitions: Any,
    operation_name: str | None,
    variables: Mapping[str, Any],
    limits: QueryLimits,
) -> Measure:
    """The measure of the operation a request runs (`operation_name` as Strawberry's
    execution context gives it); LimitExceeded as `measure_operation` raises it."""
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    name = operation_name
    chosen = [op for op in operations if name is None or (op.name and op.name.value == name)]
    total = Measure()
    for operation in chosen[:1] if name is None and len(chosen) == 1 else chosen:
        measured = measure_operation(schema, operation, fragments, variables, limits)
        total.cost += measured.cost
    return total


class _ReadVariables(Mapping[str, Any]):
    """A request's variables that remember which of them a measure read (`_Walk` reads a
    variable by name with `get`, where an argument names it)."""

    def __init__(self, variables: Mapping[str, Any]) -> None:
        self.variables = variables
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        self.read.add(name)
        return self.variables[name]

    def get(self, name: str, default: Any = None) -> Any:
        self.read.add(name)
        return self.variables.get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self.variables)

    def __len__(self) -> int:
        return len(self.variables)


class KnownMeasures:
    """The measures of requests already measured, for the kept-statement path. A measure is
    a function of the query text, the operation and the values of the variables the walk
    reads (page sizes, `ids` lists, `maxHops`; the schema and the limits are the app's),
    and walking the partners page's document again took 0.3 of a repeated request's 3.6
    ms. So each operation remembers the names its walks have read, and a measure is kept
    under those variables' values alone, as sorted JSON (1, 1.0 and "1" are three keys): a
    query over a thousand slugs is measured once, not once per slug.

    Which names a walk reads can depend on the values (`last` is read when `first` is
    null): a walk that reads a name not yet remembered adds it, and the measures kept under
    fewer names are then no longer found. A kept measure is sound because a walk is
    deterministic in what it reads: equal values for every name read means the same reads
    in the same order, hence the same measure. Both maps are LRUs of `capacity` entries; a
    key longer than `max_key_chars` is measured every time, and a request over a limit is
    never kept."""

    def __init__(self, *, capacity: int = 256, max_key_chars: int = 20_000) -> None:
        self.capacity = capacity
        self.max_key_chars = max_key_chars
        self._read: OrderedDict[tuple[str, str | None], frozenset[str]] = OrderedDict()
        self._measures: OrderedDict[tuple[str, str | None, str], Measure] = OrderedDict()

    def measure(
        self,
        schema: GraphQLSchema,
        query: str,
        definitions: Any,
        operation_name: str | None,
        variables: Mapping[str, Any],
        limits: QueryLimits,
    ) -> Measure:
        """`measure_document`'s answer, from memory when a request with these values for the
        variables the operation's measure reads was measured before."""
        operation = (query, operation_name)
        read = self._read.get(operation)
        key = None if read is None else self._key(operation, read, variables)
        known = None if key is None else self._measures.get(key)
        if key is not None and known is not None:
            self._measures.move_to_end(key)
            self._read.move_to_end(operation)
            return known
        reading = _ReadVariables(variables)
        measured = measure_document(schema, definitions, operation_name, reading, limits)
        read = (read or frozenset()) | reading.read
        key = self._key(operation, read, variables)
        if key is not None and len(query) + len(key[2]) <= self.max_key_chars:
            self._read[operation] = read
            self._read.move_to_end(operation)
            self._measures[key] = measured
            for kept in (self._read, self._measures):
                if len(kept) > self.capacity:
                    kept.popitem(last=False)
        return measured

    @staticmethod
    def _key(
        operation: tuple[str, str | None], read: frozenset[str], variables: Mapping[str, Any]
    ) -> tuple[str, str | None, str] | None:
        try:
            values = json.dumps({name: variables.get(name) for name in read}, sort_keys=True)
        except (TypeError, ValueError):
            return None
        return (*operation, values)


def cost_results(
    limits: QueryLimits, requested: int | None, result: Any, operation_name: str | None
) -> dict[str, Any]:
    """`extensions.cost` of a response, also kept on the request's record for the log."""
    data = getattr(result, "data", None)
    if isinstance(data, RawJSON):  # counted in the database's JSON text
        actual = max(data.objects - 1, 0)  # the `data` object itself is not counted
    elif isinstance(data, dict):
        actual = sum(1 for _ in _objects(list(data.values())))
    else:
        actual = 0
    cost = {"requested": requested, "actual": actual, "limit": limits.max_cost}
    record = current_request()
    if record is not None:
        record.cost = cost
        record.operation = operation_name
    return {"cost": cost}
