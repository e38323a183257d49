"""A Redis that fails over, for tests: one master, one replica and three sentinels, each a
`redis-server` process of its own on loopback (Debian's binary runs Sentinel with
``--sentinel``), quorum 2, a master declared down after 1 s.

    with sentinel_group() as group:
        env["REDIS_SENTINELS"] = group.sentinels_env
        group.kill_master()                 # SIGKILL, as a crash
        await group.wait_for_failover(old)  # the sentinels name the replica
        group.restart_old_master()          # it comes back; the sentinels make it a replica
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis

from bot.devtools.redis_server import RedisServer, free_port

MASTER_NAME = "regbot-primary"
# a new replica full-syncs at once (Redis 7 waits 5 s by default before a diskless sync)
QUICK_SYNC = ("--repl-diskless-sync-delay", "0")


@dataclass
class SentinelGroup:
    directory: Path
    servers: list[RedisServer]  # [first master, first replica]
    sentinel_ports: list[int]
    sentinels: list[subprocess.Popen[bytes]] = field(default_factory=list)
    name: str = MASTER_NAME

    @property
    def sentinels_env(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def sentinel(self, index: int = 0) -> redis.Redis:
        return redis.Redis(port=self.sentinel_ports[index], decode_responses=True)

    def master_port(self) -> int:
        """The master's port as the first sentinel that answers names it."""
        for port in self.sentinel_ports:
            with contextlib.suppress(redis.RedisError):
                client = redis.Redis(port=port, decode_responses=True, socket_timeout=0.5)
                address = client.sentinel_get_master_addr_by_name(self.name)
                if address:
                    return int(address[1])
        raise RuntimeError("no sentinel names a master")

    def server_on(self, port: int) -> RedisServer:
        return next(s for s in self.servers if s.port == port)

    def master_client(self) -> redis.Redis:
        return redis.Redis(port=self.master_port(), decode_responses=True, socket_timeout=2)

    def start_sentinels(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        master = self.servers[0].port
        for port in self.sentinel_ports:
            conf = self.directory / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndaemonize no\ndir {self.directory}\n"
                f"sentinel monitor {self.name} 127.0.0.1 {master} 2\n"
                f"sentinel down-after-milliseconds {self.name} 1000\n"
                f"sentinel failover-timeout {self.name} 5000\n"
                f"sentinel parallel-syncs {self.name} 1\n",
                encoding="utf-8",
            )
            self.sentinels.append(
                subprocess.Popen(  # noqa: S603 - our own binary and config
                    [binary, str(conf), "--sentinel", "--loglevel", "warning"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )

    def wait_until_ready(self, limit: float = 30) -> None:
        """Replica online at the master; every sentinel knows the replica and the others."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if self.replicas_online() >= 1 and all(
                    len(self.sentinel(i).sentinel_slaves(self.name)) >= 1
                    and len(self.sentinel(i).sentinel_sentinels(self.name)) >= 2
                    for i in range(len(self.sentinel_ports))
                ):
                    return
            time.sleep(0.1)
        raise RuntimeError("the sentinel group did not come up")

    def wait_until_replicated(self, limit: float = 30) -> None:
        """Until the master's replica acknowledges writes ("online" comes before its first
        ACK: a replica with an append-only file rewrites it after a full sync)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError, RuntimeError):
                master = self.master_client()
                master.set("probe", "1")
                if master.wait(1, 1000) >= 1:
                    return
            time.sleep(0.1)
        raise RuntimeError("no replica acknowledges the master's writes")

    def replicas_online(self) -> int:
        info = self.master_client().info("replication")
        return sum(
            1
            for key, value in info.items()
            if key.startswith("slave") and isinstance(value, dict) and value["state"] == "online"
        )

    def kill_master(self) -> RedisServer:
        server = self.server_on(self.master_port())
        server.kill()
        return server

    def wait_for_failover(self, old_port: int, limit: float = 30) -> int:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            port = self.master_port()
            if port != old_port:
                return port
            time.sleep(0.05)
        raise RuntimeError("no failover")

    def restart(self, server: RedisServer) -> None:
        """Back as it was started; the sentinels turn a former master into a replica."""
        server.start()

    def stop(self) -> None:
        for process in self.sentinels:
            process.kill()
            process.wait()
        for server in self.servers:
            server.stop()


@contextlib.contextmanager
def sentinel_group() -> Iterator[SentinelGroup]:
    with tempfile.TemporaryDirectory(prefix="regbot-sentinel-") as tmp:
        directory = Path(tmp)
        master_dir, replica_dir = directory / "master", directory / "replica"
        master_dir.mkdir()
        replica_dir.mkdir()
        master = RedisServer(port=free_port(), directory=master_dir, extra=QUICK_SYNC)
        replica = RedisServer(
            port=free_port(),
            directory=replica_dir,
            extra=(*QUICK_SYNC, "--replicaof", "127.0.0.1", str(master.port)),
        )
        group = SentinelGroup(directory, [master, replica], [free_port() for _ in range(3)])
        try:
            master.start()
            replica.start()
            group.start_sentinels()
            group.wait_until_ready()
            group.wait_until_replicated()
            yield group
        finally:
            group.stop()
