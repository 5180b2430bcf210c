// The start page: who I am and how many tickets are open.
import { api, t, toLogin, token, wireHeader } from "./common.js";

if (!token()) toLogin();
wireHeader();
const me = await api("/api/v1/me");
document.getElementById("who").textContent =
  `${t("Welcome")}, ${me.staff.name} (${t(me.staff.role)}) — ${me.workspace.name}`;
let count = 0;
for (const status of ["new", "open", "pending_internal", "pending_customer"]) {
  const page = await api(`/api/v1/tickets?status=${status}&limit=200`);
  count += page.items.length;
}
document.getElementById("open-tickets").textContent = count;
