"""Real `kefu serve` processes for the scale-out and loss tests, and a websockets client helper."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from websockets.sync.client import ClientConnection


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Any) -> None:
        self.proc, self.port, self.log = proc, port, log
        self.http = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}"

    def output(self) -> str:
        self.log.seek(0)
        return str(self.log.read())


def start(database_url: str, port: int, **env: str) -> Served:
    log = tempfile.TemporaryFile(mode="w+")
    environ = {
        **os.environ,
        "KEFU_DATABASE_URL": database_url,
        "KEFU_WORKER_IN_PROCESS": "false",
        **{f"KEFU_{k.upper()}": v for k, v in env.items()},
    }
    cmd = [sys.executable, "-m", "kefu.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=environ, stdout=log, stderr=log)  # noqa: S603
    served = Served(proc, port, log)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{served.http}/healthz", timeout=2).status_code == 200:
                return served
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"kefu serve did not start:\n{served.output()}")
        time.sleep(0.1)


def stop(served: Served) -> None:
    if served.proc.poll() is None:
        served.proc.terminate()
        try:
            served.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            served.proc.kill()
            served.proc.wait()
    served.log.close()


@contextmanager
def serving(database_url: str, **env: str) -> Iterator[Served]:
    served = start(database_url, free_port(), **env)
    try:
        yield served
    finally:
        stop(served)


def expect(ws: ClientConnection, kind: str, timeout: float = 10.0) -> dict[str, Any]:
    """Frames until one of type `kind` (the earlier ones in `skipped`)."""
    skipped = []
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if frame["type"] == kind:
            frame["skipped"] = skipped
            return frame
        skipped.append(frame)


def say(ws: ClientConnection, **frame: Any) -> None:
    ws.send(json.dumps(frame, ensure_ascii=False))


class Listener:
    """One listening socket that successive server processes serve in turn (a restart keeps the
    address; connections made while no process serves wait in the backlog)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.port = int(self.sock.getsockname()[1])
        self.http = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}"

    def spawn(self, database_url: str, **env: str) -> subprocess.Popen[bytes]:
        """A server process that imports and builds the app, then waits for `go()` to serve."""
        environ = {
            **os.environ,
            "KEFU_DATABASE_URL": database_url,
            "KEFU_WORKER_IN_PROCESS": "false",
            **{f"KEFU_{k.upper()}": v for k, v in env.items()},
        }
        fd = self.sock.fileno()
        cmd = [sys.executable, "-m", "tests.realtime.servers", str(fd)]
        return subprocess.Popen(  # noqa: S603
            cmd, env=environ, pass_fds=(fd,), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL
        )

    def go(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.http}/healthz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server process did not start")
            time.sleep(0.05)

    def close(self) -> None:
        self.sock.close()


def _serve_on_inherited_socket() -> None:
    import uvicorn

    from kefu.app import create_app
    from kefu.config import get_settings

    app = create_app(get_settings())  # the slow part (imports, app) before the go signal
    sys.stdin.readline()
    sock = socket.socket(fileno=int(sys.argv[1]))
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    _serve_on_inherited_socket()
