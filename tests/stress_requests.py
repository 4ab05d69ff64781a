"""Run many large nested requests in a row against a fresh app, in its own process, so a
crash of the interpreter (a SIGSEGV was once seen in this stack) fails the calling test
instead of taking the test runner down with it.

Usage: python -m tests.stress_requests DATABASE_URL REQUESTS FIRST
"""

import asyncio
import sys

import httpx

from service.app import create_app
from service.config import Settings
from tests.queries import DEPTH_6_QUERY


async def main(database: str, requests: int, first: int) -> int:
    app = create_app(Settings(database_url=database))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://stress") as client:
            for number in range(requests):
                response = await client.post(
                    "/graphql", json={"query": DEPTH_6_QUERY, "variables": {"first": first}}
                )
                body = response.json()
                if response.status_code != 200 or "errors" in body:
                    print(f"request {number}: {response.status_code} {body}", file=sys.stderr)
                    return 1
                if len(body["data"]["organizations"]["nodes"]) != first:
                    print(f"request {number}: short answer", file=sys.stderr)
                    return 1
    print(f"{requests} requests of first:{first} answered")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
