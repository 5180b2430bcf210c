"""The format of the demo's scenarios: a script of lines and ticket moves, parsed once.

Each script line is `who text`: `c` the customer, `a` the case's current owner, `n` an internal
note, `t` opens the ticket here. `@hours move note` is a ticket move that many hours after the
previous one (a status, or `assign:supervisor`); the lines under it are said right after it.
Text is a template filled from the story: {order} {item} {price} {carrier} {tracking} {agent} ….
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from kefu.auth.models import TeamKind as Team
from kefu.channels.models import ChannelKind as Ch

Line = tuple[str, str]


@dataclass(frozen=True)
class Move:
    after_h: float
    to: str | None  # a ticket status
    assign: str | None  # "supervisor": escalate to the team's supervisor
    note: str
    say: tuple[Line, ...]


@dataclass(frozen=True)
class TicketSpec:
    type: str
    subject: str
    category: str
    priority: str = "P3"
    tags: tuple[str, ...] = ()
    # Templates like the lines; number and boolean fields are converted by the type's definition.
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    key: str
    channels: tuple[Ch, ...]
    subject: str
    team: Team
    # Where the customer's order stands when the story starts (see plan.py); None: no order.
    order: str | None
    script: str
    ticket: TicketSpec | None = None
    # The order ends refunded once the story is over.
    refunds: bool = False

    @cached_property
    def lines(self) -> tuple[Line, ...]:
        return _parse(self.script)[0]

    @cached_property
    def moves(self) -> tuple[Move, ...]:
        return _parse(self.script)[1]

    @property
    def hours(self) -> float:
        """How long the ticket runs from its opening to its last move."""
        return sum(m.after_h for m in self.moves)


def _parse(script: str) -> tuple[tuple[Line, ...], tuple[Move, ...]]:
    lines: list[Line] = []
    moves: list[Move] = []
    for raw in script.strip().splitlines():
        head, _, rest = raw.strip().partition(" ")
        if head.startswith("@"):
            what, _, note = rest.partition(" ")
            assign = what.removeprefix("assign:") if what.startswith("assign:") else None
            moves.append(Move(float(head[1:]), None if assign else what, assign, note, ()))
        elif moves:
            last = moves[-1]
            moves[-1] = Move(
                last.after_h, last.to, last.assign, last.note, (*last.say, (head, rest))
            )
        else:
            lines.append((head, rest))
    return tuple(lines), tuple(moves)
