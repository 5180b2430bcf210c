// The customer's order page, opened from a signed link (SMS, e-mail) or from the chat widget.
// The link travels in headers on every call, so action requests carry no token in their URL.

import { clear, el, t, uid, LANG } from "./common.js";
import { drawOrder } from "./order_view.js";

const root = document.getElementById("order");
const notice = document.getElementById("op-notice");
const WS = root.dataset.workspace;
const LINK = root.dataset.link;

function headers(extra = {}) {
  return { "X-Kefu-Workspace": WS, "X-Kefu-Order-Link": LINK, "Accept-Language": LANG, ...extra };
}

function say(text, kind) {
  notice.textContent = text;
  notice.dataset.kind = kind;
  notice.hidden = false;
}

async function call(path, options = {}) {
  const res = await fetch(path, { ...options, headers: headers(options.headers) });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error((body && body.detail) || `HTTP ${res.status}`);
  return body;
}

let orderId = null;

async function act(action, body) {
  try {
    const result = await call(`/api/v1/order-links/orders/${orderId}/actions/${action}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": uid("op-") },
      body: JSON.stringify(body || {}),
    });
    say(result.message, "ok");
  } catch (err) {
    // The policy's reason (or the link's problem) in the page's language, from the server.
    say(err.message, "error");
  }
  await load();
}

async function load() {
  try {
    const data = await call(`/api/v1/order-links/${encodeURIComponent(WS)}/${encodeURIComponent(LINK)}`);
    orderId = data.order.id;
    clear(root).append(...drawOrder(data, act));
    root.dataset.ready = "1";
  } catch (err) {
    clear(root).append(el("p", { class: "error" }, err.message || t("The link is invalid or has expired.")));
  }
}

load();
