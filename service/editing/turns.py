"""Turns for a process's edits on SQLite, given in random order.

SQLite's busy handler retries a locked write on a timer (sleeping up to 100 ms at a time),
so edits racing for the write lock wait in bursts, and under load one waited past the busy
timeout (p99 1.4-1.9 s with eight editors). Taking turns in memory first leaves one edit
per process waiting on SQLite. The turn goes to a waiter drawn at random, not the longest
waiting: with first-come order, an editor retrying one record in a tight loop came back
before the others had learnt they lost, and won every round (one editor lost 100 in a row).
Drawn at random, every contender has the same chance each round.
"""

import asyncio
import random
from types import TracebackType


class RandomTurns:
    """An async lock that hands over to a random waiter."""

    def __init__(self) -> None:
        self._held = False
        self._waiters: list[asyncio.Future[None]] = []

    async def __aenter__(self) -> None:
        if not self._held and not self._waiters:
            self._held = True
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn in self._waiters:
                self._waiters.remove(turn)
            elif turn.done() and not turn.cancelled():
                self._hand_over()  # handed the turn as it was cancelled: pass it on
            raise

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._hand_over()

    def _hand_over(self) -> None:
        while self._waiters:
            turn = self._waiters.pop(random.randrange(len(self._waiters)))
            if not turn.done():
                turn.set_result(None)  # still held: now by that waiter
                return
        self._held = False
