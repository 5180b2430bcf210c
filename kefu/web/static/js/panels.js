// The conversation pane's side panels: knowledge suggestions and the customer's timeline.

import { api, clear, el, optional, t, toast, when } from "./common.js";
import { insertText, state } from "./workbench.js";

const $ = (id) => document.getElementById(id);

export async function loadSuggestions(conv) {
  const card = $("suggestions");
  const data = await optional(`/api/v1/conversations/${conv.id}/suggestions`).catch(() => null);
  const items = Array.isArray(data) ? data : (data && data.items) || [];
  if (state.current !== conv) return;
  card.hidden = !items.length;
  const list = clear(card.querySelector(".body"));
  for (const s of items.slice(0, 5)) {
    const use = () => {
      insertText(s.answer);
      // Counted for the knowledge base (which answers agents really use); best effort.
      api(`/api/v1/conversations/${conv.id}/suggestions/${s.entry_id}/used`, {
        method: "POST",
        body: { message_id: data.message_id },
      }).catch(() => null);
    };
    list.append(el("li", { class: "suggestion", dataset: { entry: s.entry_id } },
      el("button", { type: "button", class: "link", onclick: use },
        el("b", {}, s.question), " ",
        el("span", { class: "chip" }, `${Math.round((s.confidence || 0) * 100)}%`),
        el("span", { class: "excerpt" }, s.answer))));
  }
  if (items.length && card.dataset.drafting === "1") list.append(draftButton(conv));
}

/** An LLM draft from these answers (the operator's endpoint), into the reply box to edit. */
function draftButton(conv) {
  const button = el("button", { type: "button", class: "link", id: "btn-draft" }, t("Draft a reply with AI"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const draft = await api(`/api/v1/conversations/${conv.id}/draft`, { method: "POST" });
      if (draft.text) insertText(draft.text);
      else toast(t("The knowledge base has no answer to draft from."));
    } catch (err) {
      toast(err.message, "error");
    } finally {
      button.disabled = false;
    }
  });
  return el("li", { class: "suggestion draft" }, button);
}

let suggestTimer = null;

/** A new customer message: new suggestions (one request per burst). */
export function suggestSoon() {
  clearTimeout(suggestTimer);
  suggestTimer = setTimeout(() => { if (state.current) loadSuggestions(state.current); }, 800);
}

export async function loadTimeline(conv) {
  const list = clear($("timeline"));
  const page = await api(`/api/v1/customers/${conv.customer_id}/timeline?limit=100`);
  const channelOf = new Map();
  for (const ev of page.items) {
    if (ev.type === "conversation.created" && ev.payload.channel_kind) {
      channelOf.set(ev.conversation_id, ev.payload.channel_kind);
    }
  }
  for (const ev of page.items) {
    const p = ev.payload || {};
    const channel = channelOf.get(ev.conversation_id);
    list.append(el("li", { class: `ev ${ev.type.replace(/\W/g, "-")}` },
      el("time", {}, when(ev.occurred_at)),
      el("span", { class: "type" }, t(ev.type)),
      channel ? el("span", { class: "chip" }, t(channel)) : null,
      el("span", { class: "excerpt" }, p.excerpt || p.subject || p.text || "")));
  }
}
