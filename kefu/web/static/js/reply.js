// The reply box: send (Ctrl+Enter), internal notes (Alt+N), canned replies (/), typing signal,
// and the page's keyboard shortcuts.

import { api, clear, el, t, toast, uid } from "./common.js";
import { insertText, messageNode, showMessage, step, customer } from "./workbench.js";

const $ = (id) => document.getElementById(id);
let macros = null;
let picked = 0;
let lastTyping = 0;

function typing(state) {
  const now = Date.now();
  if (!state.current || now - lastTyping < 2000) return;
  lastTyping = now;
  state.socket.send({ type: "typing", conversation_id: state.current.id });
}

async function send(state) {
  const box = $("reply");
  const body = box.value.trim();
  if (!body || !state.current) return;
  const internal = $("note-toggle").checked;
  const clientMsgId = uid("wb-");
  const conv = state.current;
  const cust = await customer(conv.customer_id);
  // Shown at once, greyed, until the server has stored it.
  const pending = messageNode(
    { body, direction: internal ? "internal" : "outbound", author_kind: "agent",
      author_staff_id: state.me.id, client_msg_id: clientMsgId, created_at: new Date().toISOString() },
    cust,
  );
  pending.classList.add("pending");
  $("messages").append(pending);
  box.value = "";
  try {
    const msg = await api(`/api/v1/conversations/${conv.id}/messages`, {
      method: "POST",
      body: { body, internal, client_msg_id: clientMsgId },
    });
    await showMessage(msg);
  } catch (err) {
    pending.classList.add("failed");
    pending.title = err.message;
    box.value = body; // nothing typed is lost
    toast(err.message, "error");
  }
}

// ---- canned replies ------------------------------------------------------------------------

async function openPicker(state) {
  if (!state.current) return;
  if (macros === null) macros = await api("/api/v1/macros");
  $("macro-picker").hidden = false;
  $("macro-filter").value = "";
  picked = 0;
  drawMacros();
  $("macro-filter").focus();
}

function closePicker() {
  $("macro-picker").hidden = true;
  $("reply").focus();
}

function visibleMacros() {
  const q = $("macro-filter").value.trim().toLowerCase().replace(/^\//, "");
  return (macros || []).filter((m) => !q || m.shortcut.includes(q) || m.title.toLowerCase().includes(q));
}

function drawMacros() {
  const list = clear($("macro-list"));
  const items = visibleMacros();
  picked = Math.min(picked, Math.max(0, items.length - 1));
  if (!items.length) list.append(el("li", { class: "none" }, t("No canned reply matches.")));
  items.forEach((m, i) => {
    list.append(el("li", {
      class: i === picked ? "macro picked" : "macro",
      dataset: { id: m.id },
      onmousedown: (e) => { e.preventDefault(); usePicked(window.kefuState, m); },
    }, el("code", {}, `/${m.shortcut}`), " ", el("b", {}, m.title), el("div", { class: "excerpt" }, m.body)));
  });
}

async function usePicked(state, macro) {
  const m = macro || visibleMacros()[picked];
  if (!m || !state.current) return;
  const out = await api(`/api/v1/macros/${m.id}/render`, {
    method: "POST",
    body: { conversation_id: state.current.id },
  });
  closePicker();
  insertText(out.text);
  if (out.missing.length) {
    toast(t("No value for {names}: fill it in before sending.", { names: out.missing.map((n) => `{${n}}`).join(", ") }), "warn");
  }
}

// ---- shortcuts -----------------------------------------------------------------------------

function inField(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}

export function installReply(state) {
  window.kefuState = state;
  $("reply-form").addEventListener("submit", (e) => { e.preventDefault(); send(state); });
  $("reply").addEventListener("input", () => typing(state));
  $("btn-macros").addEventListener("click", () => openPicker(state));
  $("note-toggle").addEventListener("change", () => {
    $("reply-form").classList.toggle("note", $("note-toggle").checked);
  });
  $("macro-filter").addEventListener("input", () => { picked = 0; drawMacros(); });
  $("macro-filter").addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") { picked += 1; drawMacros(); e.preventDefault(); }
    else if (e.key === "ArrowUp") { picked = Math.max(0, picked - 1); drawMacros(); e.preventDefault(); }
    else if (e.key === "Enter") { e.preventDefault(); usePicked(state); }
    else if (e.key === "Escape") { e.preventDefault(); closePicker(); }
  });

  document.addEventListener("keydown", (e) => {
    if (document.querySelector("dialog[open]")) return; // the dialog has the keyboard
    const field = inField(e.target);
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && e.target.id === "reply") {
      e.preventDefault();
      send(state);
    } else if (e.altKey && e.code === "KeyN") {
      e.preventDefault();
      const toggle = $("note-toggle");
      toggle.checked = !toggle.checked;
      toggle.dispatchEvent(new Event("change"));
      $("reply").focus();
    } else if (e.altKey && e.code === "KeyT") {
      e.preventDefault();
      $("btn-take").click();
    } else if (e.altKey && e.code === "KeyP") {
      e.preventDefault();
      $("btn-promise").click();
    } else if (e.key === "/" && (!field || (e.target.id === "reply" && e.target.value === ""))) {
      e.preventDefault();
      openPicker(state);
    } else if (!field && !e.ctrlKey && !e.metaKey && !e.altKey) {
      if (e.key === "j") step(1);
      else if (e.key === "k") step(-1);
      else if (e.key === "r") { e.preventDefault(); $("reply").focus(); }
      else if (e.key === "?") $("dlg-help").showModal();
    }
  });
}
