"""The process's live-update hub: follows the dataset revision and, each time it moves,
reads the new audit entries once (the feed) and re-runs each distinct live query once (the
answers). Started and stopped by the app's lifespan; WebSocket connections are counted here
against MAX_WEBSOCKETS."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from service.data.revision import HeldRevision
from service.live.answers import Execute, LiveAnswers
from service.live.feed import ChangeFeed

LOG = logging.getLogger("service.live")


class LiveHub:
    def __init__(
        self, feed: ChangeFeed, answers: LiveAnswers, revision: HeldRevision, *, max_sockets: int
    ) -> None:
        self.feed = feed
        self.answers = answers
        self.revision = revision
        self.max_sockets = max_sockets
        self.sockets = 0

    async def follow(self) -> None:
        """Forever: wait for the revision to move, then update every subscriber."""
        seen = self.revision.trusted
        while True:
            seen = await self.revision.moved_past(seen)
            try:
                await self.feed.pull()
                await self.answers.refresh(seen)
            except Exception:  # the database away: the next move (or resync) tries again
                LOG.exception("live update after revision %s failed", seen)


class LiveCollector(Collector):
    """live_* metrics: subscribers, WebSocket connections, live query executions."""

    def __init__(self, hub: "LiveHub | None" = None) -> None:
        self.hub = hub

    def collect(self) -> Any:
        hub = self.hub
        sockets = GaugeMetricFamily("live_websockets", "Open WebSocket connections.")
        feeds = GaugeMetricFamily("live_change_subscribers", "Subscribers to changes.")
        answers = GaugeMetricFamily("live_query_subscribers", "Subscribers to live queries.")
        runs = CounterMetricFamily(
            "live_query_executions", "Live query executions (one per distinct query per change)."
        )
        sockets.add_metric([], hub.sockets if hub else 0)
        feeds.add_metric([], len(hub.feed.subscribers) if hub else 0)
        answers.add_metric([], hub.answers.subscribers if hub else 0)
        runs.add_metric([], hub.answers.executions if hub else 0)
        yield from (sockets, feeds, answers, runs)


@contextlib.asynccontextmanager
async def live_hub(
    feed: ChangeFeed, execute: Execute, revision: HeldRevision, *, max_sockets: int
) -> AsyncIterator[LiveHub]:
    await feed.start()
    hub = LiveHub(feed, LiveAnswers(execute), revision, max_sockets=max_sockets)
    task = asyncio.create_task(hub.follow(), name="live-updates")
    try:
        yield hub
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
