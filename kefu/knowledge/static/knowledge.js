// The knowledge base page: every text goes in through textContent, never innerHTML.
const T = JSON.parse(document.getElementById("kb-text").textContent);
const LANG = document.documentElement.lang || "zh-CN";
const token = sessionStorage.getItem("kefu.token");
if (!token) location.href = `/login?next=${encodeURIComponent(location.pathname)}`;
const $ = (id) => document.getElementById(id);
const fill = (text, vars) => text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));

async function api(path, { method = "GET", body } = {}) {
  const res = await fetch(path, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      "Accept-Language": LANG,
      ...(body ? { "Content-Type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401) location.href = "/login";
  const isJson = (res.headers.get("content-type") || "").includes("json");
  const data = isJson ? await res.json() : await res.text();
  if (!res.ok) {
    const err = new Error((data && data.detail) || `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return data;
}

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function say(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "status error" : "status";
}

let current = null;
let nextCursor = null;

function entryItem(entry) {
  const li = el("li");
  li.dataset.id = entry.id;
  li.append(el("span", T[entry.status], `badge ${entry.status}`));
  // A campaign's entry outside its window does not answer: say so before anyone wonders why.
  if (entry.validity === "upcoming" || entry.validity === "ended") {
    li.append(el("span", T[entry.validity], `badge ${entry.validity}`));
  }
  li.append(el("span", entry.question));
  const meta = [`v${entry.version}`, ...entry.tags];
  if (entry.campaign) meta.push(entry.campaign);
  if (entry.valid_until) meta.push(`→ ${new Date(entry.valid_until).toLocaleString(LANG)}`);
  li.append(el("div", meta.join(" · "), "meta"));
  li.addEventListener("click", () => open(entry.id));
  return li;
}

async function list(append = false) {
  const q = $("q").value.trim();
  const status = $("status-filter").value;
  const box = $("entries");
  if (!append) box.replaceChildren();
  let entries;
  if (q) {
    const hits = await api(`/api/v1/knowledge/search?q=${encodeURIComponent(q)}&published_only=${status === "published"}`);
    entries = hits.map((h) => h.entry).filter((e) => !status || e.status === status);
    nextCursor = null;
  } else {
    const params = new URLSearchParams({ limit: "50" });
    if (status) params.set("status", status);
    if (append && nextCursor) params.set("cursor", nextCursor);
    const page = await api(`/api/v1/knowledge/entries?${params}`);
    entries = page.items;
    nextCursor = page.next_cursor;
  }
  for (const entry of entries) box.append(entryItem(entry));
  if (!box.children.length) box.append(el("li", T.no_results, "meta"));
  $("more").hidden = !nextCursor;
}

const toLocal = (iso) => {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
};
const fromLocal = (value) => (value ? new Date(value).toISOString() : null);
const lines = (value) => value.split("\n").map((s) => s.trim()).filter(Boolean);

function show(entry) {
  current = entry;
  say(""); // what was said was about the entry shown before
  $("editor-title").textContent = entry ? `#${entry.id} · ${T.version} ${entry.version}` : T.new;
  $("f-kind").value = entry ? entry.kind : "faq";
  $("f-question").value = entry ? entry.question : "";
  $("f-paraphrases").value = entry ? entry.paraphrases.join("\n") : "";
  $("f-answer").value = entry ? entry.answer : "";
  $("f-answer-chat").value = entry ? entry.answer_chat : "";
  $("f-answer-email").value = entry ? entry.answer_email : "";
  $("f-tags").value = entry ? entry.tags.join(", ") : "";
  $("f-campaign").value = entry ? entry.campaign : "";
  $("f-valid-from").value = toLocal(entry && entry.valid_from);
  $("f-valid-until").value = toLocal(entry && entry.valid_until);
  $("f-note").value = "";
  $("publish").hidden = !entry || entry.status === "published";
  $("unpublish").hidden = !entry || entry.status !== "published";
  $("delete").hidden = !entry;
  $("diff").hidden = true;
  document.querySelectorAll("#entries li").forEach((li) => li.classList.toggle("active", !!entry && li.dataset.id == entry.id));
  versions();
}

async function open(id) {
  try {
    show(await api(`/api/v1/knowledge/entries/${id}`));
  } catch (err) {
    // Deleted by another editor since the list was read: say so, and read the list again.
    say(err.message, true);
    await list();
  }
}

async function versions() {
  const box = $("versions");
  box.replaceChildren();
  if (!current) return;
  const page = await api(`/api/v1/knowledge/entries/${current.id}/versions?limit=50`);
  for (const v of page.items) {
    const li = el("li", `v${v.number} · ${new Date(v.created_at).toLocaleString(LANG)} · ${v.author_kind}${v.author_staff_id ? " #" + v.author_staff_id : ""} ${v.note}`);
    if (v.number > 1) {
      li.title = T.diff;
      li.addEventListener("click", async () => {
        const d = await api(`/api/v1/knowledge/entries/${current.id}/diff?from=${v.number - 1}&to=${v.number}`);
        $("diff").textContent = d.diff || "(=)";
        $("diff").hidden = false;
      });
    }
    box.append(li);
  }
}

$("editor").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = {
    kind: $("f-kind").value,
    question: $("f-question").value.trim(),
    paraphrases: lines($("f-paraphrases").value),
    answer: $("f-answer").value,
    answer_chat: $("f-answer-chat").value,
    answer_email: $("f-answer-email").value,
    tags: $("f-tags").value.split(",").map((s) => s.trim()).filter(Boolean),
    campaign: $("f-campaign").value.trim(),
    valid_from: fromLocal($("f-valid-from").value),
    valid_until: fromLocal($("f-valid-until").value),
    note: $("f-note").value,
  };
  try {
    const saved = current
      ? await api(`/api/v1/knowledge/entries/${current.id}`, { method: "PATCH", body })
      : await api("/api/v1/knowledge/entries", { method: "POST", body });
    show(saved);
    say(T.saved);
    await list();
  } catch (err) {
    say(err.message, true);
  }
});

for (const [id, action] of [["publish", "publish"], ["unpublish", "unpublish"]]) {
  $(id).addEventListener("click", async () => {
    try {
      show(await api(`/api/v1/knowledge/entries/${current.id}/${action}`, { method: "POST" }));
      await list();
    } catch (err) {
      say(err.message, true);
    }
  });
}

$("delete").addEventListener("click", async () => {
  if (!current || !confirm(T.confirm_delete)) return;
  let problem = null;
  try {
    await api(`/api/v1/knowledge/entries/${current.id}`, { method: "DELETE" });
  } catch (err) {
    problem = err;
    if (err.status !== 404) { say(err.message, true); return; }
    // 404: another editor deleted it meanwhile; gone all the same, and said so.
  }
  show(null);
  if (problem) say(problem.message, true);
  await list();
});

$("new").addEventListener("click", () => show(null));
$("search-form").addEventListener("submit", (event) => { event.preventDefault(); list(); });
$("status-filter").addEventListener("change", () => list());
$("more").addEventListener("click", () => list(true));

$("try-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const box = $("try-result");
  box.replaceChildren();
  const text = $("try-text").value.trim();
  if (!text) return;
  const found = await api("/api/v1/knowledge/answer", { method: "POST", body: { text, channel: "chat", limit: 3 } });
  if (!found.length) box.append(el("p", T.no_results, "meta"));
  for (const c of found) {
    const div = el("div", undefined, "answer-preview");
    div.append(el("strong", c.question), el("div", `${T.confidence} ${(c.confidence * 100).toFixed(0)}%`, "meta"));
    // The answer is sanitised HTML; shown as its text all the same.
    const answer = new DOMParser().parseFromString(c.answer, "text/html").body.textContent;
    div.append(el("div", answer));
    div.addEventListener("click", () => open(c.entry_id));
    box.append(div);
  }
});

$("export").addEventListener("click", async () => {
  const format = $("export-format").value;
  const res = await fetch(`/api/v1/knowledge/export?format=${format}`, { headers: { Authorization: `Bearer ${token}` } });
  const blob = await res.blob();
  const a = el("a");
  a.href = URL.createObjectURL(blob);
  a.download = `knowledge.${format === "markdown" ? "md" : format}`;
  a.click();
  URL.revokeObjectURL(a.href);
});

// Excel on Chinese Windows saves CSV as GB18030 (GBK): file.text() would read it as UTF-8 and
// turn every Chinese character into U+FFFD. Strict UTF-8 first (it drops a BOM), else GB18030.
async function readText(file) {
  const bytes = await file.arrayBuffer();
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("gb18030").decode(bytes);
  }
}

$("import-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  const name = file.name.toLowerCase();
  const format = name.endsWith(".csv") ? "csv" : name.endsWith(".json") ? "json" : "markdown";
  try {
    const done = await api("/api/v1/knowledge/import", { method: "POST", body: { format, content: await readText(file) } });
    say(fill(T.imported, done));
    await list();
  } catch (err) {
    say(err.message, true);
  }
  event.target.value = "";
});

list();
