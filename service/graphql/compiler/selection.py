"""The GraphQL side of compiling: which fields a selection asks for, under which response
keys, with which arguments, exactly as graphql-core's executor would see them."""

import re
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    SelectionNode,
    SelectionSetNode,
    is_abstract_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values

from service.graphql import errors

MAX_KEYS = 50  # json_build_object takes at most 100 arguments
Fields = dict[str, list[FieldNode]]  # response key -> the field nodes merged under it


class NotCompilable(Exception):
    """The resolver path answers this operation (and reports any error in it)."""


class BadValue(NotCompilable):
    """The resolver path answers these values (it refuses them): other values of the same
    operation may compile."""


def python_name(field_name: str) -> str:
    """The Python name behind a GraphQL field (Strawberry's camelCase, undone)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", field_name).lower()


def enum_name(value: Any) -> str:
    """An enum argument's GraphQL name (Strawberry hands over the Python enum member)."""
    return value.name if isinstance(value, Enum) else str(value)


def plain(value: str) -> str:
    """Text the resolver path accepts (`errors.plain`); what it refuses, the compiler leaves
    to it, so the client gets the resolvers' error."""
    try:
        errors.plain(value, "")
    except GraphQLError:
        raise BadValue("a text argument the resolvers refuse") from None
    return value


class Selection:
    """Fields, directives and arguments of one operation under its variables.

    It remembers which way each `@skip`/`@include` went (`directives`): a statement compiled
    under these variables serves other variables only where they all go the same way."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.directives: dict[int, tuple[SelectionNode, bool]] = {}
        self._arguments: dict[tuple[str, int], dict[str, Any]] = {}

    def object_type(self, name: str) -> GraphQLObjectType:
        found = self.schema.get_type(name)
        assert isinstance(found, GraphQLObjectType)
        return found

    def included(self, node: SelectionNode) -> bool:
        if not node.directives:
            return True
        found = self.directives.get(id(node))
        if found is None:
            found = self.directives[id(node)] = (node, self._included(node))
        return found[1]

    def _included(self, node: SelectionNode) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip is not None and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include is not None and include.get("if") is False)

    def matches(self, condition: str, runtime: GraphQLObjectType) -> bool:
        target = self.schema.get_type(condition)
        if target is runtime:
            return True
        return is_abstract_type(target) and self.schema.is_sub_type(target, runtime)

    def collect(
        self, runtime: GraphQLObjectType, selection_sets: Iterable[SelectionSetNode | None]
    ) -> Fields:
        """Fields by response key, in first-seen order, as graphql-core's collect_fields
        groups them (fragments expanded where their type condition holds)."""
        fields: Fields = {}
        visited: set[str] = set()

        def visit(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                if not self.included(selection):
                    continue
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    fields.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    if condition is None or self.matches(condition.name.value, runtime):
                        visit(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if name in visited or fragment is None:
                        continue
                    visited.add(name)
                    if self.matches(fragment.type_condition.name.value, runtime):
                        visit(fragment.selection_set)

        for selection_set in selection_sets:
            if selection_set is not None:
                visit(selection_set)
        if len(fields) > MAX_KEYS:
            raise NotCompilable("too many keys for one JSON object")
        return fields

    def subfields(self, runtime: GraphQLObjectType, nodes: Sequence[FieldNode]) -> Fields:
        return self.collect(runtime, (node.selection_set for node in nodes))

    def arguments(self, parent: GraphQLObjectType, node: FieldNode) -> dict[str, Any]:
        key = (parent.name, id(node))
        found = self._arguments.get(key)
        if found is None:
            try:
                found = get_argument_values(parent.fields[node.name.value], node, self.variables)
            except GraphQLError as error:
                raise BadValue(str(error)) from None
            self._arguments[key] = found
        return found
