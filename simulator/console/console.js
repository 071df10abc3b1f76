// c2psim developer console. Everything comes from the admin API under this
// page's path; nothing is ever inserted as markup (text nodes only), and
// card numbers arrive masked.
"use strict";

const base = location.pathname.replace(/\/[^/]*$/, "");

// The admin token, when the simulator has one, comes once in the URL
// fragment (/_admin/#token=...; a fragment never reaches a server or its
// logs) and is kept for this tab only.
let token = sessionStorage.getItem("c2psimAdminToken");
function takeToken() {
  const m = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (!m) return false;
  token = decodeURIComponent(m[1]);
  sessionStorage.setItem("c2psimAdminToken", token);
  history.replaceState(null, "", location.pathname + location.search + "#journal");
  return true;
}
takeToken();

// ---- helpers -------------------------------------------------------------

const $ = id => document.getElementById(id);

// h builds an element; attrs are properties (className, onclick, ...),
// "data-*" and "aria-*" keys are attributes; children are nodes or text.
function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("data-") || k.startsWith("aria-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const k of kids.flat(Infinity)) {
    if (k === undefined || k === null || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

// fill replaces box's children (null and false leave no trace).
const fill = (box, ...kids) => box.replaceChildren(...kids.flat(Infinity).filter(k => k !== null && k !== undefined && k !== false));

class APIError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body) {
  const headers = {};
  if (token) headers.Authorization = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(base + path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  if (r.status === 204) return null;
  const text = await r.text();
  let data;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!r.ok) {
    let msg = (data && data.error && data.error.message) || String(text).slice(0, 300);
    if (r.status === 401) msg += ` — open ${location.pathname}#token=<token>`;
    throw new APIError(r.status, msg);
  }
  return data;
}
const get = p => api("GET", p);

function problem(err) {
  const p = $("problem");
  if (!err) { p.hidden = true; p.textContent = ""; return; }
  p.hidden = false;
  p.textContent = err.message || String(err);
}

const pretty = s => {
  if (s === undefined || s === null || s === "") return "";
  if (typeof s !== "string") return JSON.stringify(s, null, 2);
  try { return JSON.stringify(JSON.parse(s), null, 2); } catch { return s; }
};
const clock = t => t ? t.replace("T", " ").replace(/(\.\d{3})\d*/, "$1").replace("Z", "") : "";
const statusClass = s => !s ? "bad" : s >= 500 ? "bad" : s >= 400 ? "warn" : "ok";
const qs = o => { const q = new URLSearchParams(); for (const [k, v] of Object.entries(o)) if (v !== "" && v !== undefined && v !== null) q.set(k, v); return q.toString(); };

function verdictPill(name, v) {
  if (!v) return null;
  return h("span", {className: "pill " + (v.ok ? "ok" : "bad"), title: [v.reason, ...(v.issues || [])].filter(Boolean).join("\n")}, (v.ok ? "✓ " : "✗ ") + name);
}
// checks are an exchange's verdicts as pills (hover: the reason and issues).
// compact (the journal's list) puts the verdicts that passed in one pill,
// so the column stays narrow and what failed stands out.
function checks(e, compact) {
  const fault = e.fault ? h("span", {className: "pill warn", title: e.fault}, "⚡ fault") : null;
  const vs = [["auth", e.auth], ["req", e.requestValidation], ["ans", e.responseValidation], ["card", e.cardData]].filter(([, v]) => v);
  if (!compact) return h("span", {className: "checks"}, ...vs.map(([n, v]) => verdictPill(n, v)), fault);
  const ok = vs.filter(([, v]) => v.ok), bad = vs.filter(([, v]) => !v.ok);
  const alone = !bad.length && !fault; // beside a failure or a fault, the passed ones shrink to ✓ (hover names them)
  return h("span", {className: "checks"},
    ok.length ? h("span", {className: "pill ok", title: ok.map(([n, v]) => "✓ " + n + (v.reason ? ": " + v.reason : "")).join("\n")}, alone ? "✓ " + ok.map(([n]) => n).join("·") : "✓") : null,
    ...bad.map(([n, v]) => verdictPill(n, v)), fault);
}
const dirLabel = e => e.flow ? e.flow : e.direction === "inbound" ? "→ network" : e.direction === "outbound" ? "← callback" : e.direction;
const dirShort = e => h("span", {title: e.direction === "inbound" ? "issuer → network" : "network → issuer (callback)"}, e.direction === "inbound" ? "→" : "←", e.attempt ? ` #${e.attempt}` : "");

// ---- state shared by the views ----------------------------------------------

let networks = [];     // GET /networks
let health = null;     // GET /health

async function loadNetworks() {
  networks = await get("/networks");
  for (const id of ["j-network", "s-network", "f-network"]) {
    const sel = $(id);
    const keep = sel.value;
    sel.replaceChildren(sel.options[0]);
    for (const n of networks) sel.append(h("option", {value: n.id}, n.id));
    sel.value = keep;
  }
  const t = $("t-network"), keep = t.value;
  t.replaceChildren(...networks.filter(n => (n.triggers || []).length).map(n => h("option", {value: n.id}, n.id)));
  if (keep) t.value = keep;
  fillOperations($("j-network"), $("j-operation"), "");
  fillOperations($("f-network"), $("f-operation"), "inbound");
}

function fillOperations(netSel, opSel, direction) {
  const keep = opSel.value;
  opSel.replaceChildren(opSel.options[0]);
  const ops = [];
  for (const n of networks) {
    if (netSel.value && n.id !== netSel.value) continue;
    for (const o of n.operations) if (!direction || o.direction === direction) ops.push(o.operationId);
  }
  for (const id of [...new Set(ops)].sort()) opSel.append(h("option", {value: id}, id));
  opSel.value = [...opSel.options].some(o => o.value === keep) ? keep : "";
}

async function loadHealth() {
  health = await get("/health");
  $("health").textContent = `v${health.version} · seed ${health.seed} · ${health.networks.length} networks · ${health.journalEntries} exchanges`;
}

// ---- routing ---------------------------------------------------------------------

const views = {};
let current = "";

function route() {
  const [view, arg] = (location.hash.replace(/^#/, "") || "journal").split("/");
  const name = views[view] ? view : "journal";
  for (const a of document.querySelectorAll("#tabs a")) a.classList.toggle("active", a.dataset.view === name);
  for (const s of document.querySelectorAll("section.view")) s.hidden = s.id !== "view-" + name;
  if (current !== name && views[current] && views[current].leave) views[current].leave();
  current = name;
  views[name].enter(arg ? decodeURIComponent(arg) : "");
}

// ---- Journal -------------------------------------------------------------------

const journalView = (() => {
  let rows = [];        // newest first
  let newest = 0;       // highest seq shown
  let key = "";         // the filter the rows were read with
  let timer = null;
  let openSeq = 0;
  const max = 300;

  function filter() {
    return {network: $("j-network").value, operation: $("j-operation").value, correlationId: $("j-correlation").value.trim(),
      status: $("j-status").value, direction: $("j-direction").value};
  }

  let asked = 0;  // answers to an older question are dropped
  async function refresh() {
    const f = filter(), k = JSON.stringify(f), mine = ++asked;
    try {
      let next;
      if (k !== key || !newest) {
        next = (await get("/journal?" + qs({...f, limit: 100}))).entries;
      } else {
        const page = await get("/journal?" + qs({...f, afterSeq: newest, limit: 200}));
        if (page.next) next = (await get("/journal?" + qs({...f, limit: 100}))).entries; // more arrived than a page: start over
        else next = page.entries.concat(rows).slice(0, max);
      }
      if (mine !== asked) return;
      rows = next; key = k;
      newest = rows.length ? rows[0].seq : 0;
      loadHealth().catch(() => {});
      $("j-count").textContent = `${rows.length} shown`;
      render();
      problem(null);
    } catch (err) { if (mine === asked) problem(err); }
  }

  function render() {
    const tb = $("journal").tBodies[0];
    tb.replaceChildren(...rows.map(e => h("tr", {className: (e.seq === openSeq ? "open " : "") + "row", "data-seq": e.seq, "data-status": e.status, "data-operation": e.operationId || "", "data-network": e.network, "data-direction": e.direction, onclick: () => { location.hash = "#journal/" + e.seq; }},
      h("td", {}, e.seq), h("td", {className: "mono"}, clock(e.time).slice(11)),
      h("td", {}, dirShort(e)),
      h("td", {}, e.network), h("td", {}, e.operationId || ""),
      h("td", {className: statusClass(e.status)}, e.status || "—"), h("td", {}, Math.round(e.latencyMs)),
      h("td", {}, checks(e, true)), h("td", {className: "mono small correlation"}, (e.correlationIds || []).join(" ")))));
  }

  async function open(seq) {
    openSeq = Number(seq);
    render();
    const box = $("exchange");
    try {
      const x = await get("/journal/" + seq);
      box.replaceChildren(...exchangeDetail(x.entry, x.related, x.truncated, s => { location.hash = "#journal/" + s; }));
      box.scrollTop = 0;
      problem(null);
    } catch (err) {
      box.replaceChildren(h("p", {className: "bad"}, err.message));
    }
  }

  for (const id of ["j-network", "j-operation", "j-status", "j-direction"]) $(id).addEventListener("change", () => {
    if (id === "j-network") fillOperations($("j-network"), $("j-operation"), "");
    refresh();
  });
  $("j-correlation").addEventListener("input", refresh);
  $("journal-filters").addEventListener("submit", ev => { ev.preventDefault(); refresh(); });
  $("j-clear").addEventListener("click", async () => {
    try { await api("DELETE", "/journal"); rows = []; newest = 0; key = ""; refresh(); } catch (err) { problem(err); }
  });

  return {
    enter(arg) {
      if (!timer) timer = setInterval(() => { if ($("j-live").checked && current === "journal") refresh(); }, 1000);
      refresh();
      if (arg) open(arg);
    },
    leave() { clearInterval(timer); timer = null; },
    filterBy(f) {
      for (const [k, v] of Object.entries(f)) $({network: "j-network", correlationId: "j-correlation", direction: "j-direction"}[k]).value = v;
      location.hash = "#journal";
    },
  };
})();
views.journal = journalView;

// exchangeDetail renders one exchange: what happened, the verdicts with
// their issues, the request and the answer with the decrypted payloads,
// "copy as curl" for an inbound request, and the timeline of related
// exchanges (every callback attempt one line). onOpen opens another seq;
// null renders a report's evidence, whose exchanges are not in this
// journal.
function exchangeDetail(e, related, truncated, onOpen) {
  const out = [];
  out.push(h("h2", {}, `#${e.seq} ${e.method} `, h("span", {className: "mono"}, e.url)));
  out.push(h("p", {className: "facts"},
    h("span", {className: "pill"}, dirLabel(e)), h("span", {className: "pill"}, e.network), e.operationId ? h("span", {className: "pill"}, e.operationId) : null,
    h("span", {className: "pill " + statusClass(e.status)}, e.status ? "HTTP " + e.status : "no answer"),
    e.attempt ? h("span", {className: "pill"}, "attempt " + e.attempt) : null,
    h("span", {className: "muted"}, ` ${clock(e.time)} · ${e.latencyMs} ms`)));

  const verdicts = [["authentication", e.auth], ["request validation", e.requestValidation], ["answer validation", e.responseValidation], ["card data", e.cardData]]
    .filter(([, v]) => v);
  if (verdicts.length) {
    out.push(h("div", {className: "verdicts"}, verdicts.map(([name, v]) => h("div", {className: "verdict " + (v.ok ? "ok" : "bad")},
      h("b", {}, (v.ok ? "✓ " : "✗ ") + name), v.reason ? h("span", {}, " — " + v.reason) : null,
      v.issues && v.issues.length ? h("ul", {}, v.issues.map(i => h("li", {}, i))) : null))));
  }
  if (e.fault) out.push(h("p", {className: "warn"}, "⚡ fault: " + e.fault));
  if (e.error) out.push(h("p", {className: "bad"}, "error: " + e.error));
  if (e.cards && e.cards.length) out.push(h("p", {}, "cards: ", e.cards.map(c => h("span", {className: "pill mono"}, c))));
  if (e.notes && Object.keys(e.notes).length) out.push(h("dl", {className: "notes"}, Object.entries(e.notes).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])));

  if (related) {
    const all = related.concat([e]).sort((a, b) => a.seq - b.seq);
    out.push(h("h3", {}, "Timeline", truncated ? h("span", {className: "muted"}, " (the 200 nearest)") : null));
    out.push(h("table", {className: "timeline"}, h("tbody", {}, all.map(x => h("tr", {
      className: (x.seq === e.seq ? "open " : "") + "row", onclick: onOpen ? () => onOpen(x.seq) : undefined, "data-seq": x.seq, "data-status": x.status, "data-operation": x.operationId || ""},
    h("td", {}, x.seq), h("td", {className: "mono"}, clock(x.time).slice(11)), h("td", {}, dirLabel(x), x.attempt ? ` attempt ${x.attempt}` : ""),
    h("td", {}, x.operationId || x.method), h("td", {className: statusClass(x.status)}, x.status || "—"), h("td", {}, checks(x, true)))))));
  }
  const side = (title, headers, body, plain) => h("div", {className: "message"},
    h("h3", {}, title),
    headers && Object.keys(headers).length ? h("table", {className: "headers"}, h("tbody", {},
      Object.keys(headers).sort().map(k => h("tr", {}, h("th", {}, k), h("td", {className: "mono"}, headers[k]))))) : null,
    body ? [h("h4", {}, plain ? "body as sent (encrypted)" : "body"), h("pre", {className: "body"}, pretty(body))] : h("p", {className: "muted"}, "no body"),
    plain ? [h("h4", {}, "decrypted"), h("pre", {className: "body plaintext"}, pretty(plain))] : null);
  const reqTitle = e.direction === "outbound" ? "request (network → issuer)" : "request (issuer → network)";
  out.push(h("div", {className: "messages"},
    side(reqTitle, e.requestHeaders, e.requestBody, e.requestPlaintext),
    side(e.status ? "answer" : "answer (none)", e.responseHeaders, e.responseBody, e.responsePlaintext)));

  if (e.direction === "inbound" && related) { // an exchange of this journal
    const cmd = curl(e);
    const pre = h("pre", {className: "body curl", hidden: true}, cmd);
    const note = h("span", {className: "muted"});
    out.push(h("p", {}, h("button", {type: "button", className: "copy-curl", onclick: async () => {
      pre.hidden = false;
      try { await navigator.clipboard.writeText(cmd); note.textContent = " copied."; }
      catch { note.textContent = " select and copy it below."; }
    }}, "copy as curl"), note, h("span", {className: "muted"}, " Credentials and card data are masked in the journal: sign and encrypt again to replay."), pre));
  }

  return out;
}

// curl writes an inbound exchange as a curl command, from what the journal
// holds (credential headers and card data masked).
function curl(e) {
  const q = s => "'" + String(s).replace(/'/g, `'\\''`) + "'";
  const skip = new Set(["host", "content-length", "accept-encoding", "connection", "user-agent", "…"]);
  const parts = ["curl", "-X", e.method, q(location.origin + e.url)];
  for (const k of Object.keys(e.requestHeaders || {}).sort()) {
    if (!skip.has(k.toLowerCase())) parts.push("-H", q(`${k}: ${e.requestHeaders[k]}`));
  }
  if (e.requestBody) parts.push("--data-binary", q(e.requestBody));
  return parts.join(" ");
}

// ---- State ---------------------------------------------------------------------

views.state = (() => {
  async function refresh() {
    try {
      const r = await get("/state/search?" + qs({q: $("s-q").value.trim(), network: $("s-network").value, kind: $("s-kind").value}));
      $("s-count").textContent = `${r.items.length}${r.more ? "+" : ""} ${r.items.length === 1 ? "item" : "items"}`;
      $("state").tBodies[0].replaceChildren(...(r.items.length ? r.items.map(it => h("tr", {"data-kind": it.kind},
        h("td", {}, it.network), h("td", {}, it.kind), h("td", {className: "mono"}, it.id),
        h("td", {}, it.status ? h("span", {className: "pill " + lifecycleClass(it.status)}, it.status) : ""),
        h("td", {className: "mono"}, it.card || ""), h("td", {className: "mono small"}, it.consumer || ""),
        h("td", {className: "mono small"}, Object.entries(it.refs || {}).map(([k, v]) => h("div", {}, h("span", {className: "muted"}, k + " "), v))),
        h("td", {}, h("button", {type: "button", className: "quiet", title: "the exchanges that carry this ID", onclick: () => journalView.filterBy({network: it.network, correlationId: it.correlationId || it.id})}, "exchanges"),
          it.kind !== "consumer" && networks.some(n => n.id === it.network && (n.triggers || []).length)
            ? h("button", {type: "button", className: "quiet", onclick: () => triggersView.choose(it)}, "triggers…") : null)))
        : [h("tr", {}, h("td", {colSpan: 8, className: "muted"}, "nothing matches"))]));
      $("networks").tBodies[0].replaceChildren(...networks.map(n => h("tr", {},
        h("td", {}, h("b", {}, n.id), h("div", {className: "muted small"}, n.name)), h("td", {className: "mono small"}, location.origin + n.basePath),
        h("td", {className: "small"}, (n.authSchemes || []).map(a => h("div", {}, a))),
        h("td", {}, `${n.operations.length} (${n.operations.filter(o => o.fidelity === "inferred").length} inferred)`),
        h("td", {className: "mono small"}, n.callback && n.callback.url ? n.callback.url : h("span", {className: "muted"}, "not set")))));
      problem(null);
    } catch (err) { problem(err); }
  }
  let t = null;
  $("s-q").addEventListener("input", () => { clearTimeout(t); t = setTimeout(refresh, 150); });
  for (const id of ["s-network", "s-kind"]) $(id).addEventListener("change", refresh);
  $("s-refresh").addEventListener("click", refresh);
  $("state-filters").addEventListener("submit", ev => { ev.preventDefault(); refresh(); });
  return {enter: refresh};
})();

const lifecycleClass = s => /ACTIVE|COMPLETED|SUCCEEDED/.test(s) && !/INACTIVE|DEACTIVATED/.test(s) ? "ok" : /SUSPEND|INACTIVE|PENDING/.test(s) ? "warn" : "bad";

// ---- Faults ---------------------------------------------------------------------

views.faults = (() => {
  async function refresh() {
    try {
      const rules = await get("/faults");
      $("faults").tBodies[0].replaceChildren(...(rules.length ? rules.map(r => h("tr", {"data-id": r.id},
        h("td", {}, r.id), h("td", {}, [r.network, r.operation, r.card].filter(Boolean).join(" / ") || "everything"),
        h("td", {}, [r.status && `status ${r.status}`, r.code, r.message, r.latency && r.latency !== "0s" && `+${r.latency}`, r.drop && "drop"].filter(Boolean).join(", ")),
        h("td", {}, r.remaining ?? "∞"), h("td", {}, r.hits), h("td", {className: "small"}, clock(r.expiresAt)),
        h("td", {}, h("button", {type: "button", className: "quiet", onclick: async () => {
          try { await api("DELETE", "/faults/" + encodeURIComponent(r.id)); refresh(); } catch (err) { problem(err); }
        }}, "delete"))))
        : [h("tr", {}, h("td", {colSpan: 7, className: "muted"}, "no rules"))]));
      problem(null);
    } catch (err) { problem(err); }
  }
  $("f-network").addEventListener("change", () => fillOperations($("f-network"), $("f-operation"), "inbound"));
  $("fault-form").addEventListener("submit", async ev => {
    ev.preventDefault();
    const rule = {};
    for (const k of ["network", "operation", "card", "code", "message", "latency", "ttl"]) { const v = $("f-" + k).value.trim(); if (v) rule[k] = v; }
    for (const k of ["status", "times"]) { const v = $("f-" + k).value.trim(); if (v) rule[k] = Number(v); }
    if ($("f-drop").checked) rule.drop = true;
    const out = $("f-result");
    try {
      const r = await api("POST", "/faults", rule);
      out.className = "ok"; out.textContent = `added ${r.id}`;
      refresh();
    } catch (err) { out.className = "bad"; out.textContent = err.message; }
  });
  $("f-clear").addEventListener("click", async () => { try { await api("DELETE", "/faults"); refresh(); } catch (err) { problem(err); } });
  return {enter: refresh};
})();

// ---- Triggers ------------------------------------------------------------------

const triggersView = (() => {
  let catalogue = [];   // the chosen network's triggers
  let cards = [];       // the chosen network's cards and tokens
  let chosen = null;    // a state item to preselect
  let last = {};        // the last answer: a variant's empty parameter takes its value of the same name (a redelivery's requestId)
  let mark = 0, watch = null;

  async function loadNetwork() {
    const n = $("t-network").value;
    if (!n) return;
    try {
      [catalogue, cards] = await Promise.all([
        get(`/networks/${encodeURIComponent(n)}/triggers`).then(r => r.triggers),
        get("/state/search?" + qs({network: n})).then(r => r.items.filter(it => it.kind !== "consumer")),
      ]);
      const cs = $("t-card");
      cs.replaceChildren(h("option", {value: ""}, "(none chosen)"), ...cards.map((it, i) => h("option", {value: String(i)},
        `${it.card || it.id} · ${it.status || "?"} · ${it.id}`)));
      if (chosen && chosen.network === n) {
        const i = cards.findIndex(it => it.kind === chosen.kind && it.id === chosen.id);
        if (i >= 0) cs.value = String(i);
      }
      chosen = null;
      const ts = $("t-trigger"), keep = ts.value;
      ts.replaceChildren(...catalogue.map(t => h("option", {value: t.name}, t.name)));
      if (catalogue.some(t => t.name === keep)) ts.value = keep;
      renderTrigger();
      problem(null);
    } catch (err) { problem(err); }
  }

  const info = () => catalogue.find(t => t.name === $("t-trigger").value);
  const card = () => cards[Number($("t-card").value)] && $("t-card").value !== "" ? cards[Number($("t-card").value)] : null;

  function renderTrigger() {
    const t = info();
    $("t-summary").textContent = t ? t.summary : "";
    const ex = $("t-example");
    ex.replaceChildren(h("option", {value: ""}, "(as below)"), ...((t && t.examples) || []).map((x, i) => h("option", {value: String(i)}, x.title)));
    renderParams({});
  }

  function renderParams(preset) {
    const t = info(), box = $("t-params");
    box.replaceChildren();
    if (!t) return;
    const c = card();
    for (const p of t.params) {
      let v = preset[p.name];
      if (v === "" && last[p.name] !== undefined && typeof last[p.name] !== "object") v = String(last[p.name]);
      if (v === undefined && p.card && c && c.refs && c.refs[p.name] !== undefined) v = c.refs[p.name];
      let input;
      if (p.enum && p.enum.length) {
        input = h("select", {}, h("option", {value: ""}, p.default ? `(default ${p.default})` : "(none)"), p.enum.map(x => h("option", {value: x}, x)));
      } else if (p.type === "boolean") {
        input = h("select", {}, h("option", {value: ""}, "(no)"), h("option", {value: "true"}, "true"), h("option", {value: "false"}, "false"));
      } else {
        input = h("input", {type: p.type === "integer" ? "number" : "text", placeholder: p.default ? "default " + p.default : p.type === "array" ? "comma-separated" : ""});
      }
      input.name = p.name;
      input.dataset.type = p.type;
      if (v !== undefined && v !== null) input.value = Array.isArray(v) ? v.join(",") : String(v);
      box.append(h("label", {title: p.description}, h("span", {}, p.name, p.required ? " *" : "", p.card ? h("span", {className: "pill small"}, "card") : null),
        input, h("small", {className: "muted"}, p.description)));
    }
  }

  function params() {
    const out = {};
    for (const input of $("t-params").querySelectorAll("input, select")) {
      const v = input.value.trim();
      if (v === "") continue;
      switch (input.dataset.type) {
        case "boolean": out[input.name] = v === "true"; break;
        case "integer": out[input.name] = Number(v); break;
        case "array": out[input.name] = v.split(",").map(s => s.trim()).filter(Boolean); break;
        default: out[input.name] = v;
      }
    }
    return out;
  }

  async function fire(ev) {
    ev.preventDefault();
    const n = $("t-network").value, name = $("t-trigger").value;
    const answer = $("t-answer");
    answer.className = "body";
    answer.textContent = "…";
    $("t-callbacks").tBodies[0].replaceChildren();
    try {
      const top = await get("/journal?limit=1");
      mark = top.entries.length ? top.entries[0].seq : 0;
      watchCallbacks(n);
      const out = await api("POST", `/networks/${encodeURIComponent(n)}/triggers/${encodeURIComponent(name)}`, params());
      last = out || {};
      answer.textContent = pretty(out);
      answer.classList.add("ok");
    } catch (err) {
      answer.textContent = err.message;
      answer.classList.add("bad");
    }
    showCallbacks(n);
  }

  // The callbacks a trigger sends are in the journal after the mark; they
  // are watched for a while, as some are sent after the answer.
  function watchCallbacks(n) {
    clearInterval(watch);
    let left = 30;
    watch = setInterval(() => { if (--left < 0 || current !== "triggers") clearInterval(watch); else showCallbacks(n); }, 1000);
  }
  async function showCallbacks(n) {
    try {
      const page = await get("/journal?" + qs({network: n, direction: "outbound", afterSeq: mark, limit: 200}));
      $("t-callbacks").tBodies[0].replaceChildren(...page.entries.slice().reverse().map(e => h("tr", {className: "row", "data-seq": e.seq, "data-status": e.status, "data-operation": e.operationId || "", onclick: () => { location.hash = "#journal/" + e.seq; }},
        h("td", {}, e.seq), h("td", {className: "mono"}, clock(e.time).slice(11)), h("td", {}, e.operationId || e.url),
        h("td", {}, e.attempt || ""), h("td", {className: statusClass(e.status)}, e.status || "—"), h("td", {}, checks(e)))));
    } catch (err) { problem(err); }
  }

  $("t-network").addEventListener("change", loadNetwork);
  $("t-trigger").addEventListener("change", renderTrigger);
  const variant = () => { const t = info(), i = $("t-example").value; return i === "" || !t ? {} : t.examples[Number(i)].params; };
  $("t-card").addEventListener("change", () => renderParams(variant()));
  $("t-example").addEventListener("change", () => renderParams(variant()));
  $("trigger-form").addEventListener("submit", fire);

  return {
    enter: loadNetwork,
    leave() { clearInterval(watch); },
    choose(item) { chosen = item; $("t-network").value = item.network; location.hash = "#triggers"; },
  };
})();
views.triggers = triggersView;

// ---- Callbacks (outbox) ---------------------------------------------------------

views.callbacks = (() => {
  async function refresh() {
    const tb = $("outbox").tBodies[0];
    try {
      const items = await get("/outbox?" + qs({state: $("c-state").value}));
      tb.replaceChildren(...(items.length ? items.map(d => h("tr", {"data-id": d.id, "data-state": d.state},
        h("td", {}, d.network), h("td", {className: "mono small"}, d.id), h("td", {}, d.operationId),
        h("td", {}, h("span", {className: "pill " + (d.state === "dead" ? "bad" : "warn")}, d.state)), h("td", {}, d.attempts),
        h("td", {className: "small"}, clock(d.enqueued)), h("td", {className: "small"}, clock(d.state === "dead" ? d.deadAt : d.due)),
        h("td", {className: "small"}, d.lastError || ""),
        h("td", {}, h("button", {type: "button", className: "quiet", title: "the exchanges that carry this callback's IDs",
          onclick: () => journalView.filterBy({network: d.network, correlationId: (d.correlationIds || [d.id])[0], direction: "outbound"})}, "attempts"),
        d.state === "dead" ? h("button", {type: "button", className: "redeliver", onclick: async () => {
          try {
            await api("POST", `/outbox/${encodeURIComponent(d.network)}/${encodeURIComponent(d.id)}/redeliver`);
            $("c-result").className = "ok"; $("c-result").textContent = `${d.id} queued again`;
            refresh();
          } catch (err) { $("c-result").className = "bad"; $("c-result").textContent = err.message; }
        }}, "redeliver") : null)))
        : [h("tr", {}, h("td", {colSpan: 9, className: "muted"}, "no callback is waiting: every enqueued callback was delivered"))]));
      problem(null);
    } catch (err) { problem(err); }
  }
  $("c-state").addEventListener("change", refresh);
  $("c-refresh").addEventListener("click", refresh);
  let timer = null;
  return {
    enter() { refresh(); if (!timer) timer = setInterval(refresh, 2000); },
    leave() { clearInterval(timer); timer = null; },
  };
})();

// ---- Conformance -------------------------------------------------------------------

views.conformance = (() => {
  let report = null;
  let files = new Map();  // the run folder's files by path inside it (cases/<case>/exchanges.json ...)

  const readText = file => new Promise((ok, fail) => { const r = new FileReader(); r.onload = () => ok(r.result); r.onerror = () => fail(r.error); r.readAsText(file); });

  async function load(reportFile, folder) {
    try {
      const data = JSON.parse(await readText(reportFile));
      if (!data || !Array.isArray(data.requirements) || !Array.isArray(data.scenarios)) throw new Error("not a c2psim report.json (no requirements and scenarios)");
      report = data;
      files = folder || new Map();
      render();
      problem(null);
    } catch (err) { problem(new Error(reportFile.name + ": " + err.message)); }
  }

  // loadFolder takes the files of a run's folder: report.json at its top,
  // the evidence under cases/.
  function loadFolder(list) {
    const byPath = new Map();
    for (const f of list) byPath.set((f.webkitRelativePath || f.name).split("/").slice(1).join("/") || f.name, f);
    const top = byPath.get("report.json");
    if (!top) { problem(new Error("the folder holds no report.json at its top")); return; }
    load(top, byPath);
  }

  // ranHere: the run's simulator is this one, so its exchanges' seqs name
  // entries of this journal.
  const ranHere = () => report && report.run && report.run.simulator && health &&
    report.run.simulator.seed === health.seed && report.run.simulator.startedAt === health.startedAt;

  function render() {
    const box = $("report"), run = report.run || {};
    const byCase = new Map(report.scenarios.map(s => [s.case + "@" + s.network, s]));
    const nets = [...new Set(report.requirements.map(r => r.network))].sort();
    const detail = h("div", {id: "case-detail", className: "detail"});
    const cols = ["passed", "failed", "waived", "notApplicable", "error", "incomplete", "notCovered"];
    const summary = Object.entries(report.summary || {}).map(([n, c]) => h("tr", {}, h("td", {}, n),
      cols.map(k => h("td", {className: verdictClass({notApplicable: "not applicable", notCovered: "not covered"}[k] || k)}, c[k] ?? 0))));
    const reqs = new Map();
    for (const r of report.requirements) { if (!reqs.has(r.id)) reqs.set(r.id, {}); reqs.get(r.id)[r.network] = r; }
    const caseLink = (c, n) => {
      const s = byCase.get(c + "@" + n);
      const v = s ? s.verdict : "?";
      return h("a", {href: "#conformance", className: "case pill " + verdictClass(v), "data-case": c, "data-verdict": v,
        onclick: ev => { ev.preventDefault(); if (s) showCase(s, detail); }}, c);
    };
    fill(box,
      h("h2", {}, `Run ${run.id || ""}: `, h("span", {className: verdictClass(report.outcome)}, report.outcome), ` (exit ${report.exitCode})`),
      h("p", {className: "muted"}, `target ${run.target || "?"} · c2psim ${run.version || "?"} · ${clock(run.started)} → ${clock(run.finished)}`,
        run.systemUnderTest && run.systemUnderTest.name ? ` · ${run.systemUnderTest.name} ${run.systemUnderTest.version || ""}` : "",
        ranHere() ? " · ran against this simulator: its exchanges open in this journal" : " · exchanges shown from the run's evidence",
        files.size ? ` · ${files.size} files loaded` : " · report.json alone: load the run's folder for each case's exchanges"),
      (report.errors || []).length ? h("ul", {className: "bad"}, report.errors.map(e => h("li", {}, e))) : null,
      h("table", {className: "summary"}, h("thead", {}, h("tr", {}, h("th", {}, "network"), cols.map(k => h("th", {}, k.replace(/[A-Z]/g, m => " " + m.toLowerCase()))))), h("tbody", {}, summary)),
      h("div", {className: "split"},
        h("div", {className: "list"}, h("table", {id: "matrix"},
          h("thead", {}, h("tr", {}, h("th", {}, "requirement"), h("th", {}, "level"), nets.map(n => h("th", {}, n)))),
          h("tbody", {}, [...reqs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, per]) => {
            const any = Object.values(per)[0];
            return h("tr", {"data-req": id}, h("td", {title: any.rule || ""}, h("b", {}, id), h("div", {className: "small muted"}, any.title)),
              h("td", {}, any.level),
              nets.map(n => { const r = per[n]; return h("td", {"data-network": n}, r ? [h("div", {className: verdictClass(r.verdict)}, r.verdict),
                (r.cases || []).map(c => caseLink(c, n)), (r.reasons || []).map(x => h("div", {className: "small muted"}, x))] : ""); }));
          })))),
        detail));
  }

  // exchangesOf reads a case's exchanges: inline, or from its evidence
  // file in the loaded folder.
  async function exchangesOf(s) {
    if (Array.isArray(s.exchanges)) return s.exchanges;
    if (Array.isArray(s.evidence) && s.evidence.length && typeof s.evidence[0] === "object") return s.evidence; // an older report
    const name = (s.evidence || []).find(p => p.endsWith("/exchanges.json"));
    if (!name) return [];
    const f = files.get(name);
    if (!f) return null;
    return JSON.parse(await readText(f));
  }

  // asEntry shows an evidence exchange as a journal entry.
  const asEntry = x => ({...x, operationId: x.operationId || x.operation, seq: x.seq || x.n,
    direction: x.direction || (x.flow === "simulator → issuer" ? "outbound" : x.flow === "harness → issuer" ? "driver" : "inbound")});

  async function showCase(s, box) {
    const here = ranHere();
    const ev = h("div", {className: "evidence-detail"});
    const rows = h("tbody", {});
    fill(box, h("h3", {}, s.case, " ", h("span", {className: verdictClass(s.verdict)}, s.verdict)),
      h("p", {}, s.name), s.reason ? h("p", {className: "muted"}, s.reason) : null,
      s.failure ? h("pre", {className: "body bad"}, s.failure.message + (s.failure.location ? "\n" + s.failure.location : "")) : null,
      s.reproduce && s.reproduce.command ? h("p", {className: "mono small"}, s.reproduce.command) : null,
      h("h4", {className: "exchanges-title"}, "exchanges"), h("table", {className: "timeline"}, rows), ev);
    let list;
    try { list = await exchangesOf(s); } catch (err) { list = []; problem(err); }
    if (list === null) {
      box.querySelector(".exchanges-title").textContent = `exchanges: in ${s.evidence.find(p => p.endsWith("/exchanges.json"))} (load the run's folder to see them)`;
      return;
    }
    box.querySelector(".exchanges-title").textContent = `${list.length} exchanges`;
    rows.replaceChildren(...list.map(asEntry).map(e => h("tr", {className: "row evidence", "data-seq": e.seq, "data-flow": e.flow || e.direction, onclick: () => {
      if (here && e.direction !== "driver" && journalled(e)) location.hash = "#journal/" + e.seq;
      else fill(ev, exchangeDetail(e, null, false, null));
    }}, h("td", {}, e.n || e.seq), h("td", {}, e.flow || dirLabel(e)), h("td", {}, e.network || ""), h("td", {}, e.operationId || e.method),
    h("td", {className: statusClass(e.status)}, e.status || "—"), h("td", {}, checks(e)))));
  }
  // journalled: an exchange the simulator journalled (it has a seq of its own).
  const journalled = e => e.flow === undefined || (e.flow !== "harness → issuer" && e.seq);

  const verdictClass = v => v === "passed" ? "ok" : v === "failed" || v === "error" ? "bad" : v === "waived" || v === "not applicable" ? "muted" : "warn";
  $("report-file").addEventListener("change", ev => { if (ev.target.files[0]) load(ev.target.files[0], null); });
  $("report-dir").addEventListener("change", ev => { if (ev.target.files.length) loadFolder([...ev.target.files]); });
  const drop = $("drop");
  drop.addEventListener("dragover", ev => { ev.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", ev => { ev.preventDefault(); drop.classList.remove("over"); if (ev.dataTransfer.files[0]) load(ev.dataTransfer.files[0], null); });
  return {enter() {}};
})();

// ---- start ---------------------------------------------------------------------------

let healthTimer = null;
async function start() {
  try { await Promise.all([loadHealth(), loadNetworks()]); problem(null); } catch (err) { problem(err); }
  route();
  if (!healthTimer) healthTimer = setInterval(() => loadHealth().catch(problem), 5000);
}
window.addEventListener("hashchange", () => {
  if (takeToken()) start(); else route();
});
start();
