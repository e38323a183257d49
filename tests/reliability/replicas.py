"""Several `regbot serve` processes behind one address, as a load balancer would put them.

`RoundRobin` is a small HTTP proxy: each signed Slack request goes, byte for byte, to the next
replica in turn, and the proxy records how long the replica took to answer (Slack's ack) and
with which status. `Replicas` starts the processes (`python -m bot serve`, HTTP mode) with one
environment, and waits until each answers /healthz.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.devtools.redis_server import free_port
from tests.serving import Child, run_regbot, wait_until_healthy

FORWARDED = ("Content-Type", "X-Slack-Request-Timestamp", "X-Slack-Signature")


@dataclass(frozen=True)
class Ack:
    at: float  # epoch seconds when the request arrived
    seconds: float
    status: int
    replica: int


@dataclass
class RoundRobin:
    backends: list[str]
    acks: list[Ack] = field(default_factory=list)
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    _session: aiohttp.ClientSession | None = None
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> RoundRobin:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application()
        app.router.add_post("/slack/events", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: request.headers[k] for k in FORWARDED if k in request.headers}
        index = next(self._turn) % len(self.backends)
        began, wall = time.perf_counter(), time.time()
        try:
            async with self._session.post(
                f"{self.backends[index]}/slack/events", data=body, headers=headers
            ) as answer:
                payload = await answer.read()
                status, kind = answer.status, answer.content_type
        except aiohttp.ClientError:
            status, payload, kind = 502, b"", "text/plain"
        self.acks.append(Ack(wall, time.perf_counter() - began, status, index))
        return web.Response(status=status, body=payload, content_type=kind)


@dataclass
class Replicas:
    children: list[Child]
    urls: list[str]

    async def stop(self) -> None:
        for child in self.children:
            if child.process.returncode is None:
                child.process.terminate()
        for child in self.children:
            try:
                async with asyncio.timeout(15):
                    await child.process.wait()
            except TimeoutError:
                child.process.kill()
                await child.process.wait()

    def output(self) -> str:
        return "\n".join(child.output()[-3000:] for child in self.children)


async def start_replicas(count: int, env: dict[str, str], directory: Path) -> Replicas:
    children, urls = [], []
    for index in range(count):
        port = free_port()
        where = directory / f"replica-{index}"
        where.mkdir(parents=True, exist_ok=True)
        children.append(await run_regbot(["serve"], env | {"PORT": str(port)}, where))
        urls.append(f"http://127.0.0.1:{port}")
    replicas = Replicas(children, urls)
    try:
        await asyncio.gather(
            *(
                wait_until_healthy(c, f"{u}/healthz", tries=1200)
                for c, u in zip(children, urls, strict=True)
            )
        )
    except BaseException:
        await replicas.stop()
        raise
    return replicas
