"""A small asyncio TCP proxy for fault injection: put it between the bot and Redis or IONOS.

    async with TcpProxy("127.0.0.1", redis_port) as proxy:
        url = f"redis://127.0.0.1:{proxy.port}/0"
        proxy.delay = 2.0      # every answer from the target arrives 2 s late
        proxy.refuse = True    # new connections are closed as soon as they are accepted
        proxy.cut()            # every open connection is closed now

`delay` applies to the target -> client direction only (one added latency per answer, not
two). It is read for each chunk, so changing it takes effect on open connections too.
`connections` counts the connections accepted, so tests can see a client reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

CHUNK = 64 * 1024


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.delay = 0.0
        self.refuse = False
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None, "the proxy is not started"
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    def cut(self) -> None:
        """Close every open connection, both sides, without a goodbye."""
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            self.cut()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> TcpProxy:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.refuse:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()  # the target is down: so is the connection through us
            return
        self._writers |= {writer, up_writer}
        pumps = [
            asyncio.create_task(self._pump(reader, up_writer, delayed=False)),
            asyncio.create_task(self._pump(up_reader, writer, delayed=True)),
        ]
        self._tasks.update(pumps)
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pumps:
                task.cancel()
            for w in (writer, up_writer):
                self._writers.discard(w)
                w.transport.abort()
            self._tasks.difference_update(pumps)

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, delayed: bool
    ) -> None:
        """Copy until EOF. The delayed direction is a delay line: each chunk is due `delay`
        seconds after it arrived, so answers back to back are not delayed twice."""
        loop = asyncio.get_running_loop()
        line: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, chunk = await line.get()
                if not chunk:
                    return
                await asyncio.sleep(max(0.0, due - loop.time()))
                writer.write(chunk)
                await writer.drain()

        sender = asyncio.create_task(deliver())
        try:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while True:
                    chunk = await reader.read(CHUNK)
                    line.put_nowait((loop.time() + (self.delay if delayed else 0.0), chunk))
                    if not chunk:
                        break
                await sender
        finally:
            sender.cancel()
