"""`kefu orders import FILE`: bulk-import orders from CSV or JSON into a workspace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from kefu.config import get_settings

orders_app = typer.Typer(help="orders from the shop", no_args_is_help=True)
console = Console(soft_wrap=True)


@orders_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a .csv or .json file")],
    workspace: Annotated[str, typer.Option(help="the workspace key")],
) -> None:
    """Import orders (CSV: one line per item; JSON: a list, or {"orders": [...]}) with progress;
    a batch with a bad row is left out whole, and its rows' reasons are printed."""
    from kefu.auth import service as auth
    from kefu.auth.actor import Actor
    from kefu.errors import DomainError
    from kefu.orders import imports
    from kefu.runtime import build

    rt = build(get_settings())
    try:
        text = file.read_text(encoding="utf-8-sig")
        with rt.sessions() as session:
            ws = auth.get_workspace_by_key(session, workspace)
            if ws is None:
                console.print(f"[red]no workspace {workspace!r}[/red]")
                raise typer.Exit(2)
            try:
                rows = _rows(file, text)
                job = imports.start(session, actor=Actor.system(ws.id), rows=rows)
            except (DomainError, ValueError) as exc:
                console.print(f"[red]{getattr(exc, 'zh', exc)}[/red]")
                raise typer.Exit(2) from exc
            session.commit()
        done = imports.run_now(
            rt.sessions,
            job.id,
            lambda j: console.print(f"{j.processed}/{j.total} processed, {j.failed} failed"),
        )
        for error in done.errors:
            console.print(f"[yellow]batch {error['batch']} row {error['row']}: {error['reason']}")
        console.print(f"[green]imported {done.imported} of {done.total}[/green]")
        if done.failed:
            raise typer.Exit(1)
    finally:
        rt.close()


def _rows(file: Path, text: str) -> list[dict[str, Any]]:
    from kefu.orders import imports

    if file.suffix.lower() == ".csv":
        return imports.parse_csv(text)
    doc = json.loads(text)
    rows = doc.get("orders") if isinstance(doc, dict) else doc
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValueError('expected a JSON list of orders or {"orders": [...]}')
    return rows
