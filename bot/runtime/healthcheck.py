"""The image's HEALTHCHECK: ``python -m bot.runtime.healthcheck``. Standard library only (it
runs every 30 s; importing the bot would cost more than the check).

It looks at what the container runs — PID 1's command line, after ``regbot`` — and checks
what that command serves:

* ``serve`` (the image's CMD): ``GET /healthz`` on ``$PORT`` must answer 200;
* ``fake-ionos``, ``fake-slack``: their port (``--port``) must answer HTTP at all;
* ``sweep``: it serves nothing; healthy while it can reach Redis (``REDIS_URL``), the only
  thing it needs between ticks;
* anything else (``check-config``, ``audit``...): runs to its end; healthy.

Exit 0 healthy, 1 not (Docker's convention), with one line saying why.
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

TIMEOUT = 4.0
STAND_IN_PORTS = {"fake-ionos": 8080, "fake-slack": 8081}


def command_line(proc: Path = Path("/proc/1/cmdline")) -> list[str]:
    """The arguments after ``regbot`` (or ``-m bot``) in PID 1's command line; ``[]`` when
    PID 1 is not regbot (``--init``'s tini, a shell: then its child is, by the CMD)."""
    try:
        argv = proc.read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []
    for index, arg in enumerate(argv):
        if arg.endswith("/regbot") or arg == "regbot":
            return [a for a in argv[index + 1 :] if a]
        if arg == "bot" and index and argv[index - 1] == "-m":
            return [a for a in argv[index + 1 :] if a]
    return []


def check(args: list[str], env: dict[str, str]) -> str | None:
    """None when healthy, else why not."""
    command = args[0] if args else "serve"
    if command == "serve":
        port = _option(args, "--port") or env.get("PORT", "3000")
        return _http(f"http://127.0.0.1:{port}/healthz", need_ok=True)
    if command in STAND_IN_PORTS:
        port = _option(args, "--port") or str(STAND_IN_PORTS[command])
        return _http(f"http://127.0.0.1:{port}/", need_ok=False)
    if command == "sweep":
        return _tcp(env.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    return None


def _option(args: list[str], name: str) -> str | None:
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.partition("=")[2]
    return None


def _http(url: str, *, need_ok: bool) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 - loopback
            response.read()
    except urllib.error.HTTPError as exc:
        return f"{url}: {exc.code}" if need_ok else None
    except OSError as exc:
        return f"{url}: {exc}"
    return None


def _tcp(redis_url: str) -> str | None:
    parts = urlsplit(redis_url)
    where = (parts.hostname or "127.0.0.1", parts.port or 6379)
    try:
        with socket.create_connection(where, timeout=TIMEOUT):
            return None
    except OSError as exc:
        return f"redis at {where[0]}:{where[1]}: {exc}"


def main() -> int:
    problem = check(command_line(), dict(os.environ))
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
