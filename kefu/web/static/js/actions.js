// The pane's actions: take, transfer, close/reopen, create or link a ticket, make a promise.

import { api, clear, el, t, toast, uid, when } from "./common.js";
import { drawHeader, loadDeadlines, refreshProfile, upsert } from "./workbench.js";

const $ = (id) => document.getElementById(id);

/** Open a <dialog>; resolves true when it is confirmed with its "ok" button. */
function ask(dialog) {
  return new Promise((resolve) => {
    dialog.returnValue = "";
    dialog.showModal();
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

async function patch(state, changes) {
  const conv = await api(`/api/v1/conversations/${state.current.id}`, { method: "PATCH", body: changes });
  state.current = conv;
  upsert(conv);
  drawHeader();
  return conv;
}

async function transfer(state) {
  const select = clear($("transfer-to"));
  const [staff, teams] = await Promise.all([api("/api/v1/staff"), api("/api/v1/teams")]);
  const people = el("optgroup", { label: t("Agents") });
  for (const s of staff.filter((s) => s.active && s.id !== state.me.id && s.role !== "analyst")) {
    people.append(el("option", { value: `staff:${s.id}` }, `${s.name} (${t(s.role)})`));
  }
  // A team: routed again within it (its least-loaded member online, or its queue).
  const groups = el("optgroup", { label: t("Teams") });
  for (const team of teams) groups.append(el("option", { value: `team:${team.id}` }, team.name));
  select.append(people, groups);
  if (!(await ask($("dlg-transfer")))) return;
  const [kind, id] = select.value.split(":");
  if (kind === "team") {
    const placed = await api(`/api/v1/routing/conversations/${state.current.id}/transfer`, {
      method: "POST",
      body: { team_id: Number(id) },
    });
    const conv = await api(`/api/v1/conversations/${state.current.id}`);
    state.current = conv;
    upsert(conv);
    drawHeader();
    toast(placed.staff_id ? t("Transferred.") : t("Transferred to the team's queue."));
  } else {
    await patch(state, { assignee_id: Number(id) });
    toast(t("Transferred."));
  }
}

async function createTicket(state) {
  $("ticket-subject").value = state.current.subject || "";
  if (!(await ask($("dlg-ticket")))) return;
  const order = $("ticket-order").value.trim();
  const ticket = await api("/api/v1/tickets", {
    method: "POST",
    headers: { "Idempotency-Key": uid("wb-ticket-") },
    body: {
      subject: $("ticket-subject").value.trim(),
      priority: $("ticket-priority").value,
      customer_id: state.current.customer_id,
      conversation_ids: [state.current.id],
      ...(order ? { order_ref: order } : {}),
    },
  });
  toast(t("Ticket #{number} created.", { number: ticket.number }));
  refreshProfile();
  loadDeadlines();
}

async function linkTicket(state) {
  const select = clear($("link-ticket"));
  const page = await api(`/api/v1/tickets?customer_id=${state.current.customer_id}&limit=50`);
  const open = page.items.filter((tk) => !tk.conversation_ids.includes(state.current.id));
  for (const tk of open) {
    select.append(el("option", { value: tk.id }, `#${tk.number} ${tk.subject} (${t(tk.status)})`));
  }
  if (!open.length) {
    toast(t("This customer has no other ticket to link."), "warn");
    return;
  }
  if (!(await ask($("dlg-link")))) return;
  await api(`/api/v1/tickets/${select.value}/conversations`, {
    method: "POST",
    body: { conversation_id: state.current.id },
  });
  toast(t("Linked."));
  refreshProfile();
  loadDeadlines();
}

function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

async function makePromise(state) {
  const due = $("promise-due");
  due.value = localInputValue(new Date(Date.now() + 2 * 3600_000));
  due.min = localInputValue(new Date());
  if (!(await ask($("dlg-promise")))) return;
  const promise = await api("/api/v1/promises", {
    method: "POST",
    headers: { "Idempotency-Key": uid("wb-promise-") },
    body: {
      customer_id: state.current.customer_id,
      conversation_id: state.current.id,
      kind: $("promise-kind").value,
      text: $("promise-text").value.trim(),
      due_at: new Date(due.value).toISOString(),
    },
  });
  toast(t("Promise recorded: due {when}.", { when: when(promise.due_at) }));
  loadDeadlines();
}

function guard(fn) {
  return async () => {
    try {
      await fn();
    } catch (err) {
      toast(err.message, "error");
    }
  };
}

export function installActions(state) {
  $("btn-take").addEventListener("click", guard(async () => {
    await patch(state, { assignee_id: state.me.id });
    state.socket.unwatch(state.current.id); // mine now: it comes anyway
  }));
  $("btn-close").addEventListener("click", guard(() =>
    patch(state, { status: state.current.status === "open" ? "closed" : "open" })));
  $("btn-transfer").addEventListener("click", guard(() => transfer(state)));
  $("btn-ticket").addEventListener("click", guard(() => createTicket(state)));
  $("btn-link").addEventListener("click", guard(() => linkTicket(state)));
  $("btn-promise").addEventListener("click", guard(() => makePromise(state)));
  for (const b of document.querySelectorAll("#promise-quick [data-minutes]")) {
    b.addEventListener("click", () => {
      $("promise-due").value = localInputValue(new Date(Date.now() + Number(b.dataset.minutes) * 60_000));
    });
  }
}
