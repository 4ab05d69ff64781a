"""The HTTP view: Strawberry's ASGI app with a per-request context, our GraphiQL page
(service/http/pages.py: self-hosted assets, no CDN) and GraphQL over HTTP to the letter.

- The answer is in the media type the request negotiated (service/http/media.py). Under
  `application/graphql-response+json` a request error (nothing executed: it did not parse,
  validate, or determine its operation) answers 400 without `data`; under
  `application/json` it answers 200 with `data: null`, as legacy clients expect.
- Under `application/graphql-response+json` an operation refused for its credentials, and
  nothing else, answers 401 (`WWW-Authenticate: Bearer`: none or not valid) or 403 (a
  role too low, editing off); under `application/json` it answers 200, as request errors do.
- Every refusal Strawberry would answer in plain text is a GraphQL-shaped error with
  `extensions.code` instead: a body that is empty, not JSON, not an object or a batch, a
  query missing, a mutation over GET (405, `Allow: POST`), another HTTP method (405).
"""

import asyncio
import json
from collections.abc import Callable
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError, OperationDefinitionNode, OperationType
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult, SubscriptionExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from service.graphql.compiler.execution import CompiledOutcome, RawJSON, run_compiled
from service.graphql.context import Context
from service.graphql.core_schema import graphql_core_schema
from service.graphql.documents import PreparedDocuments
from service.graphql.extensions.query_limits import (
    KnownMeasures,
    LimitExceeded,
    QueryLimits,
    cost_results,
)
from service.http.bodies import read_body, replay_body
from service.http.guard import media_type_of, refuse
from service.http.media import GRAPHQL_RESPONSE, JSON, content_type
from service.http.observability import current_request
from service.http.pages import graphiql_page

EXAMPLE_QUERY = """\
# The ISCT partner network. Press the play button (or Ctrl-Enter) to run this query;
# the Docs pane on the left describes every type and field.
#
# The partners page: each partner with its agreements, the people seated at it (and
# everywhere else they sit), its co-founders and joint initiatives, in one request.
# Every object selects its `id`, so a client cache (Apollo, urql, Relay) can normalize it.
{
  organizations(first: 100, filter: {category: PARTNER}) {
    totalCount
    nodes {
      id
      slug
      name
      acronym
      regions
      agreements { id kind year title parties { id slug name } }
      representatives {
        id
        role
        designation
        onBehalfOf { id acronym }
        person { id name credentials representations { id role organization { id name } } }
      }
      cofounders { id name }
      initiatives { id name recurrence }
    }
  }
  isct: organization(slug: "isct") { id name cofounded { id name foundedYear } }
}
"""


class Refused(HTTPException):
    """A request refused before execution, with its code and any headers to send."""

    def __init__(self, status: int, code: str, message: str, **headers: str) -> None:
        super().__init__(status, message)
        self.code = code
        self.headers = headers


CODES_BY_STATUS = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
# Where the prepared POST lane leaves a compiled statement's outcome for the whole way to
# take (Context.compiled_outcome) instead of running the statement a second time.
COMPILED_OUTCOME = "isct.compiled_outcome"


def is_request_error(result: ExecutionResult) -> bool:
    """Whether nothing executed: no data, and no error that belongs to a field."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )


REFUSALS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403}


def refusal_status(result: ExecutionResult) -> int | None:
    """401 or 403 when a refusal for credentials is the operation's only outcome: every
    error is one, and every root field (if any ran) is null because of one. A partial
    answer keeps its 200, as any answer with data does."""
    errors = result.errors or []
    codes = [(error.extensions or {}).get("code") for error in errors]
    if not errors or any(code not in REFUSALS for code in codes):
        return None
    if result.data is not None:
        if not isinstance(result.data, dict):
            return None
        refused = {error.path[0] for error in errors if error.path}
        if any(value is not None or key not in refused for key, value in result.data.items()):
            return None
    return 401 if "UNAUTHENTICATED" in codes else 403


def _request_error(code: str, message: str) -> ExecutionResult:
    record = current_request()
    if record is not None:
        record.error_codes.append(code)
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code})])


def _timed_out(context: Context) -> ExecutionResult:
    """The answer to a request whose time budget ran out (with status 503): a clean error it
    can retry, with the code TIMEOUT."""
    record = current_request()
    if record is not None:
        record.error_codes.append("TIMEOUT")
    budget_s = context.settings.request_timeout_s
    message = f"The request took longer than its {budget_s:g} s budget."
    return ExecutionResult(
        data=None,
        errors=[GraphQLError(message, extensions={"code": "TIMEOUT"})],
        extensions={"cost": {"requested": None, "actual": 0, "limit": context.settings.max_cost}},
    )


def _advance_held_revision(state: Any) -> Callable[[int], None]:
    """What a mutation calls with the revision it committed (see Context)."""
    held = getattr(state, "revision", None)
    return held.advance if held is not None else (lambda _revision: None)


class GraphQLView(GraphQL[Context, None]):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's ASGI entry, answering in the negotiated media type, with every
        refusal GraphQL-shaped."""
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        media_type = media_type_of(scope)  # also the request's state.media_type from here on
        if scope["method"] == "POST":
            unanswered = await self._answer_prepared_post(scope, receive, send)
            if unanswered is None:
                return
            receive = unanswered
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            await self._refuse(scope, send, error)
            return
        if response.media_type == JSON:
            response.headers["content-type"] = content_type(media_type)
            if getattr(request.state, "request_error", False) and response.status_code == 200:
                response.status_code = 400  # the graphql-response+json answer to a request error
            refused = getattr(request.state, "refusal_status", None)
            if refused is not None and response.status_code == 200:
                response.status_code = refused
                if refused == 401:
                    response.headers["www-authenticate"] = "Bearer"
        await response(scope, receive, send)

    async def _answer_prepared_post(
        self, scope: Scope, receive: Receive, send: Send
    ) -> Receive | None:
        """A POST of a query this app has prepared (`_prepared_answer`), answered without
        Strawberry's request pipeline: the body is parsed once, where the pipeline would
        parse it twice, build its adapters and sub-response, and walk its hooks, about 60
        us of a small query's 300. The answer is what the pipeline would send: the same
        process_result and encode_json, the same status and headers, within the same time
        budget. None once answered; otherwise the `receive` that replays the body, for the
        whole way (anything not a plain anonymous query, or a statement that did not answer
        cleanly, whose outcome is handed on rather than run twice)."""
        body = await read_body(receive)
        unanswered = replay_body(body)
        try:
            payload = json.loads(body)
        except ValueError:
            return unanswered
        if not isinstance(payload, dict):
            return unanswered
        query, variables = payload.get("query"), payload.get("variables")
        name, extensions = payload.get("operationName"), payload.get("extensions")
        if not (
            isinstance(query, str)
            and isinstance(variables, dict | None)
            and isinstance(name, str | None)
            and isinstance(extensions, dict | None)
        ):
            return unanswered
        request = Request(scope=scope, receive=unanswered)
        context = await self.get_context(request, response=None)
        context.operation_name = name
        data = GraphQLRequestData(
            query=query, variables=variables, operation_name=name, extensions=extensions
        )
        status = 200
        try:
            async with asyncio.timeout(context.settings.request_timeout_s) as budget:
                result = await self._prepared_answer(context, data)
        except TimeoutError:
            if not budget.expired():
                raise
            result, status = _timed_out(context), 503
        if result is None:
            if context.compiled_outcome is not None:
                scope.setdefault("state", {})[COMPILED_OUTCOME] = context.compiled_outcome
            return unanswered
        processed = await self.process_result(request, result)
        response = Response(self.encode_json(processed), status_code=status, media_type=JSON)
        response.headers["content-type"] = content_type(request.state.media_type)
        await response(scope, unanswered, send)
        return None

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A subscription connection, counted against MAX_WEBSOCKETS (apart from the HTTP
        concurrency limit, which it never uses up); over the cap, the handshake is refused
        (HTTP 403) before anything is accepted."""
        hub = getattr(scope["app"].state, "live", None)
        if hub is not None and hub.sockets >= hub.max_sockets:
            await send({"type": "websocket.close", "code": 1013})
            return
        if hub is not None:
            hub.sockets += 1
        try:
            await super().__call__(scope, receive, send)
        finally:
            if hub is not None:
                hub.sockets -= 1

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """graphql-transport-ws's connection_init: its payload's "Authorization" (graphql-ws
        `connectionParams`) signs the connection in; credentials that are not valid refuse
        it (4403), as they refuse a request, saying no more."""
        params = context.connection_params or {}
        authorization = params.get("Authorization", params.get("authorization"))
        if authorization is not None:
            if not isinstance(authorization, str):
                raise ConnectionRejectionError
            context.sign_in(authorization)
            try:
                await context.principal()
            except GraphQLError:
                raise ConnectionRejectionError from None
        accepted: UnsetType = UNSET
        return accepted

    @staticmethod
    async def _refuse(scope: Scope, send: Send, error: HTTPException) -> None:
        if isinstance(error, Refused):
            status, code, headers = error.status_code, error.code, error.headers
        else:
            status = error.status_code
            code = CODES_BY_STATUS.get(status, "BAD_REQUEST")
            headers = {"allow": "GET, POST"} if status == 405 else {}
        await refuse(scope, send, status, code, error.reason, headers.items())

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """A POST body must be one JSON object: an empty body, malformed JSON and a batch
        are refused with their own codes; Strawberry's own checks follow."""
        if request.method == "POST":
            body = await request.get_body()
            if not body.strip():
                raise Refused(400, "BAD_REQUEST", "The request body is empty.")
            try:
                payload = json.loads(body)
            except ValueError:
                raise Refused(400, "BAD_REQUEST", "The request body is not valid JSON.") from None
            if isinstance(payload, list):
                raise Refused(
                    400, "BATCHING_NOT_SUPPORTED", "Send one operation per request, not a list."
                )
            if not isinstance(payload, dict):
                raise Refused(400, "BAD_REQUEST", "The request body must be a JSON object.")
            if not isinstance(payload.get("operationName"), str | None):
                raise Refused(400, "BAD_REQUEST", "operationName must be a string or null.")
        try:
            return await super().parse_http_body(request)
        except Refused:
            raise
        except HTTPException as error:
            raise Refused(400, "BAD_REQUEST", error.reason) from error

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's refusals before execution, as codes: an operation name the document
        lacks is a GraphQL request error; a mutation over GET is 405 (the spec's MUST)."""
        context.operation_name = request_data.operation_name  # see OperationNameRequired
        prepared = await self._prepared_answer(context, request_data)
        if prepared is not None:
            return prepared
        try:
            return await super().execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
        except HTTPException as error:
            cause = error.__cause__
            if isinstance(cause, CannotGetOperationTypeError):
                name = cause.operation_name
                message = (
                    "The document has no operation."
                    if name is None
                    else f'The document has no operation named "{name}".'
                )
                return _request_error("OPERATION_NOT_FOUND", message)
            if isinstance(cause, InvalidOperationTypeError) and request_adapter.method == "GET":
                raise Refused(
                    405, "METHOD_NOT_ALLOWED", "Mutations run over POST only.", allow="POST"
                ) from error
            if isinstance(cause, MissingQueryError):
                raise Refused(400, "BAD_REQUEST", "The request has no GraphQL query.") from error
            raise

    async def _prepared_answer(
        self, context: Context, request_data: GraphQLRequestData
    ) -> ExecutionResult | None:
        """The answer to a query this app has already parsed, validated and compiled, from
        its kept statement, without Strawberry's pipeline, which would find the same: the
        document and its validation are the text's (PreparedDocuments), the limits are
        measured with these variables, and the statement binds them
        (CompiledQueries.lookup). Anything else, None: the request goes the whole way
        (credentials, a mutation, an unknown text, a refusal, a value the kept statements
        do not bind), and so does a statement that did not answer cleanly, its outcome
        handed on (Context.compiled_outcome) rather than run twice."""
        if context.compiled_outcome is not None:
            return None  # its statement ran already: the whole way takes its outcome
        schema = self.schema
        documents = getattr(schema, "prepared_documents", None)
        queries = getattr(schema, "compiled_queries", None)
        limits = getattr(schema, "query_limits", None)
        measures = getattr(schema, "known_measures", None)
        query, variables = request_data.query, request_data.variables
        if (
            queries is None
            or not isinstance(documents, PreparedDocuments)
            or not isinstance(limits, QueryLimits)
            or not isinstance(measures, KnownMeasures)
            or context.authorization is not None
            or not isinstance(query, str)
            or not (variables is None or isinstance(variables, dict))
        ):
            return None
        document = documents.valid_document(query)
        if document is None:
            return None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        name = request_data.operation_name
        if name is None:  # Strawberry's choice (the first), when it is the only one
            if len(operations) != 1:
                return None
            operation = operations[0]
            name = operation.name.value if operation.name else None
        else:
            named = [op for op in operations if op.name is not None and op.name.value == name]
            if len(named) != 1:
                return None
            operation = named[0]
        if operation.operation != OperationType.QUERY:
            return None
        core = graphql_core_schema(schema)
        try:
            measured = measures.measure(
                core, query, document.definitions, name, variables or {}, limits
            )
        except LimitExceeded:
            return None
        bound = queries.lookup(core, query, document, name, variables)
        if bound is None:
            return None
        record = current_request()
        outcome = await run_compiled(context.engine, bound, record, name)
        if outcome is None or outcome.errors:
            context.compiled_outcome = CompiledOutcome(outcome)
            return None
        if record is not None:
            record.execution = "compiled"
        result = ExecutionResult(data=outcome.data, errors=None)
        result.extensions = cost_results(limits, measured.cost, outcome, name)
        return result

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """Under graphql-response+json, a request error has no `data` and answers 400, and
        an operation refused for its credentials answers 401 or 403."""
        processed = await super().process_result(request, result)
        if request.state.media_type == GRAPHQL_RESPONSE:
            if is_request_error(result):
                processed.pop("data", None)
                request.state.request_error = True
            request.state.refusal_status = refusal_status(result)
        return processed

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
        return _timed_out(context)

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
            return "".join(['{"data":', *raw.parts, tail])  # the one copy of a large answer
        encoded = super().encode_json(data)
        return encoded if isinstance(encoded, str) else encoded.decode()

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = request.app.state
        outcome = request.scope.get("state", {}).get(COMPILED_OUTCOME)
        return Context(
            compiled_outcome=outcome if isinstance(outcome, CompiledOutcome) else None,
            engine=state.engine,
            settings=state.settings,
            response=response if isinstance(response, Response) else None,
            authorization=request.headers.get("authorization"),
            accounts=state.accounts,
            revision_committed=_advance_held_revision(state),
            live=getattr(state, "live", None),
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our GraphiQL page: self-hosted assets (no CDN), opening on the example query."""
        return graphiql_page(EXAMPLE_QUERY)
