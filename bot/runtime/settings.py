"""Settings from the environment (pydantic-settings), read once by the composition root.

A missing or wrong setting stops start-up with one line naming it (`SettingsError`), never
a stack trace later.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.runtime.redis_settings import RedisSettings

S = TypeVar("S", bound=BaseSettings)

DEFAULT_IONOS_API_URL = "https://api.ionos.com/containerregistries"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class SettingsError(Exception):
    """A setting is missing or wrong; the message is one line meant for the operator."""


class Settings(RedisSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_command: str = Field(default="/regtoken", pattern=r"^/[a-z0-9_-]{1,31}$")

    ionos_token: SecretStr | None = None
    ionos_username: str | None = None
    ionos_password: SecretStr | None = None
    ionos_contract_number: int | None = None
    ionos_api_url: str = DEFAULT_IONOS_API_URL
    ionos_max_in_flight: int = Field(default=8, ge=1, le=256)
    ionos_rate_per_second: float | None = Field(default=None, gt=0)
    ionos_timeout_seconds: float = Field(default=10.0, gt=0)

    # Proxies as curl reads them (either case). The IONOS client takes its proxy from these
    # once, at start (`bot.runtime.ionos_transport.proxy_for`); slack_sdk reads HTTPS_PROXY /
    # HTTP_PROXY itself. SecretStr: a proxy URL may carry a password.
    https_proxy: SecretStr | None = None
    http_proxy: SecretStr | None = None
    no_proxy: str | None = None

    regbot_policy: Path = Path("policy.yml")

    host: str = "0.0.0.0"  # noqa: S104 - a container serves on all interfaces by design
    port: int = Field(default=3000, ge=1, le=65535)
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    log_format: str = Field(default="json", pattern=r"^(json|text)$")
    # uvloop serves the same work with about a tenth less CPU (docs/performance.md, #17);
    # "asyncio" is the standard library's loop, for debugging (PYTHONASYNCIODEBUG) or a doubt.
    regbot_event_loop: str = Field(default="uvloop", pattern=r"^(uvloop|asyncio)$")

    @field_validator("slack_app_token", mode="before")
    @classmethod
    def _app_token(cls, value: object) -> object:
        """Empty means unset (an ``.env`` line ``SLACK_APP_TOKEN=`` must not switch modes)."""
        if value in ("", None):
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        if not text.startswith("xapp-"):
            raise ValueError("must be an app-level token (xapp-…), from Basic Information")
        return value

    @field_validator("https_proxy", "http_proxy", mode="before")
    @classmethod
    def _proxy(cls, value: object) -> object:
        """As curl reads it: empty is unset, ``host:port`` means ``http://host:port``."""
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text is None or not str(text).strip():
            return None
        text = str(text).strip()
        if "://" not in text:
            text = f"http://{text}"
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("must be a proxy URL such as http://proxy.internal:3128")
        return text

    @model_validator(mode="after")
    def _one_ionos_credential(self) -> Settings:
        basic = self.ionos_username is not None or self.ionos_password is not None
        if self.ionos_token is None and not basic:
            raise ValueError("set IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD")
        if self.ionos_token is None and (
            self.ionos_username is None or self.ionos_password is None
        ):
            raise ValueError("IONOS_USERNAME and IONOS_PASSWORD go together")
        return self


def load_settings() -> Settings:
    """Read the environment; raise `SettingsError` with one line naming what is wrong."""
    return load(Settings)


def load(kind: type[S]) -> S:
    """`kind` from the environment, or `SettingsError` with one line naming what is wrong."""
    try:
        return kind()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper()
        if first["type"] == "missing":
            raise SettingsError(f"{field} is not set") from None
        where = f"{field}: " if field else ""
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{where}{msg}") from None
