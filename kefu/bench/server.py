"""A real uvicorn server for the HTTP benchmarks, in its own process on a socket handed over by fd.

The parent binds and listens on 127.0.0.1:0 first, so the port is known and no request is lost
while the child starts: connections wait in the listen backlog until uvicorn accepts them.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import httpx

# Event loop and HTTP parser uvicorn picks when uvicorn[standard] is installed.
LOOP = "auto"
HTTP = "auto"


class Server:
    """A started server: `ready()` waits until it answers and returns its base URL."""

    def __init__(self, proc: subprocess.Popen[bytes], base: str, log: IO[str]) -> None:
        self.proc, self.base, self._log = proc, base, log

    def ready(self) -> str:
        try:
            httpx.get(f"{self.base}/healthz", timeout=60).raise_for_status()
        except httpx.HTTPError as exc:
            self.proc.kill()
            self.proc.wait()
            self._log.seek(0)
            raise RuntimeError(
                f"benchmark server did not start: {exc}\n{self._log.read()}"
            ) from exc
        return self.base


@contextmanager
def serve(database_url: str) -> Iterator[Server]:
    """Start kefu under uvicorn in a child process (it boots meanwhile); stop it on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    host, port = sock.getsockname()
    fd = sock.fileno()
    cmd = [sys.executable, "-m", __name__, "--fd", str(fd), "--database-url", database_url]
    # The server's output goes to a file: a pipe nobody reads could fill up and stall the server.
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen(cmd, pass_fds=(fd,), stdout=log, stderr=log)  # noqa: S603
        sock.close()
        try:
            yield Server(proc, f"http://{host}:{port}", log)
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def describe() -> dict[str, str]:
    """Which uvicorn implementation pieces are in use (they change the HTTP figures a lot)."""
    import uvicorn

    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    try:
        import httptools  # noqa: F401

        http = "httptools"
    except ImportError:
        http = "h11"
    return {
        "server": f"uvicorn {uvicorn.__version__}, 1 worker process, {loop} + {http}",
        "client": f"httpx {httpx.__version__}, one keep-alive connection, one request at a time",
        "address": "127.0.0.1",
    }


def main() -> None:
    import uvicorn

    from kefu.app import create_app
    from kefu.config import Settings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    sock = socket.socket(fileno=args.fd)
    # No timer sweeps in the measured server: its worker thread would race the benchmark's own
    # process for the outbox rows it verifies (in production a worker owns that job).
    app = create_app(Settings(database_url=args.database_url, worker_in_process=False))
    config = uvicorn.Config(app, loop=LOOP, http=HTTP, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
