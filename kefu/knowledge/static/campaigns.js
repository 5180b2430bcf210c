// The knowledge page's campaign quizzes (kefu.bot.campaigns): the list with how many customers
// finished each, and an editor for one campaign as JSON. Shown only to those who may manage the
// knowledge base (the list answers 403 to the others). Text goes in through textContent only.
const T = JSON.parse(document.getElementById("kb-text").textContent);
const LANG = document.documentElement.lang || "zh-CN";
const token = sessionStorage.getItem("kefu.token");
const $ = (id) => document.getElementById(id);
const fill = (text, vars) => text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
const URL_ = "/api/v1/bot/campaigns";
const EDITABLE = ["key", "title", "keywords", "content", "published", "valid_from", "valid_until"];
const EXAMPLE = {
  key: "double11-2026",
  title: "双11预售规则",
  keywords: ["双11", "双十一", "Double 11", "定金", "尾款"],
  content: {
    intro: "双11预售三步走：先付定金，再付尾款，买贵了还有价保。",
    steps: [
      {
        text: "尾款什么时候付？",
        options: [
          { text: "随时都行", correct: false, feedback: "" },
          { text: "11月1日20:00至11月3日", correct: true, feedback: "错过尾款，定金不退哦。" },
        ],
      },
    ],
    done: "规则都清楚啦，祝您双11买得开心！",
  },
  published: false,
  valid_from: "2026-10-20T00:00:00+08:00",
  valid_until: "2026-11-12T00:00:00+08:00",
};
let currentId = null;

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
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error((data && data.detail) || `HTTP ${res.status}`);
  return data;
}

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function say(text, error = false) {
  $("campaign-status").textContent = text;
  $("campaign-status").className = error ? "status error" : "status";
}

function edit(campaign) {
  currentId = campaign ? campaign.id : null;
  const doc = campaign ? Object.fromEntries(EDITABLE.map((k) => [k, campaign[k]])) : EXAMPLE;
  $("campaign-json").value = JSON.stringify(doc, null, 2);
  for (const li of $("campaign-list").children) li.classList.toggle("active", Number(li.dataset.id) === currentId);
  say("");
}

function item(c) {
  const li = el("li");
  li.dataset.id = c.id;
  li.append(el("span", c.published ? T.published : T.draft, `badge ${c.published ? "" : "draft"}`), el("span", c.title));
  const meta = [c.key, `v${c.version}`, fill(T.campaign_done, c)];
  if (c.valid_until) meta.push(`→ ${new Date(c.valid_until).toLocaleString(LANG)}`);
  li.append(el("div", meta.join(" · "), "meta"));
  li.addEventListener("click", () => edit(c));
  return li;
}

async function load() {
  let page;
  try {
    page = await api(`${URL_}?limit=100`);
  } catch {
    return; // not allowed to manage campaigns: the section stays hidden
  }
  $("campaigns").hidden = false;
  $("campaign-list").replaceChildren(...page.items.map(item));
  if (!$("campaign-json").value) edit(null);
}

async function save(event) {
  event.preventDefault();
  let doc;
  try {
    doc = JSON.parse($("campaign-json").value);
  } catch (err) {
    say(fill(T.campaign_bad_json, { error: err.message }), true);
    return;
  }
  try {
    if (currentId === null) {
      currentId = (await api(URL_, { method: "POST", body: doc })).id;
    } else {
      const { key, ...changes } = doc; // the key names the campaign; it does not change
      await api(`${URL_}/${currentId}`, { method: "PATCH", body: changes });
    }
    say(T.saved);
    await load();
  } catch (err) {
    say(err.message, true);
  }
}

if (token) {
  $("campaign-new").addEventListener("click", () => edit(null));
  $("campaign-form").addEventListener("submit", save);
  load();
}
