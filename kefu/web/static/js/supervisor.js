// The supervisor board: queues, agents, conversations at risk, alerts (storms), the live list,
// listen-in (a `watch` on the socket, read only) and take-over (assign to myself).

import { api, clear, clockText, el, laterThan, optional, t, toLogin, token, toast, when, wireHeader } from "./common.js";
import { StaffSocket } from "./socket.js";
import { level } from "./sla.js";

if (!token()) toLogin();
wireHeader();

const $ = (id) => document.getElementById(id);
const RISK_WINDOW_MS = 2 * 3600_000; // promises due within two hours are "at risk"
const state = { me: null, convs: new Map(), agents: new Map(), listening: null, shown: new Set(), socket: null };
const customers = new Map();

function customer(id) {
  if (!customers.has(id)) {
    customers.set(id, api(`/api/v1/customers/${id}`).catch(() => ({ id, display_name: `#${id}` })));
  }
  return customers.get(id);
}

// ---- queues and agents ---------------------------------------------------------------------

let queues = [];
let queueLoadedAt = Date.now();

async function loadQueues() {
  const data = await optional("/api/v1/routing/queues").catch(() => null);
  const card = $("queues");
  card.querySelector(".none").hidden = data !== null;
  queues = Array.isArray(data) ? data : (data && data.items) || [];
  queueLoadedAt = Date.now();
  drawQueues();
}

function drawQueues() {
  const body = clear($("queues").querySelector("tbody"));
  const drift = (Date.now() - queueLoadedAt) / 1000;
  for (const q of queues) {
    const wait = q.waiting ? (q.longest_wait_s || 0) + drift : 0;
    body.append(el("tr", { dataset: { team: q.team_id ?? "any" } },
      el("td", {}, q.team_name || q.name || ""),
      el("td", { class: "num" }, q.waiting ?? 0),
      el("td", { class: `num ${wait > 300 ? "danger" : wait > 120 ? "warn" : ""}` }, q.waiting ? clockText(wait) : "—")));
  }
}

async function loadAgents() {
  const data = await optional("/api/v1/routing/agents").catch(() => null);
  const items = Array.isArray(data) ? data : (data && data.items) || [];
  if (!items.length) {
    const staff = await api("/api/v1/staff");
    for (const s of staff.filter((x) => x.active && x.role !== "analyst")) {
      state.agents.set(s.id, { staff_id: s.id, name: s.name, state: "offline", load: {} });
    }
  }
  for (const a of items) {
    const id = a.staff_id ?? a.id;
    state.agents.set(id, { ...a, staff_id: id, name: a.name || a.staff_name || `#${id}` });
  }
  drawAgents();
}

function loadText(load, caps) {
  if (load === null || load === undefined) return "";
  if (typeof load === "number") return String(load);
  return Object.entries(load)
    .filter(([k, v]) => v || k === "chat")
    .map(([k, v]) => `${t(k)} ${v}${caps && caps[k] ? "/" + caps[k] : ""}`)
    .join(" · ");
}

function drawAgents() {
  const body = clear($("agents").querySelector("tbody"));
  const order = { online: 0, away: 1, offline: 2 };
  const rows = [...state.agents.values()].sort((a, b) => (order[a.state] ?? 3) - (order[b.state] ?? 3) || a.name.localeCompare(b.name));
  for (const a of rows) {
    body.append(el("tr", { dataset: { staff: a.staff_id } },
      el("td", {}, a.name),
      el("td", {}, el("span", { class: `presence ${a.state}` }, t(a.state))),
      el("td", {}, loadText(a.load, a.caps))));
  }
}

// ---- at risk and alerts --------------------------------------------------------------------

let risks = [];

async function loadRisks() {
  const page = await optional("/api/v1/promises?status=open&limit=200").catch(() => null);
  const now = Date.now();
  risks = ((page && page.items) || [])
    .filter((p) => Date.parse(p.due_at) - now < RISK_WINDOW_MS)
    .map((p) => ({ label: p.text, start: Date.parse(p.created_at), due: Date.parse(p.due_at), conversation_id: p.conversation_id }));
  drawRisks();
}

function drawRisks() {
  const list = clear($("risk").querySelector(".body"));
  const now = Date.now();
  const items = [...risks].sort((a, b) => a.due - b.due);
  if (!items.length) list.append(el("li", { class: "none" }, t("Nothing due soon.")));
  for (const r of items) {
    const left = (r.due - now) / 1000;
    list.append(el("li", { class: `timer ${level(r.start, r.due, now)}` },
      el("b", {}, left > 0 ? clockText(left) : t("overdue {time}", { time: clockText(-left) })), " ", r.label,
      r.conversation_id ? el("button", { type: "button", class: "link", onclick: () => listen(r.conversation_id) }, t("Listen")) : null));
  }
}

function alertText(frame) {
  // Every kind the hub sends (kefu/realtime/hub.py _ALERTS, routing.alert's "p1" or "angry").
  const kinds = {
    storm: t("Storm"), breach_risk: t("Breach risk"), breach: t("SLA breached"),
    angry: t("Angry customer"), p1: t("P1 conversation"),
  };
  const details = [frame.topic, frame.group_name || frame.group, frame.members ? t("{n} members", { n: frame.members }) : null,
    frame.target ? t(frame.target) : null, frame.message || frame.text]
    .filter(Boolean).join(" · ");
  return [kinds[frame.kind] || frame.kind, details];
}

function addAlert(frame) {
  const list = $("storms").querySelector(".body");
  const none = list.querySelector(".none");
  if (none) none.remove();
  const [kind, details] = alertText(frame);
  list.prepend(el("li", { class: `alert ${frame.kind}` },
    el("time", {}, when(frame.at || new Date().toISOString())), " ", el("b", {}, kind), " ", details,
    frame.conversation_id ? el("button", { type: "button", class: "link", onclick: () => listen(frame.conversation_id) }, t("Listen")) : null));
  if (frame.kind === "breach_risk" && frame.due_at) {
    risks.push({ label: details || kind, start: Date.now(), due: Date.parse(frame.due_at), conversation_id: frame.conversation_id });
    drawRisks();
  }
}

// ---- live conversations and listen-in ------------------------------------------------------

function drawLive() {
  const list = clear($("live-list"));
  const items = [...state.convs.values()].filter((c) => c.status === "open")
    .sort((a, b) => (b.last_message_at || b.created_at).localeCompare(a.last_message_at || a.created_at));
  for (const conv of items.slice(0, 100)) {
    const name = el("span", { class: "name" }, `#${conv.customer_id}`);
    customer(conv.customer_id).then((c) => { name.textContent = c.display_name || `#${c.id}`; });
    const who = conv.assignee_id ? (state.agents.get(conv.assignee_id) || {}).name || `#${conv.assignee_id}` : t("waiting");
    list.append(el("li", {
      class: `conv ${state.listening === conv.id ? "active" : ""}`,
      dataset: { id: conv.id },
      tabindex: 0,
      onclick: () => listen(conv.id),
    }, el("div", { class: "row" }, name, el("time", {}, when(conv.last_message_at || conv.created_at))),
    el("div", { class: "excerpt" }, `#${conv.id} · ${who}${conv.excerpt ? " · " + conv.excerpt : ""}`)));
  }
}

function messageNode(msg) {
  const who = msg.direction === "internal" ? t("Internal note")
    : msg.author_kind === "customer" ? t("Customer") : msg.author_kind === "bot" ? t("Bot")
    : (state.agents.get(msg.author_staff_id) || {}).name || t("Agent #{id}", { id: msg.author_staff_id });
  return el("div", { class: `msg ${msg.direction}`, dataset: { id: msg.id } },
    el("div", { class: "who" }, who, " · ", el("time", {}, when(msg.created_at))),
    el("div", { class: "body" }, msg.body));
}

function showMessage(msg) {
  if (msg.conversation_id !== state.listening || state.shown.has(msg.id)) return;
  state.shown.add(msg.id);
  const box = $("listen-messages");
  box.insertBefore(messageNode(msg), laterThan(box, msg.id));
  box.scrollTop = box.scrollHeight;
}

async function listen(id) {
  if (state.listening && state.listening !== id) state.socket.unwatch(state.listening);
  state.listening = id;
  // Cleared before anything arrives: the `watching` frame and the REST page may come in any order.
  state.shown = new Set();
  clear($("listen-messages"));
  state.socket.watch(id);
  $("listen").hidden = false;
  const conv = await api(`/api/v1/conversations/${id}`);
  state.convs.set(id, { ...(state.convs.get(id) || {}), ...conv });
  const c = await customer(conv.customer_id);
  $("listen-title").textContent = `${c.display_name || "#" + c.id} · #${id}`;
  $("btn-takeover").hidden = conv.assignee_id === state.me.id;
  const page = await api(`/api/v1/conversations/${id}/messages?limit=100`);
  if (state.listening !== id) return;
  for (const msg of page.items.reverse()) showMessage(msg);
  drawLive();
  // The pane sits below the board's cards: on a laptop screen it opened out of sight.
  $("listen").scrollIntoView({ block: "nearest" });
}

async function takeOver() {
  const id = state.listening;
  await api(`/api/v1/conversations/${id}`, { method: "PATCH", body: { assignee_id: state.me.id } });
  location.href = `/workbench#c${id}`;
}

// ---- live feed ----------------------------------------------------------------------------

let queueRefresh = null;

function refreshQueuesSoon() {
  // Queue changes arrive as conversation frames; one REST read per burst, not per frame.
  clearTimeout(queueRefresh);
  queueRefresh = setTimeout(loadQueues, 500);
}

async function onFrame(frame) {
  if (frame.type === "message") {
    const msg = frame.message;
    const conv = state.convs.get(msg.conversation_id) || (await api(`/api/v1/conversations/${msg.conversation_id}`).catch(() => null));
    if (conv) {
      state.convs.set(conv.id, { ...conv, last_message_at: msg.created_at, excerpt: msg.body.slice(0, 80) });
      drawLive();
    }
    showMessage(msg);
  } else if (frame.type === "conversation") {
    state.convs.set(frame.conversation.id, { ...(state.convs.get(frame.conversation.id) || {}), ...frame.conversation });
    drawLive();
    refreshQueuesSoon();
  } else if (frame.type === "queue") {
    refreshQueuesSoon();
  } else if (frame.type === "presence") {
    const a = state.agents.get(frame.staff_id) || { staff_id: frame.staff_id, name: `#${frame.staff_id}` };
    state.agents.set(frame.staff_id, { ...a, state: frame.state, load: frame.load ?? a.load });
    drawAgents();
  } else if (frame.type === "alert") {
    addAlert(frame);
  } else if (frame.type === "watching") {
    for (const msg of frame.missed || []) showMessage(msg);
  } else if (frame.type === "typing") {
    if (frame.conversation_id === state.listening) {
      const node = $("listen-typing");
      node.hidden = false;
      node.textContent = frame.by === "agent" ? t("Agent is typing…") : t("Customer is typing…");
      clearTimeout(node.timer);
      node.timer = setTimeout(() => { node.hidden = true; }, 4000);
    }
  } else if (frame.type === "error") {
    toast(frame.message || frame.code, "error");
  }
}

function setConn(name) {
  const node = $("conn");
  node.dataset.state = name;
  node.textContent = { connecting: t("Connecting…"), open: t("Live"), closed: t("Offline — reconnecting") }[name];
}

async function loadConversations() {
  const page = await api("/api/v1/conversations?status=open&limit=100");
  for (const conv of page.items) state.convs.set(conv.id, { ...(state.convs.get(conv.id) || {}), ...conv });
  drawLive();
}

async function main() {
  const me = await api("/api/v1/me");
  state.me = me.staff;
  $("me").textContent = `${me.staff.name} · ${me.workspace.name}`;
  $("btn-takeover").addEventListener("click", () => takeOver().catch((e) => toast(e.message, "error")));
  $("btn-stop").addEventListener("click", () => {
    state.socket.unwatch(state.listening);
    state.listening = null;
    $("listen").hidden = true;
    drawLive();
  });
  state.socket = new StaffSocket({
    onFrame,
    onState: setConn,
    onWelcome: () => Promise.all([loadConversations(), loadQueues(), loadAgents(), loadRisks()])
      .then(() => { document.body.dataset.ready = "1"; })
      .catch((e) => toast(e.message, "error")),
  });
  state.socket.connect();
  setInterval(() => { drawQueues(); drawRisks(); }, 1000);
}

main().catch((err) => toast(err.message, "error"));
