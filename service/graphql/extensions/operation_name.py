"""A document with several operations must say which one to run.

GraphQL's GetOperation() raises a request error when a document holds more than one
operation and the request names none; Strawberry picks the first instead, so this refuses
the request, before validation, with OPERATION_NAME_REQUIRED.

`ExecutionContext.operation_name` already stands for that first operation when the request
named none, and Strawberry 0.341 keeps what the request sent only in a private attribute;
so the view records the name the request sent in our Context (`Context.operation_name`).
"""

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from service.graphql.context import Context


class OperationNameRequired(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        ours = context.context
        sent_none = isinstance(ours, Context) and ours.operation_name is None
        if document is not None and sent_none:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1 and context.pre_execution_errors is None:
                context.pre_execution_errors = [
                    GraphQLError(
                        "The document has several operations: name one in operationName.",
                        extensions={"code": "OPERATION_NAME_REQUIRED"},
                    )
                ]
        yield
