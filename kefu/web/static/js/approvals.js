// The supervisor's approval queue: compensation above the requester's authority, oldest due first.

import { api, clear, el, t, toast } from "./common.js";
import { at } from "./order_view.js";

const box = document.getElementById("approvals");
const rows = box.querySelector("tbody");
const none = box.querySelector(".none");
const yuan = (cents) => `¥${(cents / 100).toFixed(2)}`;
const names = new Map();
const CASE = {
  late_shipment: "Late shipment", out_of_stock_after_payment: "Out of stock after payment",
  lost_parcel: "Lost parcel", damaged_parcel: "Damaged parcel", wrong_item: "Wrong item",
  price_drop: "Price drop", broken_promise: "Broken promise", service_failure: "Service failure",
};
const REMEDY = {
  voucher: "Voucher", free_shipping: "Free shipping", partial_refund: "Partial refund",
  full_refund: "Full refund", points: "Points", replacement: "Replacement",
};
const KIND = { staff: "Agent", bot: "Bot", system: "System" };

async function decide(grant, verdict, note) {
  try {
    await api(`/api/v1/compensation/grants/${grant.id}/${verdict}`, { method: "POST", body: { note } });
    toast(verdict === "approve" ? t("Approved.") : t("Rejected."));
  } catch (err) {
    toast(err.message, "error");
  }
  await load();
}

function row(g) {
  const note = el("input", { maxlength: 500, placeholder: t("Note (required to reject)"), "aria-label": t("Note") });
  const who = g.requested_by_id ? names.get(g.requested_by_id) || `#${g.requested_by_id}` : t(KIND[g.requested_by_kind] || g.requested_by_kind);
  return el("tr", { dataset: { grant: g.id } },
    el("td", {}, el("b", {}, yuan(g.amount_cents)), " ", t(REMEDY[g.remedy] || g.remedy)),
    el("td", {}, t(CASE[g.case_type] || g.case_type), g.order_id ? ` · #${g.order_id}` : ""),
    el("td", {}, g.reason),
    el("td", {}, who),
    el("td", {}, `v${g.policy_version}`),
    el("td", {}, el("time", {}, at(g.approval_due_at))),
    el("td", {}, note,
      el("button", { type: "button", class: "primary", onclick: () => decide(g, "approve", note.value) }, t("Approve")),
      el("button", { type: "button", onclick: () => {
        if (!note.value.trim()) { note.focus(); toast(t("Say why you reject it."), "error"); return; }
        decide(g, "reject", note.value);
      } }, t("Reject"))));
}

async function load() {
  const page = await api("/api/v1/compensation/grants?status=pending_approval&limit=100");
  // Oldest approval deadline first: that is the one whose SLA runs out soonest.
  const items = page.items.sort((a, b) => String(a.approval_due_at).localeCompare(String(b.approval_due_at)));
  clear(rows).append(...items.map(row));
  none.hidden = items.length > 0;
  box.dataset.ready = "1";
}

api("/api/v1/staff")
  .then((all) => { for (const s of all) names.set(s.id, s.name); })
  .catch(() => null)
  .finally(() => load().catch((err) => toast(err.message, "error")));
// New requests arrive without a frame of their own: look again every half minute.
setInterval(() => load().catch(() => null), 30000);
