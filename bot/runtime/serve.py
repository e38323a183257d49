"""`regbot serve`: Slack traffic in, health and metrics out, and a graceful stop.

Slack mode: **Socket Mode** when ``SLACK_APP_TOKEN`` is set (an outbound WebSocket, no public
URL), **HTTP** otherwise (Slack POSTs to ``/slack/events``). In both modes an aiohttp server
on ``HOST:PORT`` answers ``/healthz`` and ``/metrics``.

On SIGTERM or SIGINT, in this order:

1. stop taking work — close the Socket Mode connection (Slack re-delivers envelopes nobody
   acknowledged) or stop the HTTP server (aiohttp lets running requests finish);
2. let the work in flight finish (Bolt's post-ack listener tasks, see `bot.inflight`), at
   most ``grace`` seconds, then cancel what is left;
3. stop the background components (the scheduler), each bounded too;
4. close connections: the IONOS client and the Redis pool close when `assemble` exits.

A second signal while stopping is ignored: the bounds above already cap the wait.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.ionos.errors import IonosError
from bot.policy.model import Policy
from bot.runtime.heap import freeze_startup_heap
from bot.runtime.inflight import InFlight
from bot.runtime.logs import OneTraceback, configure_logging
from bot.runtime.loop import run, running_loop_name
from bot.runtime.settings import Settings
from bot.runtime.web import make_web_app
from bot.runtime.wiring import Bot, assemble, load_config

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 20.0  # seconds for the work in flight to finish
HTTP_SHUTDOWN = 5.0  # seconds for running HTTP requests (Bolt acks within 3 s)
BACKGROUND_STOP = 5.0  # seconds for each background component to stop
# Worst case ~30 s in all: Kubernetes' default terminationGracePeriodSeconds; compose.yaml
# sets stop_grace_period to 40s.
SlackMode = Literal["socket", "http"]


class Background(Protocol):
    """Something that runs beside Slack traffic, e.g. `bot.scheduler.Scheduler`. ``start``
    may be plain or async; ``stop`` waits until it has stopped."""

    def start(self) -> object: ...

    async def stop(self) -> None: ...


def slack_mode(settings: Settings) -> SlackMode:
    return "socket" if settings.slack_app_token is not None else "http"


def socket_logger() -> logging.Logger:
    """slack_sdk's Socket Mode client logs each failed connection attempt with a traceback
    (every `ping_interval` while Slack is unreachable): one traceback, then one line each."""
    logger = logging.getLogger("slack_sdk.socket_mode")
    if not any(isinstance(f, OneTraceback) for f in logger.filters):
        logger.addFilter(OneTraceback(reset="has been established"))
    return logger


class TrackedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's aiohttp Socket Mode handler, with each envelope's work counted as in flight."""

    def __init__(self, bot: Bot, app_token: str, *, ping_interval: float = 10) -> None:
        super().__init__(
            bot.bolt,
            app_token,
            logger=socket_logger(),
            web_client=bot.slack,
            ping_interval=ping_interval,
        )
        self._inflight = bot.inflight

    # Bolt's own handler narrows `client` the same way: only its aiohttp client calls this.
    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        task = asyncio.current_task()
        if task is not None:
            self._inflight.adopt(task)
        with self._inflight.dispatching():
            await super().handle(client, req)

    async def connected(self) -> bool:
        return bool(await self.client.is_connected())

    # slack_bolt leaves these two unannotated
    async def open(self) -> None:
        await self.connect_async()  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        await self.close_async()  # type: ignore[no-untyped-call]


def socket_handler(bot: Bot, settings: Settings) -> TrackedSocketModeHandler:
    """The Socket Mode handler (must be built inside the running loop)."""
    if settings.slack_app_token is None:
        raise ValueError("Socket Mode needs SLACK_APP_TOKEN")
    return TrackedSocketModeHandler(bot, settings.slack_app_token.get_secret_value())


def serve_command(args: argparse.Namespace) -> int:
    settings, policy = load_config()
    configure_logging(settings.log_level, settings.log_format)
    port = args.port if args.port is not None else settings.port
    try:
        run(_main(settings, policy, port), loop=settings.regbot_event_loop)
    except OSError as exc:  # e.g. the port is taken
        print(
            f"regbot: cannot serve on {settings.host}:{port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    return 0


async def _main(settings: Settings, policy: Policy, port: int) -> None:
    async with assemble(settings, policy) as bot:
        await serve(bot, settings, port=port, background=background_for(bot))


def background_for(bot: Bot) -> list[Background]:
    """The components `regbot serve` runs beside Slack traffic."""
    return [bot.scheduler]


async def serve(
    bot: Bot,
    settings: Settings,
    *,
    port: int,
    background: Sequence[Background] = (),
    stop: asyncio.Event | None = None,
    grace: float = SHUTDOWN_GRACE,
) -> None:
    """Serve until `stop` is set — by default, until SIGTERM or SIGINT — then shut down
    gracefully (see the module docstring). The caller owns `bot` (`assemble`)."""
    loop = asyncio.get_running_loop()
    signals: tuple[signal.Signals, ...] = ()
    if stop is None:
        stop, signals = asyncio.Event(), (signal.SIGTERM, signal.SIGINT)
        for sig in signals:
            loop.add_signal_handler(sig, _stopper(stop, sig))
    mode = slack_mode(settings)
    with bot.inflight.installed(loop):
        handler = socket_handler(bot, settings) if mode == "socket" else None
        runner = web.AppRunner(
            _web_app(bot, handler),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=min(grace, HTTP_SHUTDOWN),
        )
        connecting: asyncio.Task[Any] | None = None
        warming = asyncio.create_task(_warm_catalog(bot))
        try:
            await runner.setup()
            await web.TCPSite(runner, settings.host, port).start()
            if handler is not None:
                connecting = asyncio.create_task(handler.open())
            for component in background:
                started = component.start()
                if inspect.isawaitable(started):
                    await started
            frozen = freeze_startup_heap()  # ready: what lives now lives until the end
            log.info(
                "regbot serving",
                extra={
                    "mode": mode,
                    "port": port,
                    "event_loop": running_loop_name(),
                    "frozen_objects": frozen,
                },
            )
            await stop.wait()
            log.info("regbot stopping", extra={"in_flight": len(bot.inflight)})
        finally:
            await _shut_down(bot.inflight, runner, handler, connecting, warming, background, grace)
            for sig in signals:
                loop.remove_signal_handler(sig)
    log.info("regbot stopped")


async def _stop(component: Background, grace: float) -> None:
    """``component.stop()``, bounded. Not `asyncio.wait_for`: a stop that swallows its own
    cancellation would make wait_for return as if it had stopped in time."""
    stopping = asyncio.ensure_future(component.stop())
    await asyncio.wait({stopping}, timeout=grace)
    if not stopping.done():
        log.warning("a background component did not stop in time", extra={"grace": grace})
        stopping.cancel()  # whatever is left is cancelled when the loop closes
    elif not stopping.cancelled() and stopping.exception() is not None:
        log.error(
            "a background component failed to stop",
            extra={"error": repr(stopping.exception())},
        )


def _stopper(stop: asyncio.Event, sig: signal.Signals) -> Callable[[], None]:
    def on_signal() -> None:
        if not stop.is_set():
            log.info("signal received", extra={"signal": sig.name})
        stop.set()

    return on_signal


def _web_app(bot: Bot, handler: TrackedSocketModeHandler | None) -> web.Application:
    if handler is None:
        return bot.web_app  # /slack/events, /healthz, /metrics

    async def health() -> dict[str, str]:
        checks = await bot.health()
        checks["slack"] = "ok" if await handler.connected() else "error: not connected"
        return checks

    return make_web_app(None, health, metrics=bot.metrics.render)


async def _warm_catalog(bot: Bot) -> None:
    """Load the registry list once, so the first `/regtoken request` opens at once."""
    with contextlib.suppress(IonosError):
        await bot.services.catalog.refresh()


async def _shut_down(
    inflight: InFlight,
    runner: web.AppRunner,
    handler: TrackedSocketModeHandler | None,
    connecting: asyncio.Task[Any] | None,
    warming: asyncio.Task[None],
    background: Sequence[Background],
    grace: float,
) -> None:
    # 1. stop taking work
    if connecting is not None and not connecting.done():
        connecting.cancel()
    if handler is not None:
        await handler.close()
    await runner.cleanup()  # stops listening, lets running requests finish (bounded)
    warming.cancel()
    # 2. the work in flight
    cancelled = await inflight.drain(grace)
    log.info("in-flight work finished", extra={"cancelled": cancelled})
    # 3. background components, last started first
    for component in reversed(background):
        await _stop(component, min(grace, BACKGROUND_STOP))
    await asyncio.gather(*(t for t in (connecting, warming) if t), return_exceptions=True)
