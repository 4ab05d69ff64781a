"""What the API answers says no more than the source page: the dataset's fidelity fixes seen
by a client, with expectations read from the page where they can be."""

import re

from service.data.dataset import normalize_whitespace
from tests.test_dataset_source import RECURRENCE_WORDS, SOURCE
from tests.utils import ok

SCSS_COLLABORATION = "ISCT\N{EN DASH}SCSS collaboration"
SCSS_MEETING = "ISCT\N{EN DASH}SCSS joint regional meeting"


async def test_isct_is_not_a_party_to_its_journal_s_affiliation_directly_or_through_units(gql):
    body = await gql(
        """{ agreements(filter: {kind: AFFILIATION}) { nodes { title
               parties { slug parent { slug } } } }
             isct: organization(slug: "isct") { agreements(kind: AFFILIATION) { title } }
             journal: organization(slug: "cytotherapy") { parent { slug } description } }"""
    )
    data = ok(body)
    (affiliation,) = data["agreements"]["nodes"]
    assert affiliation["title"] == "ABTCel-Gen affiliation with Cytotherapy"
    for party in affiliation["parties"]:
        assert party["slug"] != "isct"
        assert (party["parent"] or {}).get("slug") != "isct"
    assert data["isct"]["agreements"] == []
    assert data["journal"]["parent"] is None
    assert data["journal"]["description"] == "the Official Journal of ISCT"  # as the page says


async def test_a_europe_filter_does_not_return_isct_europe(gql):
    body = await gql(
        """{ organizations(filter: {region: "Europe"}) { nodes { slug } }
             organization(slug: "isct-europe") { regions } }"""
    )
    data = ok(body)
    slugs = [node["slug"] for node in data["organizations"]["nodes"]]
    assert "isct-europe" not in slugs
    assert slugs  # ANd&tAT and EATRIS: "in Europe"
    assert data["organization"]["regions"] == []


async def test_the_scss_collaboration_is_undated(gql):
    """The page dates SCSS's latest joint meeting ("most recently ... in 2019"), not the start
    of the collaboration."""
    body = await gql(
        """{ recent: agreements(filter: {yearFrom: 2019}) { nodes { title } }
             scss: organization(slug: "scss") { agreements { title year }
               initiatives { name year } } }"""
    )
    data = ok(body)
    assert SCSS_COLLABORATION not in {n["title"] for n in data["recent"]["nodes"]}
    assert {a["title"]: a["year"] for a in data["scss"]["agreements"]} == {SCSS_COLLABORATION: None}
    assert {SCSS_MEETING: 2019}.items() <= {
        i["name"]: i["year"] for i in data["scss"]["initiatives"]
    }.items()


async def test_a_recurrence_is_only_what_the_page_states_of_the_initiative(gql):
    body = await gql(
        "{ organizations { nodes { initiatives { name recurrence source { quote } } } } }"
    )
    initiatives = {
        i["name"]: i for org in ok(body)["organizations"]["nodes"] for i in org["initiatives"]
    }
    page = normalize_whitespace(SOURCE).casefold()
    stated = set()
    for name, initiative in initiatives.items():
        words = RECURRENCE_WORDS.get(initiative["recurrence"] or "", ())
        if initiative["recurrence"] is not None:
            assert any(f"{w} {name}".casefold() in page for w in words), name
            stated.add(name)
        else:  # nothing on the page calls it recurring either
            assert not any(
                re.search(rf"\b{w} {re.escape(name)}".casefold(), page)
                for ws in RECURRENCE_WORDS.values()
                for w in ws
            ), name
    assert stated == {"Cell Therapy Training Course", "Cord Blood Connect workshop"}
    assert initiatives["Industry Networking Receptions"]["recurrence"] is None
    assert initiatives["Canadian Pavilion"]["recurrence"] is None


async def test_initiative_participants_carry_the_role_the_page_gives_them(gql):
    """The Master is "at the University of Granada/ ANd&tAT" and the scholarships are "for 3
    ISCT Europe Members": hosts and recipients, not organizations behind the initiative."""
    body = await gql(
        """{ organization(slug: "isct-europe") { initiatives { name
               organizations { slug } participants { role organization { slug } } } } }"""
    )
    (scholarships,) = ok(body)["organization"]["initiatives"]
    assert [o["slug"] for o in scholarships["organizations"]] == ["isct"]
    roles = {p["organization"]["slug"]: p["role"] for p in scholarships["participants"]}
    assert roles == {
        "isct": "ORGANIZER",
        "university-of-granada": "HOST",
        "andtat": "HOST",
        "isct-europe": "RECIPIENT",
    }


async def test_every_initiative_lists_its_organizers_among_its_participants(gql):
    body = await gql(
        """{ organizations { nodes { initiatives { name organizations { slug }
               participants { role organization { slug } } } } } }"""
    )
    for org in ok(body)["organizations"]["nodes"]:
        for initiative in org["initiatives"]:
            organizers = [
                p["organization"] for p in initiative["participants"] if p["role"] == "ORGANIZER"
            ]
            assert organizers == initiative["organizations"], initiative["name"]
