/*
 * kefu chat widget — one tag on the shop's page:
 *   <script src="https://kefu.example/static/widget.js" data-workspace="KEY"
 *           data-token="…optional shop-signed customer token…" data-lang="zh-CN" async></script>
 *
 * Speaks docs/realtime.md over one WebSocket: hello → welcome (history since what we saw),
 * message → ack; heartbeat; reconnect with jittered backoff; every message without an ack is kept
 * in localStorage under its client_msg_id and sent again after a reconnect (the server stores it
 * once). The UI lives in a shadow root so the shop's CSS cannot break it, and every text goes in
 * through textContent: nothing a customer or an agent writes can run as script.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__kefuWidget) return;
  window.__kefuWidget = true;

  var WS_KEY = script.getAttribute("data-workspace") || "";
  var SHOP_TOKEN = script.getAttribute("data-token") || null;
  var BASE = new URL(script.src, location.href).origin;
  var LANG = script.getAttribute("data-lang") || navigator.language || "zh-CN";
  var MAX_BACKOFF_MS = 30000;
  var HISTORY_KEEP = 100;
  var store = prefixStore("kefu." + WS_KEY + ".");

  var S = {}; // strings, loaded from /widget/strings.json
  var state = {
    ws: null,
    attempt: 0,
    heartbeatS: 25,
    lastSeen: 0,
    timers: [],
    conversationId: store.get("conversation", null),
    customerId: store.get("customer", null),
    visitor: store.get("visitor", null),
    history: store.get("history", []), // messages shown, oldest first
    outbox: store.get("outbox", []), // sends without an ack: [{client_msg_id, body, …}]
    shownIds: {},
    unread: 0,
    open: false,
    lastTyping: 0,
    stopped: false,
  };

  function prefixStore(prefix) {
    return {
      get: function (k, d) {
        try {
          var v = localStorage.getItem(prefix + k);
          return v === null ? d : JSON.parse(v);
        } catch (e) {
          return d;
        }
      },
      set: function (k, v) {
        try {
          localStorage.setItem(prefix + k, JSON.stringify(v));
        } catch (e) {
          /* storage full or blocked: the socket still works, only resend-after-reload is lost */
        }
      },
    };
  }

  function t(id, vars) {
    var text = S[id] || id;
    return text.replace(/\{(\w+)\}/g, function (m, k) {
      return vars && k in vars ? String(vars[k]) : m;
    });
  }

  // A promised time to the minute ("12月8日 12:00"): seconds on a promise only read as noise.
  function dueText(iso) {
    return new Date(iso).toLocaleString(LANG, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function uid() {
    if (window.crypto && crypto.randomUUID) return "w-" + crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    return "w-" + Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  function el(tag, attrs) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "class") node.className = attrs[k];
      else if (k === "text") node.textContent = attrs[k];
      else if (k.indexOf("on") === 0) node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    }
    for (var i = 2; i < arguments.length; i++) if (arguments[i]) node.appendChild(arguments[i]);
    return node;
  }

  // ---- UI ------------------------------------------------------------------------------------

  var host = el("div", { id: "kefu-widget" });
  var root = host.attachShadow({ mode: "open" });
  var ui = {};

  var CSS =
    ":host{all:initial}" +
    "*{box-sizing:border-box;font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif}" +
    ".fab{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;padding:14px 20px;background:#1664ff;color:#fff;font-size:15px;box-shadow:0 4px 14px #0003;cursor:pointer}" +
    ".fab .badge{display:inline-block;min-width:18px;margin-left:6px;padding:0 5px;border-radius:9px;background:#f53f3f;font-size:12px}" +
    ".panel{position:fixed;right:20px;bottom:84px;z-index:2147483001;width:360px;height:540px;max-height:calc(100vh - 104px);display:flex;flex-direction:column;background:#fff;border-radius:12px;box-shadow:0 8px 30px #0004;overflow:hidden;color:#1f2329}" +
    ".panel[hidden]{display:none}" +
    ".head{display:flex;align-items:center;gap:8px;padding:12px 14px;background:#1664ff;color:#fff}" +
    ".head b{flex:1;font-size:15px}.head small{opacity:.85;font-size:12px}" +
    ".head button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}" +
    ".queue{padding:8px 12px;background:#fff7e8;font-size:13px;border-bottom:1px solid #ffe4ba}" +
    ".queue[hidden]{display:none}.queue button{margin:6px 6px 0 0;padding:4px 10px;border:1px solid #ff7d00;background:#fff;color:#d25f00;border-radius:14px;cursor:pointer;font-size:13px}" +
    ".queue form{margin-top:6px;display:flex;gap:6px}.queue input{flex:1;padding:5px;border:1px solid #ccc;border-radius:4px}" +
    ".log{flex:1;overflow-y:auto;padding:12px;background:#f5f6f8}" +
    ".msg{max-width:80%;margin:6px 0;padding:8px 11px;border-radius:10px;font-size:14px;line-height:1.45;white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".msg.inbound{margin-left:auto;background:#1664ff;color:#fff;border-bottom-right-radius:3px}" +
    ".msg.outbound{background:#fff;border-bottom-left-radius:3px;box-shadow:0 1px 2px #0001}" +
    ".msg.pending{opacity:.6}.msg.failed{outline:1px solid #f53f3f}" +
    ".msg img{display:block;max-width:200px;max-height:200px;margin-top:4px;border-radius:6px}" +
    ".msg .state{display:block;font-size:11px;opacity:.8;margin-top:2px}" +
    ".quick{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 8px;max-width:90%}" +
    ".quick button{padding:5px 12px;border:1px solid #1664ff;background:#fff;color:#1664ff;border-radius:14px;cursor:pointer;font-size:13px;text-align:left;overflow-wrap:anywhere}" +
    ".note{text-align:center;font-size:12px;color:#86909c;margin:8px 0}" +
    ".typing{font-size:12px;color:#86909c;padding:0 12px 4px;background:#f5f6f8}.typing[hidden]{display:none}" +
    ".bar{display:flex;gap:6px;padding:8px;border-top:1px solid #e5e6eb;background:#fff}" +
    ".bar textarea{flex:1;resize:none;height:40px;padding:8px;border:1px solid #c9cdd4;border-radius:6px;font-size:14px}" +
    ".bar button{border:0;border-radius:6px;padding:0 12px;cursor:pointer;font-size:14px}" +
    ".send{background:#1664ff;color:#fff}.attach{background:#f2f3f5;color:#4e5969}" +
    ".status{font-size:12px;color:#86909c;padding:2px 12px;background:#fff}" +
    ".head .orders-btn{font-size:13px;border:1px solid #fff8;border-radius:12px;padding:2px 8px}" +
    ".orders{flex:1;overflow-y:auto;padding:8px 12px;background:#f5f6f8}.orders[hidden]{display:none}" +
    ".orders button.order{display:block;width:100%;text-align:left;margin:6px 0;padding:10px;border:0;border-radius:8px;background:#fff;box-shadow:0 1px 2px #0001;cursor:pointer;font-size:14px}" +
    ".orders .meta{display:block;font-size:12px;color:#86909c;margin-top:2px}" +
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;height:100%;max-height:100%;border-radius:0}.fab{right:12px;bottom:12px}}";

  function build() {
    root.appendChild(el("style", { text: CSS }));
    ui.badge = el("span", { class: "badge", hidden: "" });
    ui.fab = el("button", { class: "fab", type: "button", "aria-label": t("Chat with us"), onclick: toggle },
      el("span", { text: t("Chat with us") }), ui.badge);
    ui.status = el("div", { class: "status", role: "status", text: t("Reconnecting…") });
    ui.queue = el("div", { class: "queue", hidden: "" });
    ui.log = el("div", { class: "log", "aria-live": "polite" });
    ui.typing = el("div", { class: "typing", hidden: "", text: t("Agent is typing…") });
    ui.input = el("textarea", { rows: "1", maxlength: "10000", placeholder: t("Type a message…"), "aria-label": t("Type a message…") });
    ui.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        sendText();
      }
    });
    ui.input.addEventListener("input", sendTyping);
    ui.file = el("input", { type: "file", accept: "image/png,image/jpeg,image/gif,image/webp", hidden: "" });
    ui.file.addEventListener("change", upload);
    ui.panel = el("section", { class: "panel", hidden: "", role: "dialog", "aria-label": t("Customer service") },
      el("div", { class: "head" },
        el("b", { text: t("Customer service") }),
        // Only a signed-in customer (shop token) has orders to show.
        SHOP_TOKEN ? el("button", { type: "button", class: "orders-btn", text: t("My orders"), onclick: toggleOrders }) : null,
        el("button", { type: "button", "aria-label": t("Close"), text: "×", onclick: toggle })),
      ui.queue, (ui.orders = el("div", { class: "orders", hidden: "", "aria-label": t("My orders") })), ui.log, ui.typing, ui.status,
      el("div", { class: "bar" },
        el("button", { class: "attach", type: "button", title: t("Attach an image"), "aria-label": t("Attach an image"), text: "+",
          onclick: function () { ui.file.click(); } }),
        ui.file, ui.input,
        el("button", { class: "send", type: "button", text: t("Send"), onclick: sendText })));
    root.appendChild(ui.fab);
    root.appendChild(ui.panel);
    document.body.appendChild(host);
    for (var i = 0; i < state.history.length; i++) draw(state.history[i]);
    for (var j = 0; j < state.outbox.length; j++) drawPending(state.outbox[j]);
  }

  function toggle() {
    state.open = !state.open;
    if (state.open) {
      ui.panel.removeAttribute("hidden");
      state.unread = 0;
      ui.badge.setAttribute("hidden", "");
      ui.input.focus();
      ui.log.scrollTop = ui.log.scrollHeight;
    } else {
      ui.panel.setAttribute("hidden", "");
    }
  }

  // ---- my orders: the list, then the order page in a new tab through a short-lived link -------

  function toggleOrders() {
    if (!ui.orders.hasAttribute("hidden")) {
      ui.orders.setAttribute("hidden", "");
      ui.log.removeAttribute("hidden");
      return;
    }
    ui.log.setAttribute("hidden", "");
    ui.orders.removeAttribute("hidden");
    ui.orders.textContent = "";
    fetch(BASE + "/api/v1/widget/orders?limit=20", { headers: credentialHeaders() })
      .then(function (res) { return res.json().then(function (d) { if (!res.ok) throw new Error(d.detail); return d; }); })
      .then(function (page) {
        if (!page.items.length) ui.orders.appendChild(el("div", { class: "note", text: t("No orders yet.") }));
        page.items.forEach(function (o) {
          ui.orders.appendChild(el("button", { type: "button", class: "order", "data-order": o.number, onclick: function () { openOrder(o.id); } },
            el("b", { text: o.number + " · " + o.total_yuan }),
            el("span", { class: "meta", text: o.items.map(function (i) { return i.title; }).join("、") })));
        });
      })
      .catch(function (err) { ui.orders.appendChild(el("div", { class: "note", text: err.message })); });
  }

  function openOrder(orderId) {
    // Opened before the request so that popup blockers see the click.
    var tab = window.open("", "_blank");
    fetch(BASE + "/api/v1/widget/orders/" + orderId + "/page-link", { headers: credentialHeaders() })
      .then(function (res) { return res.json().then(function (d) { if (!res.ok) throw new Error(d.detail); return d; }); })
      .then(function (link) {
        var url = BASE + link.page_path + "?lang=" + encodeURIComponent(LANG);
        if (tab) tab.location.href = url; else location.href = url;
      })
      .catch(function (err) { if (tab) tab.close(); note(err.message); });
  }

  function note(text) {
    ui.log.appendChild(el("div", { class: "note", text: text }));
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function bubble(m) {
    var node = el("div", { class: "msg " + (m.direction === "inbound" ? "inbound" : "outbound") });
    node.appendChild(el("span", { class: "body", text: m.body }));
    var ids = m.attachment_ids || [];
    for (var i = 0; i < ids.length; i++) node.appendChild(image(ids[i]));
    return node;
  }

  // Attachments need our credentials (headers), so they come as blobs, not as plain <img src>.
  function image(id) {
    var img = el("img", { alt: t("Image") });
    fetch(BASE + "/api/v1/widget/attachments/" + encodeURIComponent(id), { headers: credentialHeaders() })
      .then(function (res) { return res.ok ? res.blob() : null; })
      .then(function (blob) { if (blob) img.src = URL.createObjectURL(blob); })
      .catch(function () {});
    return img;
  }

  function draw(m, at) {
    if (m.id && state.shownIds[m.id]) return false;
    if (m.id) state.shownIds[m.id] = true;
    var node = bubble(m);
    node.setAttribute("data-id", m.id || "");
    // A customer's message answers the buttons above it — unless it is the stored copy of one we
    // drew as pending (that dropped them already; the bot's new ones may have arrived since).
    if (m.direction === "inbound" && !at) dropQuickReplies();
    // A stored message takes its pending bubble's place: the bot's answer may arrive before the ack.
    if (at) at.replaceWith(node);
    else ui.log.appendChild(node);
    if (m.direction === "outbound" && m.actions && m.actions.length) ui.log.appendChild(quickReplies(m.actions));
    ui.log.scrollTop = ui.log.scrollHeight;
    return true;
  }

  // The bot's quick replies: a tap sends what the customer could have typed ("1", "转人工"). Only
  // those since the customer last wrote stay: an older "1" would answer a question no longer asked.
  function quickReplies(actions) {
    var row = el("div", { class: "quick" });
    actions.forEach(function (a) {
      row.appendChild(el("button", { type: "button", text: a.label, "data-reply": a.reply, onclick: function () {
        dropQuickReplies();
        enqueue(a.reply);
      } }));
    });
    return row;
  }

  function dropQuickReplies() {
    var rows = ui.log.querySelectorAll(".quick");
    for (var i = 0; i < rows.length; i++) rows[i].remove();
  }

  function drawPending(item) {
    dropQuickReplies();
    var node = bubble({ direction: "inbound", body: item.body, attachment_ids: item.attachment_ids });
    node.classList.add("pending");
    node.setAttribute("data-client", item.client_msg_id);
    node.appendChild(el("span", { class: "state", text: t("Sending…") }));
    ui.log.appendChild(node);
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function pendingNode(clientMsgId) {
    var nodes = ui.log.querySelectorAll(".msg.pending");
    for (var i = 0; i < nodes.length; i++) if (nodes[i].getAttribute("data-client") === clientMsgId) return nodes[i];
    return null;
  }

  // ---- the conversation ----------------------------------------------------------------------

  function remember(m) {
    state.history.push(m);
    if (state.history.length > HISTORY_KEEP) state.history = state.history.slice(-HISTORY_KEEP);
    store.set("history", state.history);
  }

  function received(m) {
    if (m.direction === "internal") return; // never for customers; belt and braces
    if (m.conversation_id) {
      state.conversationId = m.conversation_id;
      store.set("conversation", m.conversation_id);
    }
    var p = m.client_msg_id && dropFromOutbox(m.client_msg_id) ? pendingNode(m.client_msg_id) : null;
    if (draw(m, p)) {
      remember(m);
      if (!state.open && m.direction !== "inbound") {
        state.unread += 1;
        ui.badge.textContent = String(state.unread);
        ui.badge.removeAttribute("hidden");
      }
    } else if (p) {
      p.remove(); // shown already (from history): only the pending copy goes
    }
  }

  function dropFromOutbox(clientMsgId) {
    var before = state.outbox.length;
    state.outbox = state.outbox.filter(function (x) { return x.client_msg_id !== clientMsgId; });
    store.set("outbox", state.outbox);
    return state.outbox.length !== before;
  }

  function frameFor(item) {
    var f = { type: "message", client_msg_id: item.client_msg_id, body: item.body };
    if (state.conversationId) f.conversation_id = state.conversationId;
    if (item.attachment_ids && item.attachment_ids.length) f.attachment_ids = item.attachment_ids;
    return f;
  }

  function enqueue(body, attachmentIds) {
    var item = { client_msg_id: uid(), body: body, attachment_ids: attachmentIds || [] };
    state.outbox.push(item);
    store.set("outbox", state.outbox);
    drawPending(item);
    send(frameFor(item));
  }

  function sendText() {
    var body = ui.input.value.trim();
    if (!body) return;
    ui.input.value = "";
    enqueue(body);
  }

  function sendTyping() {
    var now = Date.now();
    if (!state.conversationId || now - state.lastTyping < 2000) return;
    state.lastTyping = now;
    send({ type: "typing", conversation_id: state.conversationId });
  }

  function credentialHeaders() {
    var h = { "X-Kefu-Workspace": WS_KEY, "Accept-Language": LANG };
    if (SHOP_TOKEN) h["X-Kefu-Customer-Token"] = SHOP_TOKEN;
    else if (state.visitor) h["X-Kefu-Visitor"] = state.visitor;
    return h;
  }

  function upload() {
    var file = ui.file.files && ui.file.files[0];
    ui.file.value = "";
    if (!file) return;
    var form = new FormData();
    form.append("file", file);
    fetch(BASE + "/api/v1/widget/attachments", { method: "POST", headers: credentialHeaders(), body: form })
      .then(function (res) {
        return res.json().then(function (data) {
          if (!res.ok) throw new Error((data && data.detail) || res.status);
          return data;
        });
      })
      .then(function (att) { enqueue(t("Image"), [att.id]); })
      .catch(function (err) { note(t("Upload failed") + ": " + err.message); });
  }

  function showQueue(frame) {
    while (ui.queue.firstChild) ui.queue.removeChild(ui.queue.firstChild);
    ui.queue.removeAttribute("hidden");
    ui.queue.appendChild(el("div", { text: t("You are number {position} in the queue, about {minutes} min.", {
      position: frame.position, minutes: Math.max(1, Math.round((frame.estimated_wait_s || 0) / 60)) }) }));
    var offers = frame.offers || [];
    if (offers.indexOf("leave_message") >= 0) {
      ui.queue.appendChild(el("button", { type: "button", text: t("Leave a message"), onclick: function () {
        note(t("Write your message; we will reply by ticket."));
        ui.input.focus();
      } }));
    }
    if (offers.indexOf("callback") >= 0) {
      ui.queue.appendChild(el("button", { type: "button", text: t("Call me back"), onclick: callbackForm }));
    }
  }

  function callbackForm() {
    if (ui.queue.querySelector("form")) return;
    var phone = el("input", { type: "tel", autocomplete: "tel", maxlength: "32", placeholder: t("Your phone number"), "aria-label": t("Your phone number") });
    var form = el("form", {}, phone, el("button", { type: "submit", text: t("Request callback") }));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = phone.value.trim() ? { number: phone.value.trim() } : {};
      fetch(BASE + "/api/v1/widget/callbacks", {
        method: "POST",
        headers: Object.assign({ "Content-Type": "application/json" }, credentialHeaders()),
        body: JSON.stringify(body),
      }).then(function (res) {
        return res.json().then(function (data) {
          if (!res.ok) throw new Error((data && data.detail) || res.status);
          form.remove();
          note(t("We will call you back.") + (data.due_at ? " " + dueText(data.due_at) : ""));
        });
      }).catch(function (err) { note(err.message); });
    });
    ui.queue.appendChild(form);
    phone.focus();
  }

  // ---- the socket ----------------------------------------------------------------------------

  function send(frame) {
    if (state.ws && state.ws.readyState === 1 && state.welcomed) {
      state.ws.send(JSON.stringify(frame));
      return true;
    }
    return false; // kept in the outbox; sent after the next welcome
  }

  function seen() {
    var out = {};
    for (var i = 0; i < state.history.length; i++) {
      var m = state.history[i];
      if (m.id && m.conversation_id && !(out[m.conversation_id] >= m.id)) out[m.conversation_id] = m.id;
    }
    return out;
  }

  function setStatus(text) {
    ui.status.textContent = text;
  }

  function connect() {
    state.welcomed = false;
    setStatus(t("Reconnecting…"));
    var ws = new WebSocket(BASE.replace(/^http/, "ws") + "/api/v1/widget/ws");
    state.ws = ws;
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: "hello", workspace: WS_KEY, token: SHOP_TOKEN, visitor: SHOP_TOKEN ? null : state.visitor,
        seen: seen(), lang: LANG }));
    };
    ws.onmessage = function (event) {
      var f;
      try {
        f = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      state.lastSeen = Date.now();
      handle(f);
    };
    ws.onclose = function (event) {
      state.welcomed = false;
      stopHeartbeat();
      setStatus(t("Reconnecting…"));
      if (event.code === 4401) {
        if (!SHOP_TOKEN && state.visitor) {
          // A visitor token that no longer opens anything: start as a new visitor.
          state.visitor = null;
          store.set("visitor", null);
        } else {
          state.stopped = true;
          return;
        }
      }
      if (!state.stopped) retry();
    };
  }

  function retry() {
    var base = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, state.attempt));
    state.attempt += 1;
    setTimeout(connect, base / 2 + Math.random() * (base / 2));
  }

  function startHeartbeat() {
    stopHeartbeat();
    var every = state.heartbeatS * 1000;
    state.timers.push(setInterval(function () {
      send({ type: "ping" });
      if (Date.now() - state.lastSeen > 3 * every && state.ws) state.ws.close();
    }, every));
  }

  function stopHeartbeat() {
    for (var i = 0; i < state.timers.length; i++) clearInterval(state.timers[i]);
    state.timers = [];
  }

  function welcome(f) {
    state.attempt = 0;
    state.welcomed = true;
    state.heartbeatS = f.heartbeat_s || 25;
    if (f.customer_id && state.customerId && f.customer_id !== state.customerId) {
      // Someone else on this browser (another shop login): not their history, not their sends.
      state.history = [];
      state.outbox = [];
      state.shownIds = {};
      while (ui.log.firstChild) ui.log.removeChild(ui.log.firstChild);
      store.set("history", []);
      store.set("outbox", []);
    }
    state.customerId = f.customer_id || state.customerId;
    store.set("customer", state.customerId);
    if (f.visitor) {
      state.visitor = f.visitor;
      store.set("visitor", f.visitor);
    }
    if (f.conversation_id) {
      state.conversationId = f.conversation_id;
      store.set("conversation", f.conversation_id);
    }
    var missed = f.missed || [];
    for (var i = 0; i < missed.length; i++) received(missed[i]);
    startHeartbeat();
    setStatus(t("Connected"));
    // Everything never acknowledged goes again, same client_msg_id: stored once on the server.
    for (var j = 0; j < state.outbox.length; j++) send(frameFor(state.outbox[j]));
    host.setAttribute("data-state", "connected");
  }

  function handle(f) {
    if (f.type === "welcome") welcome(f);
    else if (f.type === "ack") {
      if (f.message) received(f.message); // in the pending bubble's place
      var p = pendingNode(f.client_msg_id);
      dropFromOutbox(f.client_msg_id);
      if (p) p.remove();
    } else if (f.type === "message") {
      if (f.message) received(f.message);
      ui.typing.setAttribute("hidden", "");
    } else if (f.type === "typing") {
      if (f.by === "agent") {
        ui.typing.removeAttribute("hidden");
        clearTimeout(state.typingTimer);
        state.typingTimer = setTimeout(function () { ui.typing.setAttribute("hidden", ""); }, 4000);
      }
    } else if (f.type === "queue") {
      showQueue(f);
    } else if (f.type === "ticket") {
      // Nobody online: the chat became a ticket with a promised reply time — say when.
      ui.queue.setAttribute("hidden", "");
      var due = f.promise && f.promise.due_at ? dueText(f.promise.due_at) : "";
      note(t("No agent is online now. Ticket #{number} is open; we will reply by {due}.", { number: f.number, due: due }));
    } else if (f.type === "conversation") {
      if (f.event === "assigned" || f.event === "transferred") {
        ui.queue.setAttribute("hidden", "");
        note(t("An agent joined the chat."));
      } else if (f.event === "closed") {
        note(t("The chat was closed."));
      }
    } else if (f.type === "error") {
      var node = f.client_msg_id ? pendingNode(f.client_msg_id) : null;
      if (node) {
        var retryable = /rate|busy|limit/.test(f.code || "");
        if (!retryable) dropFromOutbox(f.client_msg_id);
        node.classList.add("failed");
        node.querySelector(".state").textContent = retryable ? t("Not sent — will retry") : f.message;
      } else if (f.message) {
        note(f.message);
      }
    }
  }

  // ---- start ---------------------------------------------------------------------------------

  function start() {
    fetch(BASE + "/widget/strings.json?lang=" + encodeURIComponent(LANG))
      .then(function (r) { return r.ok ? r.json() : { strings: {} }; })
      .catch(function () { return { strings: {} }; })
      .then(function (data) {
        S = data.strings || {};
        build();
        connect();
      });
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
