"""Live queries, multiplexed: every subscriber of the same document and variables shares
one answer, computed once when the first subscribes and once per revision move after that,
whatever their number (as Hasura multiplexes). An answer that did not change is not sent.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Execute = Callable[[str, dict[str, Any] | None], Awaitable[str]]
Key = tuple[str, str]  # the document, and the variables as canonical JSON


@dataclass
class Answer:
    query: str
    variables: dict[str, Any] | None
    subscribers: set[asyncio.Queue[Any]] = field(default_factory=set)
    text: str | None = None  # the answer as JSON text, to compare
    value: Any = None  # ...and decoded once, for every subscriber to send
    revision: int | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class LiveAnswers:
    def __init__(self, execute: Execute) -> None:
        self._execute = execute
        self.answers: dict[Key, Answer] = {}
        self.executions = 0  # statements' worth of work: what multiplexing saves

    @staticmethod
    def key(query: str, variables: dict[str, Any] | None) -> Key:
        return query, json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))

    @property
    def subscribers(self) -> int:
        return sum(len(answer.subscribers) for answer in self.answers.values())

    async def subscribe(
        self, query: str, variables: dict[str, Any] | None, revision: int | None
    ) -> tuple[asyncio.Queue[Any], Key]:
        """A queue of this query's answers (decoded JSON), starting with the current one."""
        key = self.key(query, variables)
        answer = self.answers.setdefault(key, Answer(query, variables))
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)
        answer.subscribers.add(queue)
        async with answer.lock:
            if answer.text is None or answer.revision != revision:
                await self._run(answer, revision)
            if queue.empty() and answer.text is not None:
                queue.put_nowait(answer.value)
        return queue, key

    def unsubscribe(self, key: Key, queue: asyncio.Queue[Any]) -> None:
        answer = self.answers.get(key)
        if answer is None:
            return
        answer.subscribers.discard(queue)
        if not answer.subscribers:
            del self.answers[key]

    async def refresh(self, revision: int) -> None:
        """After the revision moved: each distinct query once, concurrently."""
        await asyncio.gather(
            *(self._refresh(answer, revision) for answer in list(self.answers.values()))
        )

    async def _refresh(self, answer: Answer, revision: int) -> None:
        async with answer.lock:
            if answer.revision != revision and answer.subscribers:
                await self._run(answer, revision)

    async def _run(self, answer: Answer, revision: int | None) -> None:
        """Compute the answer; send it to every subscriber if it changed (or to those who
        have none yet)."""
        self.executions += 1
        text = await self._execute(answer.query, answer.variables)
        answer.revision = revision
        if text != answer.text:
            answer.text, answer.value = text, json.loads(text)
            for queue in answer.subscribers:
                latest(queue, answer.value)


def latest(queue: asyncio.Queue[Any], value: Any) -> None:
    """Only the newest answer matters: a slow reader gets it instead of a backlog."""
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(value)
