"""A timer kind for tests: firing appends an event naming the timer, so double fires show."""

from sqlalchemy.orm import Session

from kefu.timeline.models import Event
from kefu.timers import service as timers
from kefu.timers.models import Timer

KIND = "test.fire"


@timers.handler(KIND)
def record_fire(session: Session, timer: Timer) -> None:
    if timer.payload.get("explode"):
        raise RuntimeError("handler failure")
    session.add(
        Event(
            workspace_id=timer.workspace_id,
            type="test.fired",
            actor_kind="system",
            payload={"timer_id": timer.id},
        )
    )
