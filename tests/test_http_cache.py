"""GET queries carry an ETag tied to the dataset revision; If-None-Match answers 304."""

from service.config import Settings
from service.data.dataset import DEFAULT_DATASET, read_dataset
from service.data.engine import create_engine
from service.data.loader import load, snapshot_of

QUERY = {"query": '{ organization(slug: "usp") { name description } }'}


async def test_get_query_has_an_etag_and_revalidates_to_304(client):
    first = await client.get("/graphql", params=QUERY)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"

    again = await client.get("/graphql", params=QUERY, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    other = await client.get(
        "/graphql", params={"query": '{ organization(slug: "fact") { name } }'}
    )
    assert other.headers["etag"] != etag, "a different query is a different resource"


async def test_a_stale_etag_gets_the_full_answer(client):
    response = await client.get("/graphql", params=QUERY, headers={"if-none-match": '"r0-stale"'})
    assert response.status_code == 200
    assert (
        response.json()["data"]["organization"]["name"] == "United States Pharmacopeial Convention"
    )


async def test_the_etag_changes_when_a_load_changes_the_data(client, settings: Settings):
    before = await client.get("/graphql", params=QUERY)
    target = snapshot_of(read_dataset(DEFAULT_DATASET))
    target["organizations"]["usp"] = {**target["organizations"]["usp"], "description": "Edited."}
    engine = create_engine(settings)
    try:
        await load(engine, target)
    finally:
        await engine.dispose()

    after = await client.get(
        "/graphql", params=QUERY, headers={"if-none-match": before.headers["etag"]}
    )
    assert after.status_code == 200, "the old tag must not validate after the data changed"
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["data"]["organization"]["description"] == "Edited."


async def test_a_load_that_changes_nothing_keeps_the_etag(client, settings: Settings):
    before = await client.get("/graphql", params=QUERY)
    engine = create_engine(settings)
    try:
        await load(engine, snapshot_of(read_dataset(DEFAULT_DATASET)))
    finally:
        await engine.dispose()
    after = await client.get(
        "/graphql", params=QUERY, headers={"if-none-match": before.headers["etag"]}
    )
    assert after.status_code == 304


async def test_post_and_graphiql_are_not_tagged(client):
    post = await client.post("/graphql", json=QUERY)
    assert "etag" not in post.headers
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert "etag" not in page.headers


async def test_get_refusals_vary_by_accept_too(client):
    """A GET that fails validation is a 400 under graphql-response+json and a 200 under JSON:
    a shared cache must keep the two apart, so the refusal says Vary: Accept as well."""
    params = {"query": "{ nosuchfield }"}
    answers = {}
    for accept in ("application/graphql-response+json", "application/json"):
        response = await client.get("/graphql", params=params, headers={"accept": accept})
        vary = {name.strip().lower() for name in response.headers.get("vary", "").split(",")}
        assert "accept" in vary, (accept, response.headers.get("vary"))
        answers[accept] = response.status_code
        if response.status_code != 200:
            assert "etag" not in response.headers, "a refusal is not tagged"
    assert answers == {"application/graphql-response+json": 400, "application/json": 200}
