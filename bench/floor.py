"""The floor: one hand-written SQL statement per workload that builds the service's whole
`data` answer as JSON inside the database (SQLite `json_object`/`json_group_array`,
PostgreSQL `json_build_object`/`json_agg`).

The service's rules (the orders of agreements, seats and organizations, and which
organizations' agreements, seats and initiatives count as a body's) come from
`service.data.relations`, so the floor cannot drift from them; parties and regions follow
their position. The benchmark checks that the floor's answer equals the service's `data`,
so a floor that cut a corner would fail loudly, not flatter.

Each level of the answer is a `NOT MATERIALIZED` CTE (id, j) that the next level looks up
by id: the planner inlines it as a correlated primary-key lookup, and SQLite's parser
(whose stack overflows on the depth-6 answer written as one nested expression) sees one
level at a time.
"""

from dataclasses import dataclass

from service.data.relations import (
    agreement_order_sql,
    name_order_sql,
    scope_sql,
    seat_order_sql,
)


@dataclass(frozen=True)
class Dialect:
    """The JSON building blocks, spelled for one database."""

    name: str

    @property
    def sqlite(self) -> bool:
        return self.name == "sqlite"

    def obj(self, **fields: str) -> str:
        function = "json_object" if self.sqlite else "json_build_object"
        pairs = ", ".join(f"'{key}', {value}" for key, value in fields.items())
        return f"{function}({pairs})"

    def array(self, item: str, source: str, order: str, *, json_items: bool = True) -> str:
        """A JSON array of `item` for each row of `source` (FROM ... WHERE ...), in `order`.

        SQLite 3.40 has no ORDER BY inside aggregates, so the rows are ordered in a
        subquery (never flattened into an aggregate, so its order holds); values lose
        their JSON subtype on the way out of a subquery, hence json() around them."""
        if self.sqlite:
            element = "json(e)" if json_items else "e"
            return (
                f"json((SELECT json_group_array({element}) FROM "
                f"(SELECT {item} AS e FROM {source} ORDER BY {order})))"
            )
        return f"coalesce((SELECT json_agg({item} ORDER BY {order}) FROM {source}), '[]'::json)"

    def ref(self, level: str, key: str) -> str:
        """The JSON of the row of `level` (a CTE of the statement) whose id is `key`."""
        lookup = f"(SELECT j FROM {level} WHERE id = {key})"
        return f"json({lookup})" if self.sqlite else lookup

    def json_column(self, column: str) -> str:
        """A column holding JSON (SQLite stores it as text)."""
        return f"json({column})" if self.sqlite else column

    def statement(self, levels: dict[str, str], answer: str) -> str:
        ctes = ",\n".join(
            f"{name}(id, j) AS NOT MATERIALIZED ({select})" for name, select in levels.items()
        )
        result = answer if self.sqlite else f"({answer})::text"
        return f"WITH {ctes}\nSELECT {result}"


def _agreements_of(d: Dialect, org: str) -> str:
    return (
        "agreement a WHERE a.id IN (SELECT ap.agreement_id FROM agreement_party ap "
        f"WHERE ap.organization_id IN ({scope_sql(org, d.name)}))"
    )


def _seats_at(d: Dialect, org: str) -> str:
    return f"representation r WHERE r.organization_id IN ({scope_sql(org, d.name)})"


SEATS_OF_PERSON = (
    "representation r2 JOIN organization ro ON ro.id = r2.organization_id "
    "WHERE r2.person_id = pe.id"
)
PARTIES = "agreement_party p WHERE p.agreement_id = a.id"


def _page(d: Dialect, where: str = "") -> str:
    """The page of organizations, in the service's order: (id, name, slug) as pg."""
    return (
        f"(SELECT o.id, o.name, o.slug FROM organization o {where} "
        f"ORDER BY {name_order_sql('o', d.name)} LIMIT :first) pg"
    )


def frontend(d: Dialect) -> str:
    """W1: tests/queries.py FRONTEND_QUERY (partners, first: 100). Binds :category, :first."""
    seat_of_person = d.obj(role="r2.role", organization=d.obj(name="ro.name"))
    person = d.obj(
        name="pe.name",
        credentials=d.json_column("pe.credentials"),
        representations=d.array(seat_of_person, SEATS_OF_PERSON, seat_order_sql("r2", d.name)),
    )
    party = d.obj(slug="po.slug", name="po.name")
    agreement = d.obj(
        kind="a.kind",
        year="a.year",
        title="a.title",
        parties=d.array(d.ref("party_j", "p.organization_id"), PARTIES, "p.position"),
    )
    seat = d.obj(
        role="r.role", designation="r.designation", person=d.ref("person_j", "r.person_id")
    )
    cofounders = (
        "organization c WHERE c.id IN (SELECT cp.organization_id FROM agreement ca "
        "JOIN agreement_party cp ON cp.agreement_id = ca.id WHERE ca.kind = 'CO_FOUNDING' "
        "AND ca.establishes_id = o.id AND cp.organization_id <> o.id)"
    )
    initiatives = (
        "initiative i WHERE i.id IN (SELECT io.initiative_id FROM initiative_organization io "
        f"WHERE io.organization_id IN ({scope_sql('o.id', d.name)}))"
    )
    organization = d.obj(
        slug="o.slug",
        name="o.name",
        acronym="o.acronym",
        regions=d.array(
            "rg.region",
            "organization_region rg WHERE rg.organization_id = o.id",
            "rg.position",
            json_items=False,
        ),
        description="o.description",
        agreements=d.array(
            d.ref("agreement_j", "a.id"),
            _agreements_of(d, "o.id"),
            agreement_order_sql("a", d.name),
        ),
        representatives=d.array(seat, _seats_at(d, "o.id"), seat_order_sql("r", d.name)),
        cofounders=d.array(d.obj(name="c.name"), cofounders, name_order_sql("c", d.name)),
        initiatives=d.array(
            d.obj(name="i.name", recurrence="i.recurrence"),
            initiatives,
            name_order_sql("i", d.name),
        ),
    )
    total = "(SELECT count(*) FROM organization WHERE category = :category)"
    page = _page(d, "WHERE o.category = :category")
    nodes = d.array(d.ref("organization_j", "pg.id"), page, name_order_sql("pg", d.name))
    return d.statement(
        {
            "person_j": f"SELECT pe.id, {person} FROM person pe",
            "party_j": f"SELECT po.id, {party} FROM organization po",
            "agreement_j": f"SELECT a.id, {agreement} FROM agreement a",
            "organization_j": f"SELECT o.id, {organization} FROM organization o",
        },
        d.obj(organizations=d.obj(totalCount=total, nodes=nodes)),
    )


def depth6(d: Dialect) -> str:
    """W2/W3: tests/queries.py DEPTH_6_QUERY. Binds :first."""
    seat_of_person = d.obj(role="r2.role", organization=d.obj(slug="ro.slug", name="ro.name"))
    person = d.obj(
        name="pe.name",
        representations=d.array(seat_of_person, SEATS_OF_PERSON, seat_order_sql("r2", d.name)),
    )
    seat = d.obj(role="r.role", person=d.ref("person_j", "r.person_id"))
    party = d.obj(
        slug="po.slug",
        representatives=d.array(seat, _seats_at(d, "po.id"), seat_order_sql("r", d.name)),
    )
    agreement = d.obj(
        kind="a.kind",
        parties=d.array(d.ref("party_j", "p.organization_id"), PARTIES, "p.position"),
    )
    organization = d.obj(
        slug="o.slug",
        agreements=d.array(
            d.ref("agreement_j", "a.id"),
            _agreements_of(d, "o.id"),
            agreement_order_sql("a", d.name),
        ),
    )
    nodes = d.array(d.ref("organization_j", "pg.id"), _page(d), name_order_sql("pg", d.name))
    return d.statement(
        {
            "person_j": f"SELECT pe.id, {person} FROM person pe",
            "party_j": f"SELECT po.id, {party} FROM organization po",
            "agreement_j": f"SELECT a.id, {agreement} FROM agreement a",
            "organization_j": f"SELECT o.id, {organization} FROM organization o",
        },
        d.obj(organizations=d.obj(nodes=nodes)),
    )


def floor_sql(query: str, dialect: str) -> str:
    """The floor statement for `query` ("frontend" or "depth6") on `dialect`."""
    return {"frontend": frontend, "depth6": depth6}[query](Dialect(dialect))
