"""A caller the service knows, and what it may do."""

from dataclasses import dataclass
from enum import IntEnum


class Role(IntEnum):
    """Ordered: each role may do everything the ones below it may."""

    READER = 0  # signed in, but may only read (a single sign-on token without a role)
    EDITOR = 1  # create and update records, read the audit trail
    ADMIN = 2  # also delete, restore, revert, and manage tokens

    @classmethod
    def named(cls, name: str) -> "Role | None":
        return cls.__members__.get(name.strip().upper())


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: `name` is what the audit trail records as the actor."""

    name: str
    role: Role
