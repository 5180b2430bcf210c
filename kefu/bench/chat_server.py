"""Servers for `kefu bench chat`, each a child process serving a socket the parent bound.

`--app kefu` is kefu itself (settings from the environment the parent sets); `--app echo` is a
bare Starlette WebSocket endpoint that sends every text frame straight back — the ceiling the
same clients reach on this machine with no database, no hub, no protocol.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

# base address -> the child's pid, while it serves (for `cpu_seconds`).
_PIDS: dict[str, int] = {}


async def _echo(ws: WebSocket) -> None:
    await ws.accept()
    try:
        while True:
            await ws.send_text(await ws.receive_text())
    except WebSocketDisconnect:
        pass


async def _health(_request: object) -> PlainTextResponse:
    return PlainTextResponse("ok")


def echo_app() -> Starlette:
    return Starlette(routes=[WebSocketRoute("/echo", _echo), Route("/healthz", _health)])


@contextmanager
def serve(app: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start a server child; yields its base address `127.0.0.1:port` once it answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)
    port = sock.getsockname()[1]
    fd = sock.fileno()
    cmd = [sys.executable, "-m", __name__, "--fd", str(fd), "--app", app]
    environ = {**os.environ, **(env or {})}
    proc = subprocess.Popen(  # noqa: S603
        cmd, pass_fds=(fd,), env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    sock.close()
    base = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"http://{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"bench server ({app}) did not start")
            time.sleep(0.1)
        _PIDS[base] = proc.pid
        yield base
    finally:
        _PIDS.pop(base, None)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def cpu_seconds(base: str) -> float:
    """CPU time (user + system, every thread) the server at `base` has used so far; 0 if unknown.

    Unlike wall-clock figures this hardly moves with what else the machine runs.
    """
    pid = _PIDS.get(base)
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After "pid (comm)": state is field 3, utime and stime fields 14 and 15 (clock ticks).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--app", choices=("kefu", "echo"), required=True)
    args = parser.parse_args()
    if args.app == "echo":
        target = echo_app()
    else:
        from kefu.app import create_app
        from kefu.config import get_settings

        target = create_app(get_settings())
    sock = socket.socket(fileno=args.fd)
    config = uvicorn.Config(target, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
