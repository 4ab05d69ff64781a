"""The floor: one hand-written SQL statement per workload that builds the service's `data`
answer as JSON inside the database (`json_object`/`json_group_array` or text on SQLite,
`json_build_object`/`json_agg` or text on PostgreSQL), in the fastest of the ways below that
the benchmark measured (`FLOOR`). As the service's own statements do, it selects the
answer's values (a page of nodes, a count) as columns, and the root objects around them are
written once outside the database (`LAYOUTS`): built in SQL, each of those levels copied the
whole answer again. On both databases the floor writes compact
JSON, byte for byte the text SQLite's json_object writes: PostgreSQL's json_build_object
writes `{"key" : value}` and json_agg `[a, b]` (about 10% more bytes), so there the floor
is built as text, which measured as fast as the JSON functions (bench/RESULTS.md).

The service's rules (the orders of agreements, seats and organizations, and which
organizations' agreements, seats and initiatives count as a body's) come from
`service.data.relations`, so the floor cannot drift from them; parties and regions follow
their position. The benchmark checks that the floor's answer equals the service's `data`,
so a floor that cut a corner would fail loudly, not flatter.

In the "json", "text" and "ctes" (PostgreSQL) techniques each level of the answer is a
`NOT MATERIALIZED` CTE (id, j) that the next level looks up by id: the planner inlines it as
a correlated primary-key lookup, and SQLite's parser sees one level at a time. The "nested"
technique (depth-6 only) writes the answer as one expression instead, so that every value
keeps its JSON subtype; SQLite 3.40's parser stack overflows on it unless each level's rows
come with their parent's columns by a join rather than by one more nested subquery. On
PostgreSQL "nested" is the same shape with `json_agg(... ORDER BY ...)`: correlated
subqueries the planner runs per row, instead of CTE lookups by id; "lateral" (depth-6
only) has each level's array aggregated in a `LEFT JOIN LATERAL` of its parent's row.
PostgreSQL's "text" is "ctes" built as compact text, and "nestedtext" (depth-6 only) is
"nested" built as compact text. (Objects by `row_to_json` over a row of named columns,
compact too, measured 8-35% slower than "nested": each array, `string_agg` text, has to be
cast back to json, parsed again at every level.)
"""

from collections.abc import Sequence
from dataclasses import dataclass

from service.data.relations import (
    agreement_order_sql,
    name_order_sql,
    scope_sql,
    seat_order_sql,
)
from service.graphql.compiler.sql import Layout


class Json(str):
    """SQL text whose value is JSON (an object, an array, a stored JSON column), as opposed to
    a scalar column: the text technique quotes scalars and splices JSON in as it is."""


TECHNIQUES = {  # per database (bench/RESULTS.md compares them); nested: depth-6 only
    "sqlite": ("nested", "text", "json"),
    "postgresql": ("nested", "lateral", "ctes", "text", "nestedtext"),
}
FLOOR = {  # the fastest measured, per database and query: what the benchmark measures against
    ("sqlite", "depth6"): "nested",
    ("sqlite", "frontend"): "text",
    ("postgresql", "depth6"): "nestedtext",  # compact, SQLite's bytes; as fast as "nested"
    ("postgresql", "frontend"): "text",  # compact, SQLite's bytes; within 5% of "ctes"
}


@dataclass(frozen=True)
class Dialect:
    """The JSON building blocks, spelled for one database and, on SQLite, one technique:

    - "text": the answer is built as text, `'{"key":' || json_quote(value) ||
      '}'`, arrays with `group_concat` of ordered rows: no JSON function ever parses what
      another built. On PostgreSQL `concat('{"key":', coalesce(to_json(value)::text,
      'null'), '}')` (concat writes each argument once, where each `||` copies the text so
      far again) and `(SELECT concat('[', string_agg(item, ',' ORDER BY ...), ']') FROM
      ...)` (concat turns no rows' NULL into `[]`). to_json escapes a string exactly as
      SQLite's json_quote does: quote, backslash and b f n r t by a backslash, the other
      control characters as u00xx in lowercase hex, U+007F and non-ASCII as they are.
    - "json": `json_object`/`json_group_array`, with json() around every value that left a
      subquery (SQLite 3.40 drops the JSON subtype of a value read from a subquery's column
      or a CTE, so without json() it would be quoted as a string): each level's text is
      parsed again by every level above it.
    """

    name: str
    technique: str = "json"

    @property
    def sqlite(self) -> bool:
        return self.name == "sqlite"

    @property
    def text(self) -> bool:
        return self.technique == "text"

    def value(self, expression: str) -> str:
        """A field's value as JSON text (the text technique's fields, every technique's
        root values): scalars quoted, JSON as it is."""
        if isinstance(expression, Json):
            return expression
        if self.sqlite:
            return f"json_quote({expression})"
        return f"coalesce(to_json({expression})::text, 'null')"

    def obj(self, **fields: str) -> Json:
        if self.text:
            text, separator = [], "{"
            for key, value in fields.items():  # '{"a":' || a || ',"b":' || b || '}'
                text += [f"'{separator}\"{key}\":'", self.value(value)]
                separator = ","
            if not self.sqlite:  # concat() writes its arguments once, where || copies each
                return Json("concat(" + ", ".join([*text, "'}'"]) + ")")
            return Json("(" + " || ".join([*text, "'}'"]) + ")")
        function = "json_object" if self.sqlite else "json_build_object"
        pairs = ", ".join(f"'{key}', {value}" for key, value in fields.items())
        return Json(f"{function}({pairs})")

    def array(self, item: str, source: str, order: str, *, json_items: bool = True) -> Json:
        """A JSON array of `item` for each row of `source` (FROM ... WHERE ...), in `order`.

        SQLite 3.40 has no ORDER BY inside aggregates, so the rows are ordered in a
        subquery (never flattened into an aggregate, so its order holds)."""
        if self.text and not self.sqlite:
            return Json(
                f"(SELECT concat('[', string_agg({self.value(item)}, ',' ORDER BY {order}), ']')"
                f" FROM {source})"
            )
        if self.text:
            return Json(
                f"('[' || coalesce((SELECT group_concat(e, ',') FROM "
                f"(SELECT {self.value(item)} AS e FROM {source} ORDER BY {order})), '') || ']')"
            )
        if self.sqlite:
            element = "json(e)" if json_items else "e"
            return Json(
                f"json((SELECT json_group_array({element}) FROM "
                f"(SELECT {item} AS e FROM {source} ORDER BY {order})))"
            )
        return Json(
            f"coalesce((SELECT json_agg({item} ORDER BY {order}) FROM {source}), '[]'::json)"
        )

    def ref(self, level: str, key: str) -> Json:
        """The JSON of the row of `level` (a CTE of the statement) whose id is `key`."""
        lookup = f"(SELECT j FROM {level} WHERE id = {key})"
        return Json(f"json({lookup})" if self.sqlite and not self.text else lookup)

    def json_column(self, column: str) -> Json:
        """A column holding JSON, compact: both databases keep the text as it was written
        (`["MD", "PhD"]`); SQLite's json() drops the spaces, PostgreSQL's JSON functions
        do not (json_agg and json_build_object copy a json value's text as it is)."""
        if self.text and not self.sqlite:
            return Json(compact_array_postgresql(column))
        if self.text:
            return Json(f"coalesce(json({column}), 'null')")
        return Json(f"json({column})" if self.sqlite else column)

    def statement(self, levels: dict[str, str], values: list[str]) -> str:
        """WITH the levels, SELECT the answer's values (LAYOUTS), each as JSON text."""
        ctes = ",\n".join(
            f"{name}(id, j) AS NOT MATERIALIZED ({select})" for name, select in levels.items()
        )
        columns = [self.value(value) for value in values]
        if not self.sqlite and not self.text:  # json_agg and json_build_object give json
            columns = [f"({c})::text" if isinstance(c, Json) else c for c in columns]
        return f"WITH {ctes}\nSELECT {', '.join(columns)}"


def compact_array_postgresql(column: str) -> str:
    """A `json` column holding an array of scalars (a person's credentials), without the
    spaces it was stored with: each element's text as stored (escapes kept, as SQLite's
    json() keeps them), joined by commas."""
    return (
        f"(SELECT '[' || coalesce(string_agg(e::text, ',' ORDER BY n), '') || ']' "
        f"FROM json_array_elements({column}) WITH ORDINALITY AS elements(e, n))"
    )


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
        [total, nodes],
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
        [nodes],
    )


def depth6_nested() -> str:
    """W2/W3 on SQLite as one nested expression: json_object and json_group_array straight
    into one another, so no value ever leaves a subquery's column and needs json(). Each
    array's rows are ordered in a subquery of plain columns (SQLite 3.40 has no ORDER BY in
    aggregates) and the aggregate builds the items from them; a level's own columns (a
    party's slug, a person's name) come by a join in its parent's subquery. Binds :first."""

    def seats(alias: str) -> str:
        return seat_order_sql(alias, "sqlite")

    person = (
        "json_object('name', s5.name, 'representations', (SELECT json_group_array("
        "json_object('role', s6.role, 'organization', json_object('slug', s6.slug, 'name', "
        "s6.name))) FROM (SELECT r2.role, ro.slug, ro.name FROM representation r2 JOIN "
        "organization ro ON ro.id = r2.organization_id WHERE r2.person_id = s5.person_id "
        f"ORDER BY {seats('r2')}) s6))"
    )
    party = (
        "json_object('slug', s4.slug, 'representatives', (SELECT json_group_array("
        f"json_object('role', s5.role, 'person', {person})) FROM (SELECT r.role, r.person_id, "
        "pe.name FROM representation r JOIN person pe ON pe.id = r.person_id WHERE "
        f"r.organization_id IN ({scope_sql('s4.organization_id', 'sqlite')}) "
        f"ORDER BY {seats('r')}) s5))"
    )
    agreement = (
        f"json_object('kind', s3.kind, 'parties', (SELECT json_group_array({party}) FROM "
        "(SELECT p.organization_id, po.slug FROM agreement_party p JOIN organization po ON "
        "po.id = p.organization_id WHERE p.agreement_id = s3.id ORDER BY p.position) s4))"
    )
    organization = (
        f"json_object('slug', pg.slug, 'agreements', (SELECT json_group_array({agreement}) "
        "FROM (SELECT a.id, a.kind FROM agreement a WHERE a.id IN (SELECT ap.agreement_id "
        f"FROM agreement_party ap WHERE ap.organization_id IN ({scope_sql('pg.id', 'sqlite')}))"
        f" ORDER BY {agreement_order_sql('a', 'sqlite')}) s3))"
    )
    return (
        f"SELECT json_group_array({organization}) FROM (SELECT o.id, o.name, o.slug "
        f"FROM organization o ORDER BY {name_order_sql('o', 'sqlite')} LIMIT :first) pg"
    )


def depth6_nested_postgresql() -> str:
    """W2/W3 on PostgreSQL as one nested expression: `json_agg(... ORDER BY ...)` in
    correlated subqueries, each level's columns joined in its parent's. Binds :first."""
    pg = "postgresql"

    def agg(item: str, source: str, order: str) -> str:
        return f"coalesce((SELECT json_agg({item} ORDER BY {order}) FROM {source}), '[]'::json)"

    seat_of_person = (
        "json_build_object('role', r2.role, 'organization', "
        "json_build_object('slug', ro.slug, 'name', ro.name))"
    )
    person = "json_build_object('name', pe.name, 'representations', {})".format(
        agg(seat_of_person, f"{SEATS_OF_PERSON}", seat_order_sql("r2", pg))
    )
    party = "json_build_object('slug', po.slug, 'representatives', {})".format(
        agg(
            f"json_build_object('role', r.role, 'person', {person})",
            "representation r JOIN person pe ON pe.id = r.person_id WHERE r.organization_id "
            f"IN ({scope_sql('po.id', pg)})",
            seat_order_sql("r", pg),
        )
    )
    agreement = "json_build_object('kind', a.kind, 'parties', {})".format(
        agg(
            party,
            "agreement_party p JOIN organization po ON po.id = p.organization_id "
            "WHERE p.agreement_id = a.id",
            "p.position",
        )
    )
    organization = "json_build_object('slug', pg.slug, 'agreements', {})".format(
        agg(agreement, _agreements_of(Dialect(pg), "pg.id"), agreement_order_sql("a", pg))
    )
    nodes = agg(organization, _page(Dialect(pg)), name_order_sql("pg", pg))
    return f"SELECT ({nodes})::text"


def depth6_lateral_postgresql() -> str:
    """W2/W3 on PostgreSQL with each level's array aggregated in a `LEFT JOIN LATERAL` of
    its parent's row, the items built from the level's own laterals. Binds :first."""
    pg = "postgresql"

    def level(items: str, order: str, source: str, inner: str, where: str) -> str:
        return (
            f"SELECT coalesce(json_agg({items} ORDER BY {order}), '[]'::json) AS j "
            f"FROM {source} {inner} WHERE {where}"
        )

    seats_of_person = level(
        "json_build_object('role', r2.role, 'organization', "
        "json_build_object('slug', ro.slug, 'name', ro.name))",
        seat_order_sql("r2", pg),
        "representation r2 JOIN organization ro ON ro.id = r2.organization_id",
        "",
        "r2.person_id = pe.id",
    )
    seats = level(
        "json_build_object('role', r.role, 'person', "
        "json_build_object('name', pe.name, 'representations', prs.j))",
        seat_order_sql("r", pg),
        "representation r JOIN person pe ON pe.id = r.person_id",
        f"LEFT JOIN LATERAL ({seats_of_person}) prs ON true",
        f"r.organization_id IN ({scope_sql('po.id', pg)})",
    )
    parties = level(
        "json_build_object('slug', po.slug, 'representatives', reps.j)",
        "p.position",
        "agreement_party p JOIN organization po ON po.id = p.organization_id",
        f"LEFT JOIN LATERAL ({seats}) reps ON true",
        "p.agreement_id = a.id",
    )
    agreements = level(
        "json_build_object('kind', a.kind, 'parties', pts.j)",
        agreement_order_sql("a", pg),
        "agreement a",
        f"LEFT JOIN LATERAL ({parties}) pts ON true",
        _agreements_of(Dialect(pg), "pg.id").removeprefix("agreement a WHERE "),
    )
    nodes = (
        "coalesce(json_agg(json_build_object('slug', pg.slug, 'agreements', ags.j) "
        f"ORDER BY {name_order_sql('pg', pg)}), '[]'::json)"
    )
    return (
        f"SELECT ({nodes})::text "
        f"FROM {_page(Dialect(pg))} LEFT JOIN LATERAL ({agreements}) ags ON true"
    )


def depth6_text_postgresql() -> str:
    """W2/W3 on PostgreSQL as the "nested" technique's correlated subqueries, but building
    compact JSON text (SQLite's bytes) as the "text" technique does: `concat('{"key":',
    to_json(column)::text, ...)`, arrays `concat('[', string_agg(item, ',' ORDER BY ...),
    ']')`; no text is ever parsed as JSON again. Binds :first."""
    pg, d = "postgresql", Dialect("postgresql", "text")

    def string(column: str) -> Json:  # a NOT NULL string column: never null
        return Json(f"to_json({column})::text")

    seat_of_person = d.obj(
        role=string("r2.role"),
        organization=d.obj(slug=string("ro.slug"), name=string("ro.name")),
    )
    person = d.obj(
        name=string("pe.name"),
        representations=d.array(seat_of_person, SEATS_OF_PERSON, seat_order_sql("r2", pg)),
    )
    party = d.obj(
        slug=string("po.slug"),
        representatives=d.array(
            d.obj(role=string("r.role"), person=person),
            "representation r JOIN person pe ON pe.id = r.person_id WHERE r.organization_id "
            f"IN ({scope_sql('po.id', pg)})",
            seat_order_sql("r", pg),
        ),
    )
    agreement = d.obj(
        kind=string("a.kind"),
        parties=d.array(
            party,
            "agreement_party p JOIN organization po ON po.id = p.organization_id "
            "WHERE p.agreement_id = a.id",
            "p.position",
        ),
    )
    organization = d.obj(
        slug=string("pg.slug"),
        agreements=d.array(agreement, _agreements_of(d, "pg.id"), agreement_order_sql("a", pg)),
    )
    nodes = d.array(organization, _page(d), name_order_sql("pg", pg))
    return f"SELECT {nodes}"


# The answer's text around each statement's columns, written by the service's own `Layout`
# (service/graphql/compiler/sql.py): the root objects are not built in SQL.
LAYOUTS = {
    "frontend": Layout(('{"organizations":{"totalCount":', ',"nodes":', "}}")),
    "depth6": Layout(('{"organizations":{"nodes":', "}}")),
}


def floor_answer(query: str, row: Sequence[str]) -> str:
    """The floor's answer (the service's `data`) from its statement's row."""
    return "".join(LAYOUTS[query].parts(row))


def floor_sql(query: str, dialect: str, technique: str | None = None) -> str:
    """The floor statement for `query` ("frontend" or "depth6") on `dialect`, built with
    `technique` (default: the floor's, FLOOR)."""
    technique = technique or FLOOR[dialect, query]
    if technique not in techniques(query, dialect):
        raise ValueError(f"no {technique!r} statement for {query} on {dialect}")
    if technique == "nested":
        return depth6_nested() if dialect == "sqlite" else depth6_nested_postgresql()
    if technique == "lateral":
        return depth6_lateral_postgresql()
    if technique == "nestedtext":
        return depth6_text_postgresql()
    return {"frontend": frontend, "depth6": depth6}[query](Dialect(dialect, technique))


DEPTH6_ONLY = ("nested", "lateral", "nestedtext")  # written for the depth-6 query alone


def techniques(query: str, dialect: str) -> tuple[str, ...]:
    """The techniques written for `query` on `dialect`."""
    return tuple(t for t in TECHNIQUES[dialect] if query == "depth6" or t not in DEPTH6_ONLY)
