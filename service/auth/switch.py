"""Editing is off until an account exists or it is switched on (EDITING: auto, on, off)."""

import time

from sqlalchemy.ext.asyncio import AsyncEngine

from service.auth.tokens import any_live_token
from service.config import Settings
from service.data.engine import for_reads

CACHE_S = 1.0  # a token issued or revoked is seen within this


async def editing_enabled(engine: AsyncEngine, settings: Settings) -> bool:
    """`on`/`off` as set; `auto`: on while single sign-on is configured or a live API token
    exists (one EXISTS query)."""
    if settings.editing != "auto":
        return settings.editing == "on"
    if settings.oidc_enabled:
        return True
    async with for_reads(engine).connect() as conn:
        return await any_live_token(conn)


class EditingSwitch:
    """`editing_enabled`, asked of the database at most once a second per process."""

    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        self._value = False
        self._at: float | None = None

    async def enabled(self) -> bool:
        now = time.monotonic()
        if self._at is None or now - self._at >= CACHE_S:
            self._value = await editing_enabled(self._engine, self._settings)
            self._at = now
        return self._value
