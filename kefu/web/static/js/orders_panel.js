// The workbench's orders panel (在离一体): the conversation's customer's orders beside the chat,
// each action in one or two clicks, and compensation chosen from the engine's offer.
// Actions and grants name the open conversation, so the customer reads the outcome there at once.

import { api, clear, el, t, toast, uid } from "./common.js";
import { state } from "./workbench.js";
import { at, drawOrder, pick, STATUS } from "./order_view.js";

const panel = document.getElementById("orders-panel");
const body = panel.querySelector(".body");
const compTemplate = document.getElementById("comp-template");
const yuan = (cents) => `¥${(cents / 100).toFixed(2)}`;
let shownFor = null; // the conversation whose customer's orders are drawn

function conversation() {
  return state.current && state.current.customer_id ? state.current : null;
}

async function act(orderId, box, action, payload) {
  const conv = conversation();
  try {
    const result = await api(`/api/v1/orders/${orderId}/actions/${action}?conversation_id=${conv.id}`, {
      method: "POST", body: payload || {}, headers: { "Idempotency-Key": uid("wb-") },
    });
    toast(result.message);
  } catch (err) {
    toast(err.message, "error");
  }
  await openOrder(orderId, box);
}

/** The engine's offer for (case, fault, order); grant one remedy from it. */
function compensation(orderId) {
  const form = compTemplate.content.firstElementChild.cloneNode(true);
  const out = form.querySelector(".offer");
  const caseOf = () => ({
    case_type: form.elements.case_type.value,
    fault: form.elements.fault.value,
    order_id: orderId,
    conversation_id: conversation().id,
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(out);
    let offer;
    try {
      offer = await api("/api/v1/compensation/offers", { method: "POST", body: caseOf() });
    } catch (err) {
      out.append(el("p", { class: "refused" }, err.message));
      return;
    }
    const role = state.me && state.me.role;
    const authority = offer.authority_cents[role];
    out.append(el("p", { class: "muted" },
      offer.profile ? pick(offer.profile.title_zh, offer.profile.title_en) : t("No profile for this case."),
      " · ", t("policy v{version}", { version: offer.policy_version }),
      authority !== undefined ? ` · ${t("your authority {amount}", { amount: yuan(authority) })}` : ""));
    if (offer.reasons.length) out.append(el("ul", { class: "reasons" }, offer.reasons.map((r) => el("li", {}, pick(r.zh, r.en)))));
    if (!offer.remedies.length) out.append(el("p", { class: "refused" }, t("Nothing may be offered for this case.")));
    for (const r of offer.remedies) {
      const isDefault = offer.default && offer.default.kind === r.kind;
      const amount = el("input", {
        type: "number", min: "0.01", step: "0.01", max: (r.cap_cents / 100).toFixed(2),
        value: ((isDefault ? offer.default.amount_cents : r.cap_cents) / 100).toFixed(2),
        "aria-label": t("Amount (yuan)"), dataset: { remedy: r.kind },
      });
      const result = el("span", { class: "result" });
      const grant = async () => {
        try {
          const row = await api("/api/v1/compensation/grants", {
            method: "POST",
            body: { case: caseOf(), remedy: r.kind, amount_cents: Math.round(Number(amount.value) * 100), reason: t("In chat") },
          });
          result.dataset.status = row.status;
          result.textContent = row.status === "pending_approval"
            ? t("Waiting for approval (due {time})", { time: at(row.approval_due_at) })
            : t("Granted: {amount}", { amount: yuan(row.amount_cents) });
        } catch (err) {
          result.dataset.status = "refused";
          result.textContent = err.message;
        }
      };
      out.append(el("div", { class: `remedy${isDefault ? " default" : ""}`, dataset: { remedy: r.kind } },
        el("b", {}, pick(r.label_zh, r.label_en)),
        el("span", { class: "muted" }, t("up to {amount}", { amount: yuan(r.cap_cents) })),
        amount,
        el("button", { type: "button", class: isDefault ? "primary" : "", onclick: grant, dataset: { grant: r.kind } }, t("Grant")),
        result));
    }
  });
  return form;
}

const EFFECT = { refund: "Refund", address_change: "Change address", cancel: "Cancel the order" };

/** What the shop has not applied yet: a failed effect is retried from here. */
async function shopEffects(orderId, box, number) {
  const page = await api(`/api/v1/shop/effects?order_number=${encodeURIComponent(number)}&limit=20`).catch(() => null);
  const open = ((page && page.items) || []).filter((e) => e.status !== "delivered");
  if (!open.length) return null;
  return el("section", { class: "effects" }, el("h4", {}, t("At the shop")), el("ul", {}, open.map((e) => el("li", {
    dataset: { effect: e.id, status: e.status },
  },
  t(EFFECT[e.kind] || e.kind), " · ",
  e.status === "failed" ? t("failed after {n} attempts", { n: e.attempts }) : t("on its way"),
  e.last_error ? el("small", { class: "refused" }, ` ${e.last_error}`) : null,
  e.status === "failed" ? el("button", { type: "button", onclick: async () => {
    try {
      await api(`/api/v1/shop/effects/${e.id}/retry`, { method: "POST" });
      toast(t("Sent to the shop again."));
    } catch (err) {
      toast(err.message, "error");
    }
    await openOrder(orderId, box);
  } }, t("Retry")) : null))));
}

async function openOrder(orderId, box) {
  const data = await api(`/api/v1/orders/${orderId}/page`);
  const effects = await shopEffects(orderId, box, data.order.number);
  clear(box).append(...drawOrder(data, (action, payload) => act(orderId, box, action, payload)), effects || "", compensation(orderId));
  box.dataset.loaded = "1";
}

/** Draw the customer's orders; `keepOpen` (order numbers) after a change, else the latest opens. */
async function load(keepOpen = null) {
  const conv = conversation();
  if (!conv) return;
  shownFor = conv.id;
  const page = await api(`/api/v1/orders?customer_id=${conv.customer_id}&limit=10`);
  if (shownFor !== conv.id) return; // another conversation was opened meanwhile
  clear(body);
  panel.hidden = false;
  if (!page.items.length) {
    body.append(el("p", { class: "muted" }, t("No orders.")));
    return;
  }
  page.items.forEach((o, i) => {
    const box = el("div", { class: "order-body" });
    const details = el("details", { class: "order", dataset: { order: o.number } },
      el("summary", {}, el("b", {}, o.number), " ", el("span", { class: "chip" }, t(STATUS[o.status] || o.status)), " ", o.total_yuan),
      box);
    details.addEventListener("toggle", () => {
      if (details.open && !box.dataset.loaded) openOrder(o.id, box).catch((err) => toast(err.message, "error"));
    });
    body.append(details);
    // The latest order is usually the one being talked about.
    if (keepOpen ? keepOpen.has(o.number) : i === 0) details.open = true;
  });
}

// An order of the customer shown changed (the customer acted on the order page, the shop sent an
// update, a refund was confirmed): draw it again, with the same orders open. Changes come in
// bursts (a refund is approved, then paid), so one redraw for what arrives within REDRAW_MS.
// While the agent is filling in a form or reading an offer, a redraw would wipe it: the panel
// says that the orders changed and redraws when asked.
const REDRAW_MS = 300;
let redraw = null;

function busy() {
  const field = document.activeElement;
  return (panel.contains(field) && ["INPUT", "SELECT", "TEXTAREA"].includes(field.tagName))
    || [...body.querySelectorAll("form.action-form")].some((f) => !f.hidden)
    || [...body.querySelectorAll("form.comp .offer")].some((o) => o.childElementCount > 0);
}

function redrawKeepingOpen() {
  const open = new Set([...body.querySelectorAll("details.order[open]")].map((d) => d.dataset.order));
  load(open).catch((err) => toast(err.message, "error"));
}

document.addEventListener("kefu:orders", (event) => {
  const conv = conversation();
  if (!conv || conv.id !== shownFor || event.detail.customer_id !== conv.customer_id) return;
  clearTimeout(redraw);
  redraw = setTimeout(() => {
    if (!busy()) {
      redrawKeepingOpen();
    } else if (!body.querySelector(".orders-changed")) {
      body.prepend(el("button", { type: "button", class: "orders-changed", onclick: redrawKeepingOpen },
        t("Orders changed — show the latest")));
    }
  }, REDRAW_MS);
});

// The workbench redraws the conversation header whenever a conversation opens or changes.
new MutationObserver(() => {
  const conv = conversation();
  if (conv && conv.id !== shownFor) load().catch((err) => toast(err.message, "error"));
}).observe(document.getElementById("conv-meta"), { childList: true, characterData: true, subtree: true });
