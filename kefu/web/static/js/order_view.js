// One order drawn from the order-page JSON (GET …/orders/{id}/page): logistics, returns and
// refunds, open promises, and the self-service actions with the policy's reasons.
// Shared by the customer's order page and the workbench's orders panel. Text via textContent only.

import { el, t, LANG } from "./common.js";

const fullFmt = new Intl.DateTimeFormat(LANG, {
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
});
const EN = LANG.startsWith("en");

/** "2026-11-24 10:05" in the reader's language and time zone. */
export function at(iso) {
  return iso ? fullFmt.format(new Date(iso)) : "";
}

/** The zh or en text of a {zh, en} pair (refusal reasons, scan and step texts). */
export function pick(zh, en) {
  return EN ? en || zh : zh || en;
}

export const STATUS = {
  pending_payment: "awaiting payment", paid: "paid", shipped: "shipped", delivered: "delivered",
  completed: "completed", cancelled: "cancelled", refunded: "refunded",
};
const STEP = {
  requested: "requested", approved: "approved", shipped_back: "shipped back", received: "received",
  inspected: "inspected", refunded: "refunded", rejected: "rejected", cancelled: "cancelled",
};
const REFUND_KIND = { refund: "Refund", price_protection: "Price protection", cancel: "Cancellation refund" };
const REFUND_STATUS = { pending: "on its way", confirmed: "refunded", failed: "failed" };

function shipment(s) {
  const head = el("div", { class: "ship-head" },
    el("b", {}, `${s.carrier} ${s.tracking_no}`), " ",
    el("span", { class: "chip", dataset: { code: s.status || "none" } }, pick(s.status_zh, s.status_en)),
    s.since ? el("time", {}, " ", t("since {time}", { time: at(s.since) })) : null);
  const customs = s.in_customs_since
    ? el("p", { class: "customs" }, t("In customs since {time}", { time: at(s.in_customs_since) }))
    : null;
  const scans = el("ol", { class: "scans" }, s.scans.map((x) => el("li", { dataset: { code: x.code } },
    el("time", {}, at(x.at)), " ",
    el("b", {}, pick(x.text_zh, x.text_en)), " ",
    el("span", {}, [x.location, x.description].filter(Boolean).join(" · ")))));
  return el("section", { class: "shipment" }, head, customs, scans);
}

function afterSale(c) {
  const next = c.next_step
    ? el("p", { class: "next" }, t("Next: {step}, expected by {time}", {
      step: t(STEP[c.next_step] || c.next_step), time: at(c.next_by),
    }))
    : null;
  return el("section", { class: "case", dataset: { status: c.status } },
    el("div", {}, el("b", {}, `${t(c.kind === "return_refund" ? "Return and refund" : "Refund")} ${c.number}`), " ",
      el("span", { class: "chip" }, pick(c.status_zh, c.status_en)), " ",
      el("time", {}, t("since {time}", { time: at(c.since) }))),
    el("p", {}, `${c.amount_yuan} · ${c.reason}`),
    next,
    el("ol", { class: "steps" }, c.steps.map((s) => el("li", {},
      el("time", {}, at(s.at)), " ", t(STEP[s.status] || s.status)))));
}

function refund(r) {
  return el("li", { class: "refund", dataset: { status: r.status, kind: r.kind } },
    el("b", {}, r.amount_yuan), " ", t(REFUND_KIND[r.kind] || r.kind), " · ",
    t(REFUND_STATUS[r.status] || r.status), " · ", el("time", {}, at(r.confirmed_at || r.created_at)));
}

function promise(p) {
  return el("li", { class: "promise" }, p.text, " · ", t("due {time}", { time: at(p.due_at) }));
}

/** A disabled button with the policy's reason beside it, or an enabled one. */
function button(label, verdict, onclick, attrs = {}) {
  const allowed = !verdict || verdict.allowed;
  const b = el("button", { type: "button", disabled: !allowed, onclick, ...attrs }, label);
  if (allowed) return b;
  return el("span", { class: "refused-wrap" }, b,
    el("small", { class: "refused" }, pick(verdict.zh, verdict.en)));
}

function form(name, fields, submitLabel, onsubmit) {
  const f = el("form", { class: "action-form", dataset: { form: name }, hidden: true },
    ...fields, el("button", { type: "submit", class: "primary" }, submitLabel));
  f.addEventListener("submit", (event) => {
    event.preventDefault();
    onsubmit(new FormData(f));
  });
  return f;
}

/** The action bar: `act(action, body)` performs one (the caller knows the route and the auth). */
function actions(order, available, act) {
  const box = el("div", { class: "actions order-actions" });
  box.append(button(t("Urge shipping"), available.urge, () => act("urge", null), { dataset: { action: "urge" } }));
  const refundForm = form("refund", [
    el("label", {}, t("Reason"), el("input", { name: "reason", required: true, maxlength: 500 })),
    el("label", { class: "inline" }, el("input", { type: "checkbox", name: "return_goods" }), " ", t("Return the goods")),
  ], t("Request refund"), (data) => act("refund", {
    reason: data.get("reason"), return_goods: data.get("return_goods") === "on",
  }));
  box.append(button(t("Refund / return"), available.refund, () => { refundForm.hidden = !refundForm.hidden; },
    { dataset: { action: "refund" } }));
  const addressForm = form("address", [
    el("label", {}, t("Name"), el("input", { name: "name", maxlength: 120 })),
    el("label", {}, t("Phone"), el("input", { name: "phone", maxlength: 32, inputmode: "tel" })),
    el("label", {}, t("Address"), el("input", { name: "address", required: true, maxlength: 500 })),
  ], t("Change address"), (data) => act("address", {
    name: data.get("name") || "", phone: data.get("phone") || "", address: data.get("address"),
  }));
  box.append(button(t("Change address"), available.change_address,
    () => { addressForm.hidden = !addressForm.hidden; }, { dataset: { action: "address" } }));
  const cancelForm = form("cancel", [
    el("label", {}, t("Reason"), el("input", { name: "reason", maxlength: 500 })),
  ], t("Cancel the order"), (data) => act("cancel", { reason: data.get("reason") || "" }));
  box.append(button(t("Cancel the order"), available.cancel,
    () => { cancelForm.hidden = !cancelForm.hidden; }, { dataset: { action: "cancel" } }));
  const items = el("ul", { class: "items" }, order.items.map((item) => el("li", {},
    `${item.title} × ${item.quantity} · ${item.unit_price_yuan} `,
    button(t("Price protection"), (available.price_protection || {})[String(item.id)],
      () => act("price-protection", { item_id: item.id }),
      { dataset: { action: "price-protection", item: item.id } }))));
  return [items, box, refundForm, addressForm, cancelForm];
}

/** The whole order as DOM nodes. */
export function drawOrder(data, act) {
  const o = data.order;
  const nodes = [
    el("section", { class: "summary" },
      el("h2", {}, t("Order {number}", { number: o.number })),
      el("p", {}, el("span", { class: "chip status", dataset: { status: o.status } }, t(STATUS[o.status] || o.status)),
        " ", o.total_yuan, " · ", at(o.created_at)),
      o.shipping.address_masked
        ? el("p", { class: "muted" }, `${o.shipping.name_masked} ${o.shipping.phone_masked} · ${o.shipping.address_masked}`)
        : null),
  ];
  nodes.push(...actions(o, data.available || {}, act));
  nodes.push(el("h3", {}, t("Logistics")));
  nodes.push(data.shipments.length
    ? el("div", { class: "shipments" }, data.shipments.map(shipment))
    : el("p", { class: "muted" }, t("Not shipped yet.")));
  if (data.after_sales.length) {
    nodes.push(el("h3", {}, t("Returns and refunds")), el("div", { class: "cases" }, data.after_sales.map(afterSale)));
  }
  if (data.refunds.length) {
    nodes.push(el("h3", {}, t("Refunds")), el("ul", { class: "refunds" }, data.refunds.map(refund)));
  }
  if (data.promises.length) {
    nodes.push(el("h3", {}, t("Our promises")), el("ul", { class: "promises" }, data.promises.map(promise)));
  }
  return nodes;
}
