"""Where Redis is: one server or a managed endpoint (`REDIS_URL`), or a Sentinel-watched
primary (`REDIS_SENTINELS` + `REDIS_SENTINEL_MASTER`), and how many replicas must hold a
write before a person is told about it (`REDIS_MIN_REPLICAS_ACK`).

Its own settings class so that the commands which need only Redis (`regbot audit …`) read
exactly these variables, through the same validation as `regbot serve`.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class RedisSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    redis_url: str = DEFAULT_REDIS_URL
    redis_sentinels: str = ""  # host:port,host:port (parsed and checked below)
    redis_sentinel_master: str | None = None
    redis_password: SecretStr | None = None
    redis_sentinel_password: SecretStr | None = None
    redis_min_replicas_ack: int | None = Field(default=None, ge=0, le=16)
    regbot_namespace: str = Field(default="regbot", pattern=r"^[A-Za-z0-9_.-]{1,64}$")

    @field_validator("redis_sentinels")
    @classmethod
    def _sentinels(cls, value: str) -> str:
        parse_sentinels(value)
        return value

    @field_validator("redis_password", "redis_sentinel_password", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _sentinel_pair(self) -> RedisSettings:
        if self.sentinels and not self.redis_sentinel_master:
            raise ValueError("REDIS_SENTINELS needs REDIS_SENTINEL_MASTER (the master's name)")
        if self.redis_sentinel_master and not self.sentinels:
            raise ValueError("REDIS_SENTINEL_MASTER needs REDIS_SENTINELS (host:port,...)")
        if self.redis_sentinel_password and not self.sentinels:
            raise ValueError("REDIS_SENTINEL_PASSWORD is set but REDIS_SENTINELS is not")
        if not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REDIS_URL must start with redis://, rediss:// (TLS) or unix://")
        return self

    @property
    def sentinels(self) -> list[tuple[str, int]]:
        return parse_sentinels(self.redis_sentinels)

    @property
    def uses_sentinel(self) -> bool:
        return bool(self.sentinels)

    @property
    def replicas_ack(self) -> int:
        """`REDIS_MIN_REPLICAS_ACK`, defaulting to 1 behind Sentinel and 0 otherwise."""
        if self.redis_min_replicas_ack is not None:
            return self.redis_min_replicas_ack
        return 1 if self.uses_sentinel else 0


def parse_sentinels(text: str) -> list[tuple[str, int]]:
    """``host:port,host:port`` (spaces allowed; empty means none) as (host, port) pairs."""
    found: list[tuple[str, int]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        host, sep, port = item.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{item!r} is not host:port (e.g. 10.0.0.5:26379)")
        found.append((host.strip("[]"), int(port)))
    return found
