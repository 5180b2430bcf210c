// The agent workbench: my conversations and the queue (live over the staff socket), the
// conversation pane, the customer card. Reply box, macros and shortcuts: reply.js; dialogs: actions.js.

import { api, clear, el, laterThan, optional, t, toLogin, token, toast, when, wireHeader } from "./common.js";
import { StaffSocket } from "./socket.js";
import { Timers, CHAT_REPLY_BUDGET_S } from "./sla.js";
import { installReply } from "./reply.js";
import { installActions } from "./actions.js";
import { loadSuggestions, loadTimeline, suggestSoon } from "./panels.js";

if (!token()) toLogin();
wireHeader();

const $ = (id) => document.getElementById(id);

export const state = {
  me: null,
  convs: new Map(), // id → conversation
  customers: new Map(), // id → customer (or a promise of one)
  excerpts: new Map(), // conversation id → {text, at, direction}
  unread: new Set(),
  staffNames: new Map(), // staff id → name, for who wrote what
  tab: "mine",
  current: null, // the open conversation
  shown: new Set(), // message ids drawn in the pane
  lastInbound: null, // when the open conversation's customer last wrote, unanswered
  socket: null,
};

const timers = new Timers($("sla-timers"));

// ---- the inbox -----------------------------------------------------------------------------

function bucket(conv) {
  if (conv.status !== "open") return null;
  if (conv.assignee_id === state.me.id) return "mine";
  if (conv.assignee_id === null || conv.assignee_id === undefined) return "queue";
  return null;
}

export function customer(id) {
  if (!state.customers.has(id)) {
    state.customers.set(
      id,
      api(`/api/v1/customers/${id}`).catch(() => ({ id, display_name: `#${id}`, tier: "" })),
    );
  }
  return state.customers.get(id);
}

function customerName(c) {
  return (c && c.display_name) || t("Customer #{id}", { id: c ? c.id : "?" });
}

export function upsert(conv) {
  state.convs.set(conv.id, { ...(state.convs.get(conv.id) || {}), ...conv });
  drawList();
}

function sorted(tab) {
  const items = [...state.convs.values()].filter((c) => bucket(c) === tab);
  // Mine: most recent activity first. Queue: longest waiting first.
  if (tab === "mine") {
    items.sort((a, b) => (b.last_message_at || b.created_at).localeCompare(a.last_message_at || a.created_at));
  } else {
    items.sort((a, b) => a.created_at.localeCompare(b.created_at));
  }
  return items;
}

export function drawList() {
  $("count-mine").textContent = sorted("mine").length;
  $("count-queue").textContent = sorted("queue").length;
  const list = clear($("conv-list"));
  for (const conv of sorted(state.tab)) {
    const excerpt = state.excerpts.get(conv.id);
    const name = el("span", { class: "name" }, `#${conv.customer_id}`);
    customer(conv.customer_id).then((c) => { name.textContent = customerName(c); });
    const item = el(
      "li",
      {
        class: [
          "conv",
          state.current && state.current.id === conv.id ? "active" : "",
          state.unread.has(conv.id) ? "unread" : "",
        ].join(" "),
        dataset: { id: conv.id },
        tabindex: 0,
        onclick: () => openConversation(conv.id),
        onkeydown: (e) => { if (e.key === "Enter") openConversation(conv.id); },
      },
      el("div", { class: "row" }, name, el("time", {}, when(conv.last_message_at || conv.created_at))),
      el("div", { class: "excerpt" }, excerpt ? excerpt.text : conv.subject || ""),
    );
    list.append(item);
  }
}

function selectTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll(".inbox [data-tab]")) {
    b.setAttribute("aria-selected", String(b.dataset.tab === tab));
  }
  drawList();
}

/** J / K: the next or previous conversation of the visible list. */
export function step(delta) {
  const items = sorted(state.tab);
  if (!items.length) return;
  const at = state.current ? items.findIndex((c) => c.id === state.current.id) : -1;
  const next = items[Math.min(items.length - 1, Math.max(0, at + delta))];
  if (next) openConversation(next.id);
}

// ---- the pane ------------------------------------------------------------------------------

function author(msg, cust) {
  if (msg.direction === "internal") return t("Internal note");
  if (msg.author_kind === "customer") return customerName(cust);
  if (msg.author_kind === "bot") return t("Bot");
  if (msg.author_kind === "system") return t("System");
  if (msg.author_staff_id === state.me.id) return t("Me");
  return state.staffNames.get(msg.author_staff_id) || t("Agent #{id}", { id: msg.author_staff_id });
}

/** Images of a message: fetched with the token (the download needs it), shown as blob URLs. */
function attachments(msg) {
  return (msg.attachment_ids || []).map((id) => {
    const img = el("img", { alt: t("Image"), class: "thumb" });
    fetch(`/api/v1/attachments/${Number(id)}`, { headers: { Authorization: `Bearer ${token()}` } })
      .then((res) => (res.ok ? res.blob() : null))
      .then((blob) => { if (blob) img.src = URL.createObjectURL(blob); })
      .catch(() => {});
    return img;
  });
}

export function messageNode(msg, cust) {
  return el(
    "div",
    { class: `msg ${msg.direction}`, dataset: { id: msg.id || "", client: msg.client_msg_id || "" } },
    el("div", { class: "who" }, author(msg, cust), " · ", el("time", {}, when(msg.created_at))),
    el("div", { class: "body" }, msg.body),
    attachments(msg),
  );
}

/** Append a message to the open pane once (the REST answer and the socket may both bring it). */
export async function showMessage(msg) {
  if (!state.current || msg.conversation_id !== state.current.id) return;
  if (msg.id && state.shown.has(msg.id)) return;
  const box = $("messages");
  if (msg.client_msg_id) {
    const pending = box.querySelector(`.msg.pending[data-client="${CSS.escape(msg.client_msg_id)}"]`);
    if (pending) pending.remove();
  }
  if (msg.id) state.shown.add(msg.id);
  const cust = await customer(state.current.customer_id);
  box.insertBefore(messageNode(msg, cust), laterThan(box, msg.id));
  box.scrollTop = box.scrollHeight;
  noteActivity(msg);
}

function noteActivity(msg) {
  if (msg.direction === "inbound") state.lastInbound = state.lastInbound || Date.parse(msg.created_at);
  else if (msg.direction === "outbound") state.lastInbound = null;
  refreshTimers();
}

let promiseTimers = [];

export async function loadDeadlines() {
  const conv = state.current;
  if (!conv) return;
  const items = [];
  const promises = await optional(`/api/v1/promises?customer_id=${conv.customer_id}&status=open&limit=20`);
  for (const p of (promises && promises.items) || []) {
    items.push({ label: t("Promise"), title: p.text, start: Date.parse(p.created_at), due: Date.parse(p.due_at) });
  }
  const tickets = await optional(`/api/v1/tickets?customer_id=${conv.customer_id}&limit=10`);
  for (const tk of ((tickets && tickets.items) || []).filter((x) => !["resolved", "closed"].includes(x.status)).slice(0, 3)) {
    const targets = await optional(`/api/v1/tickets/${tk.id}/sla`);
    for (const tg of targets || []) {
      if (tg.status !== "running" || !tg.due_at) continue;
      items.push({ label: `#${tk.number} ${t(tg.target)}`, start: Date.parse(tg.started_at), due: Date.parse(tg.due_at) });
    }
  }
  if (state.current !== conv) return;
  promiseTimers = items;
  refreshTimers();
}

function refreshTimers() {
  const items = [...promiseTimers];
  if (state.lastInbound) {
    items.unshift({
      label: t("Customer waiting"),
      start: state.lastInbound,
      due: state.lastInbound + CHAT_REPLY_BUDGET_S * 1000,
    });
  }
  timers.set(items);
}

export function refreshProfile() {
  const conv = state.current;
  if (!conv) return;
  const target = document.querySelector("#profile .body");
  const url = `/workbench/partials/customer/${conv.customer_id}`;
  if (window.htmx) {
    window.htmx.ajax("GET", url, { target, swap: "innerHTML" });
  } else {
    // htmx not installed: the card still loads, as server-rendered (escaped) HTML.
    api(url).catch(() => null);
  }
}

export function insertText(text) {
  const box = $("reply");
  const start = box.selectionStart ?? box.value.length;
  box.setRangeText(text, start, box.selectionEnd ?? start, "end");
  box.focus();
}

function showView(view) {
  for (const b of document.querySelectorAll(".subtabs [data-view]")) {
    b.setAttribute("aria-selected", String(b.dataset.view === view));
  }
  $("messages").hidden = view !== "messages";
  $("timeline").hidden = view !== "timeline";
  if (view === "timeline" && state.current) loadTimeline(state.current);
}

export function drawHeader() {
  const conv = state.current;
  customer(conv.customer_id).then((c) => {
    $("conv-title").textContent = customerName(c);
  });
  const assignee = conv.assignee_id === state.me.id ? t("me")
    : conv.assignee_id ? state.staffNames.get(conv.assignee_id) || t("Agent #{id}", { id: conv.assignee_id })
      : t("nobody (queue)");
  $("conv-meta").textContent = [
    `#${conv.id}`, conv.subject || "", t(conv.status), t("Assigned to {who}", { who: assignee }),
  ].filter(Boolean).join(" · ");
  $("btn-take").hidden = conv.assignee_id === state.me.id;
  $("btn-close").textContent = conv.status === "open" ? t("Close") : t("Reopen");
}

export async function openConversation(id) {
  const previous = state.current;
  if (previous && previous.id !== id) state.socket.unwatch(previous.id);
  // The pane is emptied before anything can arrive for the new conversation.
  state.shown = new Set();
  clear($("messages"));
  state.current = { ...(state.convs.get(id) || {}), id };
  const conv = await api(`/api/v1/conversations/${id}`);
  if (state.current.id !== id) return; // another conversation was opened meanwhile
  state.convs.set(id, conv);
  state.current = conv;
  state.socket.view(conv.customer_id);
  state.lastInbound = null;
  promiseTimers = [];
  state.unread.delete(id);
  // The queue comes to every agent; someone else's conversation only to a supervisor who watches.
  if (conv.assignee_id && conv.assignee_id !== state.me.id && canSupervise()) state.socket.watch(id);
  $("pane-empty").hidden = true;
  $("pane-body").hidden = false;
  drawHeader();
  drawList();
  showView("messages");
  const page = await api(`/api/v1/conversations/${id}/messages?limit=100`);
  if (state.current !== conv) return;
  // Oldest first; any that came live meanwhile are already drawn and are skipped.
  for (const msg of page.items.reverse()) await showMessage(msg);
  history.replaceState(null, "", `#c${id}`);
  refreshProfile();
  loadSuggestions(conv);
  loadDeadlines();
}

// The roles with the "supervise" permission (kefu/auth/permissions.py): they may listen in.
const SUPERVISING = new Set(["team_lead", "supervisor", "admin"]);

function canSupervise() {
  return SUPERVISING.has(state.me.role);
}

// ---- live ----------------------------------------------------------------------------------

async function onFrame(frame) {
  if (frame.type === "message") {
    const msg = frame.message;
    const id = msg.conversation_id;
    state.excerpts.set(id, { text: msg.body, at: msg.created_at, direction: msg.direction });
    if (!state.convs.has(id)) {
      try {
        state.convs.set(id, await api(`/api/v1/conversations/${id}`));
      } catch {
        return;
      }
    }
    const conv = state.convs.get(id);
    conv.last_message_at = msg.created_at;
    if (state.current && state.current.id === id) {
      await showMessage(msg);
      if (msg.direction === "inbound") suggestSoon();
    }
    else if (msg.direction === "inbound") state.unread.add(id);
    drawList();
  } else if (frame.type === "conversation") {
    upsert(frame.conversation);
    if (state.current && state.current.id === frame.conversation.id) {
      state.current = state.convs.get(frame.conversation.id);
      drawHeader();
    }
  } else if (frame.type === "watching") {
    for (const msg of frame.missed || []) await showMessage(msg);
  } else if (frame.type === "typing") {
    if (state.current && frame.conversation_id === state.current.id && frame.by === "customer") {
      const node = $("typing");
      node.hidden = false;
      clearTimeout(node.timer);
      node.timer = setTimeout(() => { node.hidden = true; }, 4000);
    }
  } else if (frame.type === "orders") {
    // The orders panel re-reads what changed (orders_panel.js).
    document.dispatchEvent(new CustomEvent("kefu:orders", { detail: frame }));
  } else if (frame.type === "error") {
    toast(frame.message || frame.code, "error");
  }
}

function setConn(stateName) {
  const node = $("conn");
  node.dataset.state = stateName;
  node.textContent = { connecting: t("Connecting…"), open: t("Live"), closed: t("Offline — reconnecting") }[stateName];
}

async function loadLists() {
  const [mine, open] = await Promise.all([
    api(`/api/v1/conversations?status=open&assignee_id=${state.me.id}&limit=200`),
    api(`/api/v1/conversations?status=open&limit=200`),
  ]);
  for (const conv of [...mine.items, ...open.items]) state.convs.set(conv.id, conv);
  drawList();
}

/** My presence (routing sends chats to online agents); hidden when routing is not installed. */
async function wirePresence() {
  const select = $("presence");
  const agents = await optional("/api/v1/routing/agents").catch(() => null);
  const mine = agents && agents.items.find((a) => a.staff_id === state.me.id);
  if (!mine) {
    select.closest("label").hidden = true;
    return;
  }
  select.value = mine.state;
  select.addEventListener("change", async () => {
    try {
      await api("/api/v1/routing/presence", { method: "PUT", body: { state: select.value } });
    } catch (err) {
      toast(err.message, "error");
    }
  });
}

async function main() {
  const me = await api("/api/v1/me");
  state.me = me.staff;
  api("/api/v1/staff").then((all) => { for (const s of all) state.staffNames.set(s.id, s.name); }).catch(() => null);
  $("me").textContent = `${me.staff.name} · ${me.workspace.name}`;
  for (const b of document.querySelectorAll(".inbox [data-tab]")) {
    b.addEventListener("click", () => selectTab(b.dataset.tab));
  }
  for (const b of document.querySelectorAll(".subtabs [data-view]")) {
    b.addEventListener("click", () => showView(b.dataset.view));
  }
  state.socket = new StaffSocket({
    onFrame,
    onState: setConn,
    // After a reconnect, what changed while we were away comes from the REST lists.
    onWelcome: () => loadLists().then(() => { document.body.dataset.ready = "1"; }),
  });
  installReply(state);
  installActions(state);
  state.socket.connect();
  wirePresence();
  const wanted = /^#c(\d+)$/.exec(location.hash);
  if (wanted) openConversation(Number(wanted[1]));
}

main().catch((err) => toast(err.message, "error"));
