// The staff WebSocket (docs/realtime.md): hello with the token, heartbeat, reconnect with backoff.
// Frames are handed to `onFrame`; `onState` hears "connecting" | "open" | "closed".

import { LANG, toLogin, token } from "./common.js";

const MAX_BACKOFF_MS = 30_000;

export class StaffSocket {
  constructor({ onFrame, onState = () => {}, onWelcome = () => {} }) {
    this.onFrame = onFrame;
    this.onState = onState;
    this.onWelcome = onWelcome;
    this.ws = null;
    this.attempt = 0;
    this.heartbeatS = 25;
    this.watching = new Set();
    this.viewing = null; // the customer whose order changes this workbench is told of
    this.timers = [];
    this.stopped = false;
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${location.host}/api/v1/ws`;
  }

  connect() {
    this.onState("connecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.addEventListener("open", () => {
      ws.send(JSON.stringify({ type: "hello", token: token(), lang: LANG }));
    });
    ws.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.lastSeen = Date.now();
      if (frame.type === "welcome") {
        this.attempt = 0;
        this.heartbeatS = frame.heartbeat_s || 25;
        this.startHeartbeat();
        // Watches do not survive a reconnect on the server: say them again.
        for (const id of this.watching) this.send({ type: "watch", conversation_id: id });
        if (this.viewing) this.send({ type: "view", customer_id: this.viewing });
        this.onState("open");
        this.onWelcome(frame);
        return;
      }
      if (frame.type === "pong") return;
      this.onFrame(frame);
    });
    ws.addEventListener("close", (event) => {
      this.stopHeartbeat();
      this.onState("closed");
      if (event.code === 4401) {
        toLogin();
        return;
      }
      if (!this.stopped) this.retry();
    });
  }

  retry() {
    const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.attempt);
    this.attempt += 1;
    const delay = base / 2 + Math.random() * (base / 2); // jittered: not every tab at once
    setTimeout(() => this.connect(), delay);
  }

  startHeartbeat() {
    this.stopHeartbeat();
    this.lastSeen = Date.now();
    const every = this.heartbeatS * 1000;
    this.timers.push(
      setInterval(() => {
        this.send({ type: "ping" });
        // Silent for three beats: the link is dead even if the socket has not noticed.
        if (Date.now() - this.lastSeen > 3 * every) this.ws.close();
      }, every),
    );
  }

  stopHeartbeat() {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  watch(id) {
    this.watching.add(id);
    this.send({ type: "watch", conversation_id: id });
  }

  /** Say which customer the workbench shows: their order changes come as `orders` frames. */
  view(customerId) {
    this.viewing = customerId || null;
    this.send({ type: "view", customer_id: this.viewing });
  }

  unwatch(id) {
    if (!this.watching.delete(id)) return;
    this.send({ type: "unwatch", conversation_id: id });
  }

  get open() {
    return this.ws && this.ws.readyState === WebSocket.OPEN;
  }
}
