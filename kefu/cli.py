"""The `kefu` command: serve, demo, worker, db, token, bench."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console

from kefu.auth.models import Role
from kefu.bot.cli import nlu_app
from kefu.config import Settings, get_settings
from kefu.orders.cli import orders_app

app = typer.Typer(help="kefu 客服 — customer service for online shops", no_args_is_help=True)
db_app = typer.Typer(help="database schema", no_args_is_help=True)
token_app = typer.Typer(help="staff API tokens", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(nlu_app, name="nlu")
app.add_typer(orders_app, name="orders")
console = Console(soft_wrap=True)  # long tokens and URLs must stay copy-pasteable

Host = Annotated[str, typer.Option(help="address to listen on")]
Port = Annotated[int, typer.Option(help="port to listen on")]


def _runtime(settings: Settings | None = None):  # noqa: ANN202 — keeps imports lazy for a fast --help
    from kefu.runtime import build

    return build(settings or get_settings())


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database (KEFU_DATABASE_URL) to the latest schema."""
    from kefu import migrate

    rt = _runtime()
    migrate.upgrade(rt.engine, revision)
    console.print(
        f"[green]database at {revision}[/green]: {rt.engine.url.render_as_string(hide_password=True)}"
    )
    rt.close()


@token_app.command("create")
def token_create(
    workspace: Annotated[str, typer.Option(help="workspace key")],
    role: Annotated[Role, typer.Option(help="role of the token's API account")],
    email: Annotated[str | None, typer.Option(help="issue for this staff member instead")] = None,
    name: Annotated[str, typer.Option(help="what the token is for")] = "cli",
) -> None:
    """Print a new bearer token (stored hashed; shown only now)."""
    from sqlalchemy import select

    from kefu.auth import service as auth
    from kefu.auth.models import Staff

    rt = _runtime()
    with rt.sessions() as session:
        ws = auth.get_workspace_by_key(session, workspace)
        if ws is None:
            console.print(f"[red]no workspace {workspace!r}[/red]")
            raise typer.Exit(2)
        if email:
            staff = session.scalars(
                select(Staff).where(Staff.workspace_id == ws.id, Staff.email == email.lower())
            ).first()
            if staff is None:
                console.print(f"[red]no staff member {email!r} in {workspace}[/red]")
                raise typer.Exit(2)
        else:
            staff = auth.service_account(session, workspace=ws, role=role)
        _, raw = auth.issue_token(session, staff=staff, name=name)
        session.commit()
    print(raw)
    rt.close()


def _serve(host: str, port: int, settings: Settings) -> None:
    import uvicorn

    from kefu.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@app.command()
def serve(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Serve the API and web UI (KEFU_DATABASE_URL, default SQLite kefu.db)."""
    _serve(host, port, get_settings())


@app.command()
def demo(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    reset: Annotated[bool, typer.Option(help="drop the demo workspace and seed it again")] = False,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="seed and print, do not serve")
    ] = False,
) -> None:
    """Migrate, seed the demo shop (fixed seed), print logins and tokens, and serve."""
    from kefu import migrate
    from kefu.bot.dialogue import demo as bot_demo
    from kefu.demo import seed

    settings = get_settings()
    rt = _runtime(settings)
    migrate.upgrade(rt.engine)
    with rt.sessions() as session:
        creds = seed.ensure_demo(session, reset=reset)
        shopper = bot_demo.shopper_token_for(
            session, creds.workspace_key, timedelta(seconds=settings.widget_token_max_age_s - 60)
        )
        session.commit()
    rt.close()
    base = f"http://{host}:{port}"
    console.print(
        f"\n[bold]kefu demo — {creds.workspace_name}[/bold] (workspace key: {creds.workspace_key})"
    )
    console.print(
        f"  web UI    {base}/login\n  workbench {base}/workbench · supervisor {base}/supervisor\n"
        f"  shop      {base}/demo/shop (the chat widget)\n"
        f"  bot demo  {base}/demo/shop?token={shopper} (小林, a shopper with orders: "
        "try 我的快递到哪了 · 买完就降价了 · 转人工)\n"
        f"  API docs  {base}/docs\n  health    {base}/healthz\n"
    )
    for login in creds.logins:
        console.print(f"  {login.role:<11} {login.email:<34} password: {login.password}")
        console.print(f"  {'':<11} token: {login.token}")
    console.print(
        f'\n  try: curl -H "Authorization: Bearer {creds.logins[-1].token}" {base}/api/v1/tickets\n'
    )
    if not no_serve:
        _serve(host, port, settings)


@app.command()
def worker(
    interval: Annotated[float, typer.Option(help="seconds between sweeps")] = 0.5,
    once: Annotated[bool, typer.Option(help="one sweep, then exit")] = False,
) -> None:
    """Background work: dispatch pending events and fire due timers (run any number of these)."""
    from kefu.channels.email.smtp import start_if_configured
    from kefu.realtime.hub import Hub
    from kefu.worker import run_once

    rt = _runtime()
    Hub(rt)  # with KEFU_REDIS_URL, what this worker commits reaches every server's sockets
    mail_server = start_if_configured(rt.sessions, rt.settings, role="worker")  # KEFU_SMTP_IN
    try:
        while True:
            dispatched, fired = run_once(rt)
            if dispatched or fired:
                console.print(f"dispatched {dispatched} event(s), fired {fired} timer(s)")
            if once:
                break
            time.sleep(interval)
    finally:
        if mail_server is not None:
            mail_server.stop()
        rt.close()


@app.command("workspace")
def workspace_create(
    key: Annotated[str, typer.Option(help="short key, e.g. lumiere")],
    name: Annotated[str, typer.Option(help="shop name shown to staff")],
    admin_email: Annotated[str, typer.Option(help="the first admin's e-mail")],
    admin_password: Annotated[
        str, typer.Option(help="the first admin's password", prompt=True, hide_input=True)
    ],
) -> None:
    """Create a workspace with its first admin and the default SLA policies."""
    from kefu.auth import service as auth
    from kefu.auth.actor import Actor
    from kefu.sla import policies

    rt = _runtime()
    with rt.sessions() as session:
        ws = auth.create_workspace(session, key=key, name=name)
        auth.create_staff(
            session,
            actor=Actor.system(ws.id),
            email=admin_email,
            name="Admin",
            role=Role.admin,
            password=admin_password,
        )
        policies.install_templates(session, workspace_id=ws.id)
        session.commit()
    console.print(f"[green]workspace {key} created[/green]; widget secret: {ws.widget_secret}")
    rt.close()


@app.command()
def bench(
    name: Annotated[str, typer.Argument(help="ingest")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    scale: Annotated[float, typer.Option(help="multiply the workload (0.1 for a quick run)")] = 1.0,
) -> None:
    """Run a benchmark; every machine-dependent figure comes with a ratio to a same-run reference."""
    from kefu.bench import BENCHMARKS

    if name not in BENCHMARKS:
        console.print(
            f"[red]unknown benchmark {name!r}; known: {', '.join(sorted(BENCHMARKS))}[/red]"
        )
        raise typer.Exit(2)
    result = BENCHMARKS[name](scale=scale)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        console.print_json(data=result)


if __name__ == "__main__":
    app()
