// Timers that change colour as a deadline approaches: ok → warn → danger → breached.
// The level comes from the share of the time budget left, so a 3-day promise and a 2-minute
// chat reply both turn amber at the same point of their budget.

import { clear, clockText, el, t } from "./common.js";

/** "ok" with more than half the budget left, "warn" above a quarter, "danger" until due. */
export function level(start, due, now = Date.now()) {
  const total = Math.max(1, due - start);
  const left = due - now;
  if (left <= 0) return "breached";
  const share = left / total;
  if (share > 0.5) return "ok";
  if (share > 0.25) return "warn";
  return "danger";
}

export class Timers {
  constructor(container) {
    this.container = container;
    this.items = [];
    this.tick = setInterval(() => this.draw(), 1000);
  }

  /** items: [{label, start: ms, due: ms, title?}] */
  set(items) {
    this.items = items.filter((i) => Number.isFinite(i.due));
    this.draw();
  }

  draw() {
    clear(this.container);
    const now = Date.now();
    for (const item of this.items) {
      const lvl = level(item.start, item.due, now);
      const left = (item.due - now) / 1000;
      const text = left > 0 ? clockText(left) : t("overdue {time}", { time: clockText(-left) });
      this.container.append(
        el("span", { class: `timer ${lvl}`, dataset: { level: lvl }, title: item.title || "" },
          el("b", {}, item.label), " ", text),
      );
    }
  }
}

// How long a customer may wait for a chat reply before the timer is red (a chat service level).
export const CHAT_REPLY_BUDGET_S = 180;
