// Shared by the staff pages: the stored token, REST calls, safe DOM building, text, time.
// Every piece of user text goes into the page through textContent: never innerHTML.

export const TOKEN_KEY = "kefu.token";

const catalogNode = document.getElementById("i18n");
const CATALOG = catalogNode ? JSON.parse(catalogNode.textContent) : {};
export const LANG = document.documentElement.lang || "zh-CN";

/** The text of `msgid` in the page language, `{name}` placeholders filled from `vars`. */
export function t(msgid, vars = {}) {
  const text = CATALOG[msgid] || msgid;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Send the visitor to the login page (and back here afterwards). */
export function toLogin() {
  const next = encodeURIComponent(location.pathname + location.search);
  location.href = `/login?next=${next}`;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** A REST call with the staff token; JSON in and out. 401 goes to the login page. */
export async function api(path, { method = "GET", body, headers = {} } = {}) {
  const res = await fetch(path, {
    method,
    headers: {
      Authorization: `Bearer ${token()}`,
      "Accept-Language": LANG,
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401) {
    toLogin();
    throw new ApiError(401, null);
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Like api(), but a missing route (another part not installed yet) answers null. */
export async function optional(path) {
  try {
    return await api(path);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)) return null;
    throw err;
  }
}

/** Build an element: el("li", {class: "x", dataset: {id: 3}, onclick: f}, "text", child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

const timeFmt = new Intl.DateTimeFormat(LANG, { hour: "2-digit", minute: "2-digit" });
const dateTimeFmt = new Intl.DateTimeFormat(LANG, {
  month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
});

/** "14:05" today, "11-20 14:05" otherwise. */
export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const today = new Date();
  return d.toDateString() === today.toDateString() ? timeFmt.format(d) : dateTimeFmt.format(d);
}

/** "3:07" or "1:02:03" for a duration in seconds (negative: "-3:07"). */
export function clockText(seconds) {
  const sign = seconds < 0 ? "-" : "";
  let s = Math.abs(Math.round(seconds));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${sign}${h}:${pad(m)}:${pad(s)}` : `${sign}${m}:${pad(s)}`;
}

/** A random id for client_msg_id / Idempotency-Key (works outside secure contexts too). */
export function uid(prefix = "") {
  if (crypto.randomUUID) return prefix + crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Wire the header's sign-out link and language links. */
export function wireHeader() {
  // htmx partials (the customer card) carry the same credentials as api().
  document.body.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers.Authorization = `Bearer ${token()}`;
    event.detail.headers["Accept-Language"] = LANG;
  });
  const out = document.getElementById("logout");
  if (out) out.addEventListener("click", (event) => {
    event.preventDefault();
    sessionStorage.removeItem(TOKEN_KEY);
    location.href = "/login";
  });
}

/** A short notice at the bottom of the page. */
export function toast(text, kind = "info") {
  let box = document.getElementById("toasts");
  if (!box) {
    box = el("div", { id: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(box);
  }
  const item = el("div", { class: `toast ${kind}` }, text);
  box.append(item);
  setTimeout(() => item.remove(), 5000);
}

/** The first drawn message newer than `id` (null: append): live frames and REST pages interleave. */
export function laterThan(box, id) {
  if (!id) return null;
  return [...box.children].find((n) => Number(n.dataset.id) > id) || null;
}
