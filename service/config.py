"""Settings, read from the environment (and `.env`) when an app or command is built, never
at import time, so tests can build as many differently-configured apps as they like."""

import json
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/partners.sqlite3"
PUBLIC_KEY_ALGORITHMS = frozenset(
    ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy async URL; postgres:// and sqlite:// get the async drivers.",
    )
    migrate_on_startup: bool = Field(
        default=True, description="Apply pending Alembic migrations when the app starts."
    )
    sqlite_busy_timeout_ms: int = Field(
        default=5000, ge=0, description="How long a write waits for SQLite's lock."
    )
    sqlite_mmap_mib: int = Field(
        default=0,
        ge=0,
        description="How much of the SQLite file each connection reads through memory mapping "
        "(0: none). Mapping makes large reads 15-20 % faster, but each connection maps the "
        "file on its own and the kernel counts a mapped page in RSS once per mapping, so a "
        "process's RSS (what supervisors and the OOM killer weigh) grows with every pooled "
        "connection that has read a large part of the file.",
    )
    malloc_arena_max: int = Field(
        default=2,
        ge=0,
        description="The most memory arenas glibc's malloc makes for the process's threads "
        "(0: glibc's default, eight per core). Each pooled SQLite connection has a thread, and "
        "an arena keeps the peak of what was built in it: a large answer's JSON text. glibc "
        "reads the same name from the environment itself.",
    )
    pool_size: int = Field(default=10, ge=1, description="Connections kept open per process.")
    pool_max_overflow: int = Field(
        default=20, ge=0, description="Extra connections allowed beyond pool_size under load."
    )
    pool_timeout_s: float = Field(
        default=10.0, gt=0, description="How long a request waits for a free connection (then 503)."
    )
    pool_recycle_s: int = Field(
        default=1800, ge=-1, description="Replace connections older than this (-1: never)."
    )
    pool_pre_ping: bool = Field(
        default=True, description="Test a pooled connection before use; replaces dropped ones."
    )
    pg_statement_cache_size: int = Field(
        default=100,
        ge=0,
        description="asyncpg's prepared-statement cache; 0 behind PgBouncer's transaction pooling.",
    )
    statement_timeout_ms: int = Field(
        default=10_000, ge=0, description="PostgreSQL statement_timeout per connection (0: off)."
    )
    pg_jit: bool = Field(
        default=False,
        description="PostgreSQL's JIT compiler for the service's statements. Off: a compiled "
        "query's statement is large, and compiling it to machine code took longer (0.8 s at "
        "100k organizations) than running it (0.1 s).",
    )
    max_page_size: int = Field(default=100, ge=1, description="The largest first/last accepted.")
    graphiql: bool = Field(
        default=True, description="Serve GraphiQL at GET /graphql (needs introspection)."
    )
    introspection: bool = Field(default=True, description="Answer introspection queries.")
    suggestions: bool = Field(
        default=False, description='Add "Did you mean ...?" hints to validation errors.'
    )
    max_depth: int = Field(default=12, ge=1, description="Deepest field nesting accepted.")
    max_aliases: int = Field(
        default=50, ge=0, description="Most aliases per document, counted through fragments."
    )
    max_root_fields: int = Field(default=50, ge=1, description="Most root fields per operation.")
    max_writes: int = Field(
        default=10, ge=1, description="Most mutations per request (each is one transaction)."
    )
    max_tokens: int = Field(default=20_000, ge=10, description="Most tokens a document may have.")
    max_websockets: int = Field(
        default=2_000,
        ge=0,
        description="Most subscription (WebSocket) connections per process; apart from "
        "MAX_CONCURRENCY, which they never use up.",
    )
    max_subscriptions: int = Field(
        default=20, ge=1, description="Most subscriptions (operations) on one WebSocket."
    )
    ws_message_bytes: int = Field(
        default=65_536, ge=1_024, description="Largest WebSocket message a client may send."
    )
    ws_init_timeout_s: float = Field(
        default=10.0, gt=0, description="How long a WebSocket may wait to send connection_init."
    )
    ws_ping_interval_s: float = Field(
        default=20.0,
        gt=0,
        description="How often an idle WebSocket is pinged; one that does not answer within "
        "as long again is closed.",
    )
    live_backlog: int = Field(
        default=1_000,
        ge=1,
        description="Changes queued for a `changes` subscriber; past it the subscriber reads "
        "on from the audit trail at its own pace instead (a burst, or a client not reading).",
    )
    max_body_bytes: int = Field(
        default=100_000, ge=1_000, description="Largest request body accepted (413 beyond)."
    )
    request_timeout_s: float = Field(
        default=10.0, gt=0, description="Time budget of one GraphQL request (then 503)."
    )
    keep_alive_s: int = Field(
        default=75,
        ge=1,
        description="How long `serve` keeps an idle connection open; above a load balancer's "
        "idle timeout (60 s on common ones), so the balancer, not the server, closes first.",
    )
    max_concurrency: int = Field(
        default=200, ge=1, description="Requests one process handles at once (503 beyond)."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser: comma-separated "
        "(`http://localhost:5173,https://partners.example.org`) or a JSON list; `*` alone "
        "allows any origin (no credentials are ever allowed).",
    )
    apq_capacity: int = Field(
        default=1000, ge=0, description="Automatic persisted queries remembered per process."
    )
    document_cache_size: int = Field(
        default=1000,
        ge=0,
        description="Query texts kept parsed and validated per process (0: none).",
    )
    response_cache_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=0,
        description="Bytes of whole GraphQL answers kept per process, keyed by request and "
        "dataset revision (0: none).",
    )
    compiled_queries: bool = Field(
        default=True,
        description="Answer queries over the data with one SQL statement that builds the JSON "
        "(false: every query runs through the field resolvers).",
    )
    compiled_cache_size: int = Field(
        default=1000,
        ge=0,
        description="Operations kept compiled per process, least recently used first out (by "
        "query, operation name and the variables' shape: values are bound, never compiled in).",
    )
    safelist_path: Path | None = Field(
        default=None, description="When set, only the documents in this JSON file run."
    )
    max_cost: int = Field(
        default=50_000, ge=1, description="Most objects a query may ask for (see docs/limits)."
    )

    editing: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="Whether the API accepts writes: `auto` once an API token exists or "
        "OpenID Connect is configured, `on`, or `off` (every write refused as FORBIDDEN).",
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="OpenID Connect: the `iss` bearer JWTs must carry; with OIDC_AUDIENCE and "
        "OIDC_JWKS_URL it turns single sign-on on (all three, or none).",
    )
    oidc_audience: str | None = Field(
        default=None, description="OpenID Connect: the `aud` bearer JWTs must include."
    )
    oidc_jwks_url: str | None = Field(
        default=None, description="OpenID Connect: where the provider publishes its keys (JWKS)."
    )
    oidc_role_claim: str = Field(
        default="role",
        description="The claim naming the caller's role (a string or a list; `editor` or "
        "`admin`, any case, the highest wins; none: signed in, but no writes).",
    )
    oidc_name_claim: str = Field(
        default="sub",
        description="The claim naming the caller; the audit trail records `oidc:<value>`.",
    )
    oidc_algorithms: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["RS256", "ES256"],
        description="The signature algorithms accepted, comma-separated; public-key ones "
        "only (never `none`, never HS*: a public key must not become a shared secret).",
    )
    oidc_leeway_s: int = Field(
        default=30, ge=0, le=300, description="Clock skew allowed on exp, nbf and iat."
    )
    oidc_jwks_ttl_s: int = Field(
        default=300, ge=1, description="How long the provider's keys are kept before a refetch."
    )
    oidc_jwks_refetch_s: float = Field(
        default=10.0,
        ge=0,
        description="The shortest time between two fetches of the keys: a token with an unknown "
        "`kid` refetches them at most this often, so forged kids cannot hammer the provider.",
    )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Operators paste plain URLs; the service needs the async drivers."""
        for plain, driver in (
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(plain):
                return driver + url.removeprefix(plain)
        return url

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origin_list(cls, value: Any) -> Any:
        """Operators write `a,b`; a JSON list (the old spelling) is still read."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as error:
                raise ValueError(f"not a JSON list of origins ({error.msg})") from None
        return [item.strip() for item in text.split(",") if item.strip()]

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        """Each an origin as browsers send it, so a typo fails at start-up, not in a browser."""
        if "*" in origins and len(origins) > 1:
            raise ValueError("'*' (any origin) must be given alone")
        return [origin if origin == "*" else _origin(origin) for origin in origins]

    @field_validator("oidc_algorithms", mode="before")
    @classmethod
    def _algorithm_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("oidc_algorithms")
    @classmethod
    def _public_key_algorithms(cls, algorithms: list[str]) -> list[str]:
        """Only signatures checked with the provider's public keys (RFC 8725, 3.1 and 3.2)."""
        unknown = [name for name in algorithms if name not in PUBLIC_KEY_ALGORITHMS]
        if unknown or not algorithms:
            allowed = ", ".join(sorted(PUBLIC_KEY_ALGORITHMS))
            raise ValueError(f"{', '.join(unknown) or 'none given'}: use some of {allowed}")
        return algorithms

    @model_validator(mode="after")
    def _oidc_complete(self) -> "Settings":
        """Single sign-on half configured is a mistake to report at start-up, not a server
        that silently refuses every JWT."""
        given = [self.oidc_issuer, self.oidc_audience, self.oidc_jwks_url]
        if any(given) and not all(given):
            raise ValueError("set OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URL together")
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_audience and self.oidc_jwks_url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        """The database file, or None for PostgreSQL and in-memory SQLite."""
        if not self.is_sqlite:
            return None
        path = self.database_url.split(":///", 1)[1] if ":///" in self.database_url else ""
        path = path.split("?", 1)[0]
        return Path(path) if path and path != ":memory:" else None


def _origin(text: str) -> str:
    """`scheme://host[:port]`, lowercased as a browser's Origin header is."""
    problem = f"{text!r} is not an origin (scheme://host[:port], no path)"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ValueError(problem) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(problem)
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(problem)
    return f"{parts.scheme}://{parts.netloc}".lower()


def settings_problem(error: ValidationError) -> str:
    """A settings error on one line per variable, named as operators set it."""
    lines = []
    for problem in error.errors():
        variable = "_".join(str(part) for part in problem["loc"][:1]).upper() or "settings"
        message = str(problem["msg"]).removeprefix("Value error, ")
        lines.append(f"{variable}: {message}")
    return "; ".join(lines)
