"""The contract's frontend query, answered in full, equals what the dataset file says.

The expected answer is computed here from seed/partners.yaml with the API's documented
rules (relations include a body's units; the documented orders), independently of the SQL.
"""

from pathlib import Path
from typing import Any

import yaml

from tests.queries import FRONTEND_QUERY
from tests.utils import involved

DATASET = Path(__file__).resolve().parent.parent / "seed" / "partners.yaml"
DESIGNATION_ORDER = {"PRIMARY": 0, "ALTERNATE": 1, None: 2}


def _expected() -> dict[str, Any]:
    data = yaml.safe_load(DATASET.read_text(encoding="utf-8"))
    orgs = {o["slug"]: o for o in data["organizations"]}
    people = {p["slug"]: p for p in data["people"]}
    seats = data["representations"]
    for seat in seats:
        seat["slug"] = f"{seat['person']}--{seat['organization']}"

    def scope(slug: str) -> set[str]:
        return {slug} | {s for s, o in orgs.items() if o.get("parent") == slug}

    def seat_key(seat: dict[str, Any]) -> tuple[int, str]:
        return DESIGNATION_ORDER[seat.get("designation")], seat["slug"]

    def agreements(slug: str) -> list[dict[str, Any]]:
        mine = [a for a in data["agreements"] if scope(slug) & set(a["parties"])]
        mine.sort(key=lambda a: (a.get("year") is None, a.get("year") or 0, a["title"], a["slug"]))
        return [
            {
                "kind": a["kind"],
                "year": a.get("year"),
                "title": a["title"],
                "parties": [{"slug": p, "name": orgs[p]["name"]} for p in a["parties"]],
            }
            for a in mine
        ]

    def representatives(slug: str) -> list[dict[str, Any]]:
        mine = sorted((s for s in seats if s["organization"] in scope(slug)), key=seat_key)
        return [
            {
                "role": s["role"],
                "designation": s.get("designation"),
                "person": {
                    "name": people[s["person"]]["name"],
                    "credentials": people[s["person"]].get("credentials", []),
                    "representations": [
                        {
                            "role": r["role"],
                            "organization": {"name": orgs[r["organization"]]["name"]},
                        }
                        for r in sorted(
                            (r for r in seats if r["person"] == s["person"]), key=seat_key
                        )
                    ],
                },
            }
            for s in mine
        ]

    def cofounders(slug: str) -> list[dict[str, str]]:
        founders = {
            party
            for a in data["agreements"]
            if a["kind"] == "CO_FOUNDING" and a.get("establishes") == slug
            for party in a["parties"]
            if party != slug
        }
        return [
            {"name": orgs[f]["name"]} for f in sorted(founders, key=lambda f: (orgs[f]["name"], f))
        ]

    def initiatives(slug: str) -> list[dict[str, Any]]:
        mine = [i for i in data["initiatives"] if scope(slug) & involved(i)]
        mine.sort(key=lambda i: (i["name"], i["slug"]))
        return [{"name": i["name"], "recurrence": i.get("recurrence")} for i in mine]

    partners = sorted(
        (o for o in data["organizations"] if o["category"] == "PARTNER"),
        key=lambda o: (o["name"], o["slug"]),
    )
    return {
        "organizations": {
            "totalCount": len(partners),
            "nodes": [
                {
                    "slug": o["slug"],
                    "name": o["name"],
                    "acronym": o.get("acronym"),
                    "regions": o.get("regions", []),
                    "description": o["description"].strip() if o.get("description") else None,
                    "agreements": agreements(o["slug"]),
                    "representatives": representatives(o["slug"]),
                    "cofounders": cofounders(o["slug"]),
                    "initiatives": initiatives(o["slug"]),
                }
                for o in partners
            ],
        }
    }


async def test_frontend_query_answers_exactly_what_the_dataset_says(gql):
    body = await gql(FRONTEND_QUERY)
    assert "errors" not in body, body["errors"]
    expected = _expected()
    assert body["data"]["organizations"]["totalCount"] == 24
    actual_nodes = body["data"]["organizations"]["nodes"]
    assert [n["slug"] for n in actual_nodes] == [
        n["slug"] for n in expected["organizations"]["nodes"]
    ]
    for actual, wanted in zip(actual_nodes, expected["organizations"]["nodes"], strict=True):
        assert actual == wanted, actual["slug"]
