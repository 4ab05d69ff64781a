// The partners page (index.html): a reference client of the GraphQL API.
//
// One request fetches everything the page shows: the co-founded bodies and the partners, each
// with its agreements, representatives, co-founders and initiatives (the API contract's
// "frontend query", extended). Filters and search then work on that one answer, in the
// browser, with no further request. The page only reads: where an editor recorded a fact
// through the API with a note rather than a quote from the source page (a record's
// `editorialNote`), it says so, beside that fact and on its organization's row. Once shown, the
// page follows its own query as a live query over a WebSocket and shows each new answer in
// place, keeping the visitor's view. The DOM is built with textContent only: data is never
// parsed as HTML. No framework and no build step: copy the file and adapt it.
"use strict";

const QUERY = `query PartnersPage {
  society: organizations(first: 1, filter: {category: SELF}) { nodes { id slug name acronym } }
  cofounded: organizations(first: 100, filter: {category: CO_FOUNDED}) {
    totalCount nodes { ...Card }
  }
  partners: organizations(first: 100, filter: {category: PARTNER}) {
    totalCount nodes { ...Card }
  }
}

fragment Card on Organization {
  id slug name acronym category regions description foundedYear
  editorialNote { ...Note }
  units { id slug }
  agreements { id kind year title editorialNote { ...Note } parties { id slug name acronym category } }
  representatives {
    id role designation editorialNote { ...Note }
    onBehalfOf { id slug name acronym category }
    person {
      id slug name credentials editorialNote { ...Note }
      representations { id role organization { id slug name acronym } }
    }
  }
  delegates {
    id role editorialNote { ...Note }
    person { id name credentials editorialNote { ...Note } }
    organization { id slug name acronym parent { id slug } }
  }
  cofounders { id slug name acronym category }
  initiatives { id name kind recurrence year editorialNote { ...Note } }
}

fragment Note on EditorialNote { note by }`;

// The network as it stood at the end of a year (the year slider): the same three lists, each
// body with only what the drawing needs and only the agreements that stood then. Asked once
// per year chosen; "now" is the page's own answer and asks nothing more.
const YEAR_QUERY = `query NetworkAsOf($asOf: Int!) {
  society: organizations(first: 1, filter: {category: SELF}, asOf: $asOf) { nodes { id slug name acronym } }
  cofounded: organizations(first: 100, filter: {category: CO_FOUNDED}, asOf: $asOf) { nodes { ...Tied } }
  partners: organizations(first: 100, filter: {category: PARTNER}, asOf: $asOf) { nodes { ...Tied } }
}

fragment Tied on Organization {
  id slug name acronym category
  units { id slug }
  agreements(asOf: $asOf) {
    id kind year title parties { id slug name acronym category } establishes { id slug }
  }
  representatives { id person { id slug name } }
  delegates { id role person { id name } organization { id slug name acronym parent { id slug } } }
  cofounders { id slug name acronym category }
}`;

// "How are these connected?": every shortest chain of ties between two bodies, at most
// MAX_HOPS, in the year the network shows (asOf: null is now); the first MOST_PATHS of them.
const MAX_HOPS = 4;
const MOST_PATHS = 10;
const PATH_QUERY = `query HowConnected($from: String!, $to: String!, $asOf: Int) {
  path(from: $from, to: $to, maxHops: ${MAX_HOPS}, asOf: $asOf, first: ${MOST_PATHS}) {
    length
    organizations { slug name acronym parent { slug } }
    ties {
      kind
      from { slug parent { slug } }
      to { slug parent { slug } }
      agreement { title year kind establishes { slug parent { slug } } }
      person { name }
      seats { role organization { slug name acronym } onBehalfOf { slug name acronym } }
    }
  }
}`;

const GROUPS = {
  CO_FOUNDED: { title: "Co-founded by ISCT", empty: "No co-founded organization matches these filters." },
  PARTNER: { title: "Partner organizations", empty: "No partner organization matches these filters." },
};
const KIND_LABELS = {
  CO_FOUNDING: "Co-founding",
  MEMORANDUM_OF_UNDERSTANDING: "Memorandum of understanding",
  MEMBERSHIP: "Membership",
  LIAISON: "Liaison",
  COLLABORATION: "Collaboration",
  AFFILIATION: "Affiliation",
  PARTICIPATION: "Participation",
};
// The order in which a body's agreements with ISCT are listed, and which one places it in the
// network: the first it has. Co-foundings are drawn as lines, not as a group.
// It is also the order of the groups round the ring, chosen so that no two small groups sit
// side by side (their names would collide).
const KIND_ORDER = [
  "MEMORANDUM_OF_UNDERSTANDING",
  "LIAISON",
  "MEMBERSHIP",
  "PARTICIPATION",
  "COLLABORATION",
  "AFFILIATION",
];
// A small geography over the regions the dataset records, so that the Region filter means
// what a visitor means: a continent includes its countries. It places regions, never bodies:
// a body is in a region only where the dataset says so.
const GEOGRAPHY = {
  Asia: ["Japan", "Korea"],
  "North America": ["Canada"],
  "South & Central America": ["Brazil"],
  Europe: [],
  "Australia & New Zealand": [],
};
const SVG_NS = "http://www.w3.org/2000/svg";

// ---------------------------------------------------------------------------- helpers

/** An element with attributes (`text` sets textContent, `class` the class) and children. */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  return build(element, attributes, children);
}

/** The same for SVG elements. */
function s(tag, attributes = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attributes, children);
}

function build(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") element.textContent = value;
    else element.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

const kindLabel = (kind) =>
  KIND_LABELS[kind] || kind.charAt(0) + kind.slice(1).toLowerCase().replaceAll("_", " ");
const shortName = (org) => org.acronym || org.name;
const plural = (count, one, many) => `${count} ${count === 1 ? one : many}`;

/** Lowercase, without accents: "Fermín" and "fermin" match. */
const fold = (text) =>
  text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

function listSentence(items) {
  if (items.length < 2) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

// ---------------------------------------------------------------------------- the request

/** One GraphQL request: its data, or an Error with the API's messages. */
async function graphql(query, operationName, variables) {
  const response = await fetch("graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(variables ? { query, operationName, variables } : { query, operationName }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new Error(`the API answered ${response.status} ${response.statusText}`);
  }
  if (body.errors && body.errors.length) {
    throw new Error(body.errors.map((error) => error.message).join("; "));
  }
  if (!response.ok || !body.data) throw new Error(`the API answered ${response.status}`);
  return body.data;
}

const fetchPage = () => graphql(QUERY, "PartnersPage");

// ---------------------------------------------------------------------------- live updates

/** A small graphql-transport-ws client (the protocol graphql-ws, Apollo and urql speak): one
 * subscription, over a WebSocket to this page's own origin (wss: under https:), calling
 * `onResult` with each result. After a drop, or a server restarting (1012) or going away
 * (1001), it connects again after a growing, jittered pause (1 s, 2 s, ... 30 s) and subscribes
 * again. A refusal (an `error` message, a 44xx close) ends it; so does a browser without
 * WebSocket: the page then stays as it was loaded. */
function subscribe(query, variables, onResult) {
  const url = new URL("graphql", window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  let pause = 1000;
  let ended = false;

  function connect() {
    let socket;
    try {
      socket = new WebSocket(url, "graphql-transport-ws");
    } catch {
      return;
    }
    const send = (message) => socket.send(JSON.stringify(message));
    socket.addEventListener("open", () => send({ type: "connection_init", payload: {} }));
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === "connection_ack") {
        pause = 1000;
        send({ id: "live", type: "subscribe", payload: { query, variables } });
      } else if (message.type === "next" && message.id === "live") {
        onResult(message.payload);
      } else if (message.type === "ping") {
        send({ type: "pong", payload: message.payload });
      } else if (message.type === "error" || message.type === "complete") {
        ended = true; // refused, or over: asking again would get the same
        socket.close(1000);
      }
    });
    socket.addEventListener("close", (event) => {
      if (ended || (event.code >= 4400 && event.code < 4500 && event.code !== 4408)) return;
      setTimeout(connect, pause * (0.5 + Math.random()));
      pause = Math.min(pause * 2, 30_000);
    });
  }

  if ("WebSocket" in window) connect();
}

/** The page's own query as a live query: its answer again each time a change alters it. Every
 * open page asks the same, so the server runs it once per change for all of them. */
function watchPage(onData) {
  subscribe("subscription LivePartnersPage($query: String!) { live(query: $query) }", { query: QUERY }, (result) => {
    const answer = result.data && result.data.live;
    if (answer && answer.data && !(answer.errors && answer.errors.length)) onData(answer.data);
  });
}

// ---------------------------------------------------------------------------- editors' notes

/** The records a row shows that rest on an editor's note rather than the source page alone:
 * the body, its agreements, seats (and their people) and initiatives. */
function noted(org) {
  const seats = [...org.representatives, ...org.delegates];
  return [org, ...org.agreements, ...seats, ...seats.map((seat) => seat.person), ...org.initiatives].filter(
    (record) => record.editorialNote,
  );
}

/** "Editor's note: <the note> — <its author>", beside the fact it is about; null for a
 * record that rests on the source page. Text, not an icon: a screen reader reads it out. */
function editorialNote(record, tag = "span") {
  const note = record.editorialNote;
  if (!note) return null;
  return h(
    tag,
    { class: "editorial-note" },
    h("span", { class: "editorial-label", text: "Editor's note" }),
    " ",
    h("span", { class: "editorial-text", text: note.note }),
    h("span", { class: "editorial-by", text: ` — ${note.by}` }),
  );
}

/** The row's mark: how many of its facts an editor recorded, or null for none. */
function editedMark(org) {
  const count = noted(org).length;
  if (!count) return null;
  return h("span", { class: "edited-mark", text: plural(count, "editor's note", "editor's notes") });
}

// ---------------------------------------------------------------------------- organizations

/** A body and its units: its agreements, seats and initiatives include its units' (the API's
 * rule), so a tie to a unit is a tie to the body. */
const scopeOf = (org) => new Set([org.slug, ...org.units.map((unit) => unit.slug)]);

/** Every word a search can match for this organization, folded. */
function searchText(org) {
  return fold(
    [
      org.name,
      org.acronym,
      org.description,
      ...org.regions,
      ...org.agreements.map((agreement) => agreement.title),
      ...org.representatives.flatMap((seat) => [seat.person.name, seat.role]),
      ...org.delegates.flatMap((seat) => [seat.person.name, seat.role]),
      ...org.initiatives.map((initiative) => initiative.name),
      ...noted(org).map((record) => record.editorialNote.note),
    ]
      .filter(Boolean)
      .join("\n"),
  );
}

/** The kinds of the body's agreements with ISCT, in KIND_ORDER; co-foundings left out. */
function kindsWithIsct(org) {
  const kinds = new Set(
    org.agreements
      .filter((agreement) => agreement.kind !== "CO_FOUNDING")
      .filter((agreement) => agreement.parties.some((party) => party.category === "SELF"))
      .map((agreement) => agreement.kind),
  );
  return [...kinds].sort((a, b) => rank(a) - rank(b));
}

const rank = (kind) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);

/** Agreements oldest first, undated ones last, as the timeline reads. */
function byYear(agreements) {
  return [...agreements].sort((a, b) => (a.year ?? Infinity) - (b.year ?? Infinity));
}

/** The row's one line at a glance: founding, then each kind of agreement with its years. */
function glance(org) {
  const parts = [];
  if (org.foundedYear !== null) {
    const founders = org.cofounders.map(shortName);
    parts.push(`Founded ${org.foundedYear}${founders.length ? ` by ${listSentence(founders)}` : ""}`);
  }
  const years = new Map();
  for (const agreement of byYear(org.agreements)) {
    if (agreement.kind === "CO_FOUNDING") continue;
    if (!years.has(agreement.kind)) years.set(agreement.kind, []);
    if (agreement.year !== null) years.get(agreement.kind).push(agreement.year);
  }
  const kinds = [...years.keys()].sort((a, b) => rank(a) - rank(b));
  for (const kind of kinds) {
    const dated = [...new Set(years.get(kind))];
    parts.push(dated.length ? `${kindLabel(kind)} ${dated.join(", ")}` : kindLabel(kind));
  }
  const seats = org.representatives.length;
  if (seats) parts.push(plural(seats, "representative", "representatives"));
  if (org.initiatives.length) parts.push(plural(org.initiatives.length, "initiative", "initiatives"));
  return parts;
}

function personName(person) {
  const credentials = person.credentials.length ? `, ${person.credentials.join(", ")}` : "";
  return `${person.name}${credentials}`;
}

function section(className, title, ...content) {
  return h("section", { class: className }, h("h4", { text: title }), ...content);
}

function agreementsSection(org) {
  if (!org.agreements.length) return null;
  return section(
    "agreements",
    "Agreements",
    h(
      "ol",
      { class: "timeline" },
      byYear(org.agreements).map((agreement) =>
        h(
          "li",
          {},
          agreement.year === null
            ? h("span", { class: "year undated", text: "undated" })
            : h("time", { class: "year", datetime: String(agreement.year), text: String(agreement.year) }),
          " ",
          h("span", { class: `kind kind-${agreement.kind}`, text: kindLabel(agreement.kind) }),
          " ",
          h("span", { class: "title", text: agreement.title }),
          editorialNote(agreement),
        ),
      ),
    ),
  );
}

function representativesSection(org) {
  if (!org.representatives.length) return null;
  const scope = scopeOf(org);
  return section(
    "representatives",
    "Representatives",
    h(
      "ul",
      { class: "people" },
      org.representatives.map((seat) => {
        const elsewhere = seat.person.representations.filter((other) => !scope.has(other.organization.slug));
        const onBehalf = seat.onBehalfOf.category === "SELF" ? "" : ` (for ${shortName(seat.onBehalfOf)})`;
        return h(
          "li",
          {},
          h("span", { class: "person", text: personName(seat.person) }),
          h("span", { class: "role", text: ` — ${seat.role}${onBehalf}` }),
          seat.designation ? h("span", { class: "designation", text: seat.designation.toLowerCase() }) : null,
          elsewhere.length
            ? h("span", {
                class: "elsewhere",
                text: `Also: ${elsewhere.map((other) => `${other.role}, ${other.organization.name}`).join("; ")}`,
              })
            : null,
          editorialNote(seat),
          editorialNote(seat.person),
        );
      }),
    ),
  );
}

function delegatesSection(org) {
  if (!org.delegates.length) return null;
  return section(
    "delegates",
    `Seats held for ${shortName(org)}`,
    h(
      "ul",
      { class: "people" },
      org.delegates.map((seat) =>
        h(
          "li",
          {},
          h("span", { class: "person", text: personName(seat.person) }),
          ` — ${seat.role}`,
          editorialNote(seat),
          editorialNote(seat.person),
        ),
      ),
    ),
  );
}

function initiativesSection(org) {
  if (!org.initiatives.length) return null;
  return section(
    "initiatives",
    "Joint initiatives",
    h(
      "ul",
      {},
      org.initiatives.map((initiative) => {
        const when = [initiative.recurrence, initiative.year].filter(Boolean).join(", ");
        return h(
          "li",
          {},
          when ? `${initiative.name} (${when})` : initiative.name,
          editorialNote(initiative),
        );
      }),
    ),
  );
}

/** One organization: a row that reads at a glance, and its details on demand. Only what the
 * dataset records is shown: a section without facts is left out, not filled with "none". */
function entry(org) {
  const id = `org-${org.slug}`;
  const kinds = kindsWithIsct(org);
  return h(
    "li",
    { class: "entry" },
    h(
      "details",
      { class: "org", id, "data-slug": org.slug, "data-kind": kinds[0] || "NONE" },
      h(
        "summary",
        {},
        h(
          "h3",
          { class: "org-name" },
          h("span", { class: "name", text: org.name }),
          org.acronym ? h("span", { class: "acronym", text: ` (${org.acronym})` }) : null,
        ),
        org.regions.length
          ? h("span", { class: "regions" }, org.regions.map((region) => h("span", { class: "region", text: region })))
          : null,
        h("span", { class: "glance", text: glance(org).join(" · ") }, editedMark(org)),
      ),
      h(
        "div",
        { class: "details" },
        org.description ? h("p", { class: "description", text: org.description }) : null,
        editorialNote(org, "p"),
        agreementsSection(org),
        representativesSection(org),
        delegatesSection(org),
        initiativesSection(org),
      ),
    ),
  );
}

function groupSection(category, orgs) {
  const group = GROUPS[category];
  return h(
    "section",
    { class: "group", id: `group-${category}`, "aria-labelledby": `group-${category}-heading` },
    h("h2", { id: `group-${category}-heading` }, group.title, " ", h("span", { class: "group-count" })),
    h("ul", { class: "orgs" }, orgs.map((org) => (org.entry = entry(org)))),
    h("p", { class: "empty", text: group.empty, hidden: "" }),
  );
}

/** Open an organization's details and bring it into view, with the focus on its row. */
function reveal(slug) {
  const details = document.getElementById(`org-${slug}`);
  if (!details || details.closest("[hidden]")) return false;
  details.open = true;
  details.scrollIntoView({ block: "start" });
  details.querySelector("summary").focus({ preventScroll: true });
  return true;
}

// ---------------------------------------------------------------------------- network

/** ISCT at the centre and the listed organizations around it (nodes), with the ties that are
 * not "an agreement with ISCT" as lines: co-foundings, representatives shared by two bodies,
 * seats held for a body on an ISCT body, and agreements between two other bodies. The
 * agreement with ISCT places each body in its group of the ring instead of drawing a star. */
function networkOf(orgs, isct, year = null) {
  const nodes = new Map();
  const edges = new Map();
  const owner = new Map(); // a listed body or any of its units -> the listed body
  nodes.set(isct.slug, { slug: isct.slug, name: isct.name, label: shortName(isct), category: "SELF", shown: false });
  owner.set(isct.slug, isct.slug);
  for (const org of orgs) {
    const kinds = kindsWithIsct(org);
    nodes.set(org.slug, {
      slug: org.slug,
      name: org.name,
      label: shortName(org),
      category: org.category,
      kind: kinds[0] || "NONE",
      shown: true,
    });
    for (const slug of scopeOf(org)) owner.set(slug, org.slug);
  }
  const addEdge = (kind, from, to, title) => {
    if (!from || !to || from === to) return;
    const key = `${kind} ${[from, to].sort().join(" ")}`;
    const edge = edges.get(key) || { kind, from, to, titles: [] };
    if (!edge.titles.includes(title)) edge.titles.push(title);
    edges.set(key, edge);
  };

  // In a year, a co-founding is drawn only if its agreement stood then (the founders' lists
  // of agreements are already as of that year).
  const founded = new Set();
  for (const org of orgs) {
    for (const agreement of org.agreements) {
      if (agreement.kind !== "CO_FOUNDING" || !agreement.establishes) continue;
      for (const party of agreement.parties) founded.add(`${party.slug} ${agreement.establishes.slug}`);
    }
  }
  const seats = new Map(); // person slug -> { name, the listed bodies they sit at }
  for (const org of orgs) {
    for (const founder of org.cofounders) {
      if (year !== null && !founded.has(`${founder.slug} ${org.slug}`)) continue;
      addEdge("cofounding", owner.get(founder.slug), org.slug, `${shortName(founder)} co-founded ${shortName(org)}`);
    }
    for (const agreement of org.agreements) {
      if (agreement.kind === "CO_FOUNDING") continue;
      const others = agreement.parties.map((party) => owner.get(party.slug)).filter((slug) => slug && slug !== org.slug);
      for (const other of others) {
        if (other === isct.slug) continue; // the ring's grouping shows it
        const year = agreement.year ? ` (${agreement.year})` : "";
        addEdge("agreement", org.slug, other, `${agreement.title}${year}`);
      }
    }
    for (const seat of org.representatives) {
      const person = seats.get(seat.person.slug) || { name: seat.person.name, at: new Set() };
      person.at.add(org.slug);
      seats.set(seat.person.slug, person);
    }
    for (const seat of org.delegates) {
      const body = seat.organization.acronym || seat.organization.name;
      const at = owner.get(seat.organization.slug) || owner.get(seat.organization.parent?.slug);
      addEdge("seat", org.slug, at, `${seat.person.name}: ${seat.role} (${body})`);
    }
  }
  for (const { name, at } of seats.values()) {
    const slugs = [...at].sort();
    for (let i = 0; i < slugs.length; i++) {
      for (let j = i + 1; j < slugs.length; j++) {
        const [a, b] = [nodes.get(slugs[i]), nodes.get(slugs[j])];
        addEdge("person", a.slug, b.slug, `${name} represents ISCT at ${a.label} and ${b.label}`);
      }
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()], owner, year };
}

/** The listed partners' groups on the ring, in KIND_ORDER ("NONE" last), each in name order. */
function ringGroups(network) {
  const ring = network.nodes.filter((node) => node.category === "PARTNER");
  const kinds = [...new Set(ring.map((node) => node.kind))].sort((a, b) => rank(a) - rank(b));
  return kinds.map((kind) => ({
    kind,
    nodes: ring.filter((node) => node.kind === kind).sort((a, b) => a.name.localeCompare(b.name)),
  }));
}

const OUTER = 250;
const INNER = 118;
const angleAt = (slot, slots) => (2 * Math.PI * slot) / slots - Math.PI / 2;

/** ISCT at the centre; the partners on the ring, grouped by their agreement with ISCT with a
 * slot left between groups; every other listed body (the co-founded ones) inside the ring,
 * towards the partners it is tied to. Deterministic: the same data draws the same picture. */
function layout(network) {
  const groups = ringGroups(network);
  const slots = groups.reduce((sum, group) => sum + group.nodes.length + 1, 0);
  let slot = 0;
  for (const group of groups) {
    group.from = angleAt(slot - 0.42, slots);
    for (const node of group.nodes) {
      node.angle = angleAt(slot++, slots);
      node.radius = OUTER;
    }
    group.to = angleAt(slot - 1 + 0.42, slots);
    slot++; // the gap between groups
  }
  const bySlug = new Map(network.nodes.map((node) => [node.slug, node]));
  const inner = network.nodes.filter((node) => node.category !== "PARTNER" && node.category !== "SELF");
  inner.forEach((node, i) => {
    let [x, y] = [0, 0];
    for (const edge of network.edges) {
      const other = bySlug.get(edge.from === node.slug ? edge.to : edge.to === node.slug ? edge.from : "");
      if (other && other.radius === OUTER) [x, y] = [x + Math.cos(other.angle), y + Math.sin(other.angle)];
    }
    node.angle = x || y ? Math.atan2(y, x) : (2 * Math.PI * i) / inner.length;
    node.radius = INNER;
  });
  for (const node of network.nodes) {
    node.radius ??= 0;
    node.angle ??= 0;
    node.x = Math.round(node.radius * Math.cos(node.angle));
    node.y = Math.round(node.radius * Math.sin(node.angle));
  }
  return groups;
}

/** A label in lines of at most 14 characters where the words allow ("Cell and Gene" /
 * "Therapy" / "Catapult"), so that it stays inside the drawing even at a phone's type size. */
function labelLines(text, width = 14) {
  const lines = [];
  for (const word of text.split(" ")) {
    const last = lines.length ? lines[lines.length - 1] : null;
    if (last !== null && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** SVG text in lines, placed in ems so that it sits right at whatever size the stylesheet
 * gives it: `first` is the first line's offset from y (e.g. -1.1 × (lines - 1) to end at y). */
function textLines(lines, x, y, first, anchor) {
  return s(
    "text",
    { "text-anchor": anchor },
    lines.map((line, i) => s("tspan", { x, ...(i ? { dy: "1.1em" } : { y, dy: `${first}em` }), text: line })),
  );
}

const point = (radius, angle) => [radius * Math.cos(angle), radius * Math.sin(angle)].map(Math.round);

/** A group's band along the ring and its name inside it. */
function groupBand(group) {
  const [x1, y1] = point(OUTER, group.from);
  const [x2, y2] = point(OUTER, group.to);
  const large = group.to - group.from > Math.PI ? 1 : 0;
  const middle = (group.from + group.to) / 2;
  const lines = labelLines(GROUP_NAMES[group.kind] || kindLabel(group.kind));
  // The name runs inwards from the band: it never meets the ring's nodes or their labels.
  const cos = Math.cos(middle);
  const anchor = cos > 0.35 ? "end" : cos < -0.35 ? "start" : "middle";
  const [lx, ly] = point(anchor === "middle" ? OUTER - 50 : OUTER - 30, middle);
  return s(
    "g",
    { class: `band band-${group.kind}`, "aria-hidden": "true" },
    s("path", { d: `M ${x1} ${y1} A ${OUTER} ${OUTER} 0 ${large} 1 ${x2} ${y2}` }),
    textLines(lines, lx, ly, 0.35 - 0.55 * (lines.length - 1), anchor),
  );
}

const GROUP_NAMES = {
  MEMORANDUM_OF_UNDERSTANDING: "Memoranda of understanding",
  MEMBERSHIP: "Memberships",
  LIAISON: "Liaison",
  PARTICIPATION: "Participation",
  COLLABORATION: "Collaborations",
  AFFILIATION: "Affiliation",
  NONE: "No agreement on record",
};

function drawNetwork(svg, network) {
  const groups = layout(network);
  const bySlug = new Map(network.nodes.map((node) => [node.slug, node]));
  const bands = s("g", { class: "bands" }, groups.map(groupBand));
  const edgeLayer = s("g", { class: "edges" });
  for (const edge of network.edges) {
    const [a, b] = [bySlug.get(edge.from), bySlug.get(edge.to)];
    edge.element = s(
      "line",
      { class: `edge edge-${edge.kind}`, x1: a.x, y1: a.y, x2: b.x, y2: b.y, "data-kind": edge.kind, "data-from": edge.from, "data-to": edge.to },
      s("title", { text: edge.titles.join("\n") }),
    );
    edgeLayer.append(edge.element);
  }
  const nodeLayer = s("g", { class: "nodes" });
  for (const node of network.nodes) {
    const radius = { SELF: 36, CO_FOUNDED: 20 }[node.category] || 13;
    const lines = labelLines(node.label);
    // Partners are labelled outwards: beside the node, or above or below it at the top and
    // bottom of the ring. The inner bodies are labelled below; ISCT inside.
    const sin = Math.sin(node.angle);
    const outwards = node.category === "PARTNER";
    const beside = outwards && Math.abs(sin) < 0.97;
    const right = Math.cos(node.angle) >= 0;
    let label;
    if (node.radius === 0) label = textLines(lines, node.x, node.y, 0.35, "middle");
    else if (beside) {
      const x = node.x + (radius + 6) * (right ? 1 : -1);
      label = textLines(lines, x, node.y, 0.35 - 0.55 * (lines.length - 1), right ? "start" : "end");
    } else if (outwards && sin < 0) {
      label = textLines(lines, node.x, node.y - radius - 6, -1.1 * (lines.length - 1), "middle");
    } else label = textLines(lines, node.x, node.y + radius + 4, 0.9, "middle");
    const title = s("title", { text: node.label === node.name ? node.name : `${node.name} (${node.label})` });
    const circle = s("circle", { cx: node.x, cy: node.y, r: radius });
    const attributes = { class: `node node-${node.category} kind-${node.kind || "SELF"}`, "data-slug": node.slug, "data-kind": node.kind };
    node.element = node.shown
      ? s("a", { ...attributes, href: `#org-${node.slug}` }, title, circle, label)
      : s("g", attributes, title, circle, label);
    nodeLayer.append(node.element);
  }
  network.pathLayer = s("g", { class: "path-lines", "aria-hidden": "true" });
  svg.replaceChildren(bands, edgeLayer, network.pathLayer, nodeLayer);
  return groups;
}

/** The figure's caption, with the same counts as the list. */
function networkSummary(network, groups, listed) {
  const year = network.year;
  const count = (kind) => network.edges.filter((edge) => edge.kind === kind).length;
  const ring = groups.map((group) => `${GROUP_NAMES[group.kind] || kindLabel(group.kind)}: ${group.nodes.length}`);
  const inner = network.nodes.filter((node) => node.category === "CO_FOUNDED").length;
  const lines = [
    plural(count("cofounding"), "co-founding", "co-foundings"),
    plural(count("person"), "shared representative", "shared representatives"),
    plural(count("seat"), "seat on an ISCT body", "seats on ISCT bodies"),
  ];
  if (count("agreement")) lines.push(plural(count("agreement"), "other agreement", "other agreements"));
  return (
    (year === null ? "" : `At the end of ${year}: `) +
    `ISCT and the ${listed} organizations ${year === null ? "listed" : "standing"}: the ${inner} it co-founded inside, the ` +
    `${listed - inner} partners on the ring by their agreement with ISCT (${ring.join("; ")}). ` +
    `Lines: ${listSentence(lines)}.`
  );
}

// ---------------------------------------------------------------------------- filters

const controls = {
  q: document.getElementById("filter-search"),
  category: document.getElementById("filter-category"),
  region: document.getElementById("filter-region"),
  kind: document.getElementById("filter-kind"),
};

/** A region and every region GEOGRAPHY places inside it. */
const within = (region) => new Set([region, ...(GEOGRAPHY[region] || [])]);

function currentFilters() {
  return {
    words: fold(controls.q.value).split(/\s+/).filter(Boolean),
    category: controls.category.value,
    regions: controls.region.value ? within(controls.region.value) : null,
    kind: controls.kind.value,
  };
}

function matches(org, filters) {
  return (
    (!filters.category || org.category === filters.category) &&
    (!filters.regions || org.regions.some((region) => filters.regions.has(region))) &&
    (!filters.kind || org.agreements.some((agreement) => agreement.kind === filters.kind)) &&
    filters.words.every((word) => org.searchText.includes(word))
  );
}

/** The Region options: each continent the data reaches, with the recorded regions inside it
 * indented below, then any recorded region GEOGRAPHY does not place; each with its count. */
function regionOptions(orgs) {
  const recorded = new Set(orgs.flatMap((org) => org.regions));
  const placed = new Set(Object.values(GEOGRAPHY).flat());
  const top = [...new Set([...Object.keys(GEOGRAPHY), ...recorded])]
    .filter((region) => !placed.has(region) && [...within(region)].some((inner) => recorded.has(inner)))
    .sort((a, b) => a.localeCompare(b));
  const count = (region) => orgs.filter((org) => matches(org, { words: [], regions: within(region) })).length;
  const option = (region, indent) =>
    h("option", { value: region, text: `${indent ? "\u00a0\u00a0\u00a0\u00a0" : ""}${region} (${count(region)})` });
  return top.flatMap((region) => [
    option(region, false),
    ...(GEOGRAPHY[region] || []).filter((inner) => recorded.has(inner)).map((inner) => option(inner, true)),
  ]);
}

/** Filters in the address bar, so that a filtered view can be linked to. */
function saveFilters() {
  const parameters = new URLSearchParams();
  for (const [name, control] of Object.entries(controls)) {
    if (control.value) parameters.set(name, control.value);
  }
  const search = parameters.toString();
  history.replaceState(null, "", `${search ? `?${search}` : window.location.pathname}${window.location.hash}`);
}

function restoreFilters() {
  const parameters = new URLSearchParams(window.location.search);
  for (const [name, control] of Object.entries(controls)) {
    const value = parameters.get(name);
    if (value === null) continue;
    if (control.tagName === "SELECT" && ![...control.options].some((option) => option.value === value)) continue;
    control.value = value;
  }
}

// ---------------------------------------------------------------------------- the year

/** The first and last years the answer dates (foundings and agreements), or null. */
function datedYears(orgs) {
  const years = orgs
    .flatMap((org) => [org.foundedYear, ...org.agreements.map((agreement) => agreement.year)])
    .filter((year) => typeof year === "number");
  return years.length ? [Math.min(...years), Math.max(...years)] : null;
}

/** The year slider: from the first dated year to the last, then one more position, "now"
 * (the default: the page's own answer). Each other year is asked for once, after the thumb
 * rests for a moment, and drawn with `redraw(year, data)`; `redraw(null)` draws now. */
function setUpYears(orgs, redraw) {
  const slider = document.getElementById("network-year");
  const shown = document.getElementById("network-year-value");
  const status = document.getElementById("network-year-status");
  const range = datedYears(orgs);
  if (!range) {
    slider.closest(".era").hidden = true; // nothing dated: every year is now
    return;
  }
  const [first, last] = range;
  const now = last + 1;
  slider.min = String(first);
  slider.max = String(now);
  slider.value = String(now);
  slider.disabled = false;
  const answers = new Map(); // year -> the promise of its answer
  let wanted = null;
  let timer;

  async function load(year) {
    wanted = year;
    if (year === null) {
      status.classList.remove("failed");
      status.textContent = redraw(null);
      return;
    }
    if (!answers.has(year)) answers.set(year, graphql(YEAR_QUERY, "NetworkAsOf", { asOf: year }));
    try {
      const data = await answers.get(year);
      if (wanted !== year) return; // the thumb has moved on
      status.classList.remove("failed");
      status.textContent = redraw(year, data);
    } catch (error) {
      answers.delete(year);
      if (wanted !== year) return;
      status.classList.add("failed");
      status.textContent = `The network at the end of ${year} could not be loaded: ${error.message}.`;
    }
  }

  slider.addEventListener("input", () => {
    const year = Number(slider.value) === now ? null : Number(slider.value);
    shown.textContent = year === null ? "now" : String(year);
    slider.setAttribute("aria-valuetext", year === null ? "now, all years" : `the end of ${year}`);
    clearTimeout(timer);
    timer = setTimeout(() => load(year), 120);
  });
}

// ---------------------------------------------------------------------------- connections

const KIND_SHORT = { MEMORANDUM_OF_UNDERSTANDING: "MOU" };
const fullName = (org) => (org.acronym ? `${org.name} (${org.acronym})` : org.name);

/** The bodies the selects offer: ISCT, the listed ones, then every other body the answer
 * names (units and related bodies, as agreements' parties and seats' bodies), each once. */
function connectOptions(data, orgs) {
  const seen = new Map();
  const add = (org) => {
    if (org && org.slug && org.name && !seen.has(org.slug)) seen.set(org.slug, org);
  };
  const society = data.society.nodes;
  const listed = [...society, ...orgs];
  listed.forEach(add);
  for (const org of orgs) {
    org.agreements.forEach((agreement) => agreement.parties.forEach(add));
    for (const seat of org.representatives) {
      add(seat.onBehalfOf);
      seat.person.representations.forEach((other) => add(other.organization));
    }
    org.delegates.forEach((seat) => add(seat.organization));
    org.cofounders.forEach(add);
  }
  const byName = (a, b) => a.name.localeCompare(b.name);
  const listedSlugs = new Set(listed.map((org) => org.slug));
  const groups = [
    { label: "ISCT", orgs: society },
    { label: GROUPS.CO_FOUNDED.title, orgs: orgs.filter((org) => org.category === "CO_FOUNDED") },
    { label: GROUPS.PARTNER.title, orgs: orgs.filter((org) => org.category === "PARTNER") },
    { label: "Units and related bodies", orgs: [...seen.values()].filter((org) => !listedSlugs.has(org.slug)).sort(byName) },
  ];
  return { groups: groups.filter((group) => group.orgs.length), bySlug: seen };
}

/** Is `org` the body `end` of a step, or one of its units (a tie rolled up)? */
const sideOf = (org, end) => Boolean(org) && (org.slug === end.slug || org.parent?.slug === end.slug);

/** What ties step a -> b, in words: [what, details or null]. */
function describeTie(tie, a, b) {
  const agreement = tie.agreement;
  const person = tie.person?.name || "Someone";
  const seats = tie.seats || [];
  switch (tie.kind) {
    case "AGREEMENT": {
      const kind = KIND_SHORT[agreement.kind] || kindLabel(agreement.kind);
      return [`${kind}${agreement.year ? ` ${agreement.year}` : ""}: ${agreement.title}`, null];
    }
    case "CO_FOUNDING": {
      const when = agreement.year ? ` (${agreement.year})` : "";
      return [sideOf(agreement.establishes, b) ? `co-founded${when}` : `co-founded by${when}`, agreement.title];
    }
    case "UNIT": {
      const unit = tie.from.parent?.slug === tie.to.slug ? tie.from : tie.to;
      return [unit.slug === a.slug ? "unit of" : "has as a unit", null];
    }
    case "SHARED_PERSON":
      return [
        `${person} sits on both`,
        seats.map((seat) => `${seat.role} (${shortName(seat.organization)})`).join("; ") || null,
      ];
    case "SEAT": {
      const [seat] = seats;
      if (!seat) return [`${person} holds a seat for the other`, null];
      const at = shortName(seat.organization);
      return [`${person}: ${seat.role} (a seat at ${at} on behalf of ${shortName(seat.onBehalfOf)})`, null];
    }
    default:
      return [kindLabel(tie.kind).toLowerCase(), null];
  }
}

/** One path: each body, and between two bodies what ties them. A listed body links to its
 * row. */
function pathItem(path, listed) {
  const steps = [];
  path.organizations.forEach((org, i) => {
    const name = listed.has(org.slug)
      ? h("a", { href: `#org-${org.slug}`, text: fullName(org) })
      : h("span", { text: fullName(org) });
    steps.push(h("li", { class: "stop", "data-slug": org.slug }, name));
    const tie = path.ties[i];
    if (!tie) return;
    const [what, detail] = describeTie(tie, org, path.organizations[i + 1]);
    steps.push(
      h(
        "li",
        { class: `tie tie-${tie.kind}`, "data-kind": tie.kind },
        h("span", { class: "tie-what", text: what }),
        detail ? h("span", { class: "tie-detail", text: detail }) : null,
      ),
    );
  });
  return h("li", { class: "path" }, h("ol", { class: "chain" }, steps));
}

/** Marks the bodies of the paths shown, and draws their steps, on the network; a unit is
 * marked as the body it belongs to. */
function highlight(view) {
  const network = view.network;
  if (!network.pathLayer) return;
  network.pathLayer.replaceChildren();
  for (const node of network.nodes) node.element.classList.remove("on-path");
  if (!view.paths) return;
  const bySlug = new Map(network.nodes.map((node) => [node.slug, node]));
  const drawn = (org) =>
    bySlug.get(network.owner.get(org.slug)) || (org.parent && bySlug.get(network.owner.get(org.parent.slug)));
  const lines = new Set();
  for (const path of view.paths) {
    const stops = path.organizations.map(drawn);
    stops.forEach((node) => node && node.element.classList.add("on-path"));
    for (let i = 1; i < stops.length; i++) {
      const [a, b] = [stops[i - 1], stops[i]];
      const key = a && b ? [a.slug, b.slug].sort().join(" ") : "";
      if (!key || a === b || lines.has(key)) continue;
      lines.add(key);
      network.pathLayer.append(
        s("line", { class: "path-line", x1: a.x, y1: a.y, x2: b.x, y2: b.y, "data-from": a.slug, "data-to": b.slug }),
      );
    }
  }
}

/** "How are these connected?": the form, its answer in words, and the paths on the drawing.
 * Returns `again()`, which asks the last question again (for another year or new data), and
 * `fill(data, orgs)`, which offers the bodies of a new answer. */
function setUpConnections(data, orgs, view) {
  const form = document.getElementById("connect");
  const from = document.getElementById("connect-from");
  const to = document.getElementById("connect-to");
  const result = document.getElementById("connect-result");
  const list = document.getElementById("connect-paths");
  let options;
  let listed;
  /** The selects' bodies, from an answer; a body still offered stays chosen. */
  function fill(answer, list) {
    options = connectOptions(answer, list);
    listed = new Set(list.map((org) => org.slug));
    for (const select of [from, to]) {
      const chosen = select.value;
      select.replaceChildren(
        select.options[0],
        ...options.groups.map((group) =>
          h("optgroup", { label: group.label }, group.orgs.map((org) => h("option", { value: org.slug, text: fullName(org) }))),
        ),
      );
      select.value = options.bySlug.has(chosen) ? chosen : "";
    }
  }
  fill(data, orgs);
  let asked = 0;
  let question = null;

  async function ask() {
    const ticket = ++asked;
    const year = view.network.year ?? null;
    const [a, b] = [options.bySlug.get(question.from), options.bySlug.get(question.to)];
    const inYear = year === null ? "" : ` at the end of ${year}`;
    result.textContent = `Looking for how ${shortName(a)} and ${shortName(b)} are connected${inYear}…`;
    let paths;
    try {
      const answer = await graphql(PATH_QUERY, "HowConnected", { from: a.slug, to: b.slug, asOf: year });
      paths = answer.path;
    } catch (error) {
      if (ticket !== asked) return;
      view.paths = null;
      highlight(view);
      list.hidden = true;
      result.textContent = `Could not find out how they are connected: ${error.message}.`;
      return;
    }
    if (ticket !== asked) return; // a newer question was asked meanwhile
    view.paths = paths.length ? paths : null;
    highlight(view);
    list.replaceChildren(...paths.map((path) => pathItem(path, listed)));
    list.hidden = !paths.length || paths[0].length === 0;
    if (!paths.length) {
      result.textContent = `There is no connection between ${fullName(a)} and ${fullName(b)} within ${MAX_HOPS} ties${inYear}.`;
    } else if (paths[0].length === 0) {
      result.textContent = `${fullName(a)} is chosen twice: choose two different bodies.`;
    } else {
      const count =
        paths.length === 1
          ? "one shortest path"
          : `${paths.length === MOST_PATHS ? "the first " : ""}${paths.length} shortest paths`;
      result.textContent =
        `${shortName(a)} and ${shortName(b)} are ${plural(paths[0].length, "tie", "ties")} apart${inYear}: ` +
        `${count}, marked on the network.`;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    question = { from: from.value, to: to.value };
    ask();
  });
  const again = () => {
    if (question) ask();
  };
  return { again, fill };
}

// ---------------------------------------------------------------------------- the page

/** Shows the rows and nodes the filters select, and says how many in the status line, with
 * `note` (the time of a live update) after it. */
function show(orgs, network, totals, note = "") {
  const filters = currentFilters();
  const visible = new Set();
  for (const org of orgs) {
    const shown = matches(org, filters);
    org.entry.hidden = !shown;
    if (shown) visible.add(org.slug);
  }
  const counts = {};
  for (const group of Object.keys(GROUPS)) {
    const section = document.getElementById(`group-${group}`);
    const members = orgs.filter((org) => org.category === group);
    counts[group] = members.filter((org) => visible.has(org.slug)).length;
    section.hidden = Boolean(filters.category) && filters.category !== group;
    section.querySelector(".group-count").textContent = `${counts[group]} of ${members.length}`;
    section.querySelector(".empty").hidden = counts[group] > 0;
  }
  for (const node of network.nodes) {
    if (!node.shown) continue;
    const dim = !visible.has(node.slug);
    node.element.classList.toggle("dim", dim);
    // A faded node is no link: its row is hidden.
    if (dim) node.element.removeAttribute("href");
    else node.element.setAttribute("href", `#org-${node.slug}`);
  }
  for (const edge of network.edges) {
    const faded = [edge.from, edge.to].some((slug) => network.listed.has(slug) && !visible.has(slug));
    edge.element.classList.toggle("dim", faded);
  }
  const truncated = totals.total > orgs.length ? ` The first ${orgs.length} of ${totals.total} were loaded.` : "";
  document.getElementById("status").replaceChildren(
    `Showing ${visible.size} of ${orgs.length} organizations: ` +
      `${counts.CO_FOUNDED} co-founded, ${plural(counts.PARTNER, "partner", "partners")}.${truncated}`,
    note ? h("span", { class: "updated", text: ` ${note}` }) : "",
  );
}

/** `value` as JSON with every object's keys in order: two answers that say the same thing
 * give the same text, whatever order their fields came in. */
function canonical(value) {
  return JSON.stringify(value, (key, item) =>
    item && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.keys(item).sort().map((name) => [name, item[name]]))
      : item,
  );
}

/** The listed organizations of an answer, each with its search text and a key that changes
 * whenever anything the row shows does. */
function organizationsOf(data) {
  const orgs = [...data.cofounded.nodes, ...data.partners.nodes];
  for (const org of orgs) {
    org.key = canonical(org);
    org.searchText = searchText(org);
  }
  return orgs;
}

/** The Region and Agreement options for `orgs`; a choice still offered stays chosen. */
function fillChoices(orgs) {
  const kinds = [...new Set(orgs.flatMap((org) => org.agreements.map((agreement) => agreement.kind)))];
  kinds.sort((a, b) => kindLabel(a).localeCompare(kindLabel(b)));
  const choices = [
    [controls.region, regionOptions(orgs)],
    [controls.kind, kinds.map((kind) => h("option", { value: kind, text: kindLabel(kind) }))],
  ];
  for (const [select, options] of choices) {
    const chosen = select.value;
    select.replaceChildren(select.options[0], ...options);
    select.value = chosen;
    if (select.value !== chosen) select.value = "";
  }
}

/** Puts the rows of a new answer in place of the old: a row whose data did not change is kept
 * as it is (its element, its open state, the focus in it); a changed one is rebuilt, opened if
 * it was; a group is rebuilt only if its members or their order changed. */
function replaceRows(previous, orgs) {
  const before = new Map(previous.map((org) => [org.slug, org]));
  const focused = document.activeElement;
  let focusTo = null;
  for (const org of orgs) {
    const old = before.get(org.slug);
    if (old && old.key === org.key) {
      org.entry = old.entry;
      continue;
    }
    org.entry = entry(org);
    if (!old) continue;
    org.entry.querySelector("details").open = old.entry.querySelector("details").open;
    if (old.entry.contains(focused)) focusTo = org.entry.querySelector("summary");
    old.entry.replaceWith(org.entry);
  }
  for (const category of Object.keys(GROUPS)) {
    const list = document.querySelector(`#group-${category} .orgs`);
    const items = orgs.filter((org) => org.category === category).map((org) => org.entry);
    if (items.length !== list.children.length || items.some((item, i) => list.children[i] !== item)) {
      list.replaceChildren(...items);
    }
  }
  if (focusTo) focusTo.focus({ preventScroll: true });
  else if (focused && focused.isConnected && document.activeElement !== focused) focused.focus({ preventScroll: true });
}

async function main() {
  const form = document.getElementById("filters");
  const results = document.getElementById("results");
  let data;
  try {
    data = await fetchPage();
  } catch (error) {
    document.getElementById("status").textContent = "The organizations could not be loaded.";
    const alert = document.getElementById("error");
    alert.textContent = `Could not load the organizations: ${error.message}. Reload the page to try again.`;
    alert.hidden = false;
    results.removeAttribute("aria-busy");
    return;
  }
  let shownAnswer = canonical(data); // before the rows add their own fields to it
  let orgs = organizationsOf(data);
  let totals = { total: data.cofounded.totalCount + data.partners.totalCount };
  results.replaceChildren(
    ...Object.keys(GROUPS).map((category) => groupSection(category, orgs.filter((org) => org.category === category))),
  );
  results.removeAttribute("aria-busy");

  fillChoices(orgs);

  // ISCT itself, the drawing's centre: the organization of category SELF. The drawing shows
  // now, or the year the slider chose (`view.network.year`).
  const view = { network: null, paths: null };
  const svg = document.getElementById("network");
  const summary = document.getElementById("network-summary");
  /** Draws the network of `list` around `centre` (for `year`, null for now); says what it drew. */
  const draw = (list, centre, year) => {
    const network = centre ? networkOf(list, centre, year) : { nodes: [], edges: [], owner: new Map(), year };
    network.listed = new Set(list.map((org) => org.slug));
    view.network = network;
    if (!centre) {
      svg.replaceChildren();
      summary.textContent = year === null ? "" : `ISCT did not stand yet at the end of ${year}.`;
      return summary.textContent;
    }
    const groups = drawNetwork(svg, network);
    summary.textContent = networkSummary(network, groups, list.length);
    const when = year === null ? "Now, all years" : `At the end of ${year}`;
    return `${when}: ${plural(network.nodes.length, "body", "bodies")} and ${plural(network.edges.length, "line", "lines")} drawn.`;
  };
  let [society] = data.society.nodes;
  draw(orgs, society, null);
  if (!society) document.querySelector(".network").hidden = true; // no centre to draw around

  restoreFilters();
  const update = () => {
    show(orgs, view.network, totals);
    saveFilters();
  };
  form.addEventListener("input", update);
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    for (const control of Object.values(controls)) control.value = "";
    update();
    controls.q.focus();
  });
  // A node of the network links to its organization: open the details and move the focus.
  document.getElementById("network").addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link) return;
    event.preventDefault();
    const slug = link.dataset.slug;
    if (reveal(slug)) history.replaceState(null, "", `#org-${slug}`);
  });
  const fromHash = () => {
    const match = /^#org-(.+)$/.exec(window.location.hash);
    if (match) reveal(decodeURIComponent(match[1]));
  };
  window.addEventListener("hashchange", fromHash);
  let connections = null;
  if (society) {
    connections = setUpConnections(data, orgs, view);
    const again = connections.again;
    setUpYears(orgs, (year, yearData) => {
      const said =
        year === null
          ? draw(orgs, society, null)
          : draw([...yearData.cofounded.nodes, ...yearData.partners.nodes], yearData.society.nodes[0], year);
      show(orgs, view.network, totals);
      highlight(view);
      again(); // the question shown, for this year
      return said;
    });
  }
  show(orgs, view.network, totals);
  fromHash();
  document.body.dataset.ready = "true";

  // Live: each new answer replaces the one shown, in place. The filters, the search, the
  // scroll position, opened rows and the focus stay; the status line says when it happened.
  watchPage((next) => {
    const answer = canonical(next);
    if (answer === shownAnswer || !next.cofounded || !next.partners) return; // the first answer, say
    shownAnswer = answer;
    const previous = orgs;
    data = next;
    orgs = organizationsOf(next);
    totals = { total: next.cofounded.totalCount + next.partners.totalCount };
    replaceRows(previous, orgs);
    fillChoices(orgs);
    if (society && next.society.nodes[0]) {
      society = next.society.nodes[0];
      connections.fill(next, orgs);
      if (view.network.year == null) draw(orgs, society, null); // a past year's drawing stays
      highlight(view);
    }
    const time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    show(orgs, view.network, totals, `Updated at ${time}.`);
    saveFilters();
  });
}

main();
