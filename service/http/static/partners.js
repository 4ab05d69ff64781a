// The partners page (index.html): a reference client of the GraphQL API.
//
// One request fetches everything the page shows: the co-founded bodies and the partners, each
// with its agreements, representatives, co-founders and initiatives (the API contract's
// "frontend query", extended). Filters and search then work on that one answer, in the
// browser, with no further request. The DOM is built with textContent only: data is never
// parsed as HTML. No framework and no build step: copy the file and adapt it.
"use strict";

const QUERY = `query PartnersPage {
  cofounded: organizations(first: 100, filter: {category: CO_FOUNDED}) {
    totalCount nodes { ...Card }
  }
  partners: organizations(first: 100, filter: {category: PARTNER}) {
    totalCount nodes { ...Card }
  }
}

fragment Card on Organization {
  id slug name acronym category regions description foundedYear
  units { id slug }
  agreements { id kind year title parties { id slug name acronym category } }
  representatives {
    id role designation
    onBehalfOf { id slug name acronym }
    person { id slug name credentials representations { id role organization { id slug name acronym } } }
  }
  delegates { id role person { id name credentials } organization { id name acronym } }
  cofounders { id slug name acronym category }
  initiatives { id name kind recurrence year }
}`;

const GROUPS = ["CO_FOUNDED", "PARTNER"];
const KIND_LABELS = {
  CO_FOUNDING: "Co-founding",
  MEMORANDUM_OF_UNDERSTANDING: "Memorandum of understanding",
  MEMBERSHIP: "Membership",
  LIAISON: "Liaison",
  COLLABORATION: "Collaboration",
  AFFILIATION: "Affiliation",
  PARTICIPATION: "Participation",
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

async function fetchPage() {
  const response = await fetch("graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ query: QUERY, operationName: "PartnersPage" }),
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

// ---------------------------------------------------------------------------- cards

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
    ]
      .filter(Boolean)
      .join("\n"),
  );
}

/** The dated and undated events of an organization's timeline: agreements and its founding. */
function timelineEvents(org) {
  const events = org.agreements.map((agreement) => ({
    year: agreement.year,
    kind: agreement.kind,
    label: kindLabel(agreement.kind),
    title: agreement.title,
  }));
  if (org.foundedYear !== null) {
    const founders = org.cofounders.map(shortName);
    events.push({
      year: org.foundedYear,
      kind: "FOUNDED",
      label: "Founded",
      title: founders.length ? `Co-founded by ${listSentence(founders)}` : "Founded",
    });
  }
  return events.sort((a, b) => (a.year ?? Infinity) - (b.year ?? Infinity));
}

function timeline(org, span) {
  const events = timelineEvents(org);
  if (!events.length) return h("p", { class: "none", text: "No agreement on record." });
  const dated = events.filter((event) => event.year !== null);
  const track = h(
    "div",
    { class: "track", "aria-hidden": "true" },
    h("span", { class: "track-start", text: String(span.from) }),
    h("span", { class: "track-end", text: String(span.to) }),
  );
  const at = (year) => `${(100 * (year - span.from)) / Math.max(1, span.to - span.from)}%`;
  for (let year = Math.ceil((span.from + 3) / 5) * 5; year <= span.to - 3; year += 5) {
    const tick = h("span", { class: "tick", text: String(year) });
    tick.style.left = at(year); // CSSOM, not a style attribute: the CSP allows it
    track.append(tick);
  }
  const sameYear = {};
  for (const event of dated) {
    const mark = h("span", { class: `mark kind-${event.kind}`, title: `${event.year}: ${event.title}` });
    mark.style.left = at(event.year);
    const stacked = (sameYear[event.year] = (sameYear[event.year] ?? -1) + 1);
    if (stacked) mark.style.bottom = `${stacked * 13 - 7}px`; // events of one year pile up
    track.append(mark);
  }
  return [
    dated.length ? track : null,
    h(
      "ol",
      { class: "timeline" },
      events.map((event) =>
        h(
          "li",
          {},
          event.year === null
            ? h("span", { class: "year undated", text: "undated" })
            : h("time", { class: "year", datetime: String(event.year), text: String(event.year) }),
          " ",
          h("span", { class: `kind kind-${event.kind}`, text: event.label }),
          " ",
          h("span", { class: "title", text: event.title }),
        ),
      ),
    ),
  ];
}

function personName(person) {
  const credentials = person.credentials.length ? `, ${person.credentials.join(", ")}` : "";
  return `${person.name}${credentials}`;
}

function representatives(org, scope) {
  if (!org.representatives.length) return h("p", { class: "none", text: "No representative on record." });
  return h(
    "ul",
    { class: "people" },
    org.representatives.map((seat) => {
      const elsewhere = seat.person.representations.filter(
        (other) => !scope.has(other.organization.slug),
      );
      const onBehalf = seat.onBehalfOf.slug === "isct" ? "" : ` (for ${shortName(seat.onBehalfOf)})`;
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
      );
    }),
  );
}

function card(org, span) {
  const id = `org-${org.slug}`;
  const scope = new Set([org.slug, ...org.units.map((unit) => unit.slug)]);
  const facts = [
    org.foundedYear !== null ? `Founded ${org.foundedYear}` : null,
    org.cofounders.length ? `Co-founded by ${listSentence(org.cofounders.map(shortName))}` : null,
    org.regions.length ? `Regions: ${org.regions.join(", ")}` : null,
  ].filter(Boolean);
  const sections = [
    h("section", { class: "agreements" }, h("h4", { text: "Agreements" }), timeline(org, span)),
    h("section", { class: "representatives" }, h("h4", { text: "Representatives" }), representatives(org, scope)),
  ];
  if (org.delegates.length) {
    sections.push(
      h(
        "section",
        { class: "delegates" },
        h("h4", { text: `Seats held for ${shortName(org)}` }),
        h(
          "ul",
          { class: "people" },
          org.delegates.map((seat) =>
            h("li", {}, h("span", { class: "person", text: personName(seat.person) }), ` — ${seat.role}`),
          ),
        ),
      ),
    );
  }
  if (org.initiatives.length) {
    sections.push(
      h(
        "section",
        { class: "initiatives" },
        h("h4", { text: "Joint initiatives" }),
        h(
          "ul",
          {},
          org.initiatives.map((initiative) => {
            const when = [initiative.recurrence, initiative.year].filter(Boolean).join(", ");
            return h("li", { text: when ? `${initiative.name} (${when})` : initiative.name });
          }),
        ),
      ),
    );
  }
  return h(
    "article",
    { class: "card", id, tabindex: "-1", "aria-labelledby": `${id}-name`, "data-slug": org.slug },
    h(
      "header",
      {},
      h("h3", { id: `${id}-name` }, org.name, org.acronym ? h("span", { class: "acronym", text: ` (${org.acronym})` }) : null),
      facts.length ? h("p", { class: "facts", text: facts.join(" · ") }) : null,
    ),
    org.description ? h("p", { class: "description", text: org.description }) : null,
    sections,
  );
}

// ---------------------------------------------------------------------------- network

/** Nodes (organizations) and edges (agreements, co-foundings, shared representatives). */
function networkOf(orgs) {
  const nodes = new Map();
  const edges = new Map();
  const addNode = (org, shown = false) => {
    const node = nodes.get(org.slug);
    if (node) node.shown ||= shown;
    else nodes.set(org.slug, { slug: org.slug, name: org.name, label: shortName(org), category: org.category, shown });
  };
  const addEdge = (kind, from, to, title) => {
    const key = `${kind} ${[from, to].sort().join(" ")}`;
    const edge = edges.get(key) || { kind, from, to, titles: [] };
    if (!edge.titles.includes(title)) edge.titles.push(title);
    edges.set(key, edge);
  };

  for (const org of orgs) addNode(org, true);
  const seats = new Map(); // person slug -> the shown organizations they sit at
  for (const org of orgs) {
    const scope = new Set([org.slug, ...org.units.map((unit) => unit.slug)]);
    for (const agreement of org.agreements) {
      if (agreement.kind === "CO_FOUNDING") continue; // drawn from `cofounders` below
      for (const party of agreement.parties) {
        if (scope.has(party.slug)) continue;
        addNode(party);
        const year = agreement.year ? ` (${agreement.year})` : "";
        addEdge("agreement", org.slug, party.slug, `${agreement.title}${year}`);
      }
    }
    for (const founder of org.cofounders) {
      addNode(founder);
      addEdge("cofounding", founder.slug, org.slug, `${shortName(founder)} co-founded ${shortName(org)}`);
    }
    for (const seat of org.representatives) {
      const entry = seats.get(seat.person.slug) || { name: seat.person.name, orgs: new Set() };
      entry.orgs.add(org.slug);
      seats.set(seat.person.slug, entry);
    }
  }
  for (const { name, orgs: at } of seats.values()) {
    const slugs = [...at].sort();
    for (let i = 0; i < slugs.length; i++) {
      for (let j = i + 1; j < slugs.length; j++) {
        const [a, b] = [nodes.get(slugs[i]), nodes.get(slugs[j])];
        addEdge("person", a.slug, b.slug, `${name} represents ISCT at ${a.label} and ${b.label}`);
      }
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** The partners, in name order, except that partners linked through the same inner body
 * (FACT's co-founder and FACT's other seat, say) sit next to each other. */
function outerRing(network, isOuter) {
  const outer = network.nodes.filter(isOuter).sort((a, b) => a.name.localeCompare(b.name));
  const neighbours = new Map(); // inner node -> its outer neighbours
  for (const edge of network.edges) {
    for (const [a, b] of [[edge.from, edge.to], [edge.to, edge.from]]) {
      if (!neighbours.has(a)) neighbours.set(a, new Set());
      neighbours.get(a).add(b);
    }
  }
  const outerSlugs = new Set(outer.map((node) => node.slug));
  const cluster = new Map(); // outer slug -> the outer slugs it should sit with
  for (const node of network.nodes) {
    if (outerSlugs.has(node.slug) || node.category === "SELF") continue;
    const group = [...(neighbours.get(node.slug) || [])].filter((slug) => outerSlugs.has(slug));
    for (const slug of group) cluster.set(slug, [...new Set([...(cluster.get(slug) || []), ...group])]);
  }
  const placed = new Set();
  const ordered = [];
  for (const node of outer) {
    for (const slug of [node.slug, ...(cluster.get(node.slug) || [])]) {
      if (placed.has(slug)) continue;
      placed.add(slug);
      ordered.push(outer.find((candidate) => candidate.slug === slug));
    }
  }
  return ordered;
}

/** ISCT at the centre, partners on the outer ring, every other body on the inner ring next
 * to the partners it is linked to. Deterministic: the same data draws the same picture. */
function layout(network) {
  const OUTER = 250;
  const INNER = 125;
  const outer = outerRing(network, (node) => node.category === "PARTNER");
  outer.forEach((node, i) => {
    node.angle = (2 * Math.PI * i) / outer.length - Math.PI / 2;
    node.radius = OUTER;
  });
  const inner = network.nodes.filter((node) => node.category !== "PARTNER" && node.category !== "SELF");
  const bySlug = new Map(network.nodes.map((node) => [node.slug, node]));
  inner.forEach((node, i) => {
    let x = 0;
    let y = 0;
    for (const edge of network.edges) {
      const other = edge.from === node.slug ? edge.to : edge.to === node.slug ? edge.from : null;
      const target = other && bySlug.get(other);
      if (target && target.radius === OUTER) {
        x += Math.cos(target.angle);
        y += Math.sin(target.angle);
      }
    }
    node.angle = x || y ? Math.atan2(y, x) : (2 * Math.PI * i) / Math.max(1, inner.length);
    node.radius = INNER;
  });
  // Spread the inner ring so that no two of its nodes overlap.
  const gap = Math.min((2 * Math.PI) / Math.max(1, inner.length), 0.5);
  inner.sort((a, b) => a.angle - b.angle);
  for (let pass = 0; pass < 20; pass++) {
    for (let i = 1; i < inner.length; i++) {
      const overlap = gap - (inner[i].angle - inner[i - 1].angle);
      if (overlap > 0) {
        inner[i - 1].angle -= overlap / 2;
        inner[i].angle += overlap / 2;
      }
    }
  }
  for (const node of network.nodes) {
    if (node.category === "SELF") node.radius = 0;
    node.angle ??= 0;
    node.x = Math.round(node.radius * Math.cos(node.angle));
    node.y = Math.round(node.radius * Math.sin(node.angle));
  }
}

/** A label of at most two short lines: "Cell and Gene" / "Therapy Catapult". */
function labelLines(text) {
  if (text.length <= 14 || !text.includes(" ")) return [text];
  const words = text.split(" ");
  let best = [text];
  let bestWidth = Infinity;
  for (let i = 1; i < words.length; i++) {
    const lines = [words.slice(0, i).join(" "), words.slice(i).join(" ")];
    const width = Math.max(...lines.map((line) => line.length));
    if (width < bestWidth) [best, bestWidth] = [lines, width];
  }
  return best;
}

function drawNetwork(svg, network) {
  layout(network);
  const bySlug = new Map(network.nodes.map((node) => [node.slug, node]));
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
    const radius = { SELF: 34, CO_FOUNDED: 18, PARTNER: 12 }[node.category] || 9;
    const lines = labelLines(node.label);
    const lineHeight = 19;
    // Partners are labelled outwards: beside the node, or above or below it at the top and
    // bottom of the ring. The other bodies are labelled below (ISCT inside).
    const sin = Math.sin(node.angle);
    const outwards = node.category === "PARTNER";
    const beside = outwards && Math.abs(sin) < 0.97;
    const right = Math.cos(node.angle) >= 0;
    const x = beside ? node.x + (radius + 6) * (right ? 1 : -1) : node.x;
    let top = node.y + (node.radius > 0 ? radius + 18 : 6);
    if (beside) top = node.y + 6 - ((lines.length - 1) * lineHeight) / 2;
    else if (outwards && sin < 0) top = node.y - radius - 7 - (lines.length - 1) * lineHeight;
    const label = s(
      "text",
      { "text-anchor": beside ? (right ? "start" : "end") : "middle" },
      lines.map((line, i) => s("tspan", { x, y: top + i * lineHeight, text: line })),
    );
    const title = s("title", { text: node.label === node.name ? node.name : `${node.name} (${node.label})` });
    const circle = s("circle", { cx: node.x, cy: node.y, r: radius });
    node.element = node.shown
      ? s("a", { class: `node node-${node.category}`, href: `#org-${node.slug}`, "data-slug": node.slug }, title, circle, label)
      : s("g", { class: `node node-${node.category}`, "data-slug": node.slug }, title, circle, label);
    nodeLayer.append(node.element);
  }
  svg.replaceChildren(edgeLayer, nodeLayer);
}

// ---------------------------------------------------------------------------- filters

const controls = {
  q: document.getElementById("filter-search"),
  category: document.getElementById("filter-category"),
  region: document.getElementById("filter-region"),
  kind: document.getElementById("filter-kind"),
};

function currentFilters() {
  return {
    words: fold(controls.q.value).split(/\s+/).filter(Boolean),
    category: controls.category.value,
    region: controls.region.value,
    kind: controls.kind.value,
  };
}

function matches(org, filters) {
  return (
    (!filters.category || org.category === filters.category) &&
    (!filters.region || org.regions.includes(filters.region)) &&
    (!filters.kind || org.agreements.some((agreement) => agreement.kind === filters.kind)) &&
    filters.words.every((word) => org.searchText.includes(word))
  );
}

function fillOptions(select, values, label) {
  select.append(...values.map((value) => h("option", { value, text: label(value) })));
}

/** Filters in the address bar, so that a filtered view can be linked to. */
function saveFilters() {
  const parameters = new URLSearchParams();
  for (const [name, control] of Object.entries(controls)) {
    if (control.value) parameters.set(name, control.value);
  }
  const search = parameters.toString();
  history.replaceState(null, "", search ? `?${search}` : window.location.pathname);
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

// ---------------------------------------------------------------------------- the page

function show(orgs, network, totals) {
  const filters = currentFilters();
  const visible = new Set();
  for (const org of orgs) {
    const shown = matches(org, filters);
    org.card.hidden = !shown;
    if (shown) visible.add(org.slug);
  }
  const counts = {};
  for (const group of GROUPS) {
    const section = document.getElementById(`group-${group}`);
    const members = orgs.filter((org) => org.category === group);
    counts[group] = members.filter((org) => visible.has(org.slug)).length;
    section.hidden = Boolean(filters.category) && filters.category !== group;
    section.querySelector(".group-count").textContent = `(${counts[group]} of ${members.length})`;
    section.querySelector(".empty").hidden = counts[group] > 0;
  }
  for (const node of network.nodes) {
    const dim = node.shown && !visible.has(node.slug);
    node.element.classList.toggle("dim", dim);
    if (node.shown) {
      // A faded node is no link: its card is hidden.
      if (dim) node.element.removeAttribute("href");
      else node.element.setAttribute("href", `#org-${node.slug}`);
    }
  }
  const lit = new Set(); // the other bodies (ISCT...) stay lit while a link to them does
  for (const edge of network.edges) {
    const faded = [edge.from, edge.to].some((slug) => network.shown.has(slug) && !visible.has(slug));
    edge.element.classList.toggle("dim", faded);
    if (!faded) lit.add(edge.from).add(edge.to);
  }
  for (const node of network.nodes) {
    if (!node.shown) node.element.classList.toggle("dim", !lit.has(node.slug));
  }
  const truncated = totals.total > orgs.length ? ` The first ${orgs.length} of ${totals.total} were loaded.` : "";
  document.getElementById("status").textContent =
    `Showing ${visible.size} of ${orgs.length} organizations: ` +
    `${counts.CO_FOUNDED} co-founded, ${plural(counts.PARTNER, "partner", "partners")}.${truncated}`;
}

async function main() {
  const form = document.getElementById("filters");
  let data;
  try {
    data = await fetchPage();
  } catch (error) {
    document.getElementById("status").textContent = "The organizations could not be loaded.";
    const alert = document.getElementById("error");
    alert.textContent = `Could not load the organizations: ${error.message}. Reload the page to try again.`;
    alert.hidden = false;
    return;
  }
  const orgs = [...data.cofounded.nodes, ...data.partners.nodes];
  const totals = { total: data.cofounded.totalCount + data.partners.totalCount };

  const years = orgs.flatMap((org) => timelineEvents(org).map((event) => event.year)).filter((year) => year !== null);
  const span = { from: Math.min(...years), to: Math.max(...years) };
  for (const org of orgs) {
    org.searchText = searchText(org);
    org.card = card(org, span);
    document.querySelector(`#group-${org.category} .cards`).append(org.card);
  }

  const regions = [...new Set(orgs.flatMap((org) => org.regions))].sort((a, b) => a.localeCompare(b));
  fillOptions(controls.region, regions, (region) => region);
  const kinds = [...new Set(orgs.flatMap((org) => org.agreements.map((agreement) => agreement.kind)))];
  kinds.sort((a, b) => kindLabel(a).localeCompare(kindLabel(b)));
  fillOptions(controls.kind, kinds, kindLabel);

  const network = networkOf(orgs);
  network.shown = new Set(orgs.map((org) => org.slug));
  drawNetwork(document.getElementById("network"), network);
  const count = (kind) => network.edges.filter((edge) => edge.kind === kind).length;
  document.getElementById("network-summary").textContent =
    `${plural(network.nodes.length, "organization", "organizations")} and ` +
    `${plural(network.edges.length, "link", "links")}: ` +
    `${plural(count("agreement"), "agreement", "agreements")}, ` +
    `${plural(count("cofounding"), "co-founding", "co-foundings")}, ` +
    `${plural(count("person"), "shared representative", "shared representatives")}.`;

  restoreFilters();
  const update = () => {
    show(orgs, network, totals);
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
  // A node of the network is a link to its card: move the focus there too.
  document.getElementById("network").addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link) return;
    event.preventDefault();
    const target = document.getElementById(link.getAttribute("href").slice(1));
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  });
  show(orgs, network, totals);
  document.body.dataset.ready = "true";
}

main();
