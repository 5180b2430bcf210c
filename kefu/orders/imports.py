"""Bulk import of orders from CSV or JSON, in the background, with progress.

The rows are parsed and stored on an `ImportJob`; a durable timer hands them to the worker one
batch at a time. A batch is all-or-nothing: any bad row (with its reason) and the whole batch is
left out; the next batch goes on. `processed`/`total` is what the UI's progress bar polls.

CSV has one line per order item; lines with the same `number` make one order:
number,member_id,customer_name,status,currency,sku,title,quantity,unit_price_cents,
paid_at,shipped_at,delivered_at,carrier,tracking_no,ship_name,ship_phone,ship_address,version
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.errors import Invalid
from kefu.orders import ingest
from kefu.orders.shop_models import ImportJob, ImportStatus
from kefu.orders.shop_schemas import OrderIn
from kefu.tenancy import get_scoped
from kefu.timers import service as timers

KIND = "orders.import"
BATCH = 100
MAX_ROWS = 20_000
JOB = ("导入任务", "import job")
_ORDER_FIELDS = ("paid_at", "shipped_at", "delivered_at")


def parse_csv(text: str) -> list[dict[str, Any]]:
    """CSV lines (one per item) → order documents, in the order their numbers first appear."""
    reader = csv.DictReader(io.StringIO(text))
    required = {"number", "member_id", "status", "sku", "title", "quantity", "unit_price_cents"}
    if reader.fieldnames is None or not required <= set(reader.fieldnames):
        missing = sorted(required - set(reader.fieldnames or []))
        raise Invalid(
            "import.csv_header",
            zh=f"CSV 缺少列：{', '.join(missing)}",
            en=f"CSV lacks columns: {', '.join(missing)}",
        )
    orders: dict[str, dict[str, Any]] = {}
    for line in reader:
        get = _getter(line)
        doc = orders.setdefault(
            get("number"),
            {
                "number": get("number"),
                "version": get("version") or 0,
                "customer": {"member_id": get("member_id"), "name": get("customer_name")},
                "status": get("status"),
                "currency": get("currency") or "CNY",
                "carrier": get("carrier"),
                "tracking_no": get("tracking_no"),
                "shipping": {
                    "name": get("ship_name"),
                    "phone": get("ship_phone"),
                    "address": get("ship_address"),
                },
                **{f: get(f) or None for f in _ORDER_FIELDS},
                "items": [],
            },
        )
        doc["items"].append(
            {
                "sku": get("sku"),
                "title": get("title"),
                "quantity": get("quantity"),
                "unit_price_cents": get("unit_price_cents"),
            }
        )
    return list(orders.values())


def _getter(line: dict[str, Any]) -> Any:
    return lambda k: (line.get(k) or "").strip()


def start(session: Session, *, actor: Actor, rows: list[dict[str, Any]]) -> ImportJob:
    """Queue an import of these order documents; the worker takes it from here."""
    require(actor, Perm.manage_orders)
    if not rows:
        raise Invalid("import.empty", zh="没有可导入的订单", en="nothing to import")
    if len(rows) > MAX_ROWS:
        raise Invalid(
            "import.too_many",
            zh=f"一次最多导入 {MAX_ROWS} 个订单",
            en=f"at most {MAX_ROWS} orders per import",
        )
    job = ImportJob(
        workspace_id=actor.workspace_id,
        total=len(rows),
        rows=rows,
        errors=[],
        created_by=actor.principal,
    )
    session.add(job)
    session.flush()
    _arm(session, job, 0)
    return job


def _arm(session: Session, job: ImportJob, batch: int) -> None:
    timers.schedule(
        session,
        workspace_id=job.workspace_id,
        kind=KIND,
        key=f"import:{job.id}:{batch}",
        due_at=clock.now(),
        payload={"job_id": job.id, "batch": batch},
    )


def get(session: Session, *, actor: Actor, job_id: int) -> ImportJob:
    require(actor, Perm.manage_orders)
    return get_scoped(session, ImportJob, job_id, actor, what=JOB)


@timers.handler(KIND)
def _run_batch(session: Session, timer: timers.Timer) -> None:
    job = session.get(ImportJob, timer.payload["job_id"], with_for_update=True)
    batch = int(timer.payload["batch"])
    if job is None or job.status is ImportStatus.done or job.processed != batch * BATCH:
        return  # already done (a repeated timer changes nothing)
    job.status = ImportStatus.running
    rows = job.rows[batch * BATCH : (batch + 1) * BATCH]
    run_batch(session, job, rows, first_row=batch * BATCH)
    if job.processed < job.total:
        _arm(session, job, batch + 1)
    else:
        job.status, job.finished_at = ImportStatus.done, clock.now()
        job.rows = []  # the data is in the orders now; keep the job row small
    session.flush()


def run_batch(
    session: Session, job: ImportJob, rows: list[dict[str, Any]], *, first_row: int
) -> None:
    """Validate every row, then apply them all in one savepoint — or none, with the reasons."""
    system = Actor.system(job.workspace_id)
    errors: list[dict[str, Any]] = []
    parsed: list[tuple[int, OrderIn]] = []
    for offset, row in enumerate(rows):
        try:
            parsed.append((first_row + offset, OrderIn.model_validate(row)))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            errors.append({"row": first_row + offset + 1, "reason": f"{where}: {first.get('msg')}"})
    imported = 0
    if not errors:
        try:
            with session.begin_nested():
                for _, order in parsed:
                    imported += ingest.apply_order(session, system, order) == "applied"
        except Exception as exc:  # a constraint the validation could not see: the batch is out
            imported = 0
            errors.append({"row": None, "reason": f"{type(exc).__name__}: {exc}"[:300]})
    job.processed += len(rows)
    if errors:
        job.failed += len(rows)
        batch_no = first_row // BATCH
        job.errors = [*job.errors, *({"batch": batch_no, **e} for e in errors[:50])][:500]
    else:
        job.imported += imported


def run_now(
    sessions: sessionmaker[Session], job_id: int, progress: Callable[[ImportJob], None]
) -> ImportJob:
    """Run a queued job to the end in this process, batch by batch (the CLI); each batch commits,
    so the job's progress is visible to pollers as it goes. The job's timer then finds it done."""
    while True:
        with sessions() as session:
            job = session.get(ImportJob, job_id, with_for_update=True)
            assert job is not None
            if job.status is not ImportStatus.done:
                first = job.processed
                run_batch(session, job, job.rows[first : first + BATCH], first_row=first)
                if job.processed >= job.total:
                    job.status, job.finished_at, job.rows = ImportStatus.done, clock.now(), []
                else:
                    job.status = ImportStatus.running
            session.commit()
            progress(job)
            if job.status is ImportStatus.done:
                return job
