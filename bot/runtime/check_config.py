"""`regbot check-config`: is this environment ready to serve? One line per check.

    ok   settings: HTTP mode on 0.0.0.0:3000, namespace regbot
    ok   policy: policy.yml, 2 registries listed
    ok   slack: auth.test: @regbot (UBOT) in Fake Team (T0001)
    ok   ionos: 2 registries visible at https://api.ionos.com/containerregistries
    FAIL ionos: 401 Unauthorized (check IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD)
    warn redis: PONG, appendonly=no ... (why it matters)
    ok   redis: master 10.0.0.5:6379 (from 3 sentinels), 1 replica online (10.0.0.6:6379) ...

Exit status: 0 when every required check passed (warnings allowed), 1 when one failed,
2 when the settings themselves are wrong (then nothing else can be checked). Every check is
bounded by `CHECK_TIMEOUT`; no check prints a secret or a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable
from http import HTTPStatus

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ionos.errors import IonosApiError, IonosError
from bot.ionos.retry import RetryPolicy
from bot.policy.model import Policy, PolicyError
from bot.runtime.check_redis import Check, check_redis
from bot.runtime.clients import ionos_client, slack_client
from bot.runtime.policy_access import policy_file_problem
from bot.runtime.settings import Settings, SettingsError, load_settings
from bot.services.explain import summary

CHECK_TIMEOUT = 10.0

_SLACK_HINTS = {
    "invalid_auth": "check SLACK_BOT_TOKEN",
    "not_authed": "check SLACK_BOT_TOKEN",
    "account_inactive": "the app was uninstalled or the token revoked",
    "token_revoked": "the token was revoked: reinstall the app",
}
_IONOS_HINTS = {
    401: "check IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD",
    403: "the credentials may not read Container Registries",
}


def check_config_command(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(Check("settings", "FAIL", str(exc)).line, flush=True)
        return 2
    checks = asyncio.run(run_checks(settings))
    for check in checks:
        print(check.line, flush=True)
        if check.name == "policy" and check.status == "ok":
            for line in rules_lines(Policy.load(settings.regbot_policy)):
                print(line, flush=True)
    return 1 if any(c.status == "FAIL" for c in checks) else 0


async def run_checks(settings: Settings) -> list[Check]:
    """Every check, in a fixed order; the connectivity checks run concurrently."""
    mode = "Socket Mode" if settings.slack_app_token is not None else "HTTP mode"
    first = [
        Check(
            "settings",
            "ok",
            f"{mode}, serving on {settings.host}:{settings.port}, "
            f"namespace {settings.regbot_namespace}",
        ),
        check_policy(settings),
    ]
    probes = [
        _bounded("slack", check_slack(settings)),
        _bounded("ionos", check_ionos(settings)),
        _bounded("redis", check_redis(settings)),
    ]
    if settings.slack_app_token is not None:
        app_token = settings.slack_app_token.get_secret_value()
        probes.insert(1, _bounded("slack-socket", check_socket_mode(settings, app_token)))
    return first + list(await asyncio.gather(*probes))


async def _bounded(name: str, probe: Awaitable[Check]) -> Check:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            return await probe
    except TimeoutError:
        return Check(name, "FAIL", f"no answer within {CHECK_TIMEOUT:g} s")


def check_policy(settings: Settings) -> Check:
    if problem := policy_file_problem(settings.regbot_policy):
        return Check("policy", "FAIL", problem)
    try:
        policy = Policy.load(settings.regbot_policy)
    except PolicyError as exc:
        return Check("policy", "FAIL", str(exc))
    return Check(
        "policy", "ok", f"{settings.regbot_policy}, {len(policy.registries)} registries listed"
    )


def rules_lines(policy: Policy) -> list[str]:
    """Each listed registry's rules in one line (and the defaults' when they govern others)."""
    names = list(policy.registries)
    lines = [f"ok   rules {name}: {summary(policy.for_registry(name))}" for name in names]
    other = "(any other registry)"  # not a registry name: the defaults, when they govern
    if policy.governs(other):
        lines.append(f"ok   rules {other}: {summary(policy.for_registry(other))}")
    return lines


def _slack_client(settings: Settings) -> AsyncWebClient:
    return slack_client(settings, retries=False, timeout=5)


def _slack_failure(name: str, exc: Exception, url: str, hints: dict[str, str]) -> Check:
    if isinstance(exc, SlackApiError):
        error = str(exc.response.get("error", "unknown_error"))
        hint = hints.get(error)
        return Check(name, "FAIL", f"{error} ({hint})" if hint else error)
    return Check(name, "FAIL", f"cannot reach {url} ({type(exc).__name__})")


async def check_slack(settings: Settings) -> Check:
    try:
        answer = await _slack_client(settings).auth_test()
    except (SlackApiError, aiohttp.ClientError, OSError) as exc:
        return _slack_failure("slack", exc, settings.slack_api_url, _SLACK_HINTS)
    return Check(
        "slack",
        "ok",
        f"auth.test: @{answer.get('user')} ({answer.get('user_id')}) "
        f"in {answer.get('team')} ({answer.get('team_id')})",
    )


async def check_socket_mode(settings: Settings, app_token: str) -> Check:
    """Asks for a WebSocket URL with the app-level token, without connecting to it."""
    hints = {
        "invalid_auth": "check SLACK_APP_TOKEN: an app-level token xapp-… with connections:write",
        "not_allowed_token_type": "SLACK_APP_TOKEN must be an app-level token (xapp-…)",
    }
    try:
        await _slack_client(settings).apps_connections_open(app_token=app_token)
    except (SlackApiError, aiohttp.ClientError, OSError) as exc:
        return _slack_failure("slack-socket", exc, settings.slack_api_url, hints)
    return Check("slack-socket", "ok", "apps.connections.open accepted the app-level token")


async def check_ionos(settings: Settings) -> Check:
    client = ionos_client(
        settings,
        timeout=min(settings.ionos_timeout_seconds, CHECK_TIMEOUT),
        retry=RetryPolicy.none(),
    )
    async with client:
        try:
            page = await client.list_registries(limit=100)
        except IonosApiError as exc:
            status = exc.status or 0
            phrase = HTTPStatus(status).phrase if status in set(HTTPStatus) else "error"
            hint = _IONOS_HINTS.get(status, exc.summary)
            return Check("ionos", "FAIL", f"{status} {phrase} ({hint})")
        except IonosError as exc:
            return Check("ionos", "FAIL", f"{settings.ionos_api_url}: {exc.summary}")
    count = len(page.items or [])
    more = "+" if page.pagination is not None and page.pagination.token else ""
    return Check("ionos", "ok", f"{count}{more} registries visible at {settings.ionos_api_url}")
