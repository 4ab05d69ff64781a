"""`dataset`: the data's sources, and the revision and time of the load it is as of."""

from datetime import datetime
from typing import Any

from service.data.dataset import DEFAULT_DATASET, read_dataset
from service.data.loader import load, snapshot_of
from tests.utils import dataset, ok

DATASET = "{ dataset { revision loadedAt sources { name quotes } } }"


def quotes_stored(data: dict[str, Any]) -> int:
    """The excerpts a load stores: every organization's quotes, and the quote of each
    agreement, seat and initiative (a person's quote is checked, not stored)."""
    sections = ("agreements", "representations", "initiatives")
    return sum(len(o["quotes"]) for o in data["organizations"]) + sum(
        len(data[section]) for section in sections
    )


async def test_the_dataset_names_its_source_and_how_many_excerpts_quote_it(gql):
    state = ok(await gql(DATASET))["dataset"]
    assert state["sources"] == [{"name": dataset()["document"], "quotes": quotes_stored(dataset())}]
    assert state["revision"] >= 1
    loaded_at = datetime.fromisoformat(state["loadedAt"])
    assert loaded_at.tzinfo is not None
    assert not loaded_at.utcoffset()  # UTC


async def test_a_load_that_changes_something_moves_revision_and_time_a_no_op_load_neither(gql, app):
    engine = app.state.engine
    target = snapshot_of(read_dataset(DEFAULT_DATASET))
    before = ok(await gql(DATASET))["dataset"]

    plan = await load(engine, target)
    assert not plan.has_changes
    assert ok(await gql(DATASET))["dataset"] == before

    target["organizations"]["usp"]["description"] = "edited"
    plan = await load(engine, target)
    assert plan.has_changes
    after = ok(await gql(DATASET))["dataset"]
    assert after["revision"] == before["revision"] + 1
    assert datetime.fromisoformat(after["loadedAt"]) > datetime.fromisoformat(before["loadedAt"])
    assert after["sources"] == before["sources"]
