"""Every database connection the service opens carries its settings, whatever the server's
or the library's defaults: what is measured in bench/ is what runs."""

import pytest
import sqlalchemy as sa

from service.config import Settings
from tests.conftest import ENGINE, serving

MIB = 1024 * 1024

CASES = {
    "postgresql": [
        # PostgreSQL 15 ships with jit=on; its compile cost grows with the planner's estimate
        pytest.param({}, "SHOW jit", "off", id="jit-off-by-default"),
        pytest.param({"pg_jit": True}, "SHOW jit", "on", id="jit-on-when-asked"),
        pytest.param({}, "SHOW statement_timeout", "10s", id="statement-timeout-default"),
        pytest.param(
            {"statement_timeout_ms": 1500}, "SHOW statement_timeout", "1500ms", id="timeout"
        ),
        pytest.param({}, "SHOW application_name", "isct-partner-graph", id="application-name"),
    ],
    "sqlite": [
        # SQLite's own default is no memory mapping at all
        pytest.param({}, "PRAGMA mmap_size", "0", id="mmap-default-off"),
        pytest.param({"sqlite_mmap_mib": 8}, "PRAGMA mmap_size", str(8 * MIB), id="mmap-8MiB"),
        pytest.param(
            {"sqlite_mmap_mib": 1024}, "PRAGMA mmap_size", str(1024 * MIB), id="mmap-1GiB"
        ),
        pytest.param({}, "PRAGMA journal_mode", "wal", id="wal"),
        pytest.param({}, "PRAGMA foreign_keys", "1", id="foreign-keys"),
    ],
}


@pytest.mark.parametrize(("overrides", "statement", "expected"), CASES[ENGINE])
async def test_each_connection_carries_the_services_settings(
    database_url: str, overrides: dict[str, object], statement: str, expected: str
) -> None:
    settings = Settings(database_url=database_url, **overrides)  # type: ignore[arg-type]
    async with serving(settings) as (client, _sql):
        # a request first, so the connection asked about is one the service has used
        assert (await client.post("/graphql", json={"query": "{ __typename }"})).status_code == 200
        engine = client._transport.app.state.engine  # type: ignore[attr-defined]
        async with engine.connect() as conn:
            assert str((await conn.execute(sa.text(statement))).scalar_one()) == expected


@pytest.mark.parametrize("name", ["SQLITE_MMAP_MIB", "STATEMENT_TIMEOUT_MS"])
def test_a_negative_setting_is_refused_with_its_name(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "-1")
    with pytest.raises(ValueError, match=name.lower()):
        Settings()
