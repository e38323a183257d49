"""The private redis-server lives in the package (`bot.fakes.redis_server`) so benchmarks and
the demo can start one too; tests keep importing it from here."""

from bot.fakes.redis_server import RedisServer, free_port, running_redis

__all__ = ["RedisServer", "free_port", "running_redis"]
