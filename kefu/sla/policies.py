"""SLA policies: matching a ticket, building its calendar, and the default templates.

Defaults come from ../shared/reference/cn_rules.md; each template carries its source and the date
the rule was read, and every value is editable per workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.errors import Invalid
from kefu.sla.calendar import (
    DEFAULT_CALENDARS,
    BusinessCalendar,
    CalendarSpec,
    FreezeWindow,
    MakeupDay,
    Overrides,
    week,
)
from kefu.sla.models import SlaPolicy, Target

CLOCKS = ("business", "calendar")
MATCH_KEYS = ("priority", "tier", "channel_kind", "type_key", "category", "tags")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class TicketFacts:
    """What a policy can match on, gathered once per ticket."""

    priority: str
    tier: str
    channel_kind: str
    type_key: str
    category: str
    tags: frozenset[str]

    def get(self, key: str) -> frozenset[str]:
        value = getattr(self, key)
        return value if isinstance(value, frozenset) else frozenset({value})


def matches(conditions: dict[str, Any], facts: TicketFacts) -> bool:
    return all(facts.get(key) & set(wanted) for key, wanted in conditions.items() if wanted)


def choose(session: Session, *, workspace_id: int, facts: TicketFacts) -> SlaPolicy | None:
    """The first active policy, in position order, whose conditions the ticket meets."""
    policies = session.scalars(
        select(SlaPolicy)
        .where(SlaPolicy.workspace_id == workspace_id, SlaPolicy.active.is_(True))
        .order_by(SlaPolicy.position, SlaPolicy.id)
    )
    return next((p for p in policies if matches(p.conditions, facts)), None)


def check(conditions: dict[str, Any], calendar: dict[str, Any], targets: dict[str, Any]) -> None:
    """Refuse a policy that could not be applied: unknown keys, empty targets, bad hours."""
    unknown = set(conditions) - set(MATCH_KEYS)
    if unknown:
        raise Invalid(
            "sla.bad_condition",
            zh=f"未知的匹配条件：{', '.join(sorted(unknown))}",
            en=f"unknown condition(s): {', '.join(sorted(unknown))}",
        )
    if not targets:
        raise Invalid(
            "sla.no_targets",
            zh="SLA 策略至少需要一个目标",
            en="an SLA policy needs at least one target",
        )
    for name, spec in targets.items():
        if name not in Target.__members__:
            raise Invalid(
                "sla.bad_target", zh=f"未知的 SLA 目标：{name}", en=f"unknown SLA target: {name}"
            )
        minutes, clock = spec.get("minutes"), spec.get("clock", "business")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 525_600:
            raise Invalid(
                "sla.bad_minutes",
                zh=f"目标 {name} 的时限须为 1 到 525600 分钟",
                en=f"target {name} needs minutes between 1 and 525600",
            )
        if clock not in CLOCKS:
            raise Invalid(
                "sla.bad_clock",
                zh="时钟须为 business 或 calendar",
                en="clock must be business or calendar",
            )
    calendar_spec(calendar)  # raises Invalid on bad hours or time zone


def calendar_spec(raw: dict[str, Any]) -> CalendarSpec:
    """A CalendarSpec from a policy's JSON: a preset name, or time zone + hours per weekday; either
    with `overrides` (extra holidays, make-up days, freeze windows, years entered in full)."""
    if not raw:
        return DEFAULT_CALENDARS["back_office"]
    try:
        if "preset" in raw:
            if raw["preset"] not in DEFAULT_CALENDARS:
                raise Invalid(
                    "sla.bad_preset",
                    zh=f"未知的日历预设：{raw['preset']}",
                    en=f"unknown calendar preset: {raw['preset']}",
                )
            base = DEFAULT_CALENDARS[raw["preset"]]
            return replace(base, overrides=base.overrides.merged(_overrides(raw)))
        hours = raw.get("hours", {})
        per_day = [hours.get(day, "") for day in WEEKDAYS]
        weekly = week(per_day[0], per_day[5], per_day[6]) if _same(per_day[:5]) else None
        return CalendarSpec(
            hours=weekly if weekly is not None else tuple(week(d)[0] for d in per_day),
            timezone=raw.get("timezone", "Asia/Shanghai"),
            strict=bool(raw.get("strict", False)),
            holidays_follow_provider=bool(raw.get("holidays", True)),
            overrides=_overrides(raw),
        )
    except Invalid:
        raise
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise Invalid(
            "sla.bad_calendar", zh=f"工作日历设置无效：{exc}", en=f"invalid calendar: {exc}"
        ) from exc


def _overrides(raw: dict[str, Any]) -> Overrides:
    found = raw.get("overrides") or {}
    return Overrides(
        holidays=frozenset(date.fromisoformat(d) for d in found.get("holidays", [])),
        makeup_days=tuple(
            MakeupDay(day=date.fromisoformat(d)) for d in found.get("makeup_days", [])
        ),
        freezes=tuple(
            FreezeWindow(
                date.fromisoformat(f["start"]), date.fromisoformat(f["end"]), f.get("label", "")
            )
            for f in found.get("freezes", [])
        ),
        covered_years=frozenset(int(y) for y in found.get("covered_years", [])),
    )


def _same(values: Sequence[str]) -> bool:
    return len(set(values)) == 1


@lru_cache(maxsize=256)
def _calendar_cached(key: str, spec: CalendarSpec) -> BusinessCalendar:
    return BusinessCalendar(spec)


def calendar_for(policy: SlaPolicy | None, *, strict: bool = True) -> BusinessCalendar:
    """The policy's business calendar (cached: its per-day table is worth keeping).

    `strict=False` is the same calendar with strict mode off, for computations nobody asked for
    explicitly (a clock moved by a customer's message, a breach timer): they must not be refused,
    so a year without holiday data gives a provisional time there instead of an error.
    """
    raw = policy.calendar if policy is not None else {}
    spec = calendar_spec(raw)
    if not strict and spec.strict:
        return _calendar_cached(repr(sorted(raw.items())) + "#lenient", replace(spec, strict=False))
    return _calendar_cached(repr(sorted(raw.items())), spec)


# Default templates: (name, position, conditions, calendar, targets, source, as_of).
TEMPLATES: list[dict[str, Any]] = [
    {
        "name": "P1 紧急（投诉/监管）",
        "position": 10,
        "conditions": {"priority": ["P1"]},
        "calendar": {
            "timezone": "Asia/Shanghai",
            "hours": dict.fromkeys(WEEKDAYS, "00:00-24:00"),
            "holidays": False,
        },
        "targets": {
            "first_response": {"minutes": 30, "clock": "calendar"},
            "next_response": {"minutes": 60, "clock": "calendar"},
            "update_cadence": {"minutes": 240, "clock": "calendar"},
            "resolution": {"minutes": 120, "clock": "calendar"},
        },
        "source": "cn_rules.md §5 升级机制: P1 senior call-back within 30 min, resolve within 2 h (C)",
        "as_of": "2026-11-22",
    },
    {
        "name": "在线咨询 3 分钟人工响应",
        "position": 50,
        "conditions": {"channel_kind": ["web_chat", "app"]},
        "calendar": {"preset": "chat"},
        "targets": {
            "first_response": {"minutes": 3, "clock": "business"},
            "next_response": {"minutes": 3, "clock": "business"},
            "update_cadence": {"minutes": 8 * 60, "clock": "business"},
            "resolution": {"minutes": 24 * 60, "clock": "business"},
        },
        "source": "cn_rules.md §1.1 Taobao/Douyin 3分钟人工回复率, measured 08:00–23:00 (C)",
        "as_of": "2025-06-02",
    },
    {
        "name": "工单（后台工作日）",
        "position": 100,
        "conditions": {},
        "calendar": {"preset": "back_office"},
        "targets": {
            "first_response": {"minutes": 4 * 60, "clock": "business"},
            "next_response": {"minutes": 8 * 60, "clock": "business"},
            "update_cadence": {"minutes": 24 * 60, "clock": "business"},
            "resolution": {"minutes": 3 * 9 * 60, "clock": "business"},
        },
        "source": "cn_rules.md §5 P2: respond within 4 h, resolve within 24 h (three 9-hour working days) (C)",
        "as_of": "2026-11-22",
    },
]


def install_templates(session: Session, *, workspace_id: int) -> list[SlaPolicy]:
    """Give a workspace the default policies (skipping names it already has); returns those added."""
    have = set(
        session.scalars(select(SlaPolicy.name).where(SlaPolicy.workspace_id == workspace_id))
    )
    added = [
        SlaPolicy(workspace_id=workspace_id, **template)
        for template in TEMPLATES
        if template["name"] not in have
    ]
    session.add_all(added)
    session.flush()
    return added
