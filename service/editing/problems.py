"""What an editor can fix: each problem names the input field it is about, in the API's
names, with a stable code. A refused edit changes nothing."""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class UserErrorCode(StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    EVIDENCE_NOT_FOUND = "EVIDENCE_NOT_FOUND"
    IN_USE = "IN_USE"


@dataclass(frozen=True)
class Problem:
    field: tuple[str, ...] | None
    message: str
    code: UserErrorCode


class Refusal(Exception):
    """The edit is refused for these problems; raised inside its transaction, so the
    transaction rolls back whatever it had done."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problem.message for problem in self.problems))


def refuse(code: UserErrorCode, message: str, *field: str) -> Refusal:
    return Refusal([Problem(("input", *field) if field else None, message, code)])


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def input_path(loc: tuple[Any, ...]) -> tuple[str, ...]:
    """A record field's path (`("on_behalf_of",)`, `("parties", 1)`) as the input names it."""
    return ("input", *(camel(part) if isinstance(part, str) else str(part) for part in loc))


def code_of(message: str) -> UserErrorCode:
    """The code of a problem the record checks word (service/data/dataset.py)."""
    if message.startswith("unknown reference"):
        return UserErrorCode.NOT_FOUND
    if message.startswith("quote not found"):
        return UserErrorCode.EVIDENCE_NOT_FOUND
    return UserErrorCode.INVALID
