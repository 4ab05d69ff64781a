"""Operator-issued API tokens: random, shown once, stored only as their SHA-256.

A token has 256 bits from `secrets`, so a fast hash is enough (nothing to brute-force, as
for GitHub's tokens); the prefix lets secret scanners and people recognise one.
"""

import hashlib
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from service.auth.principal import Principal, Role
from service.data.models import API_TOKEN_TABLE

TOKEN = API_TOKEN_TABLE
PREFIX = "ipg_"
MAX_NAME = 100


class TokenError(Exception):
    """An operator's mistake with a token command, said in words to print."""


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown of a token: never the token, never its hash."""

    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None


def valid_name(name: str) -> str:
    """1 to 100 characters, none of them control characters (names end up in logs and the
    audit trail, one line each)."""
    if not 1 <= len(name) <= MAX_NAME:
        raise TokenError(f"a token name has 1 to {MAX_NAME} characters, not {len(name)}")
    if name != name.strip() or any(unicodedata.category(c).startswith("C") for c in name):
        raise TokenError("a token name has no control characters and no surrounding spaces")
    return name


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


async def issue(conn: AsyncConnection, *, name: str, role: Role) -> str:
    """Store a new token's hash under `name`; the token itself, to show once."""
    valid_name(name)
    taken = await conn.scalar(sa.select(sa.exists().where(TOKEN.c.name == name)))
    if taken:
        raise TokenError(f"a token named {name!r} exists already (names stay taken once revoked)")
    token = new_token()
    await conn.execute(
        sa.insert(TOKEN).values(
            name=name,
            role=role.name.lower(),
            token_hash=digest(token),
            created_at=datetime.now(UTC),
        )
    )
    return token


async def principal_of(conn: AsyncConnection, token: str) -> Principal | None:
    """The holder of a live token, or None (unknown and revoked look the same)."""
    row = (
        await conn.execute(
            sa.select(TOKEN.c.name, TOKEN.c.role).where(
                TOKEN.c.token_hash == digest(token), TOKEN.c.revoked_at.is_(None)
            )
        )
    ).first()
    if row is None:
        return None
    role = Role.named(row.role)
    return None if role is None else Principal(name=row.name, role=role)


async def list_tokens(conn: AsyncConnection) -> Sequence[TokenInfo]:
    rows = await conn.execute(
        sa.select(TOKEN.c.name, TOKEN.c.role, TOKEN.c.created_at, TOKEN.c.revoked_at).order_by(
            TOKEN.c.created_at, TOKEN.c.id
        )
    )
    return [TokenInfo(row.name, row.role, row.created_at, row.revoked_at) for row in rows]


async def revoke(conn: AsyncConnection, name: str) -> bool:
    """Revoke the live token named `name`; False when it was revoked already."""
    if not await conn.scalar(sa.select(sa.exists().where(TOKEN.c.name == name))):
        raise TokenError(f"no token is named {name!r} (`token list` shows them)")
    result = await conn.execute(
        sa.update(TOKEN)
        .where(TOKEN.c.name == name, TOKEN.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return bool(result.rowcount)


async def any_live_token(conn: AsyncConnection) -> bool:
    return bool(await conn.scalar(sa.select(sa.exists().where(TOKEN.c.revoked_at.is_(None)))))
