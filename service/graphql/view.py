"""The HTTP view: Strawberry's ASGI app with a per-request context and our GraphiQL page
(service/http/pages.py: self-hosted assets, no CDN)."""

import asyncio
from typing import Any

from cross_web import AsyncHTTPRequestAdapter
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult, SubscriptionExecutionResult

from service.graphql.compiler.execution import RawJSON
from service.graphql.context import Context
from service.http.observability import current_request
from service.http.pages import graphiql_page

EXAMPLE_QUERY = """\
# The ISCT partner network. Press the play button (or Ctrl-Enter) to run this query;
# the Docs pane on the left describes every type and field.
#
# The partners page: each partner with its agreements, the people seated at it (and
# everywhere else they sit), its co-founders and joint initiatives, in one request.
{
  organizations(first: 100, filter: {category: PARTNER}) {
    totalCount
    nodes {
      slug
      name
      acronym
      regions
      agreements { kind year title parties { slug name } }
      representatives {
        role
        designation
        onBehalfOf { acronym }
        person { name credentials representations { role organization { name } } }
      }
      cofounders { name }
      initiatives { name recurrence }
    }
  }
  isct: organization(slug: "isct") { name cofounded { name foundedYear } }
}
"""


class GraphQLView(GraphQL[Context, None]):
    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        """Each request runs within its time budget; past it, the work is cancelled and the
        client gets a clean 503 it can retry, never a hung connection.

        Strawberry has no hook around execution for a time budget (an open request:
        strawberry-graphql/strawberry#2883), so this overrides the method its view calls,
        by keyword, and passes everything on by keyword; the status goes through the
        response our get_context put in the context.
        """
        budget_s = context.settings.request_timeout_s
        try:
            async with asyncio.timeout(budget_s) as budget:
                return await super().execute_operation(
                    request=request,
                    request_adapter=request_adapter,
                    request_data=request_data,
                    context=context,
                    root_value=root_value,
                    sub_response=sub_response,
                )
        except TimeoutError:
            if not budget.expired():
                raise
            await context.loaders.stop()  # their statements stop in the database too
        if context.response is not None:
            context.response.status_code = 503
        record = current_request()
        if record is not None:
            record.error_codes.append("TIMEOUT")
        message = f"The request took longer than its {budget_s:g} s budget."
        return ExecutionResult(
            data=None,
            errors=[GraphQLError(message, extensions={"code": "TIMEOUT"})],
            extensions={
                "cost": {"requested": None, "actual": 0, "limit": context.settings.max_cost}
            },
        )

    def encode_json(self, data: object) -> str:
        """A compiled answer's `data` is already JSON text from the database: it is spliced
        in as it is, not decoded and encoded again."""
        if isinstance(data, list):
            return "[" + ",".join(self.encode_json(item) for item in data) + "]"
        if isinstance(data, dict) and isinstance(data.get("data"), RawJSON):
            rest = {key: value for key, value in data.items() if key != "data"}
            encoded = super().encode_json(rest)
            text = encoded if isinstance(encoded, str) else encoded.decode()
            tail = "}" if text == "{}" else "," + text[1:]
            raw: RawJSON = data["data"]
            return '{"data":' + raw.text + tail
        encoded = super().encode_json(data)
        return encoded if isinstance(encoded, str) else encoded.decode()

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = request.app.state
        return Context(engine=state.engine, settings=state.settings, response=response)

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our GraphiQL page: self-hosted assets (no CDN), opening on the example query."""
        return graphiql_page(EXAMPLE_QUERY)
